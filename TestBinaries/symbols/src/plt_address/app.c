/* Non-PIE: &libfunc is a link-time constant, the canonical PLT entry; the
   exe's .dynsym has libfunc UND with st_value = that PLT address. */
int libfunc(void);
void *other_addr(void);
int main(void) { return (void *)&libfunc == other_addr() ? libfunc() : 1; }
