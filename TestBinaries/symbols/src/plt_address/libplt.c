/* libplt.so: defines libfunc (without -DGONE). */
#ifndef GONE
int libfunc(void) { return 0; }
#endif
int plt_anchor(void) { return 0; }
