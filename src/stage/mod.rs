//! The Stage: a narrated run. Lessons call its verbs (`process`, `join_timeout`,
//! `sleep`, `note`, …); each verb does the real thing and emits events that say
//! what happened, computed from what happened.
//!
//! How it holds together:
//! - every verb that blocks the main program is one wait (`wait.rs`) with a
//!   description; it reads the children's pipes meanwhile (`pump.rs`),
//!   so children never print and the main program never needs a helper thread;
//! - every lane (main, a forked or spawned child, a thread) knows the lesson's
//!   [`Clock`]; its sleeps and timeouts count lesson time, and a pause (a step,
//!   a question, an output that cannot be written) stops lesson time for all of
//!   them at once, through a page of shared memory (see `clock.rs`), so a paused
//!   lesson tells the same story as one that ran straight through;
//! - a lane that waits on one of the Stage's primitives (a process-shared lock,
//!   semaphore or event, a full queue, a pipe) is drawn waiting, from the
//!   primitive itself;
//! - every child is registered for cleanup ([`install_interrupt_handlers`])
//!   the moment it exists, and killed and reaped on every way out.

mod children;
mod cleanup;
mod clock;
mod connection;
mod cpython;
mod event;
mod fork;
mod frame;
mod futex;
mod join;
mod keeper;
mod lane;
mod manager;
mod memory;
mod pool;
mod progress;
mod pump;
mod queue;
mod recorder;
mod semaphore;
mod shared;
mod signals;
mod spawn;
mod start;
mod step;
mod tasks;
mod traced;
mod wait;
mod watchdog;

use std::sync::Arc;
use std::time::{Duration, Instant};

pub use crate::procfs::{is_dead, is_stopped, ProcState, TaskState, ThreadState};
pub use children::{ExitStatus, Proc};
pub use cleanup::{ctrl_c_ends_the_lesson, exit_quietly, install_interrupt_handlers};
pub use clock::Clock;
pub use connection::Connection;
pub use cpython::Figures;
pub use event::SharedEvent;
pub use fork::{ProcessBuilder, Run};
pub use keeper::{run_keeper, KEEPER_COMMAND};
pub use lane::{build_pool, refused, refused_by_std, spawn_scoped, spawn_thread, Lane, SWITCH_INTERVAL};
pub use manager::{ConnectError, DictProxy, Item, ListProxy, Manager, Served, StartedManager, ValueProxy};
pub use memory::one_arena;
pub use pool::{AsyncResult, Done, Imap, Pool, TimeoutError};
pub use progress::Bars;
pub use queue::{Empty, Full, ProcQueue};
pub use recorder::Recorder;
pub use semaphore::{BoundedSemaphore, ReleasedTooManyTimes, Semaphore};
pub use shared::{
    interpreter_pause, SharedArray, SharedF64, SharedGuard, SharedInt, SharedLock, SharedUsize,
};
pub use signals::Caught;
pub use spawn::{argv, record_start_up, run_spawned, start_up_pid, Entry, HIDDEN_COMMAND};
pub use tasks::{thread_id, LanePolls, Polls, TaskLane, TaskLanes, Traced};
pub use traced::{Cycle, Link, LockSet, NotAcquired, TracedGuard, TracedLock};
pub use wait::Abandoned;
pub use watchdog::{dead_owner, Hopeless, Stuck, Watched};

use crate::events::{Event, Kind, Text, TUTOR};
use crate::text;
use children::Child;
use pool::Tasks;

/// A narrated run of one lesson.
pub struct Stage {
    clock: Clock,
    recorder: Arc<Recorder>,
    main: Lane,
    tutor: Lane,
    children: Vec<Child>,
    tasks: Tasks,
    /// While true, children start and end without `spawn` and `exit` lines: for
    /// timing many starts without narrating each.
    hushed: bool,
    /// Measurement lessons use a smaller job and fewer repetitions.
    quick: bool,
    /// Step mode: pause before each note and at each scene start.
    stepping: bool,
    /// Predict mode: a question before each scene that has one.
    predicting: bool,
}

