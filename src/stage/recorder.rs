//! The recorder: where every event of a run goes. It renders each event at once
//! (human text or NDJSON) and keeps the whole log, so the Stage can later answer
//! questions about the run ("what did p2 print last?", "how many ticks?").
//!
//! Thread lanes call it directly (it is behind a mutex); forked children never do
//! (fork safety): their events reach it through the parent's poll loop.

use std::io;
use std::sync::{Mutex, MutexGuard};

use super::cleanup;
use super::event::Event;
use crate::i18n;

/// Draws events for a reader: human text, NDJSON, …
pub trait Render: Send {
    /// Draws one event.
    fn event(&mut self, event: &Event) -> io::Result<()>;

    /// Whether a person is reading as it runs (so progress bars are worth drawing).
    fn is_watched(&self) -> bool {
        false
    }

    /// The lesson is over: draw whatever waits for the end (the last timeline).
    fn finish(&mut self) -> io::Result<()> {
        Ok(())
    }

    /// Shows `prompt` on a line of its own below the events, kept there as
    /// events arrive, until called with `None`. Only a human renderer shows it.
    fn prompt(&mut self, _prompt: Option<&str>) -> io::Result<()> {
        Ok(())
    }
}

/// Renders and records every event of a run.
pub struct Recorder {
    inner: Mutex<Inner>,
}

struct Inner {
    render: Box<dyn Render>,
    log: Vec<Event>,
}

impl Recorder {
    /// A recorder that draws with `render`.
    pub fn new(render: Box<dyn Render>) -> Recorder {
        Recorder { inner: Mutex::new(Inner { render, log: Vec::new() }) }
    }

    /// Renders (in the reader's language) and records (as it is) one event.
    pub fn emit(&self, event: Event) {
        let mut inner = self.lock();
        let drawn = inner.render.event(&i18n::localise(&event));
        written(drawn);
        inner.log.push(event);
    }

    /// The lesson is over (see [`Render::finish`]).
    pub fn finish(&self) {
        written(self.lock().render.finish());
    }

    /// Shows or clears the step-mode prompt (see [`Render::prompt`]).
    pub fn prompt(&self, prompt: Option<&str>) {
        let _ = self.lock().render.prompt(prompt);
    }

    /// Whether a person is reading as it runs (see [`Render::is_watched`]).
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
        eprintln!("concur-tutor: cannot write output: {err}");
        cleanup::exit_quietly(1);
    }
}
