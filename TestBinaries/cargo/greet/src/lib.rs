//! Leaf dylib: `libgreet.so`.

pub fn greeting(name: &str) -> String {
    format!("hello, {name}")
}

pub fn answer() -> u32 {
    42
}
