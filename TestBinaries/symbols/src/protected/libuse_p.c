int pfunc(void);
int use_p(void) { return pfunc(); }
