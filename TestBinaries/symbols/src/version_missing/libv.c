/* libv.so: foo@@V1 always; bar@@V2 only with -DWITH_V2 (and v2.map). */
int foo(void) { return 1; }
#ifdef WITH_V2
int bar(void) { return 2; }
#endif
