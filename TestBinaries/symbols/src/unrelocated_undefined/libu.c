/* libu.so: never_used is a global undefined symbol (it goes to .dynsym as UND)
   that no relocation names. */
__asm__(".globl never_used");
int u(void) { return 0; }
