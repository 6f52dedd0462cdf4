//! The watchdog: notices a child process that has stopped making progress and
//! says why, from what the kernel shows of it in `/proc`; and finds deadlocks
//! in the wait-for graph of traced locks (threads) or shared locks (processes).

use std::fmt;
use std::thread::JoinHandle;
use std::time::Duration;

use super::children::{ExitStatus, Proc};
use super::shared::SharedLock;
use super::traced::{find_cycle, Cycle, LockSet};
use super::wait::{Wait, Woke};
use super::Stage;
use crate::events::Mark;

/// What the kernel says a process is doing, read from `/proc/<pid>`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProcState {
    /// Its main thread.
    pub main: TaskState,
    /// Its other threads (a queue's feeder, say), from `/proc/<pid>/task`.
    pub threads: Vec<ThreadState>,
}

/// What the kernel says one of a process's other threads is doing.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ThreadState {
    /// Its thread id.
    pub tid: i32,
    /// Its name, as the kernel keeps it (`comm`).
    pub name: String,
    /// What it is doing, as for a process.
    pub state: TaskState,
}

/// The state, system call and kernel function of one thread.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TaskState {
    /// The state letter of its `stat`: `R` running, `S` sleeping, `D`
    /// waiting on a device, `T` stopped, `Z` a zombie.
    pub state: char,
    /// The system call it is blocked in, from its `syscall`, when the kernel shows it.
    pub syscall: Option<String>,
    /// The kernel function it sleeps in, from its `wchan`, when shown.
    pub wchan: Option<String>,
}

impl TaskState {
    /// Reads the task whose `/proc` directory is `dir`; `None` when it is gone.
    fn read(dir: &str) -> Option<TaskState> {
        let stat = std::fs::read_to_string(format!("{dir}/stat")).ok()?;
        // The command name may contain spaces and parentheses: the state follows the last ')'.
        let state = stat.rsplit_once(')')?.1.trim_start().chars().next()?;
        let syscall = std::fs::read_to_string(format!("{dir}/syscall"))
            .ok()
            .and_then(|text| text.split_whitespace().next()?.parse::<i64>().ok())
            .map(syscall_name);
        let wchan = std::fs::read_to_string(format!("{dir}/wchan"))
            .ok()
            .filter(|name| !name.is_empty() && name != "0");
        Some(TaskState { state, syscall, wchan })
    }

    /// Whether it sleeps in system call `syscall`.
    pub fn blocked_in(&self, syscall: &str) -> bool {
        self.state == 'S' && self.syscall.as_deref() == Some(syscall)
    }
}

impl ProcState {
    /// Reads the state of process `pid`, and of its other threads; `None` when it is gone.
    pub fn read(pid: i32) -> Option<ProcState> {
        let main = TaskState::read(&format!("/proc/{pid}"))?;
        let mut threads: Vec<ThreadState> = std::fs::read_dir(format!("/proc/{pid}/task"))
            .into_iter()
            .flatten()
            .filter_map(|entry| entry.ok()?.file_name().to_str()?.parse::<i32>().ok())
            .filter(|&tid| tid != pid)
            .filter_map(|tid| {
                let dir = format!("/proc/{pid}/task/{tid}");
                let name = std::fs::read_to_string(format!("{dir}/comm")).ok()?.trim_end().to_string();
                Some(ThreadState { tid, name, state: TaskState::read(&dir)? })
            })
            .collect();
        threads.sort_by_key(|thread| thread.tid);
        Some(ProcState { main, threads })
    }

    /// The thread, the main one or another, that sleeps in system call `syscall`:
    /// `None` for none, `Some(None)` for the main thread, `Some(Some(t))` for thread `t`.
    pub fn thread_blocked_in(&self, syscall: &str) -> Option<Option<&ThreadState>> {
        if self.main.blocked_in(syscall) {
            return Some(None);
        }
        self.threads.iter().find(|thread| thread.state.blocked_in(syscall)).map(Some)
    }
}

impl TaskState {
    /// What the state letter means.
    pub fn state_name(&self) -> &'static str {
        match self.state {
            'R' => "running",
            'S' => "sleeping",
            'D' => "waiting on a device",
            'T' | 't' => "stopped",
            'Z' => "a zombie",
            _ => "in an unusual state",
        }
    }
}

impl fmt::Display for TaskState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "state {} ({})", self.state, self.state_name())?;
        if let Some(syscall) = &self.syscall {
            write!(f, ", blocked in the {syscall}() system call")?;
        }
        if let Some(wchan) = &self.wchan {
            write!(f, ", asleep in the kernel's {wchan}")?;
        }
        Ok(())
    }
}

/// Its main thread's state: the watchdog says each other thread's on a line of its own.
impl fmt::Display for ProcState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.main)
    }
}

