/* symtool: patch one field of an x86_64 ELF file in place, to make symbol
 * tables no linker writes.
 *
 *   symtool FILE sym NAME vis=N      st_other visibility of the DEFINED .dynsym
 *                                    entry NAME (0 default, 1 internal,
 *                                    2 hidden, 3 protected)
 *   symtool FILE sym NAME value=N    its st_value
 *   symtool FILE vernaux NAME flags=N  vna_flags of the verneed aux entry for
 *                                    version NAME (2 = VER_FLG_WEAK)
 *
 * Only the section headers are used (the files are our own, not stripped of
 * them). Exit 1 if NAME is not there.
 */
#include <elf.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

int main(int argc, char **argv) {
  if (argc != 5 || !strchr(argv[4], '=')) {
    fprintf(stderr, "usage: symtool FILE sym NAME vis=N|value=N | symtool FILE vernaux NAME flags=N\n");
    return 2;
  }
  const char *file = argv[1], *what = argv[2], *name = argv[3], *op = argv[4];
  unsigned long v = strtoul(strchr(op, '=') + 1, 0, 0);
  int fd = open(file, O_RDWR);
  struct stat st;
  if (fd < 0 || fstat(fd, &st)) { perror(file); return 1; }
  unsigned char *m = mmap(0, st.st_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if (m == MAP_FAILED) { perror("mmap"); return 1; }
  Elf64_Ehdr *eh = (Elf64_Ehdr *)m;
  if (memcmp(eh->e_ident, ELFMAG, SELFMAG) || eh->e_ident[EI_CLASS] != ELFCLASS64) {
    fprintf(stderr, "%s: not ELF64\n", file);
    return 1;
  }
  Elf64_Shdr *sh = (Elf64_Shdr *)(m + eh->e_shoff);
  for (int i = 0; i < eh->e_shnum; i++) {
    const char *str = (const char *)(m + sh[sh[i].sh_link].sh_offset);
    if (!strcmp(what, "sym") && sh[i].sh_type == SHT_DYNSYM) {
      Elf64_Sym *sy = (Elf64_Sym *)(m + sh[i].sh_offset);
      for (size_t k = 1; k < sh[i].sh_size / sizeof *sy; k++) {
        if (strcmp(str + sy[k].st_name, name) || sy[k].st_shndx == SHN_UNDEF) continue;
        if (!strncmp(op, "vis=", 4)) sy[k].st_other = (sy[k].st_other & ~3) | (v & 3);
        else if (!strncmp(op, "value=", 6)) sy[k].st_value = v;
        else { fprintf(stderr, "bad op %s\n", op); return 2; }
        return 0;
      }
    }
    if (!strcmp(what, "vernaux") && sh[i].sh_type == SHT_GNU_verneed) {
      unsigned char *p = m + sh[i].sh_offset;
      for (;;) {
        Elf64_Verneed *vn = (Elf64_Verneed *)p;
        unsigned char *q = p + vn->vn_aux;
        for (int a = 0; a < vn->vn_cnt; a++) {
          Elf64_Vernaux *va = (Elf64_Vernaux *)q;
          if (!strcmp(str + va->vna_name, name)) {
            if (strncmp(op, "flags=", 6)) { fprintf(stderr, "bad op %s\n", op); return 2; }
            va->vna_flags = v;
            return 0;
          }
          if (!va->vna_next) break;
          q += va->vna_next;
        }
        if (!vn->vn_next) break;
        p += vn->vn_next;
      }
    }
  }
  fprintf(stderr, "symtool: %s: no %s %s\n", file, what, name);
  return 1;
}