impl Stage {
    /// A stage that reports to `recorder` on `clock`.
    pub fn new(clock: Clock, recorder: Arc<Recorder>) -> Stage {
        recorder.keep_time_with(clock);
        let main = Lane::in_tutor("main", clock, recorder.clone());
        Stage {
            main,
            tutor: Lane::in_tutor(TUTOR, clock, recorder.clone()),
            clock,
            recorder,
            children: Vec::new(),
            tasks: Tasks::default(),
            hushed: false,
            quick: false,
            stepping: false,
            predicting: false,
        }
    }

    /// Asks measurement lessons for a smaller job and fewer repetitions
    /// (`--quick`): for a first look, and for the tests.
    pub fn set_quick(&mut self, quick: bool) {
        self.quick = quick;
    }

    /// Whether measurement lessons should be quick (see [`Stage::set_quick`]).
    pub fn quick(&self) -> bool {
        self.quick
    }

    /// The main lane, for starting threads from the lesson's main program.
    pub fn main(&self) -> &Lane {
        &self.main
    }

    /// The tutor's own pid (Python's `os.getpid()` in the main program).
    pub fn pid(&self) -> i32 {
        self.main.pid()
    }

    /// Python's `multiprocessing.cpu_count()`: how many threads can run at once
    /// on this machine (as far as this process is allowed).
    pub fn cpu_count(&self) -> usize {
        std::thread::available_parallelism().map_or(1, |n| n.get())
    }

    /// Python's `multiprocessing.active_children()`: the children still running,
    /// as (name, pid). Like Python, it first collects any that have just ended.
    pub fn active_children(&mut self) -> Vec<(String, i32)> {
        self.pump_once(Some(Duration::ZERO), None);
        self.children.iter().filter(|c| c.is_alive()).map(|c| (c.name.clone(), c.pid.as_raw())).collect()
    }

    /// Runs `f` with the children's `spawn` and `exit` lines left out: for
    /// measuring many starts without a line for each.
    pub fn quietly<T>(&mut self, f: impl FnOnce(&mut Stage) -> T) -> T {
        self.hushed = true;
        let result = f(self);
        self.hushed = false;
        result
    }

    /// Runs `f` `runs` times quietly (see [`Stage::quietly`]) and returns the
    /// median real time of one run. Real time: a measurement is never scaled by `--speed`.
    pub fn median_time(
        &mut self,
        runs: usize,
        mut f: impl FnMut(&mut Stage) -> anyhow::Result<()>,
    ) -> anyhow::Result<Duration> {
        self.quietly(|stage| {
            let mut times = Vec::with_capacity(runs);
            for _ in 0..runs {
                let start = Instant::now();
                f(stage)?;
                times.push(start.elapsed());
            }
            times.sort();
            Ok(times[runs / 2])
        })
    }

    /// The lesson's clock.
    pub fn clock(&self) -> Clock {
        self.clock
    }

    /// Lesson seconds since the lesson started.
    pub fn now(&self) -> f64 {
        self.clock.now()
    }

    /// The main program prints a line (Python's `print` in `__main__`).
    pub fn say(&self, text: impl Into<String>) {
        self.main.say(text);
    }

    /// The tutor explains what just happened (in step mode, after a pause).
    pub fn note(&mut self, text: impl Into<Text>) {
        self.pause("an explanation comes next");
        self.tutor.emit(Kind::Note, text);
    }

    /// The tutor warns: something went wrong, or a hazard was seen.
    pub fn warn(&self, text: impl Into<Text>) {
        self.tutor.emit(Kind::Warn, text);
    }

    /// The tutor reports a number it measured.
    pub fn measure(&self, name: &str, value: f64, unit: &str, text: impl Into<Text>) {
        self.recorder.emit(self.measure_event(name, value, unit, text));
    }

