int bpf_print(const char *fmt, ...);
int vs_format(char *buf, unsigned long n, const char *fmt, ...);
int main(void) { char b[8]; return vs_format(b, sizeof b, "%d", 1) + bpf_print("x") - 2; }
