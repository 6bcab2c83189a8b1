// libFuzzer's entry point for programs that have their own main() (SwiftPM's executables do).
#ifndef ELFDYN_CFUZZDRIVER_H
#define ELFDYN_CFUZZDRIVER_H
#include <stddef.h>
#include <stdint.h>
int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*callback)(const uint8_t *data, size_t size));
#endif
