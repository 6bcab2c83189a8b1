//! `libplugin_a.so`: logcore is linked into it.
pub fn configure(level: usize) {
    logcore::set_level(level)
}

pub fn level_address() -> usize {
    logcore::level_address()
}
