/* A shared object linked by the toolchain's lld 21: only code and a call into libpdep.so, so that
   lld's PT_GNU_RELRO segment holds .dynamic and .relro_padding and nothing else. */
int pdep_value(void);
int plib_value(void) { return pdep_value(); }
