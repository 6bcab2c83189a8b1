int here_func(void) { return 1; }
