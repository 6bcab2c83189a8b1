/* Body of most test libraries (musl and i386 corpora).
   -DFN=name    the exported function (default f)
   -DVAL=n      its return value (default 0): the exit status names the file loaded
   -DCALL=name  FN returns CALL() instead: a call into another library */
#ifndef FN
#define FN f
#endif
#ifndef VAL
#define VAL 0
#endif
#ifdef CALL
int CALL(void);
int FN(void) { return CALL(); }
#else
int FN(void) { return VAL; }
#endif
