//! The keeper: the process that runs python3 for [`Stage::cpython`] and answers
//! for everything CPython starts. It is this program started again through a
//! hidden command (as a spawned lane is), so it begins with no threads and no
//! state of the tutor's.
//!
//! Why a process of its own: CPython's multiprocessing starts helpers (a
//! forkserver, a resource tracker, pool workers) that outlive python3 for a
//! while, and whatever runs as `python3` may start anything. When the tutor
//! dies, the kernel kills nothing for us (a death signal reaches only a direct
//! child, and a SIGKILLed tutor runs no code at all), so something that
//! outlives the tutor must clean up. The keeper:
//!
//! - is a child subreaper: a process below it whose parent dies becomes its
//!   child, so nothing CPython starts can get away, in python3's process group
//!   or not;
//! - runs python3 in a process group of its own, with a death signal, a private
//!   `TMPDIR` (where multiprocessing makes its `pymp-*` folders), a deadline,
//!   and a cap on what it reads;
//! - once python3 has exited, or the deadline passed, or it printed more than
//!   the cap, or the tutor is gone (the keeper's stdin closes) or asks it to
//!   stop (a signal): ends python3's group (SIGTERM, a short grace in which
//!   CPython's resource tracker tidies up, then SIGKILL), kills and reaps every
//!   process left below it, removes the private `TMPDIR`, and tells the tutor
//!   how it went, as JSON lines on its stdout ([`Report`]).

use std::io::{ErrorKind, Read, Write};
use std::os::fd::{AsFd, AsRawFd, BorrowedFd};
use std::os::unix::fs::DirBuilderExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

use nix::errno::Errno;
use nix::fcntl::{fcntl, FcntlArg, OFlag};
use nix::poll::{poll, PollFd, PollFlags, PollTimeout};
use nix::sys::signal::{kill, killpg, SigSet, Signal};
use nix::sys::signalfd::{SfdFlags, SignalFd};
use nix::sys::wait::{waitpid, WaitPidFlag, WaitStatus};
use nix::unistd::Pid;
use serde::{Deserialize, Serialize};

use super::watchdog::children_of;

/// The first argument the keeper is started with; like the spawn command, the
/// command line parser never sees it.
pub const KEEPER_COMMAND: &str = "__keeper";

/// How long CPython's helpers get to end by themselves once python3's group
/// is asked to end, before SIGKILL: CPython's resource tracker removes the
/// semaphores its program left, which takes milliseconds.
const GRACE: Duration = Duration::from_millis(500);

/// What the tutor asks the keeper to run, as one JSON argument.
#[derive(Serialize, Deserialize)]
pub(crate) struct Order {
    /// The script, run with `python3 -c`.
    pub script: String,
    /// Its arguments.
    pub args: Vec<String>,
    /// Real seconds python3 may run.
    pub deadline_secs: f64,
    /// The most bytes of standard output read from it.
    pub cap: usize,
}

/// What the keeper tells the tutor, one JSON line each.
#[derive(Serialize, Deserialize, Debug)]
pub(crate) enum Report {
    /// python3 runs, with this pid, which is also its process group.
    Started { pid: i32 },
    /// It is over, and nothing it started is left.
    Ended(Ending),
}

/// How python3's run ended.
#[derive(Serialize, Deserialize, Debug, PartialEq)]
pub(crate) enum Ending {
    /// It exited with status 0, having printed `stdout`.
    Printed { stdout: String },
    /// It exited otherwise (`how`, in words), the last line of its stderr being `last_line`.
    Failed { how: String, last_line: String },
    /// There is no `python3` on PATH.
    NotFound,
    /// It could not be started, for this reason.
    CouldNotStart { why: String },
    /// It was still running at the deadline, after this many real seconds.
    TimedOut { secs: f64 },
    /// It printed more than `cap` bytes.
    Flooded { cap: usize },
    /// The tutor went away or asked the keeper to stop.
    Stopped,
}

/// The keeper's whole life, run by the hidden command with the JSON `order`.
pub fn run_keeper(order: &str) -> ExitCode {
    let Ok(order) = serde_json::from_str::<Order>(order) else {
        eprintln!("error: the keeper's order is not valid");
        return ExitCode::from(2);
    };
    let ending = keep(&order);
    let mut out = std::io::stdout().lock();
    let _ = report(&mut out, &Report::Ended(ending));
    ExitCode::SUCCESS
}

fn report(out: &mut impl Write, report: &Report) -> std::io::Result<()> {
    let mut line = serde_json::to_vec(report).map_err(std::io::Error::other)?;
    line.push(b'\n');
    out.write_all(&line)?;
    out.flush()
}

/// The signals that ask the keeper to stop, and SIGCHLD, which says a process
/// below it ended: all read from one descriptor in its poll loop.
fn keeper_signals() -> SigSet {
    let mut set = SigSet::empty();
    for sig in [
        Signal::SIGINT,
        Signal::SIGTERM,
        Signal::SIGHUP,
        Signal::SIGQUIT,
        Signal::SIGUSR1,
        Signal::SIGUSR2,
        Signal::SIGALRM,
        Signal::SIGCHLD,
    ] {
        set.add(sig);
    }
    set
}

