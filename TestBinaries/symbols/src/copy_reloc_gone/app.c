/* Non-PIE: shared_counter is copied into the exe's .bss (R_X86_64_COPY). */
extern int shared_counter;
int main(void) { return shared_counter - 5; }
