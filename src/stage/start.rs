//! What `Thread.start()` means in CPython, for the Stage's thread lanes.
//!
//! CPython's `start()` returns only once the new thread runs, and the new thread
//! then holds the GIL: the starter gets it back when the new thread prints,
//! blocks, or has had its switch interval (5 ms of running). So threads started
//! one after the other begin in that order: in the notes' `task1`/`task2`, task1
//! always takes the lock first. A Rust thread has no GIL, and the starter could
//! start the next thread before the first has taken a step; [`first_step`]
//! waits the way CPython's starter does.

use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

use super::lane::SWITCH_INTERVAL;

/// How often the starter looks at the new thread while it waits.
const LOOK_EVERY: Duration = Duration::from_millis(1);

/// Waits, in the starter, until the new thread has taken its first step. The
/// thread sends its tid when it runs, then a message with each event it sends
/// (a print, a sleep, a wait, its end). The first step is its first event, a
/// block in the kernel without one (waiting on a lock or a channel), or
/// [`SWITCH_INTERVAL`] of CPU time, whichever comes first.
pub(crate) fn first_step(told: &Receiver<i32>) {
    let Ok(tid) = told.recv() else { return };
    let task = format!("/proc/self/task/{tid}");
    let since = Instant::now();
    let cpu_at_start = cpu_time(&task);
    loop {
        match told.recv_timeout(LOOK_EVERY) {
            Ok(_) | Err(RecvTimeoutError::Disconnected) => return,
            Err(RecvTimeoutError::Timeout) => {}
        }
        // A thread that has ended, or sleeps in the kernel, has let go of its "GIL".
        if !matches!(state(&task), Some('R')) {
            return;
        }
        // Where /proc keeps no CPU time, wall time stands in for it.
        let ran = match (cpu_at_start, cpu_time(&task)) {
            (Some(start), Some(now)) => now.saturating_sub(start),
            _ => since.elapsed(),
        };
        if ran >= SWITCH_INTERVAL {
            return;
        }
    }
}

/// The state letter of thread `task` (`R` running or runnable, `S` asleep, …).
fn state(task: &str) -> Option<char> {
    let stat = std::fs::read_to_string(format!("{task}/stat")).ok()?;
    stat.rsplit_once(')')?.1.trim_start().chars().next()
}

/// How long thread `task` has run on a CPU.
fn cpu_time(task: &str) -> Option<Duration> {
    let schedstat = std::fs::read_to_string(format!("{task}/schedstat")).ok()?;
    Some(Duration::from_nanos(schedstat.split_whitespace().next()?.parse().ok()?))
}
