#include <stdio.h>
int runtime_version(void);

int greet(const char *who) {
  printf("hello, %s (runtime %d)\n", who, runtime_version());
  return 0;
}
