// The C helpers of elfdyn that are not libelf: what Swift's Glibc module does not declare
// (copy_file_range, sync_file_range, sched_getaffinity, getauxval, mallopt, the glibc version, extended attributes), cpuid for the x86-64 level
// glibc-hwcaps uses, and libsupc++'s C++ demangler. Used only by Sources/ElfTool/Platform.
#ifndef ELFDYN_CSYSTEM_H
#define ELFDYN_CSYSTEM_H

#include <errno.h>
#include <gnu/libc-version.h>
#include <sys/auxv.h>
#include <sys/syscall.h>
#include <sys/xattr.h>
#include <fcntl.h>
#include <malloc.h>
#include <unistd.h>

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif

/// copy_file_range(2), which Swift's Glibc module does not declare (it needs _GNU_SOURCE): copies
/// in the kernel, without the bytes passing through this process. -1 with errno set on failure.
static inline long elfdyn_copy_file_range(int fd_in, long long *off_in, int fd_out, long long *off_out,
                                          unsigned long len) {
#ifdef SYS_copy_file_range
  return syscall(SYS_copy_file_range, fd_in, off_in, fd_out, off_out, len, 0u);
#else
  (void)fd_in; (void)off_in; (void)fd_out; (void)off_out; (void)len;
  errno = ENOSYS;
  return -1;
#endif
}

/// sync_file_range(SYNC_FILE_RANGE_WRITE): starts writing the dirty pages of the range to disk and
/// returns without waiting (a hint; fsync still decides durability). -1 with errno set.
static inline int elfdyn_start_writeback(int fd, long long offset, long long count) {
#ifdef SYS_sync_file_range
  return (int)syscall(SYS_sync_file_range, fd, offset, count, 2u /* SYNC_FILE_RANGE_WRITE */);
#else
  (void)fd; (void)offset; (void)count;
  errno = ENOSYS;
  return -1;
#endif
}

/// faccessat(2) with the effective user and group IDs (AT_EACCESS): 0 when the caller may access
/// `path` in `mode`, else -1 with errno set.
static inline int elfdyn_access_effective(const char *path, int mode) {
  return faccessat(AT_FDCWD, path, mode, AT_EACCESS);
}

/// The x86-64 micro-architecture level (1 to 4) of this CPU, as glibc's
/// glibc-hwcaps selection computes it; 0 on other architectures.
static inline int elfdyn_x86_64_level(void) {
#if defined(__x86_64__)
  unsigned int a, b, c, d;
  if (!__get_cpuid(1, &a, &b, &c, &d)) return 1;
  unsigned int c1 = c;
  int v2 = (c1 & bit_CMPXCHG16B) && (c1 & bit_POPCNT) && (c1 & bit_SSE3) && (c1 & bit_SSE4_1) &&
           (c1 & bit_SSE4_2) && (c1 & bit_SSSE3);
  unsigned int ea = 0, eb = 0, ec = 0, ed = 0;
  if (__get_cpuid(0x80000001, &ea, &eb, &ec, &ed)) {
    v2 = v2 && (ec & bit_LAHF_LM);
  } else {
    v2 = 0;
  }
  if (!v2) return 1;
  int osxsave = (c1 & bit_OSXSAVE) != 0;
  unsigned long long xcr0 = 0;
  if (osxsave) {
    unsigned int lo, hi;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    xcr0 = ((unsigned long long)hi << 32) | lo;
  }
  int ymm = osxsave && (xcr0 & 0x6) == 0x6;
  int zmm = ymm && (xcr0 & 0xe0) == 0xe0;
  unsigned int sa = 0, sb = 0, sc = 0, sd = 0;
  if (!__get_cpuid_count(7, 0, &sa, &sb, &sc, &sd)) return 2;
  int v3 = ymm && (c1 & bit_AVX) && (sb & bit_AVX2) && (sb & bit_BMI) && (sb & bit_BMI2) &&
           (c1 & bit_F16C) && (c1 & bit_FMA) && (ec & bit_LZCNT) && (c1 & bit_MOVBE);
  if (!v3) return 2;
  int v4 = zmm && (sb & bit_AVX512F) && (sb & bit_AVX512BW) && (sb & bit_AVX512CD) &&
           (sb & bit_AVX512DQ) && (sb & bit_AVX512VL);
  return v4 ? 4 : 3;
#else
  return 0;
#endif
}

