/* Calls foo and bar (versioned at link time). */
int foo(void);
int bar(void);
int main(void) { return foo() + bar(); }
