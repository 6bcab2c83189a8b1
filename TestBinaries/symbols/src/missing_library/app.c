int gone_func(void), here_func(void), mid(void);
int main(void) { return gone_func() + here_func() + mid() - 7; }
