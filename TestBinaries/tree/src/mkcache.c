/* mkcache OUT FLAGS SONAME PATH [FLAGS SONAME PATH]...
   Writes a "glibc-ld.so.cache1.1" file (new format only, little-endian, no
   extension section) like ldconfig 2.36. Needed because the host (x86_64)
   ldconfig refuses foreign libraries ("is for unknown machine 183"), so
   `ldconfig -r ROOT` cannot make an aarch64 sysroot's cache.
   FLAGS e.g. 0x0a03 (ELF libc6 + aarch64 lib64), 0x0303 (x86-64).
   Entries are sorted like ldconfig: descending _dl_cache_libcmp order
   (digit runs compare numerically), then higher flags first. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct ent { int32_t flags; const char *key, *value; uint32_t koff, voff; };

static int libcmp(const char *p1, const char *p2) { /* glibc _dl_cache_libcmp */
  while (*p1 != '\0') {
    if (*p1 >= '0' && *p1 <= '9') {
      if (*p2 >= '0' && *p2 <= '9') {
        int v1 = *p1++ - '0', v2 = *p2++ - '0';
        while (*p1 >= '0' && *p1 <= '9') v1 = v1 * 10 + *p1++ - '0';
        while (*p2 >= '0' && *p2 <= '9') v2 = v2 * 10 + *p2++ - '0';
        if (v1 != v2) return v1 - v2;
      } else
        return 1;
    } else if (*p2 >= '0' && *p2 <= '9')
      return -1;
    else if (*p1 != *p2)
      return *p1 - *p2;
    else { ++p1; ++p2; }
  }
  return *p1 - *p2;
}

static int cmp(const void *a, const void *b) {
  const struct ent *e1 = a, *e2 = b;
  int r = libcmp(e2->key, e1->key);
  if (r) return r;
  return (e1->flags < e2->flags) - (e1->flags > e2->flags);
}

static void put32(FILE *f, uint32_t v) { fwrite(&v, 4, 1, f); } /* host is little-endian */

int main(int argc, char **argv) {
  if (argc < 2 || (argc - 2) % 3) { fprintf(stderr, "usage: mkcache OUT [FLAGS SONAME PATH]...\n"); return 2; }
  uint32_t n = (argc - 2) / 3;
  struct ent *e = calloc(n ? n : 1, sizeof *e);
  for (uint32_t i = 0; i < n; i++) {
    e[i].flags = (int32_t)strtol(argv[2 + 3 * i], NULL, 0);
    e[i].key = argv[3 + 3 * i];
    e[i].value = argv[4 + 3 * i];
  }
  qsort(e, n, sizeof *e, cmp);
  uint32_t off = 48 + 24 * n, start = off; /* offsets count from the header */
  for (uint32_t i = 0; i < n; i++) {
    e[i].koff = off; off += strlen(e[i].key) + 1;
    e[i].voff = off; off += strlen(e[i].value) + 1;
  }
  FILE *f = fopen(argv[1], "wb");
  if (!f) { perror(argv[1]); return 1; }
  fwrite("glibc-ld.so.cache1.1", 20, 1, f);
  put32(f, n);
  put32(f, off - start);          /* len_strings */
  put32(f, 2);                    /* flags = little-endian, 3 bytes padding */
  put32(f, 0);                    /* extension_offset: none */
  put32(f, 0); put32(f, 0); put32(f, 0);
  for (uint32_t i = 0; i < n; i++) {
    put32(f, (uint32_t)e[i].flags);
    put32(f, e[i].koff);
    put32(f, e[i].voff);
    put32(f, 0);                  /* osversion */
    put32(f, 0); put32(f, 0);     /* hwcap */
  }
  for (uint32_t i = 0; i < n; i++) {
    fwrite(e[i].key, strlen(e[i].key) + 1, 1, f);
    fwrite(e[i].value, strlen(e[i].value) + 1, 1, f);
  }
  return fclose(f) ? 1 : 0;
}
