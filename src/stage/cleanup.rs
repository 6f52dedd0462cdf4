//! The cleanup guarantee: every child the tutor starts is killed and reaped,
//! whatever ends the lesson (its end, an error, a panic, Ctrl-C, SIGTERM, SIGHUP,
//! any other signal that would end it, a closed stdout).
//!
//! Live child pids sit in a fixed table of atomics, so a signal handler can read
//! it without taking a lock or allocating: `kill(2)` and `waitpid(2)` are
//! async-signal-safe, which makes killing from inside the handler sound even when
//! the main thread is blocked somewhere the Stage cannot see (a deadlocked mutex).
//! CPython's keeper (see [`super::keeper`]) has a slot of its own: it is asked
//! to clean up, not killed, since it answers for processes the tutor cannot see.

use std::sync::atomic::{AtomicBool, AtomicI32, Ordering};

use nix::sys::signal::{self, SigSet};

use crate::terminal;

const SLOTS: usize = 1024;
static LIVE: [AtomicI32; SLOTS] = [const { AtomicI32::new(0) }; SLOTS];

/// The keeper running python3 now, if any, and python3's process group.
static KEEPER: AtomicI32 = AtomicI32::new(0);
static CPYTHON_GROUP: AtomicI32 = AtomicI32::new(0);

/// The signals that interrupt a lesson from outside, the way a user means to:
/// the tutor says so and exits with 128 + the signal (130 for Ctrl-C).
const INTERRUPTS: [libc::c_int; 3] = [libc::SIGINT, libc::SIGTERM, libc::SIGHUP];

/// Every other catchable signal whose default action ends the process (the
/// real-time ones too). The tutor cleans up, then lets the signal end it as it
/// would have, so the exit status still names the signal. Left out: SIGPIPE
/// (Rust ignores it; a closed stdout is an error we handle), and the faults a
/// program's own bug raises (SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGTRAP, SIGSYS),
/// where Rust's runtime reports a stack overflow itself. SIGABRT is in: an
/// allocation that fails aborts, and the terminal must come back even then.
const ENDINGS: [libc::c_int; 12] = [
    libc::SIGQUIT,
    libc::SIGABRT,
    libc::SIGUSR1,
    libc::SIGUSR2,
    libc::SIGALRM,
    libc::SIGVTALRM,
    libc::SIGPROF,
    libc::SIGXCPU,
    libc::SIGXFSZ,
    libc::SIGIO,
    libc::SIGPWR,
    libc::SIGSTKFLT,
];

/// Every signal the tutor handles: [`INTERRUPTS`], [`ENDINGS`], and the real-time signals.
fn handled() -> impl Iterator<Item = libc::c_int> {
    INTERRUPTS.into_iter().chain(ENDINGS).chain(libc::SIGRTMIN()..=libc::SIGRTMAX())
}

/// [`handled`] as a set.
fn handled_set() -> libc::sigset_t {
    // SAFETY: sigemptyset and sigaddset only write the set they are given.
    unsafe {
        let mut set: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut set);
        for sig in handled() {
            libc::sigaddset(&mut set, sig);
        }
        set
    }
}

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

/// Kills every registered child with SIGKILL and reaps it, and has CPython's
/// keeper clean up. Async-signal-safe.
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
    stop_keeper();
}

/// Records the keeper now running python3 (0: none).
pub(crate) fn set_keeper(pid: i32) {
    KEEPER.store(pid, Ordering::SeqCst);
}

/// Records python3's process group, as its keeper reported it (0: none).
pub(crate) fn set_cpython_group(pgid: i32) {
    CPYTHON_GROUP.store(pgid, Ordering::SeqCst);
}

/// Asks the keeper, if one runs, to end python3 and all it started, and waits
/// for it (at most about 2 s: its grace, and its sweep). A keeper that does not
/// end by then (someone stopped it) is killed, and python3's group with it.
/// Async-signal-safe.
pub(crate) fn stop_keeper() {
    let keeper = KEEPER.swap(0, Ordering::SeqCst);
    if keeper <= 0 {
        return;
    }
    let pause = libc::timespec { tv_sec: 0, tv_nsec: 10_000_000 };
    // SAFETY: kill, waitpid and nanosleep are async-signal-safe; the keeper is
    // our child, not reaped yet.
    unsafe {
        libc::kill(keeper, libc::SIGTERM);
        for _ in 0..200 {
            if libc::waitpid(keeper, std::ptr::null_mut(), libc::WNOHANG) != 0 {
                CPYTHON_GROUP.store(0, Ordering::SeqCst);
                return;
            }
            libc::nanosleep(&pause, std::ptr::null_mut());
        }
        let group = CPYTHON_GROUP.swap(0, Ordering::SeqCst);
        if group > 0 {
            libc::kill(-group, libc::SIGKILL);
        }
        libc::kill(keeper, libc::SIGKILL);
        libc::waitpid(keeper, std::ptr::null_mut(), 0);
    }
}

