/* The "vsprintf" dylib: links libwrapper.a but exports only its own API (like a Rust dylib, which
   exports Rust items only), so vsnprintf_wrapper ends up a local symbol here. */
#include <stdarg.h>

int vsnprintf_wrapper(char *buffer, unsigned long size, const char *format, va_list args);

int vs_format(char *buffer, unsigned long size, const char *format, ...) {
  va_list args;
  va_start(args, format);
  int n = vsnprintf_wrapper(buffer, size, format, args);
  va_end(args);
  return n;
}
