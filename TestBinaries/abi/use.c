/* libuse.so (DT_NEEDED libdep.so). Undefined references it makes:
     dep_func, dep_data, dep_tls   defined in libdep.so           -> bound, never reported
                                   (dep_tls with the initial-exec model: a TPOFF relocation and
                                   no call to __tls_get_addr, which only ld.so defines)
     missing_func, missing_data    defined nowhere                -> "unresolved"
     weak_missing                  weak, defined nowhere          -> never reported            */
extern int dep_func(int);
extern int dep_data;
extern __thread int dep_tls __attribute__((tls_model("initial-exec")));
extern int missing_func(int);
extern int missing_data;
extern int weak_missing(int) __attribute__((weak));

/* Read by the programs: a COPY relocation in a non-PIC executable. */
int use_data = 3;

int use_func(int x) {
  int r = dep_func(x) + dep_data + dep_tls + missing_func(x) + missing_data;
  if (weak_missing) r += weak_missing(x);
  return r;
}
