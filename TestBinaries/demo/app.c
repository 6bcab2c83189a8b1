/* The demo program: a C stand-in for a Cargo build's target/debug/app, whose libraries live in
   deps/ (the project's own) and in a toolchain directory (the runtime everyone links against). */
int greet(const char *who);
int runtime_version(void);

int main(void) {
  return greet("elfdyn") == 0 && runtime_version() == 1 ? 0 : 1;
}
