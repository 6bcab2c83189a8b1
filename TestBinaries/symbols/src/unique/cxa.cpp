// libcxa.so: explicitly instantiates Counter<int> (defines Counter<int>::n, UNIQUE).
#include "counter.hpp"
template struct Counter<int>;
extern "C" int cxa(void) { return Counter<int>::n; }
