/* maybe() is a weak undefined reference nothing defines. */
__attribute__((weak)) extern int maybe(void);
int try_maybe(void) { return maybe ? maybe() : 0; }
