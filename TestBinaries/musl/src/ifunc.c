/* An STT_GNU_IFUNC definition: musl's symbol lookup does not accept this type. */
static int ifn_impl(void) { return 7; }
static void *ifn_resolve(void) { return (void *)ifn_impl; }
int ifn(void) __attribute__((ifunc("ifn_resolve")));
