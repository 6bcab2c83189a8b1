/* foo and bar for the symbol-version scenarios.
   -DHIDDEN_ONLY  foo only as the non-default (hidden) foo@VER_2
   -DHIDDEN_AND_DEFAULT  foo@VER_1 (hidden) and foo@@VER_2 (default)
   otherwise plain foo and bar (versions come from the version script, if any). */
#if defined(HIDDEN_ONLY)
int foo_v2(void) { return 2; }
__asm__(".symver foo_v2, foo@VER_2");
int bar(void) { return 3; }
#elif defined(HIDDEN_AND_DEFAULT)
int foo_v1(void) { return 1; }
int foo_v2(void) { return 2; }
__asm__(".symver foo_v1, foo@VER_1");
__asm__(".symver foo_v2, foo@@VER_2");
int bar(void) { return 3; }
#else
int foo(void) { return 2; }
int bar(void) { return 3; }
#endif
