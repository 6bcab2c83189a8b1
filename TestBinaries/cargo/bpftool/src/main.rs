//! Links, but cannot resolve vsnprintf_wrapper at load time.

fn main() {
    println!("{}", libbpf_rs::describe(7));
    println!("len = {}", libbpf_rs::log_len(c"bpftool"));
}
