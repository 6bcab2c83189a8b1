/* A shared object for a foreign architecture, built without a sysroot (-nostdlib). */
int foreign_data = 3;
static int helper(int x) { return x * 2 + foreign_data; }
int foreign_value(int x) { return helper(x); }
