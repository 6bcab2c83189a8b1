/* libearly.so: defines foo without any version (verdef-free).
   -DOWNVER (with early.map): the library defines its own version EARLY_1 for
   early_other, so its unlisted foo gets versym index 1 = its BASE verdef.
   -DSTUB: no foo (the link-time stub, so that app's foo binds to libv's foo@V1). */
#ifndef STUB
int foo(void) { return 7; }
#endif
#ifdef OWNVER
int early_other(void) { return 0; }
#endif
int early_anchor(void) { return 0; }
