int need(void);
int main(void) { return need(); }
