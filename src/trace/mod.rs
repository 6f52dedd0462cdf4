//! `concur-tutor trace script.py`: the learner's own Python program, shown
//! lane by lane like a lesson, its hangs explained while they happen.
//!
//! How it observes (see the README): the agent (`agent/sitecustomize.py`) is
//! first on the program's `PYTHONPATH`, so every Python process of the
//! program loads it, however it started (fork, spawn, forkserver, a pool
//! worker, `os.fork()`); it wraps the blocking calls of `threading`,
//! `multiprocessing`, `queue` and `time` and the program's `sys.stdout` and
//! `sys.stderr`, and reports over one Unix socket connection per process. Here
//! the reports become [`Event`]s for the same sinks as lessons; `/proc` adds
//! what Python cannot say (CPU time, the system call a thread is in, who
//! holds which end of a pipe); the guard (`guard.rs`) sees that nothing outlives the run.

mod code;
pub mod examples;
mod guard;
mod hang;
mod program;
mod python;
mod wire;

use std::ffi::{CString, OsString};
use std::io::{self, IsTerminal, Read, Write};
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, FromRawFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::path::PathBuf;
use std::sync::atomic::{AtomicI32, Ordering};
use std::time::{Duration, Instant};

use anyhow::Context;
use nix::fcntl::{fcntl, FcntlArg, OFlag};
use nix::poll::{poll, PollFd, PollFlags, PollTimeout};
use nix::sys::signal::{self, SaFlags, SigAction, SigHandler, SigSet, Signal};
use nix::sys::socket::{self, sockopt, AddressFamily, Backlog, MsgFlags, SockFlag, SockType, UnixAddr};
use nix::unistd::pipe2;

use crate::events::{Event, Kind, Sink, TUTOR};
use crate::text;
use code::Code;
use guard::{Guard, Launch, Report};
use program::{Program, Status};
use wire::Message;

pub use python::{find as find_python, Python};

/// What to trace, and how.
#[derive(Clone, Debug)]
pub struct Options {
    /// The script, or `-m module`.
    pub target: Target,
    /// The program's own arguments.
    pub args: Vec<OsString>,
    /// The interpreter, checked.
    pub python: Python,
    /// Seconds of no progress before a wait is judged a hang.
    pub hang_after: f64,
    /// Leave a hung program as it is, until Ctrl-C.
    pub keep_waiting: bool,
    /// Pass the terminal's input on to the program (when stdin is a terminal).
    /// Off for runs that must leave the tutor single-threaded (practice runs
    /// a program several times in one process).
    pub stdin: bool,
    /// Report every take and release of the locks the program makes, as
    /// `state` events with a `lock` field (practice judges their order).
    pub every_lock: bool,
    /// End the program if it is still running after this many seconds.
    pub limit: Option<f64>,
}

/// What Python runs.
#[derive(Clone, Debug)]
pub enum Target {
    /// A script file.
    Script(PathBuf),
    /// `python -m module`.
    Module(String),
}

/// How the traced run ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// The program ended by itself, with this status.
    Ended(Option<Status>),
    /// It hung, and the tutor ended it.
    Hung,
    /// Ctrl-C (or SIGTERM, SIGHUP) ended it: the signal.
    Interrupted(i32),
    /// It was still running at its time limit, and the tutor ended it.
    OverTime,
}

impl Outcome {
    /// The tutor's exit status: the program's own, 1 for a hang, 128 + the signal for an interrupt.
    pub fn exit_code(self) -> i32 {
        match self {
            Outcome::Ended(status) => status.map_or(0, Status::shell_code),
            Outcome::Hung | Outcome::OverTime => 1,
            Outcome::Interrupted(signal) => 128 + signal,
        }
    }
}

