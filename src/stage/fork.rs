//! Forking a child process: Python's `Process(target=…).start()` with the fork
//! start method, and the whole life of the child that runs the target.
//!
//! Fork safety (DESIGN.md, **contract**): the child never prints and never
//! returns into the parent's code. It sends whole lines over its own pipe and
//! ends with `_exit`. The parent reads every child's pipe in its own `poll` loop
//! (see [`super::pump`]) while it waits: no helper threads.

use std::os::fd::{AsRawFd, OwnedFd};
use std::panic::{self, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, AtomicI32, Ordering};

use anyhow::{anyhow, bail};
use nix::fcntl::OFlag;
use nix::sys::signal::Signal;
use nix::unistd::{fork, getpid, getppid, pipe2, ForkResult, Pid};

use super::children::{limit_hint, Proc};
use super::cleanup;
use super::lane::{Lane, Refused};
use super::queue::finish_feeding;
use super::Stage;
use crate::events::Kind;
use crate::text;

/// Python's `Process` subclass with its own `run()`: a value that knows what its
/// process does. Start one with [`Stage::process_from`].
pub trait Run {
    /// The body of the process, run in the child.
    fn run(self, lane: &Lane);
}

/// A child process not started yet: Python's `Process(target=…)` before `start()`.
pub struct ProcessBuilder<'s, F> {
    stage: &'s mut Stage,
    name: String,
    daemon: bool,
    reaped_by_join: bool,
    target: F,
}

impl<F: FnOnce(&Lane)> ProcessBuilder<'_, F> {
    /// Python's `p.daemon = True`: the child is terminated when the program ends,
    /// instead of being waited for.
    pub fn daemon(mut self, daemon: bool) -> Self {
        self.daemon = daemon;
        self
    }

    /// Python's own way of waiting: once it has exited, the child stays a
    /// zombie until `join`, or the end of the program, waits for it. (The
    /// Stage otherwise reaps a child as soon as its pipe closes, to tell at
    /// once how it ended.)
    pub fn reaped_by_join(mut self) -> Self {
        self.reaped_by_join = true;
        self
    }

    /// Python's `p.start()`: forks the child, which runs the target and exits.
    pub fn start(self) -> anyhow::Result<Proc> {
        let p = self.stage.fork(self.name, self.daemon, self.target)?;
        self.stage.children[p.0].reaped_by_join = self.reaped_by_join;
        Ok(p)
    }
}

impl Stage {
    /// Python's `Process(target=…)`: names a child and its body; `start()` forks it.
    pub fn process<F: FnOnce(&Lane)>(&mut self, name: &str, target: F) -> ProcessBuilder<'_, F> {
        ProcessBuilder { stage: self, name: name.to_string(), daemon: false, reaped_by_join: false, target }
    }

    /// Python's `MyProcess(…)` for a `Process` subclass: a child whose body is
    /// `body`'s [`Run::run`].
    pub fn process_from<R: Run>(&mut self, name: &str, body: R) -> ProcessBuilder<'_, impl FnOnce(&Lane)> {
        self.process(name, move |lane| body.run(lane))
    }

    fn fork<F: FnOnce(&Lane)>(&mut self, name: String, daemon: bool, target: F) -> anyhow::Result<Proc> {
        let (read_end, write_end) = pipe2(OFlag::O_CLOEXEC).map_err(|err| {
            anyhow!("could not create a pipe for a child process: {err}{}", limit_hint(err))
        })?;
        let parent = getpid();
        // Everything the parent records about the child is built before the fork:
        // after it, each heap page the parent writes is a copy-on-write fault, and
        // these faults are most of what a lane costs over a bare fork.
        let pid = self.pid();
        let how = if daemon {
            text!("forked by main (pid {pid}), daemon")
        } else {
            text!("forked by main (pid {pid})")
        };
        let spawn = self.spawn_event(&name, how);
        self.children.reserve(1);
        let _held = cleanup::hold_interrupts();
        // SAFETY: the child only runs `run_child`, which never returns and never
        // touches a lock the parent's other threads may hold.
        match unsafe { fork() } {
            Ok(ForkResult::Child) => {
                drop(read_end);
                run_child(&name, parent, self.clock, write_end, target)
            }
            Ok(ForkResult::Parent { child }) => {
                drop(write_end);
                self.adopt(child, read_end, name, daemon, spawn)
            }
            Err(err) => bail!("could not fork {name}: {err}{}", limit_hint(err)),
        }
    }
}

/// Set in a forked child, whose copy of the program may start threads: the
/// main program may not (it must stay single-threaded to fork safely).
static IN_CHILD: AtomicBool = AtomicBool::new(false);

/// Whether this is a child the Stage forked.
pub(crate) fn in_child() -> bool {
    IN_CHILD.load(Ordering::Relaxed)
}

/// In a child: the descriptor of its event pipe to the parent (-1 before it has one).
static CHILD_PIPE: AtomicI32 = AtomicI32::new(-1);

/// The child's event pipe to its parent, if this is a child the Stage started.
pub(crate) fn child_pipe() -> Option<i32> {
    Some(CHILD_PIPE.load(Ordering::Relaxed)).filter(|&fd| fd >= 0)
}

/// The whole life of a forked child. Never returns.
pub(crate) fn run_child<F: FnOnce(&Lane)>(
    name: &str,
    parent: Pid,
    clock: super::Clock,
    pipe: OwnedFd,
    target: F,
) -> ! {
    cleanup::become_child();
    IN_CHILD.store(true, Ordering::Relaxed);
    // If the tutor dies outright (even by SIGKILL), the kernel kills this child too.
    let _ = nix::sys::prctl::set_pdeathsig(Signal::SIGKILL);
    if getppid() != parent {
        // The parent died before the line above took effect.
        unsafe { libc::_exit(1) };
    }
    CHILD_PIPE.store(pipe.as_raw_fd(), Ordering::Relaxed);
    let lane = Lane::in_child(name, clock, pipe);
    let _entered = lane.enter();
    panic::set_hook(Box::new(|_| {}));
    let outcome = panic::catch_unwind(AssertUnwindSafe(|| target(&lane)));
    let code = match outcome {
        Ok(()) => 0,
        Err(payload) => match payload.downcast_ref::<Refused>() {
            Some(refused) => {
                lane.emit(Kind::Warn, refused.to_string());
                1
            }
            None => {
                let why = payload
                    .downcast_ref::<&str>()
                    .map(|s| s.to_string())
                    .or_else(|| payload.downcast_ref::<String>().cloned())
                    .unwrap_or_else(|| "a panic".to_string());
                lane.emit(Kind::Warn, text!("panicked: {why}"));
                101
            }
        },
    };
    // As in CPython, a process that has put items on a queue ends only once they are all in the pipe.
    finish_feeding(&lane);
    // SAFETY: ends the child without running destructors or atexit handlers that
    // belong to the parent's copy of the program.
    unsafe { libc::_exit(code) }
}
