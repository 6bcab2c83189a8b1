/* A program for the set-rpath tests: `--version` prints a line that uses libpdep.so. */
#include <stdio.h>
#include <string.h>
int pdep_value(void);
static int counter = 1;             /* .data */
static char buffer[4096];           /* .bss */
int main(int argc, char **argv) {
  buffer[0] = (char)counter;
  if (argc > 1 && strcmp(argv[1], "--version") == 0) {
    printf("patchtest 1.0 (dep %d)\n", pdep_value() + buffer[0] - 1);
    return 0;
  }
  return 1;
}
