//! Dylib that calls vsprintf's `#[inline]` fn: the inlined body references
//! `vsnprintf_wrapper`, so `liblibbpf_rs.so` gets an UND dynamic symbol for it.

pub fn log_len(msg: &std::ffi::CStr) -> i32 {
    vsprintf::formatted_len(msg)
}

pub fn describe(v: i32) -> String {
    format!("libbpf_rs: {}", vsprintf::format_int(v))
}
