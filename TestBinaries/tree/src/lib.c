/* Body of every test library (elfdyn resolution tests).
   -DFN=name    the exported function (default f)
   -DVAL=n      its return value (default 0): proves which file was loaded
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
