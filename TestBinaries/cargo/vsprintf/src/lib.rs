//! Dylib with a statically linked C wrapper (`libwrapper.a`, built by build.rs).
//!
//! `vsnprintf_wrapper` is linked into `libvsprintf.so` but is *not* exported
//! from it (a Rust dylib's version script exports only Rust-level exported
//! symbols, everything else becomes `local:`), yet the `#[inline]` function
//! below is instantiated in downstream crates, which then reference
//! `vsnprintf_wrapper` as an undefined dynamic symbol that nobody provides.
use std::ffi::{c_char, c_int, c_ulong, c_void, CStr};
use std::ptr;

extern "C" {
    /// C: `int vsnprintf_wrapper(char *, unsigned long, const char *, va_list)`.
    /// On x86_64 a `va_list` argument is passed as a pointer, so `*mut c_void`
    /// is ABI-compatible for the argument slot.
    pub fn vsnprintf_wrapper(buf: *mut c_char, size: c_ulong, fmt: *const c_char, ap: *mut c_void) -> c_int;
    /// C: `int snprintf_int_wrapper(char *, unsigned long, const char *, ...)`.
    pub fn snprintf_int_wrapper(buf: *mut c_char, size: c_ulong, fmt: *const c_char, ...) -> c_int;
}

/// Length `fmt` would format to. Only valid for formats without conversions
/// (the va_list is never read then). `#[inline]`: codegened in the *caller's*
/// crate, which is what leaks the `vsnprintf_wrapper` reference into
/// `liblibbpf_rs.so`.
#[inline]
pub fn formatted_len(fmt: &CStr) -> i32 {
    unsafe { vsnprintf_wrapper(ptr::null_mut(), 0, fmt.as_ptr(), ptr::null_mut()) }
}

/// Non-inline: pulls wrapper.o out of libwrapper.a into libvsprintf.so, where
/// vsnprintf_wrapper is then present but LOCAL.
pub fn format_int(v: i32) -> String {
    let mut buf = [0 as c_char; 64];
    unsafe {
        snprintf_int_wrapper(buf.as_mut_ptr(), buf.len() as c_ulong, c"%d".as_ptr(), v as c_int);
        CStr::from_ptr(buf.as_ptr()).to_string_lossy().into_owned()
    }
}
