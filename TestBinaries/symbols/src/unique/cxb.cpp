// libcxb.so: only declares the instantiation: Counter<int>::n is undefined here.
#include "counter.hpp"
extern template struct Counter<int>;
extern "C" int cxb(void) { return Counter<int>::n; }
