//! Where events go: the one interface every consumer of the stream implements.

use std::io;

use super::Event;

/// A consumer of the event stream: draws events for a reader (human lanes,
/// NDJSON) or gathers them for a file written at the end (SVG, a Chrome trace).
pub trait Sink: Send {
    /// Takes one event, in the order the stream delivers them.
    ///
    /// # Errors
    /// The sink's output could not be written.
    fn event(&mut self, event: &Event) -> io::Result<()>;

    /// Whether a person is reading as it runs (so progress bars are worth drawing).
    fn is_watched(&self) -> bool {
        false
    }

    /// The stream is over: draw or write whatever waits for the end.
    ///
    /// # Errors
    /// The sink's output could not be written.
    fn finish(&mut self) -> io::Result<()> {
        Ok(())
    }

    /// Shows `prompt` (English; a localising sink translates it) on a line of
    /// its own below the events, kept there as events arrive, until called with
    /// `None`. Only a sink a person watches shows it.
    ///
    /// # Errors
    /// The sink's output could not be written.
    fn prompt(&mut self, _prompt: Option<&str>) -> io::Result<()> {
        Ok(())
    }
}

/// Several sinks fed as one, in order: the first error stops the rest.
pub struct Tee(pub Vec<Box<dyn Sink>>);

impl Sink for Tee {
    fn event(&mut self, event: &Event) -> io::Result<()> {
        self.0.iter_mut().try_for_each(|sink| sink.event(event))
    }

    fn is_watched(&self) -> bool {
        self.0.iter().any(|sink| sink.is_watched())
    }

    fn finish(&mut self) -> io::Result<()> {
        self.0.iter_mut().try_for_each(|sink| sink.finish())
    }

    fn prompt(&mut self, prompt: Option<&str>) -> io::Result<()> {
        self.0.iter_mut().try_for_each(|sink| sink.prompt(prompt))
    }
}