/// Installs the handlers that clean up on every signal that would end the
/// tutor. SIGINT, SIGTERM and SIGHUP then exit with 128 + the signal (130 for
/// Ctrl-C); every other catchable signal whose default ends a process
/// (SIGQUIT, SIGUSR1, SIGALRM, the real-time ones, …) ends it as it would
/// have, so the exit status still names the signal.
pub fn install_interrupt_handlers() {
    // SAFETY: the handler only makes async-signal-safe calls; while it runs,
    // every other handled signal waits (sa_mask), so cleanups never interleave.
    unsafe {
        let mut action: libc::sigaction = std::mem::zeroed();
        action.sa_sigaction = on_signal as extern "C" fn(libc::c_int) as usize;
        action.sa_mask = handled_set();
        for sig in handled() {
            libc::sigaction(sig, &action, std::ptr::null_mut());
        }
    }
}

/// Set while a lesson runs from the menu: Ctrl-C then ends the lesson, not
/// the class, and the menu comes back.
static BACK_TO_MENU: AtomicBool = AtomicBool::new(false);
/// Set by a Ctrl-C that [`BACK_TO_MENU`] turned into the end of a lesson.
static INTERRUPTED: AtomicBool = AtomicBool::new(false);

/// While `on` (a lesson run from the menu), Ctrl-C kills and reaps every child
/// and ends the lesson (see [`take_interrupt`]) instead of the program.
pub fn ctrl_c_ends_the_lesson(on: bool) {
    INTERRUPTED.store(false, Ordering::SeqCst);
    BACK_TO_MENU.store(on, Ordering::SeqCst);
}

/// Whether a Ctrl-C has ended the lesson since the last look (see
/// [`ctrl_c_ends_the_lesson`]).
pub fn take_interrupt() -> bool {
    INTERRUPTED.swap(false, Ordering::SeqCst)
}

extern "C" fn on_signal(sig: libc::c_int) {
    kill_and_reap_all();
    terminal::restore();
    if sig == libc::SIGINT && BACK_TO_MENU.load(Ordering::SeqCst) {
        INTERRUPTED.store(true, Ordering::SeqCst);
        let msg = b"\nconcur-tutor: interrupted; every child process was killed and reaped\n";
        // SAFETY: write(2) is async-signal-safe.
        unsafe { libc::write(2, msg.as_ptr().cast(), msg.len()) };
        return;
    }
    let msg: &[u8] = if INTERRUPTS.contains(&sig) {
        b"\nconcur-tutor: interrupted; every child process was killed and reaped\n"
    } else {
        b"\nconcur-tutor: ended by a signal; every child process was killed and reaped\n"
    };
    // SAFETY: write(2), sigaction(2), sigprocmask(2), raise(3) and _exit(2) are async-signal-safe.
    unsafe {
        libc::write(2, msg.as_ptr().cast(), msg.len());
        if !INTERRUPTS.contains(&sig) {
            // The signal's own default action ends the process, so the exit
            // status still says which signal it was (and SIGQUIT still dumps core).
            let mut default: libc::sigaction = std::mem::zeroed();
            default.sa_sigaction = libc::SIG_DFL;
            libc::sigaction(sig, &default, std::ptr::null_mut());
            let mut only: libc::sigset_t = std::mem::zeroed();
            libc::sigemptyset(&mut only);
            libc::sigaddset(&mut only, sig);
            libc::raise(sig);
            libc::pthread_sigmask(libc::SIG_UNBLOCK, &only, std::ptr::null_mut());
        }
        libc::_exit(128 + sig);
    }
}

/// Holds off every handled signal in this thread until the returned guard is
/// dropped: around a fork or a spawn, so that a child is always in the table
/// (or not yet born) when the handler looks. A signal that comes meanwhile
/// waits, then runs the handler as usual.
pub fn hold_interrupts() -> HeldInterrupts {
    // SAFETY: handled_set builds the set with sigemptyset and sigaddset.
    let held = unsafe { SigSet::from_sigset_t_unchecked(handled_set()) };
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

/// In a freshly forked child: a signal must simply end it (the parent cleans
/// up). With the handlers gone, nothing in the child reads its copy of the
/// parent's pid table, so it is left as it is (writing it would copy a page).
pub fn become_child() {
    // SAFETY: restoring the default disposition is always sound.
    unsafe {
        let mut default: libc::sigaction = std::mem::zeroed();
        default.sa_sigaction = libc::SIG_DFL;
        for sig in handled() {
            libc::sigaction(sig, &default, std::ptr::null_mut());
        }
    }
    // The parent held signals off around the fork; the child takes them again.
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
