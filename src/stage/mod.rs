//! The Stage: a narrated run. Lessons call its verbs (`process`, `join_timeout`,
//! `sleep`, `note`, …); each verb does the real thing and emits events that say
//! what happened, computed from what happened.

mod cleanup;
mod clock;
mod event;
mod lane;
mod process;
mod recorder;

use std::sync::Arc;

pub use cleanup::{exit_quietly, install_interrupt_handlers};
pub use clock::Clock;
pub use event::{Event, Kind};
pub use lane::Lane;
pub use process::{ExitStatus, Proc, ProcessBuilder};
pub use recorder::{Recorder, Render};

use process::Child;

/// The lane that narrates: notes and measures come from it.
pub const TUTOR: &str = "tutor";

/// A narrated run of one lesson.
pub struct Stage {
    clock: Clock,
    recorder: Arc<Recorder>,
    main: Lane,
    tutor: Lane,
    children: Vec<Child>,
}

impl Stage {
    /// A stage that reports to `recorder` on `clock`.
    pub fn new(clock: Clock, recorder: Arc<Recorder>) -> Stage {
        Stage {
            main: Lane::in_tutor("main", clock, recorder.clone()),
            tutor: Lane::in_tutor(TUTOR, clock, recorder.clone()),
            clock,
            recorder,
            children: Vec::new(),
        }
    }

    /// The main lane, for starting threads from the lesson's main program.
    pub fn main(&self) -> &Lane {
        &self.main
    }

    /// The tutor's own pid (Python's `os.getpid()` in the main program).
    pub fn pid(&self) -> i32 {
        self.main.pid()
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

    /// The tutor explains what just happened.
    pub fn note(&self, text: impl Into<String>) {
        self.tutor.emit(Kind::Note, text.into());
    }

    /// The tutor warns: something went wrong, or a hazard was seen.
    pub fn warn(&self, text: impl Into<String>) {
        self.tutor.emit(Kind::Warn, text.into());
    }

    /// The tutor reports a number it measured.
    pub fn measure(&self, name: &str, value: f64, unit: &str, text: impl Into<String>) {
        let mut event = Event::new(self.now(), TUTOR, self.pid(), Kind::Measure, text);
        event.name = Some(name.to_string());
        event.value = Some(value);
        event.unit = Some(unit.to_string());
        self.recorder.emit(event);
    }

    /// The main program sleeps (Python's `time.sleep`), narrating whatever the
    /// children do meanwhile.
    pub fn sleep(&mut self, secs: f64) {
        let deadline = self.clock.deadline(secs);
        self.pump_until(Some(deadline), |_| false);
    }

    /// Everything lane `lane` has printed so far, in order.
    pub fn lines_of(&self, lane: &str) -> Vec<String> {
        self.recorder.with_log(|log| {
            log.iter().filter(|e| e.lane == lane && e.kind == Kind::Say).map(|e| e.text.clone()).collect()
        })
    }

    /// The last line lane `lane` printed.
    pub fn last_said(&self, lane: &str) -> Option<String> {
        self.lines_of(lane).pop()
    }

    /// Marks the start of scene `number` of `total`.
    pub(crate) fn begin_scene(&mut self, number: usize, total: usize, title: &str, python: &str) {
        let mut event = Event::new(self.now(), TUTOR, self.pid(), Kind::Scene, title);
        event.scene = Some(number);
        event.python = Some(python.to_string());
        event.scenes = Some(total);
        self.recorder.emit(event);
    }

    /// Ends a scene as CPython ends a program (see [`Stage::end_of_program`]).
    pub(crate) fn end_scene(&mut self) {
        self.end_of_program();
    }
}

impl Drop for Stage {
    /// On every way out (a lesson's error, a panic), no child outlives the stage.
    fn drop(&mut self) {
        self.kill_all();
    }
}
