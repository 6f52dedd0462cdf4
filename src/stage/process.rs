//! Forked child processes: starting one, reading its events while the parent
//! waits, and knowing how it ended.
//!
//! Fork safety (DESIGN.md, **contract**): the child never prints and never
//! returns into the parent's code. It sends whole lines over its own pipe and
//! ends with `_exit`. The parent reads every child's pipe in its own `poll` loop
//! ([`Stage::pump_until`]) while it sleeps or joins: no helper threads.

use std::fmt;
use std::fs::File;
use std::io::{ErrorKind, Read};
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd};
use std::panic::{self, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, AtomicI32, Ordering};
use std::time::Instant;

use anyhow::{anyhow, bail};
use nix::fcntl::{fcntl, FcntlArg, OFlag};
use nix::poll::{poll, PollFd, PollFlags, PollTimeout};
use nix::sys::signal::{kill, Signal};
use nix::sys::wait::{waitpid, WaitPidFlag, WaitStatus};
use nix::unistd::{fork, getpid, getppid, pipe2, ForkResult, Pid};

use super::cleanup;
use super::lane::{Lane, Refused, Wire};
use super::pool::Done;
use super::queue::finish_feeding;
use super::Stage;
use crate::events::{Event, Kind, Mark};

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
    target: F,
}

impl<F: FnOnce(&Lane)> ProcessBuilder<'_, F> {
    /// Python's `p.daemon = True`: the child is terminated when the program ends,
    /// instead of being waited for.
    pub fn daemon(mut self, daemon: bool) -> Self {
        self.daemon = daemon;
        self
    }

    /// Python's `p.start()`: forks the child, which runs the target and exits.
    pub fn start(self) -> anyhow::Result<Proc> {
        self.stage.fork(self.name, self.daemon, self.target)
    }
}

/// The parent's record of one child.
pub(crate) struct Child {
    pub name: String,
    pub pid: Pid,
    pub daemon: bool,
    /// The read end of the child's event pipe; `None` once the child is reaped.
    events: Option<File>,
    pending: Vec<u8>,
    pub started: f64,
    /// When the child last sent anything (or started): what the watchdog watches.
    pub last_heard: f64,
    pub ended: Option<(f64, ExitStatus)>,
}

impl Child {
    pub fn is_alive(&self) -> bool {
        self.ended.is_none()
    }
}

impl Stage {
    /// Python's `Process(target=…)`: names a child and its body; `start()` forks it.
    pub fn process<F: FnOnce(&Lane)>(&mut self, name: &str, target: F) -> ProcessBuilder<'_, F> {
        ProcessBuilder { stage: self, name: name.to_string(), daemon: false, target }
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
        let spawn = self.spawn_event(&name, "forked", if daemon { ", daemon" } else { "" });
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