/// Runs python3 as `order` says and ends everything it started.
fn keep(order: &Order) -> Ending {
    let signals = keeper_signals();
    let signal_fd = match signals
        .thread_set_mask()
        .and_then(|()| SignalFd::with_flags(&signals, SfdFlags::SFD_CLOEXEC | SfdFlags::SFD_NONBLOCK))
    {
        Ok(fd) => fd,
        Err(err) => {
            return Ending::CouldNotStart { why: format!("the keeper could not watch signals: {err}") }
        }
    };
    if let Err(err) = nix::sys::prctl::set_child_subreaper(true) {
        return Ending::CouldNotStart { why: format!("the keeper could not become a subreaper: {err}") };
    }
    let private = match PrivateDir::make() {
        Ok(dir) => dir,
        Err(err) => {
            return Ending::CouldNotStart { why: format!("could not make a private temporary folder: {err}") }
        }
    };
    let ending = run_python(order, &private.0, &signal_fd);
    end_everything_below(&signal_fd);
    drop(private);
    ending
}

/// A private `TMPDIR` for CPython, removed with everything in it when dropped.
struct PrivateDir(PathBuf);

impl PrivateDir {
    /// A new folder, readable by this user only, in `$TMPDIR` (if absolute) or `/tmp`.
    fn make() -> std::io::Result<PrivateDir> {
        let base = std::env::var_os("TMPDIR")
            .map(PathBuf::from)
            .filter(|dir| dir.is_absolute())
            .unwrap_or_else(|| PathBuf::from("/tmp"));
        loop {
            let dir = base.join(format!("concur-tutor-cpython-{:08x}", fastrand::u32(..)));
            match std::fs::DirBuilder::new().mode(0o700).create(&dir) {
                Ok(()) => return Ok(PrivateDir(dir)),
                Err(err) if err.kind() == ErrorKind::AlreadyExists => continue,
                Err(err) => return Err(err),
            }
        }
    }
}

impl Drop for PrivateDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Starts python3 and reads it until it is done, or must be stopped.
fn run_python(order: &Order, tmpdir: &Path, signal_fd: &SignalFd) -> Ending {
    let keeper = std::process::id() as i32;
    let mut command = Command::new("python3");
    command
        .arg("-c")
        .arg(&order.script)
        .args(&order.args)
        .env("TMPDIR", tmpdir)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0);
    // SAFETY: prctl(2), getppid(2), sigemptyset(3) and sigprocmask(2) are
    // async-signal-safe, as code between fork and exec must be.
    unsafe {
        command.pre_exec(move || {
            // If the keeper dies (it should not), python3 dies with it.
            if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) != 0 || libc::getppid() != keeper {
                return Err(std::io::Error::other("the keeper is gone"));
            }
            // A program inherits the signals its parent blocks, and std clears
            // them only when it can use posix_spawn (not with pre_exec): python3
            // must not inherit the keeper's, or a SIGTERM would wait forever.
            let mut none: libc::sigset_t = std::mem::zeroed();
            libc::sigemptyset(&mut none);
            libc::sigprocmask(libc::SIG_SETMASK, &none, std::ptr::null_mut());
            Ok(())
        });
    }
    let mut child = match command.spawn() {
        Ok(child) => child,
        Err(err) if err.kind() == ErrorKind::NotFound => return Ending::NotFound,
        Err(err) => return Ending::CouldNotStart { why: err.to_string() },
    };
    let pid = Pid::from_raw(child.id() as i32);
    let _ = report(&mut std::io::stdout().lock(), &Report::Started { pid: pid.as_raw() });
    let (Some(mut stdout), Some(mut stderr)) = (child.stdout.take(), child.stderr.take()) else {
        unreachable!("both were asked for as pipes")
    };
    for fd in [stdout.as_raw_fd(), stderr.as_raw_fd()] {
        let _ = fcntl(fd, FcntlArg::F_SETFL(OFlag::O_NONBLOCK));
    }
    let started = Instant::now();
    let deadline = started + Duration::from_secs_f64(order.deadline_secs.clamp(0.0, 1e6));
    let mut out = Vec::new();
    let mut err = Vec::new();
    let tutor = std::io::stdin();
    let (mut out_open, mut err_open) = (true, true);
    let status = loop {
        let now = Instant::now();
        if now >= deadline {
            return Ending::TimedOut { secs: started.elapsed().as_secs_f64() };
        }
        let wait = PollTimeout::try_from((deadline - now).as_millis() + 1).unwrap_or(PollTimeout::MAX);
        let mut fds = vec![
            PollFd::new(tutor.as_fd(), PollFlags::POLLIN),
            PollFd::new(signal_fd.as_fd(), PollFlags::POLLIN),
        ];
        if out_open {
            fds.push(PollFd::new(stdout.as_fd(), PollFlags::POLLIN));
        }
        if err_open {
            fds.push(PollFd::new(stderr.as_fd(), PollFlags::POLLIN));
        }
        match poll(&mut fds, wait) {
            Ok(_) | Err(Errno::EINTR) => {}
            Err(err) => return Ending::CouldNotStart { why: format!("the keeper could not wait: {err}") },
        }
        let ready = |fd: &PollFd| fd.revents().is_some_and(|r| !r.is_empty());
        if ready(&fds[0]) {
            // The tutor never writes: readable means it is gone.
            return Ending::Stopped;
        }
        let signalled = ready(&fds[1]);
        drop(fds);
        if out_open {
            out_open = read_available(&mut stdout, &mut out);
        }
        if out.len() > order.cap {
            return Ending::Flooded { cap: order.cap };
        }
        if err_open {
            err_open = read_available(&mut stderr, &mut err);
            // Only the end of stderr says why python3 failed.
            let keep = 4096;
            if err.len() > 2 * keep {
                err.drain(..err.len() - keep);
            }
        }
        if signalled {
            let mut stop = false;
            while let Ok(Some(info)) = signal_fd.read_signal() {
                stop |= info.ssi_signo != Signal::SIGCHLD as u32;
            }
            if stop {
                return Ending::Stopped;
            }
        }
        // python3 itself, whatever its children still hold open: once it has
        // exited, what it printed is in the pipe.
        match waitpid(pid, Some(WaitPidFlag::WNOHANG)) {
            Ok(WaitStatus::StillAlive) | Err(Errno::EINTR) => {}
            Ok(status) => break Some(status),
            Err(_) => break None,
        }
    };
    read_available(&mut stdout, &mut out);
    read_available(&mut stderr, &mut err);
    if out.len() > order.cap {
        return Ending::Flooded { cap: order.cap };
    }
    let last_line = || {
        String::from_utf8_lossy(&err).lines().rev().find(|l| !l.trim().is_empty()).unwrap_or("").to_string()
    };
    match status {
        Some(WaitStatus::Exited(_, 0)) => {
            Ending::Printed { stdout: String::from_utf8_lossy(&out).into_owned() }
        }
        Some(WaitStatus::Exited(_, code)) => {
            Ending::Failed { how: format!("exit status {code}"), last_line: last_line() }
        }
        Some(WaitStatus::Signaled(_, sig, _)) => {
            Ending::Failed { how: format!("killed by {}", sig.as_str()), last_line: last_line() }
        }
        _ => {
            Ending::Failed { how: "ended in a way the keeper could not read".into(), last_line: last_line() }
        }
    }
}

