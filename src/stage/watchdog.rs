//! The watchdog: notices a child process that has stopped making progress and
//! says why, from what the kernel shows of it in `/proc`; and finds deadlocks
//! in the wait-for graph of traced locks (threads) or shared locks (processes).

use std::thread::JoinHandle;
use std::time::Duration;

use super::children::{ExitStatus, Proc};
use super::shared::SharedLock;
use super::traced::{find_cycle, Cycle, LockSet};
use super::wait::{Wait, Woke};
use super::Stage;
use crate::events::{Mark, Text};
use crate::procfs::{is_dead, is_stopped, ProcState};
use crate::text;

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
        let name = &self.children[p.0].name;
        let wait = Wait::blocked(format!("{name}.join()"))
            .marked(Mark::Joined)
            .on(name)
            .watching(vec![p])
            .looking_every(Duration::from_millis(1));
        let pid = self.children[p.0].pid.as_raw();
        let blocked = |_: &mut Stage| {
            let state = ProcState::read(pid)?;
            state.thread_blocked_in(syscall).map(|_| format!("the child is blocked in {syscall}()"))
        };
        match self.wait(wait, |stage| !stage.children[p.0].is_alive(), blocked) {
            Woke::Abandoned(_) => None,
            _ => self.children[p.0].ended.map(|(_, status)| status),
        }
    }

    /// Python's `p.join()`, with a watchdog Python does not have: while the child
    /// keeps talking, this waits; once it is alive and silent for `patience`
    /// lesson seconds, the watchdog reads its state from `/proc`, warns with what
    /// it saw, and the join gives up. The child is left as it is: the lesson
    /// decides what to do with it.
    pub fn join_with_watchdog(&mut self, p: Proc, patience: f64) -> Watched {
        let name = self.children[p.0].name.clone();
        let wait = Wait::blocked(format!("{name}.join()")).marked(Mark::Joined).on(&name).watching(vec![p]);
        let mut stuck = None;
        let silent = |stage: &mut Stage| {
            let child = &stage.children[p.0];
            let silent_for = stage.clock.now() - child.last_heard;
            if silent_for < patience {
                return None;
            }
            let pid = child.pid.as_raw();
            stuck = Some(Stuck { pid, silent_for, state: ProcState::read(pid) });
            Some("the watchdog found it stuck".to_string())
        };
        self.wait(wait, |stage| !stage.children[p.0].is_alive(), silent);
        let Some(stuck) = stuck else {
            return Watched::Ended(self.children[p.0].ended.expect("a joined child has ended").1);
        };
        let seen =
            stuck.state.as_ref().map_or("its /proc entry could not be read".to_string(), |s| s.to_string());
        self.warn(text!(
            "watchdog: {name} (pid {}) is alive but has said nothing for {:.1} s. /proc/{} shows {seen}.",
            stuck.pid,
            stuck.silent_for,
            stuck.pid
        ));
        for thread in stuck.state.iter().flat_map(|s| &s.threads) {
            self.warn(text!(
                "watchdog: {name}'s thread {} ({}) shows {}.",
                thread.tid,
                thread.name,
                thread.state
            ));
        }
        Watched::Stuck(stuck)
    }
}

/// What the watchdog can find wrong with a wait that will then never end by
/// itself: the pieces the one wait (every join, get, recv and lock wait) calls
/// on each look, to name the cause and end the scene.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Hopeless {
    /// A child is stopped (SIGSTOP, Ctrl-Z): it does nothing until SIGCONT.
    Stopped {
        /// Its lane.
        name: String,
        /// Its pid.
        pid: i32,
    },
    /// A lock's recorded owner died holding it: nobody will ever release it.
    OwnerDied {
        /// The lock's name, as the lesson calls it.
        lock: String,
        /// The dead owner's pid.
        pid: i32,
    },
    /// A pool worker ended with a task taken and not finished: its result
    /// will never come (CPython's `BrokenProcessPool`).
    TaskLost {
        /// The task.
        task: u64,
        /// The worker that took it.
        worker: String,
        /// That worker's pid.
        pid: i32,
    },
}

