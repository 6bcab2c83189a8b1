/* libgone.so, two builds. The link-time stub (GONE_STUB defined) defines gone_data, so
   progcopy gets a COPY relocation for it, and missing_func, so that progaddr links; the shipped
   build defines neither. The program's
   own copy (a defined symbol in its .bss) must not satisfy the COPY relocation: glibc looks it up
   with ELF_RTYPE_CLASS_COPY, which skips the executable, so gone_data is undefined.
   Expected for progcopy: exactly {gone_data} unresolved. */
#ifdef GONE_STUB
int gone_data = 1;
int missing_func(int x) { return x; }
#endif
int kept_data = 2;
