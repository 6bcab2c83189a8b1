/* libbpf.so: calls vsnprintf_wrapper directly, as if it were exported. */
#include <stdarg.h>
#include <stddef.h>
int vsnprintf_wrapper(char *buf, size_t n, const char *fmt, va_list ap);
int bpf_print(const char *fmt, ...) {
  char buf[64];
  va_list ap;
  va_start(ap, fmt);
  int r = vsnprintf_wrapper(buf, sizeof buf, fmt, ap);
  va_end(ap);
  return r;
}
