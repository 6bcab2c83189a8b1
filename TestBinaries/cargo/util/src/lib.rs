//! Dylib depending on the `greet` dylib: `libutil.so` NEEDS `libgreet.so`.

pub fn shout(name: &str) -> String {
    greet::greeting(name).to_uppercase()
}

pub fn double_answer() -> u32 {
    greet::answer() * 2
}
