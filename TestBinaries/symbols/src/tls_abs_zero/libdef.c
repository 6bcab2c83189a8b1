/* libdef.so: tlsvar is the only TLS symbol (st_value 0, STT_TLS); abs0 is an
   absolute symbol with value 0 (SHN_ABS), abs_ld too (from abs.ld).
   -DZERO: instead a plain function zfunc, whose st_value symtool sets to 0. */
#ifndef ZERO
__asm__(".globl abs0\n.set abs0, 0");
__thread int tlsvar = 7;
#endif
int zfunc(void) { return 0; }
