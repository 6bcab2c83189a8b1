//! `libplugin_b.so`: logcore is linked into it too. Its entry points are C functions, as a plugin's
//! are, so that the program can load both dylibs (rustc refuses two Rust copies of one crate).
#[no_mangle]
pub extern "C" fn plugin_b_level() -> usize {
    logcore::level()
}

#[no_mangle]
pub extern "C" fn plugin_b_level_address() -> usize {
    logcore::level_address()
}
