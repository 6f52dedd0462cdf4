//! The guard: a small process between the tutor and the program that makes
//! sure nothing of the program outlives the trace, even if the tutor is killed.
//!
//! Forked from the tutor while it is still single-threaded, the guard becomes a
//! child subreaper (`PR_SET_CHILD_SUBREAPER`), so every process the program
//! leaves behind (an orphan, a double-forked daemon) is re-parented to it
//! instead of to init. It starts Python in a process group of its own, with a
//! death signal, reaps whatever ends and tells the tutor each status. When the
//! tutor asks (`k`), or its end of the control pipe closes because the tutor is
//! gone, the guard kills the program's group and every process below itself,
//! reaps them all, and (when the tutor is gone) removes the private folder.

use std::collections::HashMap;
use std::ffi::CString;
use std::fs::File;
use std::io::{self, Read, Write};
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd, RawFd};
use std::path::PathBuf;
use std::time::Duration;

use nix::fcntl::{fcntl, FcntlArg, OFlag};
use nix::poll::{poll, PollFd, PollFlags, PollTimeout};
use nix::sys::signal::{self, SigHandler, SigSet, SigmaskHow, Signal};
use nix::unistd::{fork, pipe2, ForkResult, Pid};

use crate::procfs;

/// What the program is started with.
pub struct Launch {
    /// The interpreter.
    pub program: CString,
    /// Its arguments, the first being its name.
    pub argv: Vec<CString>,
    /// Its environment, `KEY=value`.
    pub env: Vec<CString>,
    /// Its stdin, if not the tutor's own.
    pub stdin: Option<OwnedFd>,
    /// Its stdout.
    pub stdout: OwnedFd,
    /// Its stderr.
    pub stderr: OwnedFd,
    /// The private folder, removed by the guard if the tutor dies.
    pub folder: PathBuf,
}

/// What the guard tells the tutor.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Report {
    /// The program's first process started with this pid.
    Started(i32),
    /// It could not be started: the `errno` of `execve`.
    NotStarted(i32),
    /// The guard reaped `pid` with raw wait status `status`.
    Reaped { pid: i32, status: i32 },
    /// No process of the program is left.
    Empty,
}

/// The tutor's handle on the guard.
pub struct Guard {
    pid: Pid,
    control: Option<File>,
    reports: File,
    pending: Vec<u8>,
}

impl Guard {
    /// Forks the guard, which starts the program.
    ///
    /// # Errors
    /// A pipe or the fork failed.
    ///
    /// # Safety (not `unsafe`, but a promise)
    /// The calling process must be single-threaded: the guard runs on after
    /// `fork` and allocates.
    pub fn start(launch: Launch) -> io::Result<Guard> {
        let (control_read, control_write) = pipe2(OFlag::O_CLOEXEC)?;
        let (report_read, report_write) = pipe2(OFlag::O_CLOEXEC)?;
        // SAFETY: the tutor is single-threaded here (trace forks the guard first
        // thing), so the child may run ordinary code.
        match unsafe { fork() }? {
            ForkResult::Child => {
                drop(control_write);
                drop(report_read);
                guard(launch, File::from(control_read), File::from(report_write))
            }
            ForkResult::Parent { child } => {
                drop(control_read);
                drop(report_write);
                fcntl(report_read.as_raw_fd(), FcntlArg::F_SETFL(OFlag::O_NONBLOCK))?;
                Ok(Guard {
                    pid: child,
                    control: Some(File::from(control_write)),
                    reports: File::from(report_read),
                    pending: Vec::new(),
                })
            }
        }
    }

    /// The guard's pid: every process of the program is below it.
    pub fn pid(&self) -> i32 {
        self.pid.as_raw()
    }

    /// The pipe the reports come on, to poll.
    pub fn fd(&self) -> RawFd {
        self.reports.as_raw_fd()
    }

    /// The reports that have arrived; `None` once the guard is gone.
    pub fn reports(&mut self) -> Option<Vec<Report>> {
        let mut buf = [0u8; 4096];
        let mut gone = false;
        loop {
            match self.reports.read(&mut buf) {
                Ok(0) => {
                    gone = true;
                    break;
                }
                Ok(n) => self.pending.extend_from_slice(&buf[..n]),
                Err(err) if err.kind() == io::ErrorKind::Interrupted => continue,
                Err(_) => break,
            }
        }
        let mut reports = Vec::new();
        while let Some(end) = self.pending.iter().position(|&b| b == b'\n') {
            let line: Vec<u8> = self.pending.drain(..=end).collect();
            let line = String::from_utf8_lossy(&line);
            let fields: Vec<i32> = line.split_whitespace().skip(1).filter_map(|f| f.parse().ok()).collect();
            let report = match (line.chars().next(), fields.as_slice()) {
                (Some('S'), [pid]) => Report::Started(*pid),
                (Some('X'), [errno]) => Report::NotStarted(*errno),
                (Some('R'), [pid, status]) => Report::Reaped { pid: *pid, status: *status },
                (Some('E'), []) => Report::Empty,
                _ => continue,
            };
            reports.push(report);
        }
        (!gone || !reports.is_empty()).then_some(reports)
    }

