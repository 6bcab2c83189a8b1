//! A crate with a static (a logger level), compiled into each dylib that uses it.
use std::sync::atomic::{AtomicUsize, Ordering};

pub static LEVEL: AtomicUsize = AtomicUsize::new(0);

pub fn set_level(level: usize) {
    LEVEL.store(level, Ordering::SeqCst)
}

pub fn level() -> usize {
    LEVEL.load(Ordering::SeqCst)
}

/// Where the static this copy of the code uses lives.
pub fn level_address() -> usize {
    &LEVEL as *const AtomicUsize as usize
}
