//! Task lanes: async tasks on a tokio runtime, narrated like any other lane.
//!
//! A future does nothing until a runtime polls it, and a poll runs it only up
//! to its next `.await` that is not ready. A task lane wraps a future the
//! lesson awaits or spawns (a coroutine, in asyncio's words) in a [`Traced`]
//! future that reports every poll: the lane is `running` from the moment the
//! runtime polls it, and when the poll returns `Pending` it is in the state of
//! what it now awaits: `sleeping` on a timer, `blocked` on a channel, a lock,
//! a thread or another task. When what it awaits wakes it, it is `blocked`
//! again, on the thread this time: ready, but not running until the runtime
//! gets round to polling it (which a blocking call can put off for seconds).
//! So the timeline shows a task running only while it is polled and, on a
//! current-thread runtime, at most one task running at any instant. Only the
//! lesson's own futures (and the wakers their polls are given) are wrapped;
//! tokio is untouched.
//!
//! A runtime is built by [`Stage::block_on`] and dropped before it returns,
//! with every thread it started: nothing of it outlives the scene, so the
//! program is single-threaded again before anything forks (DESIGN.md).

use std::future::{poll_fn, Future};
use std::pin::{pin, Pin};
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll, Wake, Waker};
use std::time::{Duration, Instant};

use anyhow::Context as _;
use tokio::runtime::Builder;

use super::clock::Clock;
use super::recorder::Recorder;
use super::{cleanup, Stage, TimeoutError};
use crate::events::{Event, Kind, LaneState, Text};
use crate::text;

/// The OS thread the caller runs on (Python's `threading.get_native_id()`).
pub fn thread_id() -> i32 {
    nix::unistd::gettid().as_raw()
}

impl Stage {
    /// Python's `loop.run_until_complete(main())` (or `asyncio.run`): builds a
    /// current-thread runtime and runs the future `program` returns on this very
    /// thread, with every task it spawns, until that future completes. The
    /// runtime is then dropped: tasks still pending are cancelled (dropped), and
    /// the threads `spawn_blocking` started are joined.
    ///
    /// # Errors
    /// The runtime could not be built (the OS refused its timer or a thread).
    pub fn block_on<F: Future>(&mut self, program: impl FnOnce(TaskLanes) -> F) -> anyhow::Result<F::Output> {
        self.run_on(Builder::new_current_thread(), program)
    }

    /// [`Stage::block_on`] on a multi-thread runtime: `program` runs on this
    /// thread, and the tasks it spawns on `workers` worker threads, which take
    /// work from each other, so a task may move to another thread at any await.
    ///
    /// # Errors
    /// The runtime could not be built (the OS refused its timer or a thread).
    pub fn block_on_workers<F: Future>(
        &mut self,
        workers: usize,
        program: impl FnOnce(TaskLanes) -> F,
    ) -> anyhow::Result<F::Output> {
        let mut builder = Builder::new_multi_thread();
        builder.worker_threads(workers);
        self.run_on(builder, program)
    }

    fn run_on<F: Future>(
        &mut self,
        mut builder: Builder,
        program: impl FnOnce(TaskLanes) -> F,
    ) -> anyhow::Result<F::Output> {
        let runtime = builder
            .enable_time()
            // Signals are main's to take, as for every thread the tutor starts.
            .on_thread_start(cleanup::leave_interrupts_to_main)
            .build()
            .context("could not start a tokio runtime")?;
        let tasks = TaskLanes { clock: self.clock, recorder: self.recorder.clone(), pid: self.pid() };
        // Not a Stage wait: main's thread runs the runtime, and reads no
        // child's pipe meanwhile (a scene forks nothing while a runtime runs).
        Ok(self.main.waiting("block_on", move || {
            let output = runtime.block_on(program(tasks));
            drop(runtime);
            output
        }))
    }

    /// What the task lanes' `state` events since mark `from` (see
    /// [`Stage::event_count`]) say about their polls.
    pub fn polls_since(&self, from: usize) -> Polls {
        Polls::read(&self.events_since(from))
    }
}

/// What a program on a runtime is given: it makes task lanes on the lesson's
/// clock, and prints main's lines.
#[derive(Clone)]
pub struct TaskLanes {
    clock: Clock,
    recorder: Arc<Recorder>,
    pid: i32,
}

