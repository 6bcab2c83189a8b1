/* libifunc.so: ifn is a GNU IFUNC (STT_GNU_IFUNC in .dynsym). */
static int ifn_impl(void) { return 0; }
static int (*ifn_resolver(void))(void) { return ifn_impl; }
int ifn(void) __attribute__((ifunc("ifn_resolver")));
