/* dynpatch FILE STRING: turn the DT_NEEDED entry naming STRING into a
   DT_RUNPATH entry (same string). GNU ld, gold and lld never write DT_RPATH
   and DT_RUNPATH into one object, so this is how the test builds an object
   that has both (link with -rpath ... --disable-new-dtags plus a stub library
   whose soname is the wanted runpath, then patch). ELF64 little-endian only. */
#include <elf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv) {
  if (argc != 3) { fprintf(stderr, "usage: dynpatch FILE NEEDED-STRING\n"); return 2; }
  FILE *f = fopen(argv[1], "r+b");
  if (!f) { perror(argv[1]); return 1; }
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  rewind(f);
  unsigned char *b = malloc(n);
  if (!b || fread(b, 1, n, f) != (size_t)n) { perror("read"); return 1; }
  Elf64_Ehdr *eh = (Elf64_Ehdr *)b;
  if (memcmp(eh->e_ident, ELFMAG, SELFMAG) || eh->e_ident[EI_CLASS] != ELFCLASS64) {
    fprintf(stderr, "dynpatch: %s: not ELF64\n", argv[1]); return 1;
  }
  Elf64_Phdr *ph = (Elf64_Phdr *)(b + eh->e_phoff);
  Elf64_Dyn *dyn = NULL;
  Elf64_Addr strtab = 0;
  long stroff = -1;
  for (int i = 0; i < eh->e_phnum; i++)
    if (ph[i].p_type == PT_DYNAMIC) dyn = (Elf64_Dyn *)(b + ph[i].p_offset);
  if (!dyn) { fprintf(stderr, "dynpatch: no PT_DYNAMIC\n"); return 1; }
  for (Elf64_Dyn *d = dyn; d->d_tag != DT_NULL; d++)
    if (d->d_tag == DT_STRTAB) strtab = d->d_un.d_ptr;
  for (int i = 0; i < eh->e_phnum; i++)
    if (ph[i].p_type == PT_LOAD && strtab >= ph[i].p_vaddr && strtab < ph[i].p_vaddr + ph[i].p_filesz)
      stroff = (long)(strtab - ph[i].p_vaddr + ph[i].p_offset);
  if (stroff < 0) { fprintf(stderr, "dynpatch: DT_STRTAB not in a PT_LOAD\n"); return 1; }
  int done = 0;
  for (Elf64_Dyn *d = dyn; d->d_tag != DT_NULL; d++)
    if (d->d_tag == DT_NEEDED && !strcmp((char *)b + stroff + d->d_un.d_val, argv[2])) {
      d->d_tag = DT_RUNPATH;
      done++;
    }
  if (done != 1) { fprintf(stderr, "dynpatch: %d DT_NEEDED [%s] in %s\n", done, argv[2], argv[1]); return 1; }
  rewind(f);
  if (fwrite(b, 1, n, f) != (size_t)n || fclose(f)) { perror("write"); return 1; }
  return 0;
}
