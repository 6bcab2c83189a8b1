/* A C helper compiled into a static archive, as a Rust crate's build.rs does with the cc crate. */
#include <stdarg.h>
#include <stdio.h>

int vsnprintf_wrapper(char *buffer, unsigned long size, const char *format, va_list args) {
  return vsnprintf(buffer, size, format, args);
}
