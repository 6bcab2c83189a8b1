int preload_only(void) { return 0; }
