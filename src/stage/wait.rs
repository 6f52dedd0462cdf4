//! The one wait. Every verb that blocks the main program (a sleep, a join, a
//! result's `get`, a queue's `get`, a pipe's `recv`, the watchdog joins) is
//! this loop with its own description: while main waits, the children's pipes
//! are read and their lines narrated ([`Stage::pump_once`]), the timeline is
//! told that main sleeps or waits and how the wait ended, the deadline is kept
//! in lesson time (so a paused lesson does not use it up), and a watchdog may
//! look at what is stuck and give the wait up.
//!
//! A new "wait for X" verb is a [`Wait`] and a `done` test: nothing more.

use std::os::fd::BorrowedFd;
use std::time::Duration;

use super::Stage;
use crate::events::{LaneState, Mark};

/// How often a wait with a watchdog lets it look, in real time. Events wake
/// the wait at once anyway; this only bounds how late a stall is noticed.
pub(crate) const LOOK_EVERY: Duration = Duration::from_millis(20);

/// What the main program waits for, described for the timeline.
pub(crate) struct Wait<'fd> {
    /// The call, as the Python would write it: `p1.join(6)`, `q.get()`.
    what: String,
    /// Sleeping (a timer) or blocked (waiting for someone else).
    state: LaneState,
    /// At most this many lesson seconds.
    timeout: Option<f64>,
    /// A descriptor whose becoming readable ends the wait (a queue, a pipe).
    readable: Option<BorrowedFd<'fd>>,
    /// The key moment a wait that ends well is (a join: [`Mark::Joined`]).
    mark: Option<Mark>,
    /// How often the watchdog looks.
    look_every: Duration,
    /// The lane awaited, when it is one (a join's child).
    peer: Option<String>,
}

/// How a wait ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Woke {
    /// What was awaited happened.
    Done,
    /// The descriptor became readable.
    Readable,
    /// The timeout passed first.
    TimedOut,
    /// The watchdog gave the wait up, for this reason.
    Abandoned(String),
}

impl<'fd> Wait<'fd> {
    /// Waiting for someone else: `what` is the call.
    pub(crate) fn blocked(what: impl Into<String>) -> Wait<'fd> {
        Wait {
            what: what.into(),
            state: LaneState::Blocked,
            timeout: None,
            readable: None,
            mark: None,
            look_every: LOOK_EVERY,
            peer: None,
        }
    }

    /// Python's `time.sleep(secs)`.
    pub(crate) fn sleep(secs: f64) -> Wait<'fd> {
        Wait { state: LaneState::Sleeping, timeout: Some(secs), ..Wait::blocked(format!("sleep({secs})")) }
    }

    /// Gives up after `secs` of lesson time.
    pub(crate) fn timeout(self, secs: Option<f64>) -> Wait<'fd> {
        Wait { timeout: secs, ..self }
    }

    /// Ends as soon as `fd` is readable.
    pub(crate) fn readable(self, fd: BorrowedFd<'fd>) -> Wait<'fd> {
        Wait { readable: Some(fd), ..self }
    }

    /// Marks a wait that ends well as a key moment on the timeline.
    pub(crate) fn marked(self, mark: Mark) -> Wait<'fd> {
        Wait { mark: Some(mark), ..self }
    }

    /// Waits for lane `peer` (a join's child): the end of the wait names it.
    pub(crate) fn on(self, peer: &str) -> Wait<'fd> {
        Wait { peer: Some(peer.to_string()), ..self }
    }

    /// Lets the watchdog look every `every` of real time.
    pub(crate) fn looking_every(self, every: Duration) -> Wait<'fd> {
        Wait { look_every: every, ..self }
    }
}

impl Stage {
    /// Waits until `done` holds, the descriptor is readable, the timeout passes
    /// or `look` (the watchdog, run every [`Wait::looking_every`]) gives up with
    /// a reason; narrates the children meanwhile and tells the timeline.
    pub(crate) fn wait(
        &mut self,
        wait: Wait<'_>,
        done: impl Fn(&Stage) -> bool,
        mut look: impl FnMut(&mut Stage) -> Option<String>,
    ) -> Woke {
        self.main.set_state(wait.state, wait.what.clone(), None);
        let deadline = wait.timeout.map(|secs| self.clock.now() + secs);
        let woke = loop {
            if done(self) {
                break Woke::Done;
            }
            let left = deadline.map(|d| d - self.clock.now());
            if left.is_some_and(|left| left <= 0.0) {
                // One last look, without waiting: what ended just in time counts.
                let readable = self.pump_once(Some(Duration::ZERO), wait.readable);
                break match () {
                    _ if readable => Woke::Readable,
                    _ if done(self) => Woke::Done,
                    _ => Woke::TimedOut,
                };
            }
            let slice = left.map_or(wait.look_every, |left| self.clock.real(left).min(wait.look_every));
            if self.pump_once(Some(slice), wait.readable) {
                break Woke::Readable;
            }
            if let Some(why) = look(self) {
                break Woke::Abandoned(why);
            }
        };
        let (text, mark) = match (&woke, wait.state) {
            (Woke::Done | Woke::TimedOut, LaneState::Sleeping) => ("awake".to_string(), None),
            (Woke::Done | Woke::Readable, _) => (format!("{} returned", wait.what), wait.mark),
            (Woke::TimedOut, _) => (format!("{} timed out", wait.what), Some(Mark::Timeout)),
            (Woke::Abandoned(why), _) => (format!("{} abandoned: {why}", wait.what), None),
        };
        let mut event = self.main.state_event(LaneState::Running, text, mark);
        event.peer = wait.peer.filter(|_| matches!(woke, Woke::Done));
        self.main.send(event);
        woke
    }

    /// [`Stage::wait`] without a watchdog.
    pub(crate) fn wait_for(&mut self, wait: Wait<'_>, done: impl Fn(&Stage) -> bool) -> Woke {
        self.wait(wait, done, |_| None)
    }

    /// The main program sleeps (Python's `time.sleep`), narrating whatever the
    /// children do meanwhile.
    pub fn sleep(&mut self, secs: f64) {
        self.wait_for(Wait::sleep(secs), |_| false);
    }
}
