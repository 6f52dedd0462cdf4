//! The parent's table of its child processes, forked or spawned: taking charge
//! of one that has just started, signalling it, reaping it and saying how it
//! ended, and killing every one that is left when a lesson ends on any path.

use std::fmt;
use std::fs::File;
use std::os::fd::{AsRawFd, OwnedFd};

use anyhow::bail;
use nix::fcntl::{fcntl, FcntlArg, OFlag};
use nix::sys::signal::{kill, Signal};
use nix::sys::wait::{waitid, waitpid, Id, WaitPidFlag, WaitStatus};
use nix::unistd::Pid;

use super::cleanup;
use super::Stage;
use crate::events::{Event, Kind, Text};
use crate::text;

/// A started child process: what Python's `Process` object is after `start()`.
/// It has no way to set `daemon`: that is decided before `start`, by the builder,
/// so the mistake Python catches at run time does not compile here:
///
/// ```compile_fail,E0599
/// fn late(stage: &mut concur_tutor::stage::Stage) -> anyhow::Result<()> {
///     let p = stage.process("p", |_| {}).start()?;
///     p.daemon(true); // error[E0599]: no method named `daemon` found for struct `Proc`
///     Ok(())
/// }
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Proc(pub(crate) usize);

/// How a child process ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExitStatus {
    /// It exited by itself with this code.
    Code(i32),
    /// A signal ended it.
    Signal(Signal),
}

impl fmt::Display for ExitStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ExitStatus::Code(code) => write!(f, "exited with code {code}"),
            ExitStatus::Signal(sig) => write!(f, "was killed by {}", sig.as_str()),
        }
    }
}

/// The parent's record of one child.
pub(crate) struct Child {
    pub name: String,
    pub pid: Pid,
    pub daemon: bool,
    /// The read end of the child's event pipe; `None` once the child is reaped.
    pub events: Option<File>,
    /// What it has sent that does not yet end in a new line.
    pub pending: Vec<u8>,
    pub started: f64,
    /// When the child last sent anything (or started): what the watchdog watches.
    pub last_heard: f64,
    pub ended: Option<(f64, ExitStatus)>,
    /// Left a zombie when it ends, until a join waits for it.
    pub reaped_by_join: bool,
    /// It has ended and is a zombie nobody has waited for yet.
    pub unreaped: bool,
}

impl Child {
    pub fn is_alive(&self) -> bool {
        self.ended.is_none()
    }
}

impl Stage {
    /// The `spawn` event of a child about to start, stamped now so that it sorts
    /// before anything the child says; `text` says how it started. Its pid is
    /// filled in by [`Stage::adopt`].
    pub(crate) fn spawn_event(&self, name: &str, text: Text) -> Event {
        let mut spawn = Event::new(self.clock.now(), name, 0, Kind::Spawn, text);
        spawn.ppid = Some(self.pid());
        spawn
    }

    /// Takes charge of a child that has just started: tracks it for cleanup and
    /// reads its events from `read_end` from now on.
    pub(crate) fn adopt(
        &mut self,
        pid: Pid,
        read_end: OwnedFd,
        name: String,
        daemon: bool,
        mut spawn: Event,
    ) -> anyhow::Result<Proc> {
        if !cleanup::register(pid.as_raw()) {
            let _ = kill(pid, Signal::SIGKILL);
            let _ = waitpid(pid, None);
            bail!("too many live child processes to track");
        }
        fcntl(read_end.as_raw_fd(), FcntlArg::F_SETFL(OFlag::O_NONBLOCK))?;
        let started = spawn.t;
        spawn.pid = pid.as_raw();
        self.emit_lifecycle(spawn);
        self.children.push(Child {
            name,
            pid,
            daemon,
            events: Some(File::from(read_end)),
            pending: Vec::new(),
            started,
            last_heard: started,
            ended: None,
            reaped_by_join: false,
            unreaped: false,
        });
        Ok(Proc(self.children.len() - 1))
    }

    /// Emits a child's `spawn` or `exit`, unless the stage is measuring quietly.
    fn emit_lifecycle(&self, event: Event) {
        if !self.hushed {
            self.recorder.emit(event);
        }
    }

    /// The children still alive: what a wait on "whoever sends next" depends on.
    pub(crate) fn alive(&self) -> Vec<Proc> {
        (0..self.children.len()).filter(|&i| self.children[i].is_alive()).map(Proc).collect()
    }

    /// The child's pid.
    pub fn pid_of(&self, p: Proc) -> i32 {
        self.children[p.0].pid.as_raw()
    }

