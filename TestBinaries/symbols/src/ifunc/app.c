int ifn(void);
int main(void) { return ifn(); }
