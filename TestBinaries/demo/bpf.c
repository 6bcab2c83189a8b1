/* The "libbpf_rs" dylib: an inline function of the vsprintf crate was compiled into it, so it
   calls vsnprintf_wrapper directly, which nothing exports. */
#include <stdarg.h>

int vsnprintf_wrapper(char *buffer, unsigned long size, const char *format, va_list args);

int bpf_log(char *buffer, unsigned long size, const char *format, ...) {
  va_list args;
  va_start(args, format);
  int n = vsnprintf_wrapper(buffer, size, format, args);
  va_end(args);
  return n;
}