    /// Asks the guard to kill every process of the program now; it reports each as it reaps it.
    pub fn kill_all(&mut self) {
        if let Some(control) = &mut self.control {
            let _ = control.write_all(b"k");
        }
    }

    /// Waits until the guard has reported `Empty` or `timeout` has passed; the reports meanwhile.
    pub fn wait_empty(&mut self, timeout: Duration) -> Vec<Report> {
        let deadline = std::time::Instant::now() + timeout;
        let mut all = Vec::new();
        while std::time::Instant::now() < deadline {
            // SAFETY: the report pipe stays open while the guard is held.
            let fd = unsafe { BorrowedFd::borrow_raw(self.fd()) };
            let _ = poll(&mut [PollFd::new(fd, PollFlags::POLLIN)], PollTimeout::from(20u16));
            match self.reports() {
                Some(reports) => {
                    let empty = reports.contains(&Report::Empty);
                    all.extend(reports);
                    if empty {
                        break;
                    }
                }
                None => break,
            }
        }
        all
    }
}

impl Drop for Guard {
    /// Closing the control pipe tells the guard to sweep and go; then it is reaped.
    fn drop(&mut self) {
        self.control = None;
        let _ = nix::sys::wait::waitpid(self.pid, None);
    }
}

/// The guard's life: start the program, reap and report, sweep on request or
/// when the tutor is gone.
fn guard(launch: Launch, mut control: File, mut reports: File) -> ! {
    for sig in [Signal::SIGINT, Signal::SIGTERM, Signal::SIGHUP, Signal::SIGQUIT] {
        // SAFETY: ignoring a signal is always sound; the tutor handles them.
        let _ = unsafe { signal::signal(sig, SigHandler::SigIgn) };
    }
    let _ = signal::pthread_sigmask(SigmaskHow::SIG_SETMASK, Some(&SigSet::empty()), None);
    // SAFETY: prctl with integer arguments.
    unsafe { libc::prctl(libc::PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) };
    // A child's end wakes the loop at once (a byte down a pipe of its own),
    // so the tutor hears of it without waiting for the next look.
    let wake = pipe2(OFlag::O_CLOEXEC | OFlag::O_NONBLOCK).ok();
    if let Some((_, write)) = &wake {
        CHILD_ENDED.store(write.as_raw_fd(), std::sync::atomic::Ordering::SeqCst);
        let action = signal::SigAction::new(
            SigHandler::Handler(on_child),
            signal::SaFlags::SA_RESTART | signal::SaFlags::SA_NOCLDSTOP,
            SigSet::empty(),
        );
        // SAFETY: the handler only calls write(2).
        let _ = unsafe { signal::sigaction(Signal::SIGCHLD, &action) };
    }
    let me = std::process::id() as i32;
    let top = match start_program(&launch, me) {
        Ok(pid) => {
            let _ = writeln!(reports, "S {pid}");
            pid
        }
        Err(errno) => {
            let _ = writeln!(reports, "X {errno}");
            0
        }
    };
    drop(launch.stdin);
    drop(launch.stdout);
    drop(launch.stderr);
    let _ = fcntl(control.as_raw_fd(), FcntlArg::F_SETFL(OFlag::O_NONBLOCK));
    // `E` is said once: with no descendant left, none can appear again.
    let mut said_empty = false;
    loop {
        // SAFETY: `control` stays open for the whole loop.
        let borrowed = unsafe { BorrowedFd::borrow_raw(control.as_raw_fd()) };
        let mut fds = vec![PollFd::new(borrowed, PollFlags::POLLIN)];
        if let Some((read, _)) = &wake {
            fds.push(PollFd::new(read.as_fd(), PollFlags::POLLIN));
        }
        let _ = poll(&mut fds, PollTimeout::from(100u16));
        if let Some((read, _)) = &wake {
            let _ = nix::unistd::read(read.as_raw_fd(), &mut [0u8; 64]);
        }
        let mut none_left = reap(&mut reports);
        let mut byte = [0u8; 16];
        match control.read(&mut byte) {
            Ok(0) => {
                // The tutor is gone (or done): nothing of the program may stay.
                sweep(me, top, &mut reports);
                let _ = std::fs::remove_dir_all(&launch.folder);
                // SAFETY: ending the guard without running the tutor's code.
                unsafe { libc::_exit(0) };
            }
            Ok(_) => {
                sweep(me, top, &mut reports);
                none_left = true;
            }
            Err(_) => {}
        }
        if none_left && !said_empty {
            let _ = writeln!(reports, "E");
            said_empty = true;
        }
    }
}

