int gone_func(void);
int mid(void) { return gone_func(); }
