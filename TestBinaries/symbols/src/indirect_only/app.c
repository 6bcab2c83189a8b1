int a_func(void);
int main(void) { return a_func() - 2; }
