/* libmid.so: a library that also references bar@V2. */
int bar(void);
int mid(void) { return bar(); }
