/* libdep.so: the definitions libuse.so and libtls.so bind to. */
int dep_data = 42;
__thread int dep_tls = 7;

int dep_func(int x) { return x + dep_data; }
