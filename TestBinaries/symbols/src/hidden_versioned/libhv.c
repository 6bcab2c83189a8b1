/* libhv.so: foo exists only as one versioned definition:
   -DFOO_V1: foo@V1  (hidden, version index 2)
   -DFOO_V2: foo@V2  (hidden, version index 3)
   -DFOO_DEF_V2: foo@@V2 (default, index 3)
   none: plain foo (the link-time stub, no version script). */
#if defined FOO_V1
int foo_impl(void) { return 0; }
__asm__(".symver foo_impl, foo@V1");
#elif defined FOO_V2
int foo_impl(void) { return 0; }
__asm__(".symver foo_impl, foo@V2");
#elif defined FOO_DEF_V2
int foo_impl(void) { return 0; }
__asm__(".symver foo_impl, foo@@V2");
#else
int foo(void) { return 0; }
#endif
int d1(void) { return 1; }
int d2(void) { return 2; }
