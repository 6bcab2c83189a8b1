/* libdata.so: shared_counter (without -DGONE). */
#ifndef GONE
int shared_counter = 5;
#endif
int data_anchor(void) { return 0; }
