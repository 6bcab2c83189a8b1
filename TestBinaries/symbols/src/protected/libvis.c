/* libvis.so: pfunc protected (exported), hfunc hidden (not exported);
   dhid and dint are default, and symtool makes them STV_HIDDEN / STV_INTERNAL
   in .dynsym of the patched copy. */
__attribute__((visibility("protected"))) int pfunc(void) { return 0; }
__attribute__((visibility("hidden"))) int hfunc(void) { return 0; }
int dhid(void) { return 0; }
int dint(void) { return 0; }
int vis_anchor(void) { return hfunc(); }