    /// Reports how long something took (lesson seconds) beside its ideal. The
    /// text says lesson time: at `--speed N`, any overhead in it is N times its real length.
    pub fn measure_time(&self, name: &str, took: f64, ideal: f64, what: &str) {
        let text = text!("{what}: {took:.2} s of lesson time, {:.2}× the ideal {ideal:.2} s", took / ideal);
        let mut event = self.measure_event(name, took, "s", text);
        event.ideal = Some(ideal);
        self.recorder.emit(event);
    }

    fn measure_event(&self, name: &str, value: f64, unit: &str, text: impl Into<Text>) -> Event {
        let mut event = Event::new(self.now(), TUTOR, self.pid(), Kind::Measure, text);
        event.name = Some(name.to_string());
        event.value = Some(value);
        event.unit = Some(unit.to_string());
        event
    }

    /// How many events the run has had so far: a mark for [`Stage::events_since`].
    pub fn event_count(&self) -> usize {
        self.recorder.with_log(|log| log.len())
    }

    /// The events after mark `from` (see [`Stage::event_count`]).
    pub fn events_since(&self, from: usize) -> Vec<Event> {
        self.recorder.with_log(|log| log[from.min(log.len())..].to_vec())
    }

    /// Every line printed by any lane since lesson time `since`, as (lane, text).
    pub fn said_since(&self, since: f64) -> Vec<(String, String)> {
        self.recorder.with_log(|log| {
            log.iter()
                .filter(|e| e.kind == Kind::Say && e.t >= since)
                .map(|e| (e.lane.clone(), e.text.clone()))
                .collect()
        })
    }

    /// Everything lane `lane` has printed so far, in order.
    pub fn lines_of(&self, lane: &str) -> Vec<String> {
        self.said_by(lane).into_iter().map(|(_, text)| text).collect()
    }

    /// Everything lane `lane` has printed so far, with the lesson time of each line.
    pub fn said_by(&self, lane: &str) -> Vec<(f64, String)> {
        self.recorder.with_log(|log| {
            log.iter()
                .filter(|e| e.lane == lane && e.kind == Kind::Say)
                .map(|e| (e.t, e.text.clone()))
                .collect()
        })
    }

    /// Python's `threading.Thread(target=…).start()` in the main program: a thread
    /// lane named `name` in the tutor's own process.
    pub fn thread<F>(&self, name: &str, body: F) -> std::thread::JoinHandle<()>
    where
        F: FnOnce(&Lane) + Send + 'static,
    {
        self.main.thread(name, body)
    }

    /// The last line lane `lane` printed.
    pub fn last_said(&self, lane: &str) -> Option<String> {
        self.lines_of(lane).pop()
    }

    /// Marks the start of scene `number` of `total` of lesson `lesson`.
    pub(crate) fn begin_scene(
        &mut self,
        lesson: &str,
        number: usize,
        total: usize,
        title: &str,
        python: &str,
    ) {
        let mut event = Event::new(self.now(), TUTOR, self.pid(), Kind::Scene, title);
        event.lesson = Some(lesson.to_string());
        event.scene = Some(number);
        event.python = Some(python.to_string());
        event.scenes = Some(total);
        self.recorder.emit(event);
        self.pause(&format!("scene {number} is about to run"));
    }

    /// Ends a scene as CPython ends a program (see [`Stage::end_of_program`]).
    pub(crate) fn end_scene(&mut self) {
        self.end_of_program();
    }

    /// The lesson is over: the sinks draw or write what waits for the end.
    pub(crate) fn finish(&self) -> std::io::Result<()> {
        self.recorder.finish()
    }
}

impl Drop for Stage {
    /// On every way out (a lesson's error, a panic), no child outlives the stage.
    fn drop(&mut self) {
        self.kill_all();
        self.recorder.close();
    }
}
