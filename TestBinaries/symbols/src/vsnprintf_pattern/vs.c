/* libvsprintf.so: uses libwrapper.a internally, exports only vs_format. */
#include <stdarg.h>
#include <stddef.h>
int vsnprintf_wrapper(char *buf, size_t n, const char *fmt, va_list ap);
int vs_format(char *buf, size_t n, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int r = vsnprintf_wrapper(buf, n, fmt, ap);
  va_end(ap);
  return r;
}
