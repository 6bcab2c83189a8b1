/* A foreign-arch library with relocations (a data pointer): -DFN name. */
int x = 1;
int *volatile p = &x;
int val(void) { return *p; }
