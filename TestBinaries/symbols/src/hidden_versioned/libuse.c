/* libuse.so: an unversioned reference to foo (linked against the stub). */
int foo(void);
int use(void) { return foo(); }
