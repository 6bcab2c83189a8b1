// Declarations only: the definition is libFuzzer's, linked by -sanitize=fuzzer.
#include "CFuzzDriver.h"
