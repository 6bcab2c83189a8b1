int runtime_version(void) { return 1; }