/// Trace time: real seconds since the program was started, on the clock the
/// agent reads too (`CLOCK_MONOTONIC`, which `Instant` is), so its reports
/// convert exactly.
#[derive(Clone, Copy)]
struct TraceClock {
    start: Instant,
    /// `CLOCK_MONOTONIC` at `start`, in seconds.
    origin: f64,
}

impl TraceClock {
    fn start() -> TraceClock {
        let mut now = libc::timespec { tv_sec: 0, tv_nsec: 0 };
        let start = Instant::now();
        // SAFETY: clock_gettime only writes the timespec it is given.
        unsafe { libc::clock_gettime(libc::CLOCK_MONOTONIC, &mut now) };
        TraceClock { start, origin: now.tv_sec as f64 + now.tv_nsec as f64 / 1e9 }
    }

    fn now(&self) -> f64 {
        self.start.elapsed().as_secs_f64()
    }
}

/// How often `/proc` is read for waits the agent cannot report, in seconds.
const LOOK_EVERY: f64 = 0.1;

/// How long events are held back to be put in time order, in seconds.
const REORDER: f64 = 0.03;

/// The write end of the pipe the signal handler wakes the loop with.
static WAKE: AtomicI32 = AtomicI32::new(-1);
/// The interrupting signal, once one came.
static INTERRUPTED: AtomicI32 = AtomicI32::new(0);

extern "C" fn on_signal(sig: libc::c_int) {
    INTERRUPTED.store(sig, Ordering::SeqCst);
    let fd = WAKE.load(Ordering::SeqCst);
    if fd >= 0 {
        // SAFETY: write(2) is async-signal-safe.
        unsafe { libc::write(fd, b"!".as_ptr().cast(), 1) };
    }
}

