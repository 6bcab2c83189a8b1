/* progaddr (DT_NEEDED libuse.so, libgone.so; linked against the stub libgone.so that defined
   missing_func), non-PIC: takes the address of missing_func, which nothing
   defines. The linker gives the program a PLT entry for it and, for pointer equality, an undefined
   .dynsym entry whose st_value is that PLT entry's address (a "canonical PLT entry"; ppc64 ELFv1
   needs none: function pointers are descriptors). glibc looks up JUMP_SLOT relocations with
   ELF_RTYPE_CLASS_PLT, which never takes an undefined entry, valued or not: libuse.so's call and
   the program's own PLT entry stay unresolved. Only data-class references (GLOB_DAT, ABS) may
   bind to such an entry.
   Expected: missing_func in progaddr (where the linker wrote a JUMP_SLOT for it), plus libuse.so's
   missing_func and missing_data. */
extern int missing_func(int);
extern int use_func(int);

int (*volatile fp)(int);
volatile int sink;

void _start(void) {
  fp = missing_func;
  sink = use_func(1);
  for (;;) {
  }
}
