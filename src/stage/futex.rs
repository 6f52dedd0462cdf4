//! The futex: the kernel's half of every lock, semaphore and event here. A
//! process that must wait sleeps in the kernel on the address of a 32-bit word
//! in shared memory, and whoever changes the word wakes the sleepers. Not the
//! private kind: the words live in `MAP_SHARED` memory, so the kernel matches
//! waiters across processes by the physical page.

use std::sync::atomic::AtomicU32;
use std::time::Duration;

/// Sleeps in the kernel while `word` is `expected`, at most `timeout` (or
/// until woken). It may also return early (a signal, a spurious wake-up):
/// callers check their word again in a loop.
pub(crate) fn wait(word: &AtomicU32, expected: u32, timeout: Option<Duration>) {
    let timeout =
        timeout.map(|t| libc::timespec { tv_sec: t.as_secs() as _, tv_nsec: t.subsec_nanos() as _ });
    let timeout_ptr = timeout.as_ref().map_or(std::ptr::null(), |t| t as *const libc::timespec);
    // SAFETY: FUTEX_WAIT reads the word at a valid address, and the timespec if any.
    unsafe {
        libc::syscall(libc::SYS_futex, word.as_ptr(), libc::FUTEX_WAIT, expected, timeout_ptr);
    }
}

/// Wakes one process sleeping on `word`.
pub(crate) fn wake_one(word: &AtomicU32) {
    wake(word, 1);
}

/// Wakes every process sleeping on `word`.
pub(crate) fn wake_all(word: &AtomicU32) {
    wake(word, i32::MAX);
}

fn wake(word: &AtomicU32, how_many: i32) {
    // SAFETY: FUTEX_WAKE only uses the address as a key.
    unsafe {
        libc::syscall(libc::SYS_futex, word.as_ptr(), libc::FUTEX_WAKE, how_many);
    }
}
