/* wrapper.o -> libwrapper.a: the C helper a Rust build script compiles. */
#include <stdarg.h>
#include <stdio.h>
int vsnprintf_wrapper(char *buf, size_t n, const char *fmt, va_list ap) { return vsnprintf(buf, n, fmt, ap); }
