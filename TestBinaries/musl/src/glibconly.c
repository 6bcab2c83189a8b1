/* A library using names glibc exports and musl does not. */
const char *gnu_get_libc_version(void);
extern char __libc_single_threaded;
int g(void) { return gnu_get_libc_version()[0] + __libc_single_threaded; }
