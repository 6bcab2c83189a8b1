int zfunc(void);
int usez(void) { return zfunc(); }
