/* prog (DT_NEEDED libuse.so), linked -nostdlib, entry _start: calls use_func (a JUMP_SLOT
   relocation) and reads use_data (non-PIC: a COPY relocation, looked up skipping the program).
   It never runs its own code: the loader is only asked to trace and relocate it. */
extern int use_func(int);
extern int use_data;

volatile int sink;

void _start(void) {
  sink = use_func(use_data);
  for (;;) {
  }
}
