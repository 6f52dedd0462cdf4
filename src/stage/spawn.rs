//! Spawned children: Python's `spawn` start method. The child is this very
//! program run again from the start, through a hidden command, as CPython's
//! spawn starts a fresh interpreter that imports `__main__` again. It inherits
//! no memory, no locks and no threads; it reports over a pipe like a forked child.

use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicI32, Ordering};
use std::sync::OnceLock;

use anyhow::{anyhow, Context};
use nix::errno::Errno;
use nix::fcntl::{fcntl, FcntlArg, FdFlag, OFlag};
use nix::unistd::{pipe2, Pid};
use serde::{Deserialize, Serialize};

use super::children::limit_hint;
use super::cleanup;
use super::fork::run_child;
use super::{Clock, Lane, Proc, Stage};
use crate::text;

/// The first argument a spawned child is started with. The command line
/// parser never sees it: `--help`, the completions and the man page do not list it.
pub const HIDDEN_COMMAND: &str = "__spawned";

/// Code a spawned child can run. A closure cannot cross an `exec`, so the child
/// finds its code by name, as CPython's spawn pickles a module-level function
/// by its qualified name and the child imports it.
pub struct Entry {
    /// The name the child looks the code up by: `<lesson>/<function>`.
    pub name: &'static str,
    /// The code.
    pub body: fn(&Lane),
}

/// What a parent tells its spawned child, as one JSON argument.
#[derive(Serialize, Deserialize)]
pub struct Order {
    entry: String,
    lane: String,
    /// The child's end of its event pipe, inherited across `exec`.
    fd: i32,
    parent: i32,
    clock_origin_nanos: u64,
    /// The lesson clock's shared pause record, inherited across `exec`.
    clock_fd: i32,
    speed: f64,
    /// What the entry finds in [`argv`].
    #[serde(default)]
    args: Vec<String>,
}

/// A duplicate of `fd` that an `exec`ed program keeps (without close-on-exec).
fn inheritable(fd: i32) -> nix::Result<OwnedFd> {
    let copy = fcntl(fd, FcntlArg::F_DUPFD(3))?;
    // SAFETY: F_DUPFD just returned this new descriptor, and nothing else owns it.
    Ok(unsafe { OwnedFd::from_raw_fd(copy) })
}

/// The pid of the process whose start-up code ran last: its own for a program
/// started from scratch (the tutor, a spawned child), the parent's in a forked
/// child, which starts as a copy of its parent's memory.
static START_UP_PID: AtomicI32 = AtomicI32::new(0);

/// The program's start-up code, the counterpart of a Python module's top level:
/// `main` calls it before anything else.
pub fn record_start_up() {
    START_UP_PID.store(std::process::id() as i32, Ordering::SeqCst);
}

/// Which process ran this program's start-up code (see [`record_start_up`]).
pub fn start_up_pid() -> i32 {
    START_UP_PID.load(Ordering::SeqCst)
}

/// The arguments a spawned child was started with (see [`Stage::spawn_with_args`]).
static ARGV: OnceLock<Vec<String>> = OnceLock::new();

/// Python's `sys.argv[1:]` in a spawned child: the arguments its parent gave
/// it, all it knows of its parent's program. Empty elsewhere.
pub fn argv() -> &'static [String] {
    ARGV.get().map_or(&[], Vec::as_slice)
}

impl Stage {
    /// Python's `get_context('spawn').Process(target=…).start()`: runs `entry` in
    /// a new process that starts this program from scratch.
    pub fn spawn(&mut self, name: &str, entry: &Entry) -> anyhow::Result<Proc> {
        self.spawn_with_args(name, entry, &[])
    }

    /// [`Stage::spawn`] with command-line arguments, as another program is
    /// started (`subprocess.run([sys.executable, "client.py", port])`): the
    /// child reads them with [`argv`].
    pub fn spawn_with_args(&mut self, name: &str, entry: &Entry, args: &[&str]) -> anyhow::Result<Proc> {
        let program = std::env::current_exe().context("could not find this program to start it again")?;
        let (read_end, write_end) = pipe2(OFlag::O_CLOEXEC).map_err(|err| {
            anyhow!("could not create a pipe for a child process: {err}{}", limit_hint(err))
        })?;
        let (clock_origin_nanos, speed, clock_fd) = self.clock.to_exec();
        // Duplicates without close-on-exec: the two descriptors the child keeps.
        let inherited = inheritable(write_end.as_raw_fd())
            .map_err(|err| anyhow!("could not pass a pipe to a child process: {err}{}", limit_hint(err)))?;
        let clock = inheritable(clock_fd).map_err(|err| {
            anyhow!("could not pass the lesson clock to a child process: {err}{}", limit_hint(err))
        })?;
        let order = Order {
            entry: entry.name.to_string(),
            lane: name.to_string(),
            fd: inherited.as_raw_fd(),
            parent: self.pid(),
            clock_origin_nanos,
            clock_fd: clock.as_raw_fd(),
            speed,
            args: args.iter().map(|arg| arg.to_string()).collect(),
        };
        let spawn = self
            .spawn_event(name, text!("spawned by main (pid {}): this program, started again", self.pid()));
        // std gives the new program an empty signal mask of its own.
        let _held = cleanup::hold_interrupts();
        let child = Command::new(program)
            .arg(HIDDEN_COMMAND)
            .arg(serde_json::to_string(&order).expect("an order always serialises"))
            .stdin(Stdio::null())
            .spawn()
            .map_err(|err| {
                let hint = err.raw_os_error().map_or("", |n| limit_hint(Errno::from_raw(n)));
                anyhow!("could not spawn {name}: {err}{hint}")
            })?;
        drop((inherited, clock, write_end));
        // The Stage reaps by pid, like every other child; std's handle is not needed.
        self.adopt(Pid::from_raw(child.id() as i32), read_end, name.to_string(), false, spawn)
    }
}

/// The child's side of [`Stage::spawn`], run by the hidden command: finds the
/// entry named in `order` among the lists of `entries` and runs it as a lane.
/// Never returns.
pub fn run_spawned(order: &str, entries: &[&[Entry]]) -> anyhow::Result<std::convert::Infallible> {
    let order: Order = serde_json::from_str(order).context("the spawn order is not valid")?;
    let entry = entries
        .iter()
        .flat_map(|list| list.iter())
        .find(|entry| entry.name == order.entry)
        .with_context(|| format!("no spawnable entry named '{}'", order.entry))?;
    fcntl(order.fd, FcntlArg::F_SETFD(FdFlag::FD_CLOEXEC))
        .context("the spawn order names a descriptor this process does not have")?;
    // SAFETY: the parent passed this descriptor for this process alone, and it is open.
    let pipe = unsafe { OwnedFd::from_raw_fd(order.fd) };
    fcntl(order.clock_fd, FcntlArg::F_SETFD(FdFlag::FD_CLOEXEC))
        .context("the spawn order names a clock this process does not have")?;
    let clock = Clock::from_exec(order.clock_origin_nanos, order.speed, order.clock_fd)?;
    let _ = ARGV.set(order.args);
    run_child(&order.lane, Pid::from_raw(order.parent), clock, pipe, entry.body)
}
