/* libplug.so: a plugin calling back into its host program. */
int host_api(int);
int plug_run(void) { return host_api(1); }
