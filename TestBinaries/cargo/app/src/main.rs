//! Runs fine when libgreet.so, libutil.so and libstd-<hash>.so are findable.

fn main() {
    println!("app: {} / {} / {}", greet::greeting("elfdyn"), util::shout("elfdyn"), util::double_answer());
}
