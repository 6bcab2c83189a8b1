// libelf's headers for the libelf layer (Sources/ElfTool/LibElf), and the one value Swift cannot
// import from them (EV_CURRENT is a macro). Nothing else lives here: the other C helpers are in CSystem.
#ifndef ELFDYN_CLIBELF_SHIM_H
#define ELFDYN_CLIBELF_SHIM_H

#include <gelf.h>
#include <libelf.h>

static inline unsigned int elfdyn_ev_current(void) { return EV_CURRENT; }


#endif
