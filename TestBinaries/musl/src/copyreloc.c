/* An executable reading a library's data (copy relocation) and calling its
   function: main returns lib_data + lib_fn(). */
extern int lib_data;
int lib_fn(void);
int main(void) { return lib_data + lib_fn(); }
