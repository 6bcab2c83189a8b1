int hfunc(void);
int use_h(void) { return hfunc(); }
