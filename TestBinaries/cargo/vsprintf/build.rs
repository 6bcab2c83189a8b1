// Compiles csrc/wrapper.c into $OUT_DIR/libwrapper.a with the system C
// compiler and `ar` (no `cc` crate: there is no registry).
use std::env;
use std::path::PathBuf;
use std::process::Command;

fn run(cmd: &mut Command) {
    let status = cmd.status().unwrap_or_else(|e| panic!("failed to spawn {cmd:?}: {e}"));
    assert!(status.success(), "{cmd:?} failed with {status}");
}

fn main() {
    let out = PathBuf::from(env::var("OUT_DIR").unwrap());
    let cc = env::var("CC").unwrap_or_else(|_| "cc".to_string());
    let ar = env::var("AR").unwrap_or_else(|_| "ar".to_string());
    let obj = out.join("wrapper.o");
    let lib = out.join("libwrapper.a");

    run(Command::new(&cc)
        .args(["-c", "-fPIC", "-O1", "-g", "-o"])
        .arg(&obj)
        .arg("csrc/wrapper.c"));
    let _ = std::fs::remove_file(&lib);
    run(Command::new(&ar).arg("crs").arg(&lib).arg(&obj));

    println!("cargo:rerun-if-changed=csrc/wrapper.c");
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rustc-link-search=native={}", out.display());
    println!("cargo:rustc-link-lib=static=wrapper");
}
