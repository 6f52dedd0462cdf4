//! Python's `multiprocessing.Event`: one flag in shared memory that processes
//! wait on until another sets it. Waiters sleep in the kernel on the flag's
//! futex; `set` wakes them all at once.

use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use super::futex;
use super::lane::waiting_here;
use super::shared::Mapping;
use super::{Clock, Stage};

/// An event shared by forked processes (named so as not to be taken for the
/// tutor's own [`crate::events::Event`]).
pub struct SharedEvent {
    flag: Mapping<AtomicU32>,
    /// The lesson's clock, which a timed wait keeps.
    clock: Clock,
}

impl Stage {
    /// Python's `multiprocessing.Event()`: not set. Make it before starting the
    /// processes that use it.
    pub fn event(&self) -> anyhow::Result<SharedEvent> {
        // SAFETY: zero is a valid AtomicU32: the flag down.
        Ok(SharedEvent { flag: unsafe { Mapping::zeroed()? }, clock: self.clock() })
    }
}

impl SharedEvent {
    /// Python's `ev.set()`: raises the flag and wakes every waiter.
    pub fn set(&self) {
        self.flag.get().store(1, Ordering::SeqCst);
        futex::wake_all(self.flag.get());
    }

    /// Python's `ev.clear()`.
    pub fn clear(&self) {
        self.flag.get().store(0, Ordering::SeqCst);
    }

    /// Python's `ev.is_set()`.
    pub fn is_set(&self) -> bool {
        self.flag.get().load(Ordering::SeqCst) == 1
    }

    /// Python's `ev.wait()`: returns once the flag is up.
    pub fn wait(&self) {
        if !self.is_set() {
            waiting_here("ev.wait()", || self.sleep_while_down(None));
        }
    }

    /// Python's `ev.wait(timeout)`: whether the flag went up within `secs` of
    /// lesson time (pauses of the lesson do not count).
    pub fn wait_timeout(&self, secs: f64) -> bool {
        let clock = self.clock;
        let until = clock.now() + secs;
        self.is_set()
            || waiting_here(format!("ev.wait({secs})"), || {
                clock.retry_until(until, |left| self.sleep_while_down(Some(left)).then_some(())).is_some()
            })
    }

    /// Sleeps on the flag while it is down, at most `timeout` of real time;
    /// whether it is up.
    fn sleep_while_down(&self, timeout: Option<Duration>) -> bool {
        let deadline = timeout.map(|t| Instant::now() + t);
        while !self.is_set() {
            let left = deadline.map(|d| d.saturating_duration_since(Instant::now()));
            if left.is_some_and(|left| left.is_zero()) {
                return false;
            }
            futex::wait(self.flag.get(), 0, left);
        }
        true
    }
}
