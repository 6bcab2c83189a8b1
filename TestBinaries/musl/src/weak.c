/* Weak undefined references (function and data): never an error.
   -DSTRONG=name adds one ordinary reference that is satisfied. */
extern int weak_fn(void) __attribute__((weak));
extern int weak_data __attribute__((weak));
#ifdef STRONG
int STRONG(void);
#endif
int main(void) {
  int r = 0;
  if (weak_fn) r += weak_fn();
  if (&weak_data) r += weak_data;
#ifdef STRONG
  r += STRONG();
#endif
  return r;
}