    /// Python's `p.terminate()`: sends SIGTERM. Like Python, it does not wait:
    /// `join` afterwards to reap the child.
    pub fn terminate(&mut self, p: Proc) {
        if self.children[p.0].is_alive() {
            let _ = kill(self.children[p.0].pid, Signal::SIGTERM);
        }
    }

    /// Python's `p.kill()` followed by `p.join()`: SIGKILL, which no process can
    /// catch or ignore, then the reaping.
    pub fn kill(&mut self, p: Proc) -> ExitStatus {
        if self.children[p.0].is_alive() {
            let _ = kill(self.children[p.0].pid, Signal::SIGKILL);
        }
        self.join(p)
    }

    /// Waits for child `i`, whose pipe has closed, and records how it ended.
    pub(crate) fn reap(&mut self, i: usize) {
        let child = &mut self.children[i];
        child.events = None;
        let status = loop {
            let waited = if child.reaped_by_join {
                // The exit status, leaving the zombie for the join to collect.
                waitid(Id::Pid(child.pid), WaitPidFlag::WEXITED | WaitPidFlag::WNOWAIT)
            } else {
                wait_briefly_then_block(child.pid)
            };
            match waited {
                Ok(WaitStatus::Exited(_, code)) => break ExitStatus::Code(code),
                Ok(WaitStatus::Signaled(_, sig, _)) => break ExitStatus::Signal(sig),
                Ok(_) | Err(nix::errno::Errno::EINTR) => continue,
                // Reaped already, by the signal handler that killed it (Ctrl-C
                // in a lesson run from the menu, which goes on afterwards).
                Err(nix::errno::Errno::ECHILD) => break ExitStatus::Signal(Signal::SIGKILL),
                Err(err) => panic!("waitpid({}) failed: {err}", child.pid),
            }
        };
        if child.reaped_by_join {
            child.unreaped = true;
        } else {
            cleanup::unregister(child.pid.as_raw());
        }
        let t = self.clock.now();
        child.ended = Some((t, status));
        let text = text!("{} {status} after {:.2} s", child.name, t - child.started);
        let mut event = Event::new(t, &child.name, child.pid.as_raw(), Kind::Exit, text);
        match status {
            ExitStatus::Code(code) => event.code = Some(code),
            ExitStatus::Signal(sig) => event.signal = Some(sig.as_str().to_string()),
        }
        self.emit_lifecycle(event);
    }

    /// Waits for child `i`'s zombie, if it was left for a join to collect.
    pub(crate) fn collect(&mut self, i: usize) {
        let child = &mut self.children[i];
        if child.unreaped {
            while let Err(nix::errno::Errno::EINTR) = waitpid(child.pid, None) {}
            cleanup::unregister(child.pid.as_raw());
            child.unreaped = false;
        }
    }

    /// Kills and reaps every child still alive or left a zombie: the end of a
    /// lesson on any path.
    pub(crate) fn kill_all(&mut self) {
        for child in self.children.iter_mut().filter(|c| c.is_alive() || c.unreaped) {
            let _ = kill(child.pid, Signal::SIGKILL);
            let _ = waitpid(child.pid, None);
            cleanup::unregister(child.pid.as_raw());
            child.events = None;
            child.unreaped = false;
            child.ended.get_or_insert((self.clock.now(), ExitStatus::Signal(Signal::SIGKILL)));
        }
    }
}

/// What to do about a system limit the tutor ran into, if `err` is one.
pub(crate) fn limit_hint(err: nix::errno::Errno) -> &'static str {
    match err {
        nix::errno::Errno::EMFILE | nix::errno::Errno::ENFILE => {
            " (the limit on open files was reached: see `ulimit -n`, and raise it or close other programs)"
        }
        nix::errno::Errno::EAGAIN | nix::errno::Errno::ENOMEM => {
            " (the limit on processes or memory was reached: see `ulimit -u` and `ulimit -v`, and raise them or \
             end other programs)"
        }
        _ => "",
    }
}

/// Waits for a child whose pipe has just closed. The pipe closes a few
/// microseconds before the exiting child becomes reapable; a short spin of
/// non-blocking waits saves a second sleep and wake-up (a third of the cost of
/// starting and reaping a short-lived lane).
fn wait_briefly_then_block(pid: Pid) -> nix::Result<WaitStatus> {
    for _ in 0..100 {
        match waitpid(pid, Some(WaitPidFlag::WNOHANG))? {
            WaitStatus::StillAlive => std::thread::yield_now(),
            status => return Ok(status),
        }
    }
    waitpid(pid, None)
}