impl TaskLanes {
    /// A coroutine as a lane named `name`: `body` is given the lane's handle and
    /// returns the future to run. Like a coroutine object, it runs only once
    /// awaited, joined, selected or spawned (`tokio::spawn` ↔ `asyncio.create_task`).
    pub fn lane<F: Future>(&self, name: &str, body: impl FnOnce(TaskLane) -> F) -> Traced<F> {
        let lane = TaskLane {
            shared: Arc::new(Shared {
                name: name.to_string(),
                pid: self.pid,
                clock: self.clock,
                recorder: self.recorder.clone(),
                turn: Mutex::new(Turn { awaiting: unnamed(), polling: false, woken: true, done: false }),
            }),
        };
        lane.emit(Kind::Spawn, "created: it runs only when it is polled");
        lane.set_state(LaneState::Blocked, READY, None);
        let future = Box::pin(body(lane.clone()));
        Traced { created: lane.now(), lane, future: Some(future), polls: 0, running: Duration::ZERO }
    }

    /// Python's `asyncio.wait_for(future, secs)`: `tokio::time::timeout`, in
    /// lesson time. When time is up, `future` is dropped: that is its cancellation.
    ///
    /// # Errors
    /// [`TimeoutError`] when `secs` passed before `future` completed.
    pub async fn timeout<F: Future>(&self, secs: f64, future: F) -> Result<F::Output, TimeoutError> {
        tokio::select! {
            biased;
            output = future => Ok(output),
            () = sleep(self.clock, secs) => Err(TimeoutError),
        }
    }

    /// The main program prints a line, from inside `block_on`.
    pub fn say(&self, text: impl Into<String>) {
        self.recorder.emit(Event::new(self.clock.now(), "main", self.pid, Kind::Say, text.into()));
    }

    /// The lesson's clock.
    pub fn clock(&self) -> Clock {
        self.clock
    }

    /// Lesson seconds since the lesson started (Python's `loop.time()`, on the lesson's scale).
    pub fn now(&self) -> f64 {
        self.clock.now()
    }
}

/// `tokio::time::sleep` for `secs` of lesson time: a pause meanwhile (an
/// output that cannot be written yet) lengthens it, as it does every lane's sleep.
async fn sleep(clock: Clock, secs: f64) {
    let until = clock.now() + secs;
    // Within a microsecond is on time: a timer rounds up to the next millisecond.
    while let Some(left) = Some(until - clock.now()).filter(|left| *left > 1e-6) {
        tokio::time::sleep(clock.real(left)).await;
    }
}

/// The state text of a lane that can go on, and waits for a poll.
const READY: &str = "ready, waiting to be polled";

/// What a lane awaits when nothing named it: an `.await` that did not go
/// through one of [`TaskLane`]'s verbs.
fn unnamed() -> (LaneState, String) {
    (LaneState::Blocked, "await".to_string())
}

/// A task lane's handle, given to the code that runs in it: its verbs print,
/// sleep and wait as that lane, the way [`super::Lane`]'s do for a thread.
#[derive(Clone)]
pub struct TaskLane {
    shared: Arc<Shared>,
}

struct Shared {
    name: String,
    pid: i32,
    clock: Clock,
    recorder: Arc<Recorder>,
    /// Where the lane is between polls. Its state events are sent with this
    /// held, so a wake on another thread and a poll cannot report out of order.
    turn: Mutex<Turn>,
}

/// Where a lane is, between its polls and wakes.
struct Turn {
    /// What its current `.await` waits for: its state while the poll is pending.
    awaiting: (LaneState, String),
    /// A poll is under way.
    polling: bool,
    /// Woken since its last poll began: it is ready to be polled again.
    woken: bool,
    /// Finished or cancelled: a late wake has nothing to report.
    done: bool,
}

impl TaskLane {
    /// The lane's name: `coroutine`, `task-1`, …
    pub fn name(&self) -> &str {
        &self.shared.name
    }

    /// Lesson seconds since the lesson started (Python's `loop.time()`).
    pub fn now(&self) -> f64 {
        self.shared.clock.now()
    }

    /// The lesson's clock.
    pub fn clock(&self) -> Clock {
        self.shared.clock
    }

    /// Prints a line, as the coroutine's own `print` does.
    pub fn say(&self, text: impl Into<String>) {
        self.emit(Kind::Say, text.into());
    }

    /// Python's `await asyncio.sleep(secs)`: `tokio::time::sleep`, on the lesson's
    /// clock. The lane sleeps and the thread is free for other tasks.
    pub async fn sleep(&self, secs: f64) {
        self.awaiting(LaneState::Sleeping, &format!("sleep({secs})"), sleep(self.shared.clock, secs)).await;
    }

    /// Python's `time.sleep(secs)` inside a coroutine: `std::thread::sleep`, the
    /// pitfall. It blocks the thread, and the poll that called it does not
    /// return until it is over, so the lane stays `running` and no other task
    /// on that thread can run meanwhile.
    pub fn block_sleep(&self, secs: f64) {
        self.shared.clock.sleep(secs);
    }

