/* References foo@V1 and bar@V2 (versions taken from the link-time libv.so)
   and mid() from libmid.so.
   -DWEAK_BAR: bar is a weak reference.  -DNO_MID: no libmid.so. */
int foo(void);
#ifdef WEAK_BAR
__attribute__((weak))
#endif
int bar(void);
int mid(void);
int main(void) {
  int r = foo() - 1;
#ifdef WEAK_BAR
  r += bar ? bar() - 2 : 0;
#else
  r += bar() - 2;
#endif
#ifndef NO_MID
  r += mid() - 2;
#endif
  return r;
}
