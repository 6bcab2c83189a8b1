int c2_func(void) { return 1; }
