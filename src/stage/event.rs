//! Python's `multiprocessing.Event`: one flag in shared memory that processes
//! wait on until another sets it. Waiters sleep in the kernel on the flag's
//! futex; `set` wakes them all at once.

use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use super::futex;
use super::lane::Lane;
use super::shared::Mapping;
use crate::events::{LaneState, Mark};

/// An event shared by forked processes (named so as not to be taken for the
/// tutor's own [`crate::events::Event`]).
pub struct SharedEvent {
    flag: Mapping<AtomicU32>,
}

impl SharedEvent {
    /// Python's `Event()`: not set.
    pub fn new() -> anyhow::Result<SharedEvent> {
        // SAFETY: zero is a valid AtomicU32: the flag down.
        Ok(SharedEvent { flag: unsafe { Mapping::zeroed()? } })
    }

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

    /// Python's `ev.wait()` in `lane`: returns once the flag is up.
    pub fn wait(&self, lane: &Lane) {
        self.wait_until(lane, "ev.wait()", None);
    }

    /// Python's `ev.wait(timeout)`: whether the flag went up within `secs` of
    /// lesson time.
    pub fn wait_timeout(&self, lane: &Lane, secs: f64) -> bool {
        self.wait_until(lane, &format!("ev.wait({secs})"), Some(lane.now() + secs))
    }

    /// The one wait under both: sleeps on the flag until it is up or lesson
    /// time reaches `until`, drawn on the timeline as `call`.
    fn wait_until(&self, lane: &Lane, call: &str, until: Option<f64>) -> bool {
        if self.is_set() {
            return true;
        }
        lane.set_state(LaneState::Blocked, call, None);
        let set = match until {
            None => {
                self.sleep_while_down(None);
                true
            }
            Some(until) => lane
                .clock()
                .retry_until(until, |left| self.sleep_while_down(Some(left)).then_some(()))
                .is_some(),
        };
        if set {
            lane.set_state(LaneState::Running, format!("{call} returned"), None);
        } else {
            lane.set_state(LaneState::Running, format!("{call} timed out"), Some(Mark::Timeout));
        }
        set
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
