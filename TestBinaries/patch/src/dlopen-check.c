/* dlopen-check LIB...: loads each library with RTLD_NOW and calls plib_value when it has it.
   Prints "ok VALUE" per library; exit 1 with dlerror() on the first failure. */
#include <dlfcn.h>
#include <stdio.h>
int main(int argc, char **argv) {
  for (int i = 1; i < argc; i++) {
    void *handle = dlopen(argv[i], RTLD_NOW | RTLD_LOCAL);
    if (!handle) {
      fprintf(stderr, "%s\n", dlerror());
      return 1;
    }
    int (*value)(void) = (int (*)(void))dlsym(handle, "plib_value");
    printf("ok %d\n", value ? value() : -1);
  }
  return 0;
}
