//! A lane: one line of execution that the tutor narrates (the main program, a
//! forked child, a thread). Lesson code running *inside* a child or a thread gets
//! a `&Lane` and uses its verbs, the way the notes' functions call `print` and
//! `time.sleep`.

use std::cell::Cell;
use std::fs::File;
use std::io::Write;
use std::os::fd::OwnedFd;
use std::panic::{self, AssertUnwindSafe};
use std::sync::mpsc::SyncSender;
use std::sync::{Arc, Mutex};
use std::thread::{self, JoinHandle, Scope, ScopedJoinHandle};
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::cleanup;
use super::clock::Clock;
use super::recorder::Recorder;
use super::start;
use crate::events::{Event, Kind, LaneState, Mark, Text};
use crate::text;

/// A line a child process sends its parent over its pipe.
#[derive(Serialize, Deserialize, Debug)]
pub(crate) enum Wire {
    /// Something to narrate.
    Event(Box<Event>),
    /// A pool worker has taken task `task` and is running it.
    Took { task: u64 },
    /// A pool worker's result for task `task`.
    Reply { task: u64, value: serde_json::Value, started: f64, finished: f64 },
    /// The child could not allocate `size` bytes, and has ended (written by
    /// hand, without allocating: see `memory.rs`).
    OutOfMemory { size: u64 },
}

/// Where a lane's events go.
#[derive(Clone)]
enum Sink {
    /// In the tutor's own process: straight to the recorder.
    Recorder(Arc<Recorder>),
    /// In a forked child: one `write(2)` of a whole line to the parent's pipe
    /// (no lock shared with the parent, so nothing inherited across fork can block it).
    Pipe(Arc<Mutex<File>>),
}

/// One narrated line of execution, handed to the code that runs in it.
#[derive(Clone)]
pub struct Lane {
    name: String,
    pid: i32,
    clock: Clock,
    sink: Sink,
    /// In a thread lane, until its starter stops listening: told of every event,
    /// so that [`Lane::thread`] can wait for the first (see there).
    started: Option<SyncSender<i32>>,
}

/// CPython's default `sys.getswitchinterval()`: how long a thread may keep the
/// GIL while another waits for it. Real time: CPU work is never scaled by `--speed`.
pub const SWITCH_INTERVAL: Duration = Duration::from_millis(5);

impl Lane {
    pub(crate) fn in_tutor(name: &str, clock: Clock, recorder: Arc<Recorder>) -> Lane {
        Lane {
            name: name.to_string(),
            pid: std::process::id() as i32,
            clock,
            sink: Sink::Recorder(recorder),
            started: None,
        }
    }

    pub(crate) fn in_child(name: &str, clock: Clock, pipe: OwnedFd) -> Lane {
        let pipe = Arc::new(Mutex::new(File::from(pipe)));
        Lane {
            name: name.to_string(),
            pid: std::process::id() as i32,
            clock,
            sink: Sink::Pipe(pipe),
            started: None,
        }
    }

    /// The lane's name: `main`, `p1`, `ticker`, …
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The pid of the process this lane runs in (Python's `os.getpid()`).
    pub fn pid(&self) -> i32 {
        self.pid
    }

    /// The pid of this process's parent (Python's `os.getppid()`).
    pub fn ppid(&self) -> i32 {
        nix::unistd::getppid().as_raw()
    }

    /// Lesson seconds since the lesson started.
    pub fn now(&self) -> f64 {
        self.clock.now()
    }

    /// The lesson's clock.
    pub fn clock(&self) -> Clock {
        self.clock
    }

    /// Prints a line, as the demo's own `print` does.
    pub fn say(&self, text: impl Into<String>) {
        self.emit(Kind::Say, text.into());
    }

    /// Sleeps `secs` of lesson time (Python's `time.sleep`).
    pub fn sleep(&self, secs: f64) {
        self.set_state(LaneState::Sleeping, format!("sleep({secs})"), None);
        self.clock.sleep(secs);
        self.set_state(LaneState::Running, "awake", None);
    }

    /// Tells the timeline that this lane now sleeps, waits or runs (`text` says
    /// on what), and whether that change is a key moment.
    pub(crate) fn set_state(&self, state: LaneState, text: impl Into<Text>, mark: Option<Mark>) {
        self.send(self.state_event(state, text, mark));
    }

    /// The `state` event [`Lane::set_state`] sends, for a caller that adds to it.
    pub(crate) fn state_event(&self, state: LaneState, text: impl Into<Text>, mark: Option<Mark>) -> Event {
        let mut event = Event::new(self.clock.now(), &self.name, self.pid, Kind::State, text);
        event.state = Some(state);
        event.mark = mark;
        event
    }

    /// Runs `wait`, something that blocks this lane (a condition's wait, a
    /// channel's `recv`, a join), with the timeline told that the lane waits on
    /// `what` meanwhile, and that it runs again after.
    pub fn waiting<T>(&self, what: impl Into<Text>, wait: impl FnOnce() -> T) -> T {
        let what = what.into();
        let returned = text!("{what} returned");
        self.set_state(LaneState::Blocked, what, None);
        let result = wait();
        self.set_state(LaneState::Running, returned, None);
        result
    }

    /// Makes this the lane the code on this thread runs in (see
    /// [`waiting_here`]), until the returned guard is dropped.
    pub(crate) fn enter(&self) -> Entered<'_> {
        let before = CURRENT.replace(self);
        Entered { before, _lane: self }
    }

