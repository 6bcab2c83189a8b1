/* liba.so: references c2_func but has no DT_NEEDED on libc2.so. */
int c2_func(void);
int a_func(void) { return c2_func() + 1; }
