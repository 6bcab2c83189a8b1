/* libother.so: takes libfunc's address through the GOT (R_X86_64_GLOB_DAT). */
int libfunc(void);
void *other_addr(void) { return (void *)&libfunc; }
