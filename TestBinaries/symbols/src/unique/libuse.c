extern int uobj;
int use_u(void) { return uobj; }