/// Runs the program under observation, handing every event to `sink`.
///
/// Must be called while the tutor is single-threaded: the guard is forked first.
///
/// # Errors
/// The program could not be started, or the sink failed.
pub fn run(options: &Options, sink: &mut dyn Sink) -> anyhow::Result<Outcome> {
    let folder = python::Folder::new().context("could not make a private folder for the trace")?;
    let listener = socket::socket(
        AddressFamily::Unix,
        SockType::SeqPacket,
        SockFlag::SOCK_CLOEXEC | SockFlag::SOCK_NONBLOCK,
        None,
    )?;
    socket::bind(listener.as_raw_fd(), &UnixAddr::new(&folder.socket())?)?;
    socket::listen(&listener, Backlog::new(128)?)?;
    let (out_read, out_write) = pipe2(OFlag::O_CLOEXEC)?;
    let (err_read, err_write) = pipe2(OFlag::O_CLOEXEC)?;
    // A terminal is read here and its lines passed on: a program in a process
    // group of its own may not read the terminal itself.
    let forward = options.stdin && io::stdin().is_terminal();
    let (stdin_read, stdin_write) = if forward {
        let (r, w) = pipe2(OFlag::O_CLOEXEC)?;
        (Some(r), Some(w))
    } else {
        (None, None)
    };
    let terminals: String = [(io::stdout().is_terminal(), '1'), (io::stderr().is_terminal(), '2')]
        .iter()
        .filter_map(|(tty, n)| tty.then_some(*n))
        .collect();
    let (argv, command) = command_line(options);
    let mut env = folder.environment(&terminals);
    if options.every_lock {
        env.push(("CONCUR_TUTOR_LOCKS".into(), "1".into()));
    }
    let env = env
        .into_iter()
        .map(|(k, v)| {
            let mut pair = k.as_bytes().to_vec();
            pair.push(b'=');
            pair.extend_from_slice(v.as_bytes());
            CString::new(pair)
        })
        .collect::<Result<Vec<_>, _>>()?;
    let clock = TraceClock::start();
    let origin = clock.origin;
    let mut guard = Guard::start(Launch {
        program: CString::new(options.python.executable.as_os_str().as_bytes())?,
        argv,
        env,
        stdin: stdin_read,
        stdout: out_write,
        stderr: err_write,
        folder: PathBuf::from(folder.socket().parent().expect("in the folder")),
    })?;
    let (wake_read, wake_write) = pipe2(OFlag::O_CLOEXEC | OFlag::O_NONBLOCK)?;
    WAKE.store(wake_write.as_raw_fd(), Ordering::SeqCst);
    let action = SigAction::new(SigHandler::Handler(on_signal), SaFlags::SA_RESTART, SigSet::empty());
    for sig in [Signal::SIGINT, Signal::SIGTERM, Signal::SIGHUP] {
        // SAFETY: the handler only makes async-signal-safe calls.
        unsafe { signal::sigaction(sig, &action) }?;
    }
    if let Some(write) = stdin_write {
        forward_stdin(write);
    }
    let top = loop {
        guard_ready(&guard);
        match guard.reports() {
            Some(reports) => match reports.first() {
                Some(Report::Started(pid)) => break *pid,
                Some(Report::NotStarted(errno)) => anyhow::bail!(
                    "could not start {}: {}",
                    options.python.executable.display(),
                    io::Error::from_raw_os_error(*errno)
                ),
                _ => continue,
            },
            None => anyhow::bail!("the guard process ended before starting the program"),
        }
    };
    let cwd = std::env::current_dir().unwrap_or_default();
    let mut program = Program::new(origin, top, command.clone(), Code::new(cwd));
    program.every_lock = options.every_lock;
    let mut tracer = Tracer {
        program,
        clock,
        guard,
        listener,
        conns: Vec::new(),
        outputs: vec![(out_read, 1, Vec::new()), (err_read, 2, Vec::new())],
        written: Vec::new(),
        held: Vec::new(),
        wake: wake_read,
        sink,
        guard_empty: false,
        hang: hang::Watch::new(options.hang_after),
        keep_waiting: options.keep_waiting,
        limit: options.limit,
        told_orphans: false,
        top_ended: None,
        last_look: 0.0,
    };
    let mut scene =
        Event::new(0.0, TUTOR, std::process::id() as i32, Kind::Scene, format!("trace: {command}"));
    scene.scene = Some(1);
    scene.scenes = Some(1);
    tracer.emit(vec![scene])?;
    let outcome = tracer.follow();
    // The pipe the handler wrote to is closed with the tracer: no later
    // signal may write into whatever takes its number.
    WAKE.store(-1, Ordering::SeqCst);
    let outcome = outcome?;
    tracer.sink.finish()?;
    drop(tracer);
    drop(folder);
    Ok(outcome)
}

/// Waits until the guard has something to say.
fn guard_ready(guard: &Guard) {
    // SAFETY: the guard's report pipe is open while `guard` lives.
    let fd = unsafe { BorrowedFd::borrow_raw(guard.fd()) };
    let _ = poll(&mut [PollFd::new(fd, PollFlags::POLLIN)], PollTimeout::from(100u16));
}

/// `python -u script.py args…` (or `-m module`), and the same as words.
fn command_line(options: &Options) -> (Vec<CString>, String) {
    let mut words: Vec<OsString> = vec![options.python.executable.clone().into()];
    match &options.target {
        Target::Script(path) => words.push(path.clone().into()),
        Target::Module(module) => {
            words.push("-m".into());
            words.push(module.into());
        }
    }
    words.extend(options.args.iter().cloned());
    let shown = std::iter::once("python3".to_string())
        .chain(words[1..].iter().map(|w| w.to_string_lossy().into_owned()))
        .collect::<Vec<_>>()
        .join(" ");
    let argv = words.iter().map(|w| CString::new(w.as_bytes()).unwrap_or_default()).collect();
    (argv, shown)
}

/// Passes the terminal's lines to the program, on a thread of its own.
fn forward_stdin(write: OwnedFd) {
    std::thread::spawn(move || {
        let mut to = std::fs::File::from(write);
        let mut buf = [0u8; 4096];
        let mut stdin = io::stdin().lock();
        while let Ok(n) = stdin.read(&mut buf) {
            if n == 0 || to.write_all(&buf[..n]).is_err() {
                break;
            }
        }
    });
}

