//! The watchdog: notices a child process that has stopped making progress and
//! says why, from what the kernel shows of it in `/proc`; and finds deadlocks
//! in the wait-for graph of traced locks (threads) or shared locks (processes).

use std::thread::JoinHandle;
use std::time::Duration;

use super::shared::SharedLock;
use super::traced::{find_cycle, Cycle, LockSet};
use super::{ExitStatus, Mark, Proc, Stage};
use crate::procfs::ProcState;

/// How often the watchdog looks, in real time. Events wake the join at once
/// anyway; this only bounds how late a stall is noticed.
const LOOK_EVERY: Duration = Duration::from_millis(20);

/// A child the watchdog found stuck.
#[derive(Clone, Debug)]
pub struct Stuck {
    /// Its pid.
    pub pid: i32,
    /// Lesson seconds since it last said anything.
    pub silent_for: f64,
    /// What the kernel said it was doing; `None` if it could not be read.
    pub state: Option<ProcState>,
}

/// How a watched join ended.
#[derive(Clone, Debug)]
pub enum Watched {
    /// The child ended by itself.
    Ended(ExitStatus),
    /// The child is alive but made no progress for the whole patience.
    Stuck(Stuck),
}

impl Stage {
    /// Waits for child `p` to end, unless it blocks in system call `syscall`
    /// first (as `/proc` shows it): then returns `None` and leaves it blocked.
    /// For finding out whether something would hang, without waiting for a timeout.
    pub fn join_unless_blocked_in(&mut self, p: Proc, syscall: &str) -> Option<ExitStatus> {
        let call = format!("{}.join()", self.children[p.0].name);
        self.block(&call);
        loop {
            let until = std::time::Instant::now() + Duration::from_millis(1);
            self.pump_until(Some(until), |stage| !stage.children[p.0].is_alive());
            if let Some((_, status)) = self.children[p.0].ended {
                self.unblock(format!("{call} returned"), Some(Mark::Joined));
                return Some(status);
            }
            let state = ProcState::read(self.children[p.0].pid.as_raw());
            if state.is_some_and(|s| s.thread_blocked_in(syscall).is_some()) {
                self.unblock(format!("{call} abandoned: the child is blocked in {syscall}()"), None);
                return None;
            }
        }
    }

    /// Python's `p.join()`, with a watchdog Python does not have: while the child
    /// keeps talking, this waits; once it is alive and silent for `patience`
    /// lesson seconds, the watchdog reads its state from `/proc`, warns with what
    /// it saw, and the join gives up. The child is left as it is: the lesson
    /// decides what to do with it.
    pub fn join_with_watchdog(&mut self, p: Proc, patience: f64) -> Watched {
        let call = format!("{}.join()", self.children[p.0].name);
        self.block(&call);
        loop {
            let until = std::time::Instant::now() + LOOK_EVERY;
            self.pump_until(Some(until), |stage| !stage.children[p.0].is_alive());
            let child = &self.children[p.0];
            if let Some((_, status)) = child.ended {
                self.unblock(format!("{call} returned"), Some(Mark::Joined));
                return Watched::Ended(status);
            }
            let silent_for = self.clock.now() - child.last_heard;
            if silent_for >= patience {
                let stuck =
                    Stuck { pid: child.pid.as_raw(), silent_for, state: ProcState::read(child.pid.as_raw()) };
                let seen = stuck
                    .state
                    .as_ref()
                    .map_or("its /proc entry could not be read".to_string(), |s| s.to_string());
                self.warn(format!(
                    "watchdog: {} (pid {}) is alive but has said nothing for {silent_for:.1} s. /proc/{} shows {seen}.",
                    child.name, stuck.pid, stuck.pid
                ));
                for thread in stuck.state.iter().flat_map(|s| &s.threads) {
                    self.warn(format!(
                        "watchdog: {}'s thread {} ({}) shows {}.",
                        child.name, thread.tid, thread.name, thread.state
                    ));
                }
                self.unblock(format!("{call} abandoned by the watchdog"), None);
                return Watched::Stuck(stuck);
            }
        }
    }
}

impl Stage {
    /// Waits for `threads` to finish, with a watchdog on the wait-for graph of
    /// `locks`: once they form a cycle whose every member has waited `patience`
    /// lesson seconds, warns with the cycle and returns it. They are still stuck
    /// then: the lesson decides how to end it (see [`LockSet::refuse`]).
    pub fn join_threads_with_watchdog(
        &mut self,
        threads: &[&JoinHandle<()>],
        locks: &LockSet,
        patience: f64,
    ) -> Option<Cycle> {
        self.block("join() each thread");
        loop {
            if threads.iter().all(|thread| thread.is_finished()) {
                self.unblock("all threads joined", Some(Mark::Joined));
                return None;
            }
            if let Some(cycle) = locks.deadlock(patience) {
                self.warn(format!(
                    "watchdog: deadlock. {cycle}. They have been stuck for {:.1} s, and none of them can \
                     ever go on: each waits for a lock that only the other would release.",
                    cycle.stuck_for
                ));
                self.unblock("join abandoned by the watchdog", None);
                return Some(cycle);
            }
            let until = std::time::Instant::now() + LOOK_EVERY;
            self.pump_until(Some(until), |_| false);
        }
    }

    /// The deadlock among this stage's child processes over `locks` (name, lock),
    /// read from the locks' own records of owner and waiter, if there is one.
    pub fn process_deadlock(&self, locks: &[(&str, &SharedLock)]) -> Option<Cycle> {
        let now = self.clock.now();
        let child = |pid: i32| self.children.iter().find(|c| c.pid.as_raw() == pid && c.is_alive());
        let waits: Vec<(String, String, f64)> = locks
            .iter()
            .filter_map(|(name, lock)| {
                let waiter = child(lock.waiter()?)?;
                Some((waiter.name.clone(), name.to_string(), now - waiter.last_heard))
            })
            .collect();
        let holders: Vec<(String, String)> = locks
            .iter()
            .filter_map(|(name, lock)| Some((name.to_string(), child(lock.owner()?)?.name.clone())))
            .collect();
        find_cycle(&waits, &holders)
    }
}
