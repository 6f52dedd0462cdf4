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
use std::time::{Duration, Instant};

use super::children::Proc;
use super::shared::lock_whose_owner_died;
use super::watchdog::Hopeless;
use super::{cleanup, Stage};
use crate::events::{LaneState, Mark, Text};
use crate::procfs::is_dead;
use crate::terminal::Quit;
use crate::text;

/// How often a wait with a watchdog lets it look, in real time. Events wake
/// the wait at once anyway; this only bounds how late a stall is noticed.
pub(crate) const LOOK_EVERY: Duration = Duration::from_millis(20);

/// How often every wait looks for what would keep it waiting for ever (a
/// child stopped, a lock's owner dead, a pool task lost), in real time.
const HAZARDS_EVERY: Duration = Duration::from_millis(100);

/// A wait found it could never end (see [`Hopeless`]): the scene unwinds with
/// this as its payload, and [`crate::lessons::run`] ends the scene there,
/// every process it started killed, and goes on with the next.
#[derive(Debug)]
pub struct Abandoned;

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
    /// The children whose being stopped would keep this wait waiting for ever.
    watched: Vec<Proc>,
    /// The pool task awaited, whose worker's death would.
    task: Option<u64>,
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
            watched: Vec::new(),
            task: None,
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

    /// The wait depends on `children`: one of them stopped is a wait that never ends.
    pub(crate) fn watching(self, children: Vec<Proc>) -> Wait<'fd> {
        Wait { watched: children, ..self }
    }

    /// The wait is for pool task `task`: its worker dying is a wait that never ends.
    pub(crate) fn for_task(self, task: u64) -> Wait<'fd> {
        Wait { task: Some(task), ..self }
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
        let mut hazards_looked = Instant::now();
        let mut hopeless = None;
        let woke = loop {
            if cleanup::take_interrupt() {
                // Ctrl-C, in a lesson run from the menu: the children are gone already.
                std::panic::resume_unwind(Box::new(Quit { interrupted: true }));
            }
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
            if hazards_looked.elapsed() >= HAZARDS_EVERY {
                hazards_looked = Instant::now();
                hopeless = self.hopeless(&wait.watched, wait.task);
                if let Some(why) = &hopeless {
                    break Woke::Abandoned(why.short());
                }
            }
        };
        let (text, mark) = match (&woke, wait.state) {
            (Woke::Done | Woke::TimedOut, LaneState::Sleeping) => (Text::from("awake"), None),
            (Woke::Done | Woke::Readable, _) => (text!("{} returned", wait.what), wait.mark),
            (Woke::TimedOut, _) => (text!("{} timed out", wait.what), Some(Mark::Timeout)),
            (Woke::Abandoned(why), _) => (text!("{} abandoned: {why}", wait.what), None),
        };
        let mut event = self.main.state_event(LaneState::Running, text, mark);
        event.peer = wait.peer.filter(|_| matches!(woke, Woke::Done));
        self.main.send(event);
        if let Some(why) = hopeless {
            self.warn(why.warning());
            std::panic::resume_unwind(Box::new(Abandoned));
        }
        woke
    }

    /// What would keep a wait on `watched` (and pool task `task`) waiting for
    /// ever: one of them stopped, the task's worker dead, or a process-shared
    /// lock whose owner died holding it while another process waits for it.
    fn hopeless(&self, watched: &[Proc], task: Option<u64>) -> Option<Hopeless> {
        self.stopped_child(watched)
            .or_else(|| task.and_then(|task| self.lost_task().filter(|lost| lost.is_task(task))))
            .or_else(|| {
                let (owner, waiter) = lock_whose_owner_died(is_dead)?;
                let name = |pid: i32| {
                    let child = self.children.iter().find(|c| c.pid.as_raw() == pid);
                    child.map_or(format!("pid {pid}"), |c| format!("{} (pid {pid})", c.name))
                };
                Some(Hopeless::OwnerDied { lock: format!("that {} waits for", name(waiter)), pid: owner })
            })
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