    /// Awaits `future` as the lane's wait for `what` (a channel, a lock, another
    /// task): the lane is `blocked` until it is ready.
    pub async fn wait<F: Future>(&self, what: &str, future: F) -> F::Output {
        self.awaiting(LaneState::Blocked, what, future).await
    }

    /// Python's `await asyncio.to_thread(f)`: `tokio::task::spawn_blocking`, so
    /// `f` blocks a thread of the runtime's blocking pool instead of this one.
    /// `f` is given this lane; the lane is `blocked` on that thread meanwhile.
    pub async fn spawn_blocking<R: Send + 'static>(
        &self,
        f: impl FnOnce(&TaskLane) -> R + Send + 'static,
    ) -> R {
        let lane = self.clone();
        let thread = tokio::task::spawn_blocking(move || f(&lane));
        self.wait("spawn_blocking", thread).await.expect("a blocking job does not panic")
    }

    /// Awaits `future`, telling the lane's [`Traced`] before each of its polls
    /// that, if it is pending, the lane is in `state` on `what`.
    async fn awaiting<F: Future>(&self, state: LaneState, what: &str, future: F) -> F::Output {
        let mut future = pin!(future);
        poll_fn(|cx| {
            self.turn().awaiting = (state, what.to_string());
            future.as_mut().poll(cx)
        })
        .await
    }

    fn turn(&self) -> MutexGuard<'_, Turn> {
        self.shared.turn.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn emit(&self, kind: Kind, text: impl Into<Text>) {
        self.send(Event::new(self.now(), &self.shared.name, self.shared.pid, kind, text));
    }

    fn send(&self, event: Event) {
        self.shared.recorder.emit(event);
    }

    fn set_state(&self, state: LaneState, text: impl Into<Text>, tid: Option<i32>) {
        let mut event = Event::new(self.now(), &self.shared.name, self.shared.pid, Kind::State, text);
        event.state = Some(state);
        event.tid = tid;
        self.send(event);
    }
}

/// A lane's future, reporting its polls (see the module's documentation).
/// Dropped before it has finished, it was cancelled: its own drops run first
/// (Python's `finally` on `CancelledError`), then the lane's `exit` says so.
pub struct Traced<F> {
    lane: TaskLane,
    /// The lane's future, until it completes or is dropped.
    future: Option<Pin<Box<F>>>,
    /// Lesson time the lane was created.
    created: f64,
    polls: u32,
    /// Real time spent inside polls.
    running: Duration,
}

impl<F: Future> Future for Traced<F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let this = self.get_mut();
        let future = this.future.as_mut().expect("a finished lane is not polled again");
        {
            let mut turn = this.lane.turn();
            *turn = Turn { awaiting: unnamed(), polling: true, woken: false, done: false };
            let tid = thread_id();
            this.lane.set_state(LaneState::Running, text!("polled on thread {tid}"), Some(tid));
        }
        // What the lane awaits wakes it through this waker, so the lane can
        // tell the timeline it is ready before the runtime is told.
        let alarm = Waker::from(Arc::new(Alarm { lane: this.lane.clone(), waker: cx.waker().clone() }));
        this.polls += 1;
        let entered = Instant::now();
        let poll = future.as_mut().poll(&mut Context::from_waker(&alarm));
        this.running += entered.elapsed();
        let mut turn = this.lane.turn();
        turn.polling = false;
        match poll {
            Poll::Pending if turn.woken => this.lane.set_state(LaneState::Blocked, READY, None),
            Poll::Pending => this.lane.set_state(turn.awaiting.0, turn.awaiting.1.clone(), None),
            Poll::Ready(_) => {
                turn.done = true;
                drop(turn);
                this.future = None;
                this.exit(false);
            }
        }
        poll
    }
}

impl<F> Traced<F> {
    /// The lane's `exit` event: finished, or cancelled by being dropped.
    fn exit(&self, cancelled: bool) {
        let clock = self.lane.shared.clock;
        let lived = self.lane.now() - self.created;
        let (polls, ms) = (self.polls, clock.lesson_secs(self.running) * 1e3);
        let name = self.lane.name();
        let text = if cancelled {
            text!(
                "{name} was cancelled after {lived:.2} s, dropped before it finished; polled {polls}×, \
                 running {ms:.2} ms in all"
            )
        } else {
            text!("{name} finished after {lived:.2} s; polled {polls}×, running {ms:.2} ms in all")
        };
        let mut event = Event::new(self.lane.now(), name, self.lane.shared.pid, Kind::Exit, text);
        if cancelled {
            // Ended from outside, as a signal ends a process.
            event.signal = Some("cancelled".into());
        } else {
            event.code = Some(0);
        }
        self.lane.send(event);
    }
}

