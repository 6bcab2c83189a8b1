// Every helper is a static inline function of include/CSystem.h; this file gives SwiftPM a C target.
#include "CSystem.h"
