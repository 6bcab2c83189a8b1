/* Body of most test executables. With -DFN=name, main returns name(), so
   the exit status of a real run tells which library was loaded. */
#ifdef FN
int FN(void);
int main(void) { return FN(); }
#else
int main(void) { return 0; }
#endif
