/* A shared library for the set-rpath tests; needs libpdep.so. */
int pdep_value(void);
int plib_data = 7;
const char *plib_name(void) { return "plib"; }
int plib_value(void) { return pdep_value() + plib_data - 7; }
