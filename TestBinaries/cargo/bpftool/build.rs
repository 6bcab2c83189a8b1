// liblibbpf_rs.so references vsnprintf_wrapper, which no shared object
// exports. The linker (rust-lld by default on x86_64 Linux since Rust 1.90)
// rejects that for an executable:
//   rust-lld: error: undefined reference: vsnprintf_wrapper
//   >>> referenced by liblibbpf_rs.so (disallowed by --no-allow-shlib-undefined)
// so allow it for this package's binaries only.
fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rustc-link-arg-bins=-Wl,--allow-shlib-undefined");
}
