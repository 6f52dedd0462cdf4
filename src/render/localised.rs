//! The localising sink: the stream's English, in the reader's language.
//!
//! Sources record English text with the values they computed, and the
//! pattern they wrote it from; this sink puts each event (by its pattern, see
//! [`i18n::localise`]) and prompt into the language in use before the sink it
//! wraps draws it, so no source and no other sink knows about languages.

use std::io;

use crate::events::{Event, Sink};
use crate::i18n::{self, tr};

/// Translates every event and prompt, then hands it to `inner`.
pub struct Localised<S> {
    inner: S,
}

impl<S: Sink> Localised<S> {
    /// Wraps `inner`.
    pub fn new(inner: S) -> Localised<S> {
        Localised { inner }
    }
}

impl<S: Sink> Sink for Localised<S> {
    fn event(&mut self, event: &Event) -> io::Result<()> {
        self.inner.event(&i18n::localise(event))
    }

    fn is_watched(&self) -> bool {
        self.inner.is_watched()
    }

    fn finish(&mut self) -> io::Result<()> {
        self.inner.finish()
    }

    fn prompt(&mut self, prompt: Option<&str>) -> io::Result<()> {
        self.inner.prompt(prompt.map(tr).as_deref())
    }
}