    /// The `spawn` event of a child about to start, stamped now so that it sorts
    /// before anything the child says. Its pid is filled in by [`Stage::adopt`].
    pub(crate) fn spawn_event(&self, name: &str, how: &str, detail: &str) -> Event {
        let mut spawn = Event::new(self.clock.now(), name, 0, Kind::Spawn, "");
        spawn.ppid = Some(self.pid());
        spawn.text = format!("{how} by main (pid {}){detail}", self.pid());
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
        });
        Ok(Proc(self.children.len() - 1))
    }

    /// Emits a child's `spawn` or `exit`, unless the stage is measuring quietly.
    fn emit_lifecycle(&self, event: Event) {
        if !self.hushed {
            self.recorder.emit(event);
        }
    }

    /// The child's pid.
    pub fn pid_of(&self, p: Proc) -> i32 {
        self.children[p.0].pid.as_raw()
    }

    /// Python's `p.join()`: waits until the child has ended, narrating whatever
    /// happens meanwhile.
    pub fn join(&mut self, p: Proc) -> ExitStatus {
        let call = format!("{}.join()", self.children[p.0].name);
        self.block(&call);
        self.pump_until(None, |stage| !stage.children[p.0].is_alive());
        self.unblock(format!("{call} returned"), Some(Mark::Joined));
        self.children[p.0].ended.expect("a joined child has ended").1
    }

    /// Python's `p.join(timeout)`: waits at most `secs`, then says what happened:
    /// the child ended (how, after how long) or the wait timed out and it runs on.
    pub fn join_timeout(&mut self, p: Proc, secs: f64) -> Option<ExitStatus> {
        let from = self.clock.now();
        let deadline = self.clock.deadline(secs);
        let call = format!("{}.join({secs})", self.children[p.0].name);
        self.block(&call);
        self.pump_until(Some(deadline), |stage| !stage.children[p.0].is_alive());
        let waited = self.clock.now() - from;
        let child = &self.children[p.0];
        let (name, pid) = (child.name.clone(), child.pid);
        match child.ended {
            Some((_, status)) => {
                self.unblock(format!("{call} returned"), Some(Mark::Joined));
                self.note(format!(
                    "{call} returned after {waited:.2} s, before its timeout: {name} {status}."
                ));
                Some(status)
            }
            None => {
                self.unblock(format!("{call} timed out"), Some(Mark::Timeout));
                self.note(format!(
                    "{call} gave up after {waited:.2} s: {name} (pid {pid}) is still running. \
                     A join timeout only stops the waiting, never the child."
                ));
                None
            }
        }
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

    /// What CPython does when the main module's code is done: terminate the live
    /// daemon children, then wait for every other child. Called after each scene,
    /// since each scene stands for one whole Python program.
    pub(crate) fn end_of_program(&mut self) {
        let (daemons, others): (Vec<usize>, Vec<usize>) = (0..self.children.len())
            .filter(|&i| self.children[i].is_alive())
            .partition(|&i| self.children[i].daemon);
        let body_ended = self.clock.now();
        for i in daemons {
            let name = self.children[i].name.clone();
            self.note(format!(
                "main's code is done and {name} is a daemon, so the program terminates it (SIGTERM), \
                 as CPython's exit handler does for daemonic children."
            ));
            self.terminate(Proc(i));
            let status = self.join(Proc(i));
            let last = self.last_said(&name).unwrap_or_else(|| "nothing".to_string());
            self.note(format!(
                "{name} {status} {:.2} s after it started. The last line it printed was \"{last}\": \
                 whatever it meant to print after that never happened.",
                self.children[i].ended.map_or(0.0, |(t, _)| t) - self.children[i].started
            ));
        }
        for i in others {
            let name = self.children[i].name.clone();
            if !self.children[i].is_alive() {
                continue;
            }
            self.note(format!(
                "main's code is done, but {name} is not a daemon and still running: the program \
                 waits for it before exiting, as CPython's interpreter does at exit."
            ));
            let status = self.join(Proc(i));
            let waited = self.clock.now() - body_ended;
            self.note(format!(
                "{name} {status}; the program could exit {waited:.2} s after main's code ended."
            ));
        }
    }

    /// Reads every child's pipe until `done` holds or `deadline` passes, rendering
    /// events as they arrive and reaping children whose pipe closed.
    pub(crate) fn pump_until(&mut self, deadline: Option<Instant>, done: impl Fn(&Stage) -> bool) {
        self.pump(deadline, None, done);
    }

    /// [`Stage::pump_until`], also watching `watch`: returns true as soon as it
    /// is readable (a queue or pipe the main program waits on).
    pub(crate) fn pump(
        &mut self,
        deadline: Option<Instant>,
        watch: Option<BorrowedFd<'_>>,
        done: impl Fn(&Stage) -> bool,
    ) -> bool {
        loop {
            if done(self) {
                return false;
            }
            let now = Instant::now();
            // Past the deadline, one last look without waiting, then return.
            let expired = deadline.is_some_and(|d| now >= d);
            let open: Vec<usize> =
                (0..self.children.len()).filter(|&i| self.children[i].events.is_some()).collect();
            if open.is_empty() && watch.is_none() {
                match deadline {
                    Some(d) if !expired => {
                        std::thread::sleep(d - now);
                        continue;
                    }
                    _ => return false,
                }
            }
            let timeout = match deadline {
                Some(_) if expired => PollTimeout::ZERO,
                Some(d) => {
                    PollTimeout::try_from((d - now).as_millis().saturating_add(1)).unwrap_or(PollTimeout::MAX)
                }
                None => PollTimeout::NONE,
            };
            let (ready, watched): (Vec<usize>, bool) = {
                let mut fds: Vec<PollFd> = open
                    .iter()
                    .map(|&i| {
                        PollFd::new(
                            self.children[i].events.as_ref().expect("open").as_fd(),
                            PollFlags::POLLIN,
                        )
                    })
                    .collect();
                fds.extend(watch.map(|fd| PollFd::new(fd, PollFlags::POLLIN)));
                match poll(&mut fds, timeout) {
                    Ok(0) if expired => return false,
                    Ok(0) | Err(nix::errno::Errno::EINTR) => continue,
                    Ok(_) => {}
                    Err(err) => panic!("poll over the children's pipes failed: {err}"),
                }
                let is_ready = |fd: &PollFd| fd.revents().is_some_and(|r| !r.is_empty());
                let watched = watch.is_some() && fds.last().is_some_and(is_ready);
                let ready = open.iter().zip(&fds).filter(|(_, fd)| is_ready(fd)).map(|(&i, _)| i).collect();
                (ready, watched)
            };
            let mut batch = Vec::new();
            let mut replies = Vec::new();
            let mut closed = Vec::new();
            for i in ready {
                if self.drain(i, &mut batch, &mut replies) {
                    closed.push(i);
                }
            }
            // Two children's lines read in one wake-up are shown in the order they happened.
            batch.sort_by(|a: &Event, b: &Event| a.t.total_cmp(&b.t));
            for event in batch {
                self.recorder.emit(event);
            }
            // Callbacks run after the lines their task printed, in the parent, as CPython's do.
            for (task, done) in replies {
                match self.callbacks.remove(&task) {
                    Some(callback) => {
                        let value = done.value.clone();
                        self.finished.insert(task, done);
                        callback(&self.main, value);
                    }
                    None => {
                        self.finished.insert(task, done);
                    }
                }
            }
            for i in closed {
                self.reap(i);
            }
            if watched {
                return true;
            }
            if expired {
                return false;
            }
        }
    }

    /// Reads what child `i` has sent. Returns true when its pipe has closed.
    fn drain(&mut self, i: usize, batch: &mut Vec<Event>, replies: &mut Vec<(u64, Done)>) -> bool {
        let child = &mut self.children[i];
        // One pipe-atomic record at a time. A bigger stack buffer costs more than it
        // saves: every page of it the parent writes while a child shares its memory
        // is a copy-on-write fault.
        let mut buf = [0u8; libc::PIPE_BUF];
        let closed = loop {
            match child.events.as_ref().expect("open").read(&mut buf) {
                Ok(0) => break true,
                Ok(n) => {
                    child.pending.extend_from_slice(&buf[..n]);
                    child.last_heard = self.clock.now();
                }
                Err(err) if err.kind() == ErrorKind::WouldBlock => break false,
                Err(err) if err.kind() == ErrorKind::Interrupted => continue,
                Err(_) => break true,
            }
        };
        while let Some(end) = child.pending.iter().position(|&b| b == b'\n') {
            let line: Vec<u8> = child.pending.drain(..=end).collect();
            match serde_json::from_slice::<Wire>(&line) {
                Ok(Wire::Event(event)) => batch.push(event),
                Ok(Wire::Took { task }) => {
                    self.taken.insert(task, (child.name.clone(), child.pid.as_raw()));
                }
                Ok(Wire::OutOfMemory { size }) => {
                    // The lesson cannot show what it meant to without the child's data: it ends here.
                    eprintln!(
                        "error: {} (pid {}) ran out of memory: could not allocate {size} bytes{}",
                        child.name,
                        child.pid,
                        super::memory::HINT
                    );
                    cleanup::exit_quietly(1);
                }
                Ok(Wire::Reply { task, value, started, finished }) => replies.push((
                    task,
                    Done { value, worker: child.name.clone(), pid: child.pid.as_raw(), started, finished },
                )),
                Err(_) => batch.push(Event::new(
                    self.clock.now(),
                    &child.name,
                    child.pid.as_raw(),
                    Kind::Warn,
                    "sent a line the tutor could not read",
                )),
            }
        }
        closed
    }

    /// Waits for child `i`, whose pipe has closed, and records how it ended.
    fn reap(&mut self, i: usize) {
        let child = &mut self.children[i];
        child.events = None;
        let status = loop {
            match wait_briefly_then_block(child.pid) {
                Ok(WaitStatus::Exited(_, code)) => break ExitStatus::Code(code),
                Ok(WaitStatus::Signaled(_, sig, _)) => break ExitStatus::Signal(sig),
                Ok(_) | Err(nix::errno::Errno::EINTR) => continue,
                Err(err) => panic!("waitpid({}) failed: {err}", child.pid),
            }
        };
        cleanup::unregister(child.pid.as_raw());
        let t = self.clock.now();
        child.ended = Some((t, status));
        let mut event = Event::new(t, &child.name, child.pid.as_raw(), Kind::Exit, "");
        event.text = format!("{} {status} after {:.2} s", child.name, t - child.started);
        match status {
            ExitStatus::Code(code) => event.code = Some(code),
            ExitStatus::Signal(sig) => event.signal = Some(sig.as_str().to_string()),
        }
        self.emit_lifecycle(event);
    }

    /// Kills and reaps every child still alive: the end of a lesson on any path.
    pub(crate) fn kill_all(&mut self) {
        for child in self.children.iter_mut().filter(|c| c.is_alive()) {
            let _ = kill(child.pid, Signal::SIGKILL);
            let _ = waitpid(child.pid, None);
            cleanup::unregister(child.pid.as_raw());
            child.events = None;
            child.ended = Some((self.clock.now(), ExitStatus::Signal(Signal::SIGKILL)));
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
                lane.emit(Kind::Warn, format!("panicked: {why}"));
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