/// The number of CPUs this process may run on (the sched_getaffinity system call).
static inline int elfdyn_available_cpus(void) {
  unsigned long mask[16] = {0};
  long bytes = syscall(SYS_sched_getaffinity, 0, sizeof mask, mask);
  if (bytes > 0) {
    int count = 0;
    for (long i = 0; i < bytes / (long)sizeof(unsigned long); i++) count += __builtin_popcountl(mask[i]);
    if (count > 0) return count;
  }
  long n = sysconf(_SC_NPROCESSORS_ONLN);
  return n > 0 ? (int)n : 1;
}

// C++ demangling, from libstdc++'s demangler (libsupc++).
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>

char *__cxa_demangle(const char *mangled, char *buffer, size_t *length, int *status);
/// libsupc++'s allocation-free entry point beside __cxa_demangle: the text goes to `callback` in
/// pieces; 0 on success, a negative __cxa_demangle status otherwise. Not exported by libstdc++.so,
/// hence `link "supc++"`.
int __gcclibcxx_demangle_callback(const char *mangled, void (*callback)(const char *, size_t, void *),
                                  void *opaque);

/// __cxa_demangle's text for `mangled` (malloc'd, for the caller to free()), or NULL. Unbounded:
/// a short name can expand to gigabytes.
static inline char *elfdyn_cxa_demangle(const char *mangled) {
  int status = -1;
  char *text = __cxa_demangle(mangled, NULL, NULL, &status);
  if (status != 0) {
    free(text);
    return NULL;
  }
  return text;
}

struct elfdyn_demangle_sink {
  char *text;
  size_t length, limit;
  jmp_buf *overflow;
};

static inline void elfdyn_demangle_append(const char *piece, size_t count, void *opaque) {
  struct elfdyn_demangle_sink *sink = (struct elfdyn_demangle_sink *)opaque;
  if (count > sink->limit - sink->length) longjmp(*sink->overflow, 1);
  memcpy(sink->text + sink->length, piece, count);
  sink->length += count;
}

/// The same demangling as elfdyn_cxa_demangle, but NULL as soon as the text would exceed `limit`
/// bytes: the demangler is left by longjmp, which is safe as it allocates nothing (its tables are
/// on the stack). The result is malloc'd, for the caller to free().
static inline char *elfdyn_cxx_demangle(const char *mangled, size_t limit) {
  char *const text = (char *)malloc(limit + 1);
  if (text == NULL) return NULL;
  jmp_buf overflow;
  struct elfdyn_demangle_sink sink = {text, 0, limit, &overflow};
  if (setjmp(overflow) != 0) {
    free(text);
    return NULL;
  }
  if (__gcclibcxx_demangle_callback(mangled, elfdyn_demangle_append, &sink) != 0) {
    free(text);
    return NULL;
  }
  text[sink.length] = 0;
  return text;
}

#include <fcntl.h>

/// renameat2(RENAME_EXCHANGE) of two paths in the same directory tree, which Swift's Glibc module
/// does not declare: swaps them atomically. -1 with errno set (ENOSYS, EINVAL where unsupported).
static inline int elfdyn_exchange_paths(const char *a, const char *b) {
#ifdef SYS_renameat2
  return (int)syscall(SYS_renameat2, AT_FDCWD, a, AT_FDCWD, b, 2u /* RENAME_EXCHANGE */);
#else
  (void)a; (void)b;
  errno = ENOSYS;
  return -1;
#endif
}

/// mallopt(M_TOP_PAD): how much more than asked for malloc takes from the kernel each time its
/// heap (or a thread's arena) grows. Only address space: pages are still touched when first used.
static inline int elfdyn_set_heap_growth(long bytes) { return mallopt(M_TOP_PAD, (int)bytes); }

#endif
