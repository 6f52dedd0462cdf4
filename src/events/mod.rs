//! The event stream: the one seam of the program (DESIGN.md).
//!
//! Sources (the Stage running a lesson, a saved run, a traced program) produce
//! [`Event`]s; sinks (human lanes, NDJSON, the timeline, SVG, a Chrome trace)
//! consume them through [`Sink`]. Sources know nothing of sinks, and sinks
//! nothing of where events came from.
//!
//! The event is a **contract**: `--json` prints one [`Event`] per line; field
//! names and [`Kind`] values never change; extra optional fields may be added.
//! One kind was added to DESIGN.md's seven, `state`, for the timeline: a reader
//! of the stream should pass over kinds it does not know.

mod sink;
mod text;

pub use sink::{Sink, Tee};
pub use text::{pattern_key, Text};

use std::borrow::Cow;

use serde::{Deserialize, Serialize};

/// The lane that narrates: notes, measures and scene starts come from it.
pub const TUTOR: &str = "tutor";

/// What an event is about. Serialised in lower case: `"scene"`, `"say"`, …
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// A new scene begins; `text` is its title.
    Scene,
    /// A lane started (a process forked or spawned, a thread started).
    Spawn,
    /// What the demo itself prints: the notes' `print`.
    Say,
    /// The tutor's explanation of what just happened, computed from the run.
    Note,
    /// A number: carries `name`, `value` and `unit`.
    Measure,
    /// Something went wrong, or a hazard was detected.
    Warn,
    /// A lane ended: carries `code` or `signal`.
    Exit,
    /// A lane began to sleep, to wait, or to run again: carries `state`, and
    /// `mark` when the change is a key moment. Drawn in the timeline, not as a line.
    State,
}

/// What a lane is doing, as the timeline draws it.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum LaneState {
    /// Running (or ready to run): the lane's own code.
    Running,
    /// In `sleep`.
    Sleeping,
    /// Waiting for someone else: a join, a lock, a result, a queue.
    Blocked,
}

impl LaneState {
    /// Every state, in the order legends list them.
    pub const ALL: [LaneState; 3] = [LaneState::Running, LaneState::Sleeping, LaneState::Blocked];

    /// Its name in English, as `--json` writes it.
    pub fn name(self) -> &'static str {
        match self {
            LaneState::Running => "running",
            LaneState::Sleeping => "sleeping",
            LaneState::Blocked => "blocked",
        }
    }
}

/// A key moment of a lesson, marked on the timeline.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Mark {
    /// A join returned: the child had ended.
    Joined,
    /// A wait gave up at its timeout.
    Timeout,
}

/// One thing that happened, in one lane, at one moment of lesson time.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct Event {
    /// Seconds since the lesson started, in lesson time (real elapsed × speed).
    pub t: f64,
    /// Who: `main`, `p1`, `worker-3`, `tutor`, …
    pub lane: String,
    /// The OS process id of the lane's process (a thread reports its process's pid).
    pub pid: i32,
    /// What kind of event this is.
    pub kind: Kind,
    /// Human text. A `note`, `warn` or `measure` may have two parts: its
    /// headline (a line a projector can show), then a newline and its detail.
    pub text: String,
    /// The format string `text` was made from (see [`Text`]), by which a
    /// translating sink finds its Chinese: `"{name} returned after {waited:.2} s"`,
    /// written `"{} returned after {} s"` (see [`pattern_key`]). None for text
    /// that was not made from one (its own pattern, if it has one).
    #[serde(default, skip_serializing_if = "Option::is_none", serialize_with = "keyed")]
    pub pattern: Option<Cow<'static, str>>,
    /// `measure`: what was measured.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// `measure`: the number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<f64>,
    /// `measure`: its unit (`s`, `ms`, `x`, `count`, …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
    /// `measure`: what the value would be in an ideal run, in the same unit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ideal: Option<f64>,
    /// `exit`: the exit code, when the lane exited normally.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<i32>,
    /// `exit`: the signal that ended the lane (`SIGTERM`, …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signal: Option<String>,
    /// `spawn`: the parent's pid.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ppid: Option<i32>,
    /// `scene`: the scene's number, from 1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scene: Option<usize>,
    /// `scene`: how many scenes the lesson has.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scenes: Option<usize>,
    /// `scene`: the Python idiom the scene mirrors, for the human renderer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub python: Option<String>,
    /// `state`: what the lane does from now on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<LaneState>,
    /// `state`: the key moment this change is, if it is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mark: Option<Mark>,
    /// `state`: the other lane of the moment: the child a returning join waited
    /// for (a trace draws it as an arrow from that child's end to the join).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub peer: Option<String>,
    /// `scene`: the id of the lesson the run is of, so that a saved run can be
    /// replayed with its lesson's header and further reading.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lesson: Option<String>,
    /// `state` of a task lane: the OS thread (Linux tid, Python's
    /// `threading.get_native_id()`) that polled it. Tasks may move between threads.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tid: Option<i32>,
    /// `state` of a traced thread that takes, waits for or lets go of a lock
    /// the program made: the lock, as the program names it (`lockA`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lock: Option<String>,
    /// `measure` of an explored program: its `outcome` and `count` fields.
    /// Boxed, so that the events of lessons stay small.
    #[serde(flatten)]
    pub tally: Option<Box<Tally>>,
}

/// Writes a pattern as what it says, not how the code fills it in: the
/// string `lessons/zh/` knows it by, with no names or widths of the code's.
fn keyed<S: serde::Serializer>(pattern: &Option<Cow<'static, str>>, out: S) -> Result<S::Ok, S::Error> {
    match pattern {
        Some(pattern) => out.serialize_some(&pattern_key(pattern)),
        None => out.serialize_none(),
    }
}

/// How an explored program's schedules end, and how many end so: the
/// `outcome` and `count` fields of its `measure` events.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct Tally {
    /// How they end: the final value, or words such as `deadlock`.
    pub outcome: serde_json::Value,
    /// How many schedules end so.
    pub count: u128,
}

impl Event {
    /// An event with only the contract's five fields set (and the pattern of
    /// its text, if it has one).
    pub fn new(t: f64, lane: &str, pid: i32, kind: Kind, text: impl Into<Text>) -> Event {
        let text = text.into();
        Event {
            t: (t * 1e6).round() / 1e6,
            lane: lane.to_string(),
            pid,
            kind,
            pattern: text.pattern(),
            text: text.text,
            name: None,
            value: None,
            unit: None,
            ideal: None,
            code: None,
            signal: None,
            ppid: None,
            scene: None,
            scenes: None,
            python: None,
            state: None,
            mark: None,
            peer: None,
            lesson: None,
            tid: None,
            lock: None,
            tally: None,
        }
    }

    /// Sets the event's text, and its pattern with it.
    pub fn set_text(&mut self, text: impl Into<Text>) {
        let text = text.into();
        self.pattern = text.pattern();
        self.text = text.text;
    }
}
