//! The cleanup guarantee: every child the tutor starts is killed and reaped,
//! whatever ends the lesson (its end, an error, a panic, Ctrl-C, SIGTERM, SIGHUP,
//! a closed stdout).
//!
//! Live child pids sit in a fixed table of atomics, so a signal handler can read
//! it without taking a lock or allocating: `kill(2)` and `waitpid(2)` are
//! async-signal-safe, which makes killing from inside the handler sound even when
//! the main thread is blocked somewhere the Stage cannot see (a deadlocked mutex).

use std::sync::atomic::{AtomicI32, Ordering};

use nix::sys::signal::{self, SaFlags, SigAction, SigHandler, SigSet, Signal};

use crate::terminal;

const SLOTS: usize = 1024;
static LIVE: [AtomicI32; SLOTS] = [const { AtomicI32::new(0) }; SLOTS];

/// The signals that interrupt a lesson from outside.
const INTERRUPTS: [Signal; 3] = [Signal::SIGINT, Signal::SIGTERM, Signal::SIGHUP];

/// Remembers a live child. Returns false when the table is full (the caller
/// must then kill the child itself).
pub fn register(pid: i32) -> bool {
    LIVE.iter().any(|slot| slot.compare_exchange(0, pid, Ordering::SeqCst, Ordering::SeqCst).is_ok())
}

/// Forgets a child that has been reaped.
pub fn unregister(pid: i32) {
    // Only the matching slot is written: a failed compare-exchange still writes on
    // x86, and every page written while a child shares memory is a copy-on-write fault.
    if let Some(slot) = LIVE.iter().find(|slot| slot.load(Ordering::SeqCst) == pid) {
        let _ = slot.compare_exchange(pid, 0, Ordering::SeqCst, Ordering::SeqCst);
    }
}

/// Kills every registered child with SIGKILL and reaps it. Async-signal-safe.
pub fn kill_and_reap_all() {
    for slot in &LIVE {
        let pid = slot.swap(0, Ordering::SeqCst);
        if pid > 0 {
            // SAFETY: plain syscalls on a pid we forked and have not reaped yet.
            unsafe {
                libc::kill(pid, libc::SIGKILL);
                libc::waitpid(pid, std::ptr::null_mut(), 0);
            }
        }
    }
}

/// Installs the handlers that clean up and exit with the conventional status
/// (128 + the signal number: 130 for Ctrl-C).
pub fn install_interrupt_handlers() {
    let action = SigAction::new(SigHandler::Handler(on_interrupt), SaFlags::empty(), SigSet::empty());
    for sig in INTERRUPTS {
        // SAFETY: the handler only makes async-signal-safe calls.
        unsafe { signal::sigaction(sig, &action) }.expect("installing a signal handler");
    }
}

extern "C" fn on_interrupt(sig: libc::c_int) {
    kill_and_reap_all();
    terminal::restore();
    let msg = b"\nconcur-tutor: interrupted; every child process was killed and reaped\n";
    // SAFETY: write(2) and _exit(2) are async-signal-safe.
    unsafe {
        libc::write(2, msg.as_ptr().cast(), msg.len());
        libc::_exit(128 + sig);
    }
}

/// Holds off the interrupt signals in this thread until the returned guard is
/// dropped: around a fork or a spawn, so that a child is always in the table
/// (or not yet born) when the handler looks. A signal that comes meanwhile
/// waits, then runs the handler as usual.
pub fn hold_interrupts() -> HeldInterrupts {
    let mut held = SigSet::empty();
    for sig in INTERRUPTS {
        held.add(sig);
    }
    let mut before = SigSet::empty();
    let _ = signal::pthread_sigmask(signal::SigmaskHow::SIG_BLOCK, Some(&held), Some(&mut before));
    HeldInterrupts { before }
}

/// See [`hold_interrupts`].
pub struct HeldInterrupts {
    before: SigSet,
}

impl Drop for HeldInterrupts {
    fn drop(&mut self) {
        let _ = signal::pthread_sigmask(signal::SigmaskHow::SIG_SETMASK, Some(&self.before), None);
    }
}

/// In a thread that is not main: interrupts are left to main, which is the
/// thread that holds them off around a fork.
pub fn leave_interrupts_to_main() {
    std::mem::forget(hold_interrupts());
}

/// In a freshly forked child: an interrupt must simply end it (the parent
/// cleans up). With the handlers gone, nothing in the child reads its copy of
/// the parent's pid table, so it is left as it is (writing it would copy a page).
pub fn become_child() {
    for sig in INTERRUPTS {
        // SAFETY: restoring the default disposition is always sound.
        let _ = unsafe { signal::signal(sig, SigHandler::SigDfl) };
    }
    // The parent held interrupts off around the fork; the child takes them again.
    let _ = signal::pthread_sigmask(signal::SigmaskHow::SIG_SETMASK, Some(&SigSet::empty()), None);
}

/// Kills and reaps every child, then exits with `code`. Used when stdout is
/// closed under us (`concur-tutor lesson … | head -1`): end quietly, leave nothing.
pub fn exit_quietly(code: i32) -> ! {
    kill_and_reap_all();
    terminal::restore();
    std::process::exit(code)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn register_then_unregister_frees_the_slot() {
        assert!(register(999_999));
        assert!(LIVE.iter().any(|s| s.load(Ordering::SeqCst) == 999_999));
        unregister(999_999);
        assert!(!LIVE.iter().any(|s| s.load(Ordering::SeqCst) == 999_999));
    }
}