impl<F> Drop for Traced<F> {
    fn drop(&mut self) {
        if let Some(future) = self.future.take() {
            // A wake from now on has nothing to report.
            self.lane.turn().done = true;
            // Its own cleanup first: its drop guards still speak as this lane.
            drop(future);
            self.exit(true);
        }
    }
}

/// The waker a lane's poll hands down: it marks the lane ready, then wakes
/// the runtime's own waker.
struct Alarm {
    lane: TaskLane,
    waker: Waker,
}

impl Wake for Alarm {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        {
            let mut turn = self.lane.turn();
            // During a poll, the poll's end reports it; once reported, once is enough.
            if !turn.polling && !turn.woken && !turn.done {
                self.lane.set_state(LaneState::Blocked, READY, None);
            }
            turn.woken = true;
        }
        self.waker.wake_by_ref();
    }
}

/// What the `state` and `exit` events of task lanes say about their polls.
#[derive(Debug, Default)]
pub struct Polls {
    /// One entry per task lane, in the order they were first polled.
    pub lanes: Vec<LanePolls>,
    /// The most task lanes that were `running` at the same moment.
    pub most_running_at_once: usize,
}

/// One task lane's polls.
#[derive(Debug, Clone)]
pub struct LanePolls {
    /// The lane.
    pub lane: String,
    /// How many times it was polled.
    pub polls: usize,
    /// The threads that polled it, each once, in the order they first did.
    pub threads: Vec<i32>,
    /// Lesson time of its first poll.
    pub first_poll: f64,
    /// Lesson time it finished or was cancelled (its last event, if neither).
    pub end: f64,
    /// Whether it was cancelled (dropped before it finished).
    pub cancelled: bool,
}

impl Polls {
    fn read(events: &[Event]) -> Polls {
        let mut polls = Polls::default();
        let mut running: Vec<&str> = Vec::new();
        // The lanes alive now, as indices into `polls.lanes`: a name can come
        // back once its lane has ended (a second `slow`).
        let mut alive: Vec<usize> = Vec::new();
        for event in events {
            let lane = event.lane.as_str();
            let current = alive.iter().copied().find(|&i| polls.lanes[i].lane == lane);
            match (event.kind, event.state, event.tid) {
                (Kind::State, Some(LaneState::Running), Some(tid)) => {
                    let i = current.unwrap_or_else(|| {
                        polls.lanes.push(LanePolls {
                            lane: lane.to_string(),
                            polls: 0,
                            threads: Vec::new(),
                            first_poll: event.t,
                            end: event.t,
                            cancelled: false,
                        });
                        alive.push(polls.lanes.len() - 1);
                        polls.lanes.len() - 1
                    });
                    let entry = &mut polls.lanes[i];
                    entry.polls += 1;
                    entry.end = event.t;
                    if !entry.threads.contains(&tid) {
                        entry.threads.push(tid);
                    }
                    if !running.contains(&lane) {
                        running.push(lane);
                    }
                    polls.most_running_at_once = polls.most_running_at_once.max(running.len());
                }
                (Kind::State | Kind::Exit, ..) => {
                    running.retain(|l| *l != lane);
                    if let Some(i) = current {
                        polls.lanes[i].end = event.t;
                        if event.kind == Kind::Exit {
                            polls.lanes[i].cancelled = event.signal.is_some();
                            alive.retain(|&a| a != i);
                        }
                    }
                }
                _ => {}
            }
        }
        polls
    }

    /// The first lane named `lane`, if one was polled.
    pub fn lane(&self, lane: &str) -> Option<&LanePolls> {
        self.lanes.iter().find(|l| l.lane == lane)
    }

    /// Every lane named `lane` that was polled, in order.
    pub fn named<'p>(&'p self, lane: &'p str) -> impl Iterator<Item = &'p LanePolls> {
        self.lanes.iter().filter(move |l| l.lane == lane)
    }

    /// Every thread that polled a task lane, each once.
    pub fn threads(&self) -> Vec<i32> {
        let mut all: Vec<i32> = Vec::new();
        for tid in self.lanes.iter().flat_map(|l| &l.threads) {
            if !all.contains(tid) {
                all.push(*tid);
            }
        }
        all
    }

    /// Whether the lanes named `lanes` were all alive at one moment: each was
    /// first polled before any of them ended.
    pub fn overlapped(&self, lanes: &[&str]) -> bool {
        let spans: Vec<&LanePolls> = lanes.iter().filter_map(|l| self.lane(l)).collect();
        let latest_start = spans.iter().map(|l| l.first_poll).fold(f64::MIN, f64::max);
        let earliest_end = spans.iter().map(|l| l.end).fold(f64::MAX, f64::min);
        spans.len() == lanes.len() && latest_start < earliest_end
    }
}