/// The first fields of a process's `/proc/<pid>/stat`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Stat {
    /// The state letter (see [`TaskState::state`]).
    pub state: char,
    /// Its parent's pid.
    pub ppid: i32,
    /// Its process group.
    pub pgrp: i32,
}

impl Stat {
    /// Reads process `pid`'s; `None` when it is gone.
    pub(crate) fn read(pid: i32) -> Option<Stat> {
        Stat::parse(&std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?)
    }

    /// Parses the text of a `stat` file. The command name may hold spaces and
    /// parentheses: the fields that follow it start after the last `)`.
    fn parse(stat: &str) -> Option<Stat> {
        let mut fields = stat.rsplit_once(')')?.1.split_whitespace();
        let state = fields.next()?.chars().next()?;
        let ppid = fields.next()?.parse().ok()?;
        let pgrp = fields.next()?.parse().ok()?;
        Some(Stat { state, ppid, pgrp })
    }
}

/// The pids of `parent`'s children, living or zombies, read from `/proc`.
pub(crate) fn children_of(parent: i32) -> Vec<i32> {
    std::fs::read_dir("/proc")
        .into_iter()
        .flatten()
        .filter_map(|entry| entry.ok()?.file_name().to_str()?.parse::<i32>().ok())
        .filter(|&pid| Stat::read(pid).is_some_and(|stat| stat.ppid == parent))
        .collect()
}

/// Whether process `pid` is stopped (state `T`, by SIGSTOP or a terminal's
/// Ctrl-Z; `t`, by a debugger): alive, and doing nothing until someone sends
/// it SIGCONT. A wait on it will not end by itself.
pub fn is_stopped(pid: i32) -> bool {
    Stat::read(pid).is_some_and(|stat| matches!(stat.state, 'T' | 't'))
}

/// Whether process `pid` is gone, or a zombie: dead, whatever any record of it
/// (a lock's owner, a task's worker) still says. A pid the kernel gave to
/// another process since would pass for alive; within one lesson pids are not
/// reused that fast.
pub fn is_dead(pid: i32) -> bool {
    Stat::read(pid).is_none_or(|stat| stat.state == 'Z' || stat.state == 'X')
}

/// The name of system call number `nr` for the few a stuck lesson can be in.
fn syscall_name(nr: i64) -> String {
    let known = [
        (libc::SYS_futex, "futex"),
        (libc::SYS_write, "write"),
        (libc::SYS_read, "read"),
        (libc::SYS_wait4, "wait4"),
        (libc::SYS_clock_nanosleep, "clock_nanosleep"),
        (libc::SYS_ppoll, "ppoll"),
        (libc::SYS_pselect6, "pselect6"),
    ];
    known
        .iter()
        .find(|(number, _)| *number == nr)
        .map_or(format!("number {nr}"), |(_, name)| name.to_string())
}

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
        self.warn(format!(
            "watchdog: {name} (pid {}) is alive but has said nothing for {:.1} s. /proc/{} shows {seen}.",
            stuck.pid, stuck.silent_for, stuck.pid
        ));
        for thread in stuck.state.iter().flat_map(|s| &s.threads) {
            self.warn(format!(
                "watchdog: {name}'s thread {} ({}) shows {}.",
                thread.tid, thread.name, thread.state
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

impl fmt::Display for Hopeless {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Hopeless::Stopped { name, pid } => write!(
                f,
                "watchdog: {name} (pid {pid}) is stopped (state T): it will do nothing until it gets SIGCONT"
            ),
            Hopeless::OwnerDied { lock, pid } => write!(
                f,
                "watchdog: the lock {lock} is held by pid {pid}, which has died: nobody will ever release it"
            ),
            Hopeless::TaskLost { task, worker, pid } => write!(
                f,
                "watchdog: {worker} (pid {pid}) ended in the middle of task {task}: its result will never come \
                 (CPython's pool would raise BrokenProcessPool)"
            ),
        }
    }
}

impl Hopeless {
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
        self.warn(format!(
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stat_line_is_read_after_the_last_parenthesis() {
        let stat = "4101 (a (b) c) T 4100 4099 4099 0 -1 4194560 107 0 0 0";
        assert_eq!(Stat::parse(stat), Some(Stat { state: 'T', ppid: 4100, pgrp: 4099 }));
        assert_eq!(Stat::parse("4101 (cut"), None);
    }

    #[test]
    fn this_process_is_alive_and_not_stopped() {
        let me = std::process::id() as i32;
        assert!(!is_dead(me) && !is_stopped(me));
        assert!(children_of(me).iter().all(|&child| Stat::read(child).is_some_and(|s| s.ppid == me)));
    }
}
