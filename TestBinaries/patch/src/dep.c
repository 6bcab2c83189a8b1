/* libpdep.so: the library every patch test file needs, kept out of every search path so that only
   the runpath elfdyn writes finds it. */
int pdep_value(void) { return 42; }