/// One traced process's connection.
struct Conn {
    fd: OwnedFd,
    pid: i32,
}

/// The run in progress: the program, what it is connected by, where events go.
struct Tracer<'s> {
    program: Program,
    clock: TraceClock,
    guard: Guard,
    listener: OwnedFd,
    conns: Vec<Conn>,
    /// The program's own stdout and stderr pipes, for what it writes past
    /// `sys.stdout` (a subprocess, `os.write(1, …)`): the stream and a partial line.
    outputs: Vec<(OwnedFd, u8, Vec<u8>)>,
    /// Lines read from those pipes, waiting for the next flush.
    written: Vec<Event>,
    /// Events made but not yet handed on (see [`Tracer::flush_older`]).
    held: Vec<Event>,
    wake: OwnedFd,
    sink: &'s mut dyn Sink,
    guard_empty: bool,
    hang: hang::Watch,
    keep_waiting: bool,
    /// The run's time limit, in trace seconds.
    limit: Option<f64>,
    told_orphans: bool,
    /// When the first process was seen to have ended.
    top_ended: Option<f64>,
    /// When `/proc` was last read for unreported waits.
    last_look: f64,
}

impl Tracer<'_> {
    /// Follows the program until it ends, hangs (and is ended), or is interrupted.
    fn follow(&mut self) -> anyhow::Result<Outcome> {
        let mut buf = vec![0u8; 1 << 20];
        loop {
            self.wait_for_input();
            self.accept();
            self.read_conns(&mut buf);
            self.read_outputs(false);
            self.read_guard();
            let now = self.clock.now();
            self.program.flush_tracebacks(now);
            self.program.settle_exits(now, false);
            self.tell_orphans(now);
            if now - self.last_look >= LOOK_EVERY {
                self.last_look = now;
                self.program.look_in_proc(now);
            }
            let hung = self.hang.look(&mut self.program, now);
            self.flush()?;
            let sig = INTERRUPTED.load(Ordering::SeqCst);
            if sig != 0 {
                self.end_program(
                    "Interrupted: the tutor ended the program, and every process it had started.",
                );
                return Ok(Outcome::Interrupted(sig));
            }
            if hung && self.keep_waiting {
                let now = self.clock.now();
                self.program
                    .note(now, "--keep-waiting: the program is left as it is, hanging; Ctrl-C ends it.");
            }
            if let Some(limit) = self.limit.filter(|&limit| now > limit) {
                self.end_program(&format!(
                    "The program was still running after {limit} s, the time this run allows: the tutor \
                     ended it, and every process it had started."
                ));
                return Ok(Outcome::OverTime);
            }
            if hung && !self.keep_waiting {
                self.end_program(
                    "The tutor ended the hung program: SIGKILL to every process it had started.",
                );
                return Ok(Outcome::Hung);
            }
            if self.guard_empty && self.conns.is_empty() && self.outputs.is_empty() {
                let now = self.clock.now();
                self.program.settle_exits(now, true);
                let top = self.program.top_status();
                self.flush_older(true)?;
                return Ok(Outcome::Ended(top));
            }
        }
    }

    /// Waits up to 50 ms for anything to read.
    fn wait_for_input(&self) {
        let mut fds: Vec<BorrowedFd<'_>> = vec![self.listener.as_fd(), self.wake.as_fd()];
        // SAFETY: the guard's pipe is open while the guard is held.
        fds.push(unsafe { BorrowedFd::borrow_raw(self.guard.fd()) });
        fds.extend(self.conns.iter().map(|c| c.fd.as_fd()));
        fds.extend(self.outputs.iter().map(|(fd, _, _)| fd.as_fd()));
        let mut polled: Vec<PollFd<'_>> = fds.iter().map(|fd| PollFd::new(*fd, PollFlags::POLLIN)).collect();
        let _ = poll(&mut polled, PollTimeout::from(50u16));
        let mut drain = [0u8; 64];
        let _ = nix::unistd::read(self.wake.as_raw_fd(), &mut drain);
    }

    fn accept(&mut self) {
        while let Ok(fd) =
            socket::accept4(self.listener.as_raw_fd(), SockFlag::SOCK_CLOEXEC | SockFlag::SOCK_NONBLOCK)
        {
            // SAFETY: accept4 returned a new descriptor that nothing else owns.
            let fd = unsafe { OwnedFd::from_raw_fd(fd) };
            let pid = socket::getsockopt(&fd, sockopt::PeerCredentials).map_or(0, |c| c.pid());
            self.conns.push(Conn { fd, pid });
        }
    }

    fn read_conns(&mut self, buf: &mut [u8]) {
        let mut closed = Vec::new();
        for (i, conn) in self.conns.iter().enumerate() {
            loop {
                match socket::recv(conn.fd.as_raw_fd(), buf, MsgFlags::MSG_DONTWAIT) {
                    Ok(0) => {
                        closed.push(i);
                        break;
                    }
                    Ok(n) => {
                        if let Some(message) = Message::parse(&buf[..n]) {
                            self.program.message(conn.pid, message);
                        }
                    }
                    Err(nix::errno::Errno::EINTR) => continue,
                    Err(nix::errno::Errno::EAGAIN) => break,
                    Err(_) => {
                        closed.push(i);
                        break;
                    }
                }
            }
        }
        let now = self.clock.now();
        for i in closed.into_iter().rev() {
            let conn = self.conns.remove(i);
            self.program.closed(conn.pid, now);
        }
    }

    /// What the program wrote to its stdout and stderr past `sys.stdout`.
    fn read_outputs(&mut self, to_the_end: bool) {
        let now = self.clock.now();
        let top = self.program.top;
        let mut closed = Vec::new();
        for (i, (fd, stream, partial)) in self.outputs.iter_mut().enumerate() {
            let _ = fcntl(fd.as_raw_fd(), FcntlArg::F_SETFL(OFlag::O_NONBLOCK));
            let mut buf = [0u8; 8192];
            loop {
                match nix::unistd::read(fd.as_raw_fd(), &mut buf) {
                    Ok(0) => {
                        closed.push(i);
                        break;
                    }
                    Ok(n) => partial.extend_from_slice(&buf[..n]),
                    Err(nix::errno::Errno::EINTR) => continue,
                    Err(_) => break,
                }
            }
            let lane = if *stream == 1 { "stdout" } else { "stderr" };
            while let Some(end) = partial.iter().position(|&b| b == b'\n') {
                let line: Vec<u8> = partial.drain(..=end).collect();
                let text = String::from_utf8_lossy(&line[..line.len() - 1]).into_owned();
                self.written.push(Event::new(now, lane, top, Kind::Say, text));
            }
            if (to_the_end || closed.contains(&i)) && !partial.is_empty() {
                let text = String::from_utf8_lossy(partial).into_owned();
                partial.clear();
                self.written.push(Event::new(now, lane, top, Kind::Say, text));
            }
        }
        for i in closed.into_iter().rev() {
            self.outputs.remove(i);
        }
    }

    fn read_guard(&mut self) {
        match self.guard.reports() {
            Some(reports) => {
                for report in reports {
                    self.report(report);
                }
            }
            None => self.guard_empty = true,
        }
    }

    fn report(&mut self, report: Report) {
        match report {
            Report::Reaped { pid, status } => self.program.learn_status(pid, Status::from_wait(status)),
            Report::Empty => self.guard_empty = true,
            Report::Started(_) | Report::NotStarted(_) => {}
        }
    }

    /// A while after the first process has ended, says which processes it
    /// left running (multiprocessing's helpers end by themselves).
    fn tell_orphans(&mut self, now: f64) {
        let top = self.program.top;
        if self.told_orphans || self.program.procs.get(&top).is_none_or(|p| !p.ended) {
            return;
        }
        let ended_at = *self.top_ended.get_or_insert(now);
        if now - ended_at < 0.5 {
            return;
        }
        self.told_orphans = true;
        let known: Vec<i32> = self.program.procs.keys().copied().collect();
        let mut left: Vec<String> = self
            .program
            .procs
            .values()
            .filter(|p| !p.ended && !p.helper)
            .map(|p| self.program.proc_name(p.pid))
            .collect();
        // Programs that are not Python (a subprocess the program ran) have no
        // lane: they are named by their command and pid.
        for pid in guard::descendants(self.guard.pid()).into_iter().filter(|pid| !known.contains(pid)) {
            let comm = std::fs::read_to_string(format!("/proc/{pid}/comm")).unwrap_or_default();
            left.push(format!("{} (pid {pid})", comm.trim()));
        }
        if !left.is_empty() {
            let top = self.program.proc_name(self.program.top);
            self.program.note(
                now,
                text!(
                    "{top} has ended, but processes it started are still running: {}. The trace follows them \
                     until they end (Ctrl-C ends them).",
                    left.join(", ")
                ),
            );
        }
    }

    /// Ends every process of the program (the guard kills and reaps them), and
    /// tells the rest of the story: their exits, and `why`.
    fn end_program(&mut self, why: &str) {
        self.guard.kill_all();
        for report in self.guard.wait_empty(Duration::from_secs(5)) {
            self.report(report);
        }
        // What they had sent before they died is still in the sockets.
        let deadline = Instant::now() + Duration::from_millis(500);
        let mut buf = vec![0u8; 1 << 20];
        while !self.conns.is_empty() && Instant::now() < deadline {
            self.wait_for_input();
            self.read_conns(&mut buf);
        }
        self.read_outputs(true);
        // A process whose parent reaped it as both died took its status along:
        // it ended by the SIGKILL the guard sent.
        self.program.assume_killed();
        let now = self.clock.now();
        self.program.flush_tracebacks(f64::INFINITY);
        self.program.settle_exits(now, true);
        self.program.note(now, why);
        let _ = self.flush_older(true);
    }

    /// Hands the sink, in time order, the events older than the reordering
    /// window (all of them when `all`): processes report on connections of
    /// their own, so a later read can bring an earlier event.
    fn flush_older(&mut self, all: bool) -> anyhow::Result<()> {
        self.held.append(&mut self.program.take_events());
        self.held.append(&mut self.written);
        self.held.sort_by(|a, b| a.t.total_cmp(&b.t));
        let now = self.clock.now();
        let horizon = if all { f64::INFINITY } else { self.program.known_until(now, 1.0).min(now - REORDER) };
        let ready = self.held.partition_point(|e| e.t <= horizon);
        let events: Vec<Event> = self.held.drain(..ready).collect();
        self.emit(events)
    }

    fn flush(&mut self) -> anyhow::Result<()> {
        self.flush_older(false)
    }

    fn emit(&mut self, events: Vec<Event>) -> anyhow::Result<()> {
        for event in events {
            if let Err(err) = self.sink.event(&event) {
                if err.kind() == io::ErrorKind::BrokenPipe {
                    // stdout closed under us (`| head`): end quietly, leaving nothing.
                    self.guard.kill_all();
                    self.guard.wait_empty(Duration::from_secs(5));
                    return Err(Closed.into());
                }
                return Err(err.into());
            }
        }
        Ok(())
    }
}

/// The reader closed the output early (`| head`): not an error to report.
#[derive(Debug)]
pub struct Closed;

impl std::fmt::Display for Closed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "the output was closed")
    }
}

impl std::error::Error for Closed {}
