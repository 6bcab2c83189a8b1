//! Links libplugin_b.so as a native library, from Cargo's deps directory.
fn main() {
    let out = std::path::PathBuf::from(std::env::var("OUT_DIR").expect("OUT_DIR"));
    let deps = out.ancestors().nth(3).expect("target/<profile>").join("deps");
    println!("cargo:rustc-link-search=native={}", deps.display());
    println!("cargo:rustc-link-lib=dylib=plugin_b");
}