    /// This lane under another name: for code that runs on a thread the tutor did
    /// not start itself (a rayon worker, say).
    pub fn named(&self, name: &str) -> Lane {
        Lane { name: name.to_string(), started: None, ..self.clone() }
    }

    /// Starts a thread lane named `name` in this lane's process, running `body`.
    /// Like CPython's `Thread.start()`, it returns only once the new thread has
    /// taken its first step (see [`super::start`]): threads started one after
    /// the other begin in that order.
    pub fn thread<F>(&self, name: &str, body: F) -> JoinHandle<()>
    where
        F: FnOnce(&Lane) + Send + 'static,
    {
        let mut lane = self.named(name);
        lane.emit(Kind::Spawn, text!("thread started in pid {}", lane.pid));
        // The thread's tid when it runs, then a word for its first event.
        let (started, told) = std::sync::mpsc::sync_channel::<i32>(2);
        lane.started = Some(started);
        let handle = thread::Builder::new()
            .name(name.to_string())
            .stack_size(STACK)
            .spawn(move || {
                cleanup::leave_interrupts_to_main();
                if let Some(started) = &lane.started {
                    let _ = started.try_send(nix::unistd::gettid().as_raw());
                }
                let entered = lane.enter();
                let outcome = panic::catch_unwind(AssertUnwindSafe(|| body(&lane)));
                let mut event = Event::new(lane.now(), &lane.name, lane.pid, Kind::Exit, "");
                match &outcome {
                    Ok(()) => {
                        event.code = Some(0);
                        event.set_text(text!("thread {} finished", lane.name));
                    }
                    Err(_) => {
                        event.code = Some(101);
                        event.set_text(text!("thread {} panicked", lane.name));
                    }
                }
                drop(entered);
                lane.send(event);
                if let Err(payload) = outcome {
                    panic::resume_unwind(payload);
                }
            })
            .unwrap_or_else(|err| refused(&format!("thread {name}"), &err));
        start::first_step(&told);
        handle
    }

    /// Tells [`Lane::thread`], while it still listens, that this thread lane did something.
    fn tell_starter(&self) {
        if let Some(started) = &self.started {
            let _ = started.try_send(0);
        }
    }

    pub(crate) fn emit(&self, kind: Kind, text: impl Into<Text>) {
        self.send(Event::new(self.clock.now(), &self.name, self.pid, kind, text));
    }

    pub(crate) fn send(&self, event: Event) {
        self.tell_starter();
        match &self.sink {
            Sink::Recorder(recorder) => recorder.emit(event),
            Sink::Pipe(_) => self.send_wire(&Wire::Event(Box::new(event))),
        }
    }

    /// Sends a message to the parent. Only lanes in a forked child have a parent to send to.
    pub(crate) fn send_wire(&self, wire: &Wire) {
        match &self.sink {
            Sink::Recorder(_) => unreachable!("only a forked child talks to its parent over a pipe"),
            Sink::Pipe(pipe) => {
                let mut line = serde_json::to_vec(wire).expect("wire messages always serialise");
                line.push(b'\n');
                let mut pipe = pipe.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
                if pipe.write_all(&line).is_err() {
                    // The parent is gone: nobody to narrate to, so end this child now.
                    // SAFETY: _exit ends the process without running the parent's code.
                    unsafe { libc::_exit(1) };
                }
            }
        }
    }
}

thread_local! {
    /// The lane the code on this thread runs in, if the tutor started it. A
    /// bare pointer, set and reset by [`Entered`]: a thread-local with a
    /// destructor makes glibc allocate at a thread's first use, and abort when
    /// it cannot (under `ulimit -v`).
    static CURRENT: Cell<*const Lane> = const { Cell::new(std::ptr::null()) };
}

/// This thread runs in a lane (see [`Lane::enter`]); dropping it puts back
/// the lane it ran in before.
pub(crate) struct Entered<'l> {
    before: *const Lane,
    _lane: &'l Lane,
}