/// Appends what `pipe` (non-blocking) has now to `into`, up to a little more
/// than anyone needs. Returns false once the pipe has closed.
fn read_available(pipe: &mut impl Read, into: &mut Vec<u8>) -> bool {
    let mut buf = [0u8; 8192];
    loop {
        match pipe.read(&mut buf) {
            Ok(0) => return false,
            Ok(n) => {
                into.extend_from_slice(&buf[..n]);
                // The caller decides about a flood; no need to read it all first.
                if into.len() > 1 << 20 {
                    return true;
                }
            }
            Err(err) if err.kind() == ErrorKind::Interrupted => continue,
            Err(err) if err.kind() == ErrorKind::WouldBlock => return true,
            Err(_) => return false,
        }
    }
}

/// Ends every process below the keeper: python3's group and whatever left it.
/// First SIGTERM (again to each orphan the keeper adopts meanwhile), and up to
/// [`GRACE`] for them to end by themselves; then SIGKILL, over and over, until
/// the keeper has no child left, living or not.
fn end_everything_below(signal_fd: &SignalFd) {
    let keeper = std::process::id() as i32;
    let signal_all = |sig: Signal| {
        for pid in children_of(keeper) {
            // Its whole group (python3's), then itself (one that left the group).
            let _ = killpg(Pid::from_raw(pid), sig);
            let _ = kill(Pid::from_raw(pid), sig);
        }
    };
    signal_all(Signal::SIGTERM);
    let grace_over = Instant::now() + GRACE;
    while reap_all() {
        let left = grace_over.saturating_duration_since(Instant::now());
        if left.is_zero() {
            signal_all(Signal::SIGKILL);
            wait_for_signal(signal_fd.as_fd(), Duration::from_millis(10));
        } else {
            wait_for_signal(signal_fd.as_fd(), left.min(Duration::from_millis(50)));
            // Orphans adopted since (a child of python3 in a session of its own) are asked too.
            signal_all(Signal::SIGTERM);
        }
        while let Ok(Some(_)) = signal_fd.read_signal() {}
    }
}

/// Reaps every child that has ended; whether any child is left.
fn reap_all() -> bool {
    loop {
        match waitpid(Pid::from_raw(-1), Some(WaitPidFlag::WNOHANG)) {
            Ok(WaitStatus::StillAlive) => return true,
            Ok(_) | Err(Errno::EINTR) => continue,
            Err(_) => return false,
        }
    }
}

/// Waits until a signal is there to read on `fd`, at most `limit`.
fn wait_for_signal(fd: BorrowedFd<'_>, limit: Duration) {
    let mut fds = [PollFd::new(fd, PollFlags::POLLIN)];
    let _ = poll(&mut fds, PollTimeout::try_from(limit.as_millis()).unwrap_or(PollTimeout::MAX));
}
