/* host PLUGIN: defines host_api, dlopens PLUGIN with RTLD_NOW (every
   reference bound at once) and calls plug_run. Exit 0 = the plugin loaded and
   ran; 1 = dlopen/dlsym failed (dlerror on stderr). */
#include <dlfcn.h>
#include <stdio.h>
int host_api(int x) { return x + 1; }
int main(int argc, char **argv) {
  if (argc != 2) { fprintf(stderr, "usage: host PLUGIN\n"); return 2; }
  void *h = dlopen(argv[1], RTLD_NOW);
  if (!h) { fprintf(stderr, "%s\n", dlerror()); return 1; }
  int (*run)(void) = (int (*)(void))dlsym(h, "plug_run");
  if (!run) { fprintf(stderr, "%s\n", dlerror()); return 1; }
  return run() == 2 ? 0 : 3;
}
