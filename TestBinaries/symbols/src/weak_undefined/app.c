__attribute__((weak)) extern int maybe(void);
int try_maybe(void);
int main(void) { return (maybe ? maybe() : 0) + try_maybe(); }
