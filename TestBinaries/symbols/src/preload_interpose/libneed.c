/* libneed.so: references preload_only(), which only libpre.so defines. */
int preload_only(void);
int need(void) { return preload_only(); }
