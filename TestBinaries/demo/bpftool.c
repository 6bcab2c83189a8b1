int bpf_log(char *buffer, unsigned long size, const char *format, ...);
int vs_format(char *buffer, unsigned long size, const char *format, ...);

int main(void) {
  char buffer[64];
  return bpf_log(buffer, sizeof buffer, "%d", 42) == 2 && vs_format(buffer, sizeof buffer, "x") == 1 ? 0 : 1;
}
