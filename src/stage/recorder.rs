//! The recorder: where every event of a run goes. It hands each event at once
//! to the run's sink (human text, NDJSON, …) and keeps the whole log, so the Stage can later answer
//! questions about the run ("what did p2 print last?", "how many ticks?").
//!
//! Thread lanes call it directly (it is behind a mutex); forked children never do
//! (fork safety): their events reach it through the parent's poll loop.

use std::io;
use std::sync::{Mutex, MutexGuard};

use super::cleanup;
use super::clock::Clock;
use crate::events::{Event, Sink};

/// Renders and records every event of a run.
pub struct Recorder {
    inner: Mutex<Inner>,
}

struct Inner {
    render: Box<dyn Sink>,
    log: Vec<Event>,
    /// The lesson's clock, paused while an event is written: an output that
    /// cannot be written (Ctrl-S, a pager not reading) is a pause like any other.
    clock: Option<Clock>,
    /// The run is over: what a lane left running still says is dropped.
    closed: bool,
}

impl Recorder {
    /// A recorder that hands events to `render`.
    pub fn new(render: Box<dyn Sink>) -> Recorder {
        Recorder { inner: Mutex::new(Inner { render, log: Vec::new(), clock: None, closed: false }) }
    }

    /// The run is over (the Stage is gone): a thread the lesson left behind
    /// (stuck in a deadlock, or still asleep after a Ctrl-C from the menu)
    /// must not draw over what comes next.
    pub(crate) fn close(&self) {
        self.lock().closed = true;
    }

    /// Pauses `clock` while each event is written (see [`Inner::clock`]).
    pub(crate) fn keep_time_with(&self, clock: Clock) {
        self.lock().clock = Some(clock);
    }

    /// Hands one event to the sink and records it.
    pub fn emit(&self, event: Event) {
        let mut inner = self.lock();
        if inner.closed {
            return;
        }
        let drawn = match inner.clock {
            Some(clock) => clock.paused(|| inner.render.event(&event)),
            None => inner.render.event(&event),
        };
        written(drawn);
        inner.log.push(event);
    }

    /// The lesson is over (see [`Sink::finish`]).
    ///
    /// # Errors
    /// What the sink could not write at the end (a `--svg` file, say).
    pub fn finish(&self) -> io::Result<()> {
        self.lock().render.finish()
    }

    /// Shows or clears the step-mode prompt (see [`Sink::prompt`]).
    pub fn prompt(&self, prompt: Option<&str>) {
        let _ = self.lock().render.prompt(prompt);
    }

    /// Whether a person is reading as it runs (see [`Sink::is_watched`]).
    pub fn is_watched(&self) -> bool {
        self.lock().render.is_watched()
    }

    /// Runs `f` over the log without copying it.
    pub fn with_log<R>(&self, f: impl FnOnce(&[Event]) -> R) -> R {
        f(&self.lock().log)
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        // A lane that panicked while emitting leaves the log intact: keep going.
        self.inner.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// A failed write ends the run: quietly when stdout was closed (`| head`),
/// after killing and reaping every child.
fn written(result: io::Result<()>) {
    if let Err(err) = result {
        if err.kind() == io::ErrorKind::BrokenPipe {
            cleanup::exit_quietly(0);
        }
        eprintln!("error: cannot write output: {err}");
        cleanup::exit_quietly(1);
    }
}
