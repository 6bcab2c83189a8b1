/* C helper compiled into OUT_DIR/libwrapper.a and linked statically into
 * libvsprintf.so. Because a Rust dylib's version script exports only the
 * Rust-level exported symbols, vsnprintf_wrapper ends up LOCAL there. */
#include <stdarg.h>
#include <stdio.h>

int vsnprintf_wrapper(char *buf, unsigned long size, const char *fmt, va_list ap)
{
    return vsnprintf(buf, size, fmt, ap);
}

/* Non-variadic convenience entry point, easier to call from Rust. */
int snprintf_int_wrapper(char *buf, unsigned long size, const char *fmt, ...);
int snprintf_int_wrapper(char *buf, unsigned long size, const char *fmt, ...)
{
    va_list ap;
    int n;
    va_start(ap, fmt);
    n = vsnprintf_wrapper(buf, size, fmt, ap);
    va_end(ap);
    return n;
}
