/* progcopy (DT_NEEDED libgone.so): a COPY relocation whose symbol the shipped libgone.so lost. */
extern int gone_data;
extern int kept_data;

volatile int sink;

void _start(void) {
  sink = gone_data + kept_data;
  for (;;) {
  }
}