impl Drop for Entered<'_> {
    fn drop(&mut self) {
        CURRENT.set(self.before);
    }
}

/// [`Lane::waiting`] for the lane this thread runs in, if there is one: how
/// the Stage's own primitives (a process-shared lock, a queue's bound, a pipe's
/// read) show their waits, wherever they are called from.
pub(crate) fn waiting_here<T>(what: impl Into<Text>, wait: impl FnOnce() -> T) -> T {
    let lane = CURRENT.get();
    if lane.is_null() {
        return wait();
    }
    // SAFETY: the pointer was set by an `Entered` guard on this thread, which
    // borrows the lane and resets the pointer before the borrow ends.
    unsafe { &*lane }.waiting(what, wait)
}

/// The OS refused a forked child something it needed (a thread, past
/// `ulimit -u` or `ulimit -v`). The child unwinds with this as its payload (no
/// panic message: the panic hook does not run for `resume_unwind`), and
/// `run_child` tells the parent why it ended.
#[derive(Debug, Clone)]
pub(crate) struct Refused(pub String);

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// The OS refused to start `what` (a thread, past `ulimit -u` or `ulimit -v`).
/// Like Python's `RuntimeError: can't start new thread`, it ends the program:
/// one `error:` line naming the limit, every child killed and reaped, the
/// terminal given back, exit status 1. At once, not by unwinding: the lesson's
/// other threads would trip over what the unwinding drops (a channel's other
/// end) and panic on the way. A forked child unwinds instead, and tells its
/// parent why it ended.
pub fn refused(what: &str, err: &std::io::Error) -> ! {
    let hint = err.raw_os_error().map_or("", |n| super::children::limit_hint(nix::errno::Errno::from_raw(n)));
    let message = format!("could not start {what}: {err}{hint}");
    if super::fork::in_child() {
        panic::resume_unwind(Box::new(Refused(message)));
    }
    eprintln!("error: {message}");
    cleanup::exit_quietly(1)
}

/// The stack of a thread a lesson starts. A lesson's threads print, sleep and
/// count; std's default (2 MiB) is for any program, and under `ulimit -v` every
/// thread's stack counts: a quarter of it lets a lesson start its threads in
/// far less memory.
const STACK: usize = 512 * 1024;

/// std's `thread::spawn`, ending the program with one clear line if the OS
/// refuses the thread (see [`refused`]), where std would panic.
pub fn spawn_thread<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> JoinHandle<T> {
    thread::Builder::new().stack_size(STACK).spawn(f).unwrap_or_else(|err| refused("a thread", &err))
}

/// `s.spawn(f)` in a `thread::scope`, ending the program with one clear line
/// if the OS refuses the thread (see [`refused`]), where std would panic.
pub fn spawn_scoped<'scope, T: Send + 'scope>(
    s: &'scope Scope<'scope, '_>,
    f: impl FnOnce() -> T + Send + 'scope,
) -> ScopedJoinHandle<'scope, T> {
    thread::Builder::new()
        .stack_size(STACK)
        .spawn_scoped(s, f)
        .unwrap_or_else(|err| refused("a thread", &err))
}

/// `builder.build()` for a rayon pool of a lesson's own, ending the program
/// with one clear line if the OS refuses its threads (see [`refused`]).
pub fn build_pool(builder: rayon::ThreadPoolBuilder) -> rayon::ThreadPool {
    builder.stack_size(STACK).build().unwrap_or_else(|err| {
        let os = std::error::Error::source(&err).and_then(|cause| cause.downcast_ref::<std::io::Error>());
        match os {
            Some(os) => refused("rayon's threads", os),
            None => refused("rayon's threads", &std::io::Error::other(err.to_string())),
        }
    })
}

/// The panics std itself raises when the OS refuses a thread (a library's
/// `thread::spawn`, or the signal stack std gives each new thread): in the
/// tutor, they end the program as [`refused`] does, with one clear line. For
/// the panic hook; returns only for any other panic.
pub fn refused_by_std(info: &panic::PanicHookInfo<'_>) {
    let message = info
        .payload()
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| info.payload().downcast_ref::<String>().cloned());
    let Some(message) = message else { return };
    let refusals = ["failed to spawn thread", "failed to allocate an alternative stack"];
    if super::fork::in_child() || !refusals.iter().any(|refusal| message.starts_with(refusal)) {
        return;
    }
    eprintln!(
        "error: could not start a thread: {message} (the limit on processes or memory was reached: see \
         `ulimit -u` and `ulimit -v`, and raise them or end other programs)"
    );
    cleanup::exit_quietly(1)
}
