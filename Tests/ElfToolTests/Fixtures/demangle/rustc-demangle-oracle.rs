// rustc-demangle as a filter, for DemangleTests and make-fixtures.sh: one name per line in, its
// demangled form out (the alternate `{:#}` form; `{}` with --full), the name itself when it is not
// a Rust symbol. It uses the copy of rustc-demangle that std links for backtraces, which a nightly
// rustc lets a crate use:  rustc +nightly -O rustc-demangle-oracle.rs
#![feature(rustc_private)]
extern crate rustc_demangle;

use std::io::{BufRead, Write};

fn main() {
    let full = std::env::args().nth(1).as_deref() == Some("--full");
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    for line in std::io::stdin().lock().lines() {
        let line = line.expect("UTF-8 input");
        let _ = match rustc_demangle::try_demangle(&line) {
            Ok(name) if full => writeln!(out, "{}", name),
            Ok(name) => writeln!(out, "{:#}", name),
            Err(_) => writeln!(out, "{}", line),
        };
    }
}
