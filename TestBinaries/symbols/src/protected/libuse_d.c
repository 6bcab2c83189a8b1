int dhid(void), dint(void);
int use_d(void) { return dhid() + dint(); }
