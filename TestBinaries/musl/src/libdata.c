/* Defines what copyreloc.c uses; -DNONE builds the replacement that does not. */
#ifdef NONE
int other_data = 1;
#else
int lib_data = 40;
int lib_fn(void) { return 2; }
#endif
