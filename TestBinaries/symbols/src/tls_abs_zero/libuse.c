/* libuse.so: DTPMOD64/DTPOFF64 against tlsvar, GLOB_DAT against abs0 and abs_ld. */
extern __thread int tlsvar;
extern char abs0[], abs_ld[];
long use(void) { return tlsvar + (long)(void *)abs0 + (long)(void *)abs_ld; }