/// The guard's wake-up pipe, for its SIGCHLD handler.
static CHILD_ENDED: std::sync::atomic::AtomicI32 = std::sync::atomic::AtomicI32::new(-1);

extern "C" fn on_child(_: libc::c_int) {
    let fd = CHILD_ENDED.load(std::sync::atomic::Ordering::SeqCst);
    // SAFETY: write(2) is async-signal-safe; the errno it may set is saved and restored.
    unsafe {
        let errno = *libc::__errno_location();
        libc::write(fd, b"c".as_ptr().cast(), 1);
        *libc::__errno_location() = errno;
    }
}

/// Starts the program: a new process group, a death signal, its stdio, exec.
fn start_program(launch: &Launch, guard: i32) -> Result<i32, i32> {
    let (errors_read, errors_write) = pipe2(OFlag::O_CLOEXEC).map_err(|e| e as i32)?;
    // SAFETY: the guard is single-threaded; the child only makes async-signal-safe calls.
    match unsafe { fork() } {
        Ok(ForkResult::Child) => unsafe {
            libc::setpgid(0, 0);
            libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL, 0, 0, 0);
            if libc::getppid() != guard {
                libc::_exit(127);
            }
            if let Some(stdin) = &launch.stdin {
                libc::dup2(stdin.as_raw_fd(), 0);
            }
            libc::dup2(launch.stdout.as_raw_fd(), 1);
            libc::dup2(launch.stderr.as_raw_fd(), 2);
            for sig in [libc::SIGINT, libc::SIGTERM, libc::SIGHUP, libc::SIGQUIT, libc::SIGPIPE] {
                libc::signal(sig, libc::SIG_DFL);
            }
            let mut argv: Vec<*const libc::c_char> = launch.argv.iter().map(|a| a.as_ptr()).collect();
            argv.push(std::ptr::null());
            let mut env: Vec<*const libc::c_char> = launch.env.iter().map(|e| e.as_ptr()).collect();
            env.push(std::ptr::null());
            libc::execve(launch.program.as_ptr(), argv.as_ptr(), env.as_ptr());
            let errno = *libc::__errno_location();
            libc::write(errors_write.as_raw_fd(), (&errno as *const i32).cast(), 4);
            libc::_exit(127);
        },
        Ok(ForkResult::Parent { child }) => {
            drop(errors_write);
            let mut errno = [0u8; 4];
            let mut errors = File::from(errors_read);
            match errors.read(&mut errno) {
                Ok(4) => {
                    let _ = nix::sys::wait::waitpid(child, None);
                    Err(i32::from_ne_bytes(errno))
                }
                _ => Ok(child.as_raw()),
            }
        }
        Err(err) => Err(err as i32),
    }
}

/// Reaps every child that has ended, reporting each; true when none is left.
fn reap(reports: &mut File) -> bool {
    loop {
        let mut status = 0;
        // SAFETY: waitpid writes only the status it is given.
        let pid = unsafe { libc::waitpid(-1, &mut status, libc::WNOHANG) };
        match pid {
            0 => return false,
            -1 => return true,
            pid => {
                let _ = writeln!(reports, "R {pid} {status}");
            }
        }
    }
}

/// Kills every process below the guard, again and again, until it has no
/// child left. For up to a second, multiprocessing's resource trackers are
/// spared: once the program's other processes are gone they unlink the named
/// semaphores and shared memory those left (`/dev/shm/sem.mp-…`), and end.
fn sweep(me: i32, top: i32, reports: &mut File) {
    let gentle_until = std::time::Instant::now() + Duration::from_secs(1);
    loop {
        let gentle = std::time::Instant::now() < gentle_until;
        if top > 0 && !gentle {
            // SAFETY: kill with a process group id.
            unsafe { libc::kill(-top, libc::SIGKILL) };
        }
        for pid in descendants(me) {
            if gentle && is_resource_tracker(pid) {
                continue;
            }
            // SAFETY: a plain kill.
            unsafe { libc::kill(pid, libc::SIGKILL) };
        }
        if reap(reports) {
            return;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// Whether `pid` runs multiprocessing's resource tracker.
fn is_resource_tracker(pid: i32) -> bool {
    std::fs::read(format!("/proc/{pid}/cmdline"))
        .is_ok_and(|cmdline| cmdline.windows(16).any(|w| w == b"resource_tracker"))
}

/// Every process below `root`, read from `/proc`.
pub fn descendants(root: i32) -> Vec<i32> {
    let mut children: HashMap<i32, Vec<i32>> = HashMap::new();
    for pid in procfs::pids() {
        if let Some(stat) = procfs::Stat::of(pid) {
            children.entry(stat.ppid).or_default().push(pid);
        }
    }
    let mut found = Vec::new();
    let mut next = vec![root];
    while let Some(pid) = next.pop() {
        for &child in children.get(&pid).into_iter().flatten() {
            found.push(child);
            next.push(child);
        }
    }
    found
}
