/* libtls.so (DT_NEEDED libdep.so): a thread-local variable that nothing defines. glibc looks up
   TLS relocations with ELF_RTYPE_CLASS_PLT, which ignores every SHN_UNDEF symbol, this library's
   own included; looked up with any other class, the STT_TLS undefined entry (value 0, which
   check_match accepts for STT_TLS) would satisfy itself and the reference would go unreported.
   Both use the general-dynamic model (DTPMOD/DTPOFF relocations, TLSDESC on aarch64), so on
   most machines libtls.so also calls the loader's __tls_get_addr (___tls_get_addr on i386,
   __tls_get_offset on s390x). ld.so is in the global scope only when something lists it in
   DT_NEEDED, and nothing here does: glibc reports that helper as undefined too.
   Expected: exactly {missing_tls} plus the machine's TLS helper; dep_tls bound to libdep.so. */
extern __thread int dep_tls __attribute__((tls_model("global-dynamic")));
extern __thread int missing_tls __attribute__((tls_model("global-dynamic")));

int tls_func(void) { return dep_tls + missing_tls; }
