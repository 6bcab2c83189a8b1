/* app: defines host_api (exported with -rdynamic) and needs libplug.so. */
int host_api(int x) { return x + 1; }
int plug_run(void);
int main(void) { return plug_run() - 2; }
