/* A library with references nothing defines at run time.
   -DUFUNC=name   a call to an undefined function (PLT: JUMP_SLOT / R_386_JUMP_SLOT)
   -DUDATA=name   a read of undefined data (GOT: GLOB_DAT / R_386_GLOB_DAT)
   -DUPTR=name    a data word holding an undefined function's address
                  (R_X86_64_64 / R_386_32)
   -DUTLS=name    an undefined __thread variable (TLS relocations)
   FN (default g) is the exported entry point. */
#ifndef FN
#define FN g
#endif
#ifdef UFUNC
int UFUNC(void);
#endif
#ifdef UDATA
extern int UDATA;
#endif
#ifdef UPTR
int UPTR(void);
int (*volatile uptr_slot)(void) = UPTR;
#endif
#ifdef UTLS
extern __thread int UTLS;
#endif
int FN(void) {
  int r = 0;
#ifdef UFUNC
  r += UFUNC();
#endif
#ifdef UDATA
  r += UDATA;
#endif
#ifdef UPTR
  r += uptr_slot != 0;
#endif
#ifdef UTLS
  r += UTLS;
#endif
  return r;
}