impl Hopeless {
    /// The watchdog's warning: what it found, and what that means.
    pub fn warning(&self) -> Text {
        match self {
            Hopeless::Stopped { name, pid } => {
                text!("watchdog: {name} (pid {pid}) is stopped (state T): it will do nothing until it gets SIGCONT")
            }
            Hopeless::OwnerDied { lock, pid } => {
                text!("watchdog: the lock {lock} is held by pid {pid}, which has died: nobody will ever release it")
            }
            Hopeless::TaskLost { task, worker, pid } => text!(
                "watchdog: {worker} (pid {pid}) ended in the middle of task {task}: its result will never come \
                 (CPython's pool would raise BrokenProcessPool)"
            ),
        }
    }

    /// Whether it is pool task `task` that was lost.
    pub fn is_task(&self, task: u64) -> bool {
        matches!(self, Hopeless::TaskLost { task: lost, .. } if *lost == task)
    }

    /// Why the wait was given up, in a few words (for the timeline).
    pub fn short(&self) -> String {
        match self {
            Hopeless::Stopped { name, .. } => format!("{name} is stopped"),
            Hopeless::OwnerDied { pid, .. } => format!("a lock's owner (pid {pid}) died"),
            Hopeless::TaskLost { worker, .. } => format!("{worker} died with the task"),
        }
    }
}

/// The owner `lock` records, if it has died holding it (see [`Hopeless::OwnerDied`]).
pub fn dead_owner(lock: &SharedLock) -> Option<i32> {
    lock.owner().filter(|&pid| is_dead(pid))
}

impl Stage {
    /// The first of `procs` that is stopped (see [`Hopeless::Stopped`]).
    pub fn stopped_child(&self, procs: &[Proc]) -> Option<Hopeless> {
        procs
            .iter()
            .map(|p| &self.children[p.0])
            .find(|c| c.is_alive() && is_stopped(c.pid.as_raw()))
            .map(|c| Hopeless::Stopped { name: c.name.clone(), pid: c.pid.as_raw() })
    }

    /// The first of `locks` (name, lock) whose owner died holding it.
    pub fn lock_of_the_dead(&self, locks: &[(&str, &SharedLock)]) -> Option<Hopeless> {
        locks.iter().find_map(|(name, lock)| {
            Some(Hopeless::OwnerDied { lock: name.to_string(), pid: dead_owner(lock)? })
        })
    }

    /// The first pool task taken by a worker that has since ended without its
    /// result (see [`Hopeless::TaskLost`]). The worker's pipe is read to its end
    /// before it is reaped, so a result it sent is always in before it counts as ended.
    pub fn lost_task(&self) -> Option<Hopeless> {
        let mut taken = self.unfinished_tasks();
        taken.sort_by_key(|(task, _)| **task);
        taken.into_iter().find_map(|(task, (worker, pid))| {
            let child = self.children.iter().find(|c| c.pid.as_raw() == *pid)?;
            (!child.is_alive()).then(|| Hopeless::TaskLost { task: *task, worker: worker.clone(), pid: *pid })
        })
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
        let mut found = None;
        let deadlock = |_: &mut Stage| {
            found = locks.deadlock(patience);
            found.as_ref().map(|_| "the watchdog found a deadlock".to_string())
        };
        let all_finished = |_: &Stage| threads.iter().all(|thread| thread.is_finished());
        self.wait(Wait::blocked("join() each thread").marked(Mark::Joined), all_finished, deadlock);
        let cycle = found?;
        self.warn(text!(
            "watchdog: deadlock. {cycle}. They have been stuck for {:.1} s, and none of them can \
             ever go on: each waits for a lock that only the other would release.",
            cycle.stuck_for
        ));
        Some(cycle)
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
