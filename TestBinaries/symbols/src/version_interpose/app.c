/* References foo@V1 (linked against a libv.so with foo@@V1); needs
   libearly.so first, then libv.so. */
int foo(void);
int main(void) { return foo() - 7; }
