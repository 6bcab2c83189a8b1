/* libv.so: version V1 always defined (by `other`); foo@@V1 only with -DWITH_FOO. */
int other(void) { return 0; }
#ifdef WITH_FOO
int foo(void) { return 1; }
#endif
