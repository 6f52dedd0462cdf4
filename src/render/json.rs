//! `--json`: one event per line (NDJSON) on stdout, and nothing else there.

use std::io::{self, Write};

use crate::events::{Event, Sink};

/// Prints each event as one JSON object on its own line.
pub struct Json;

impl Sink for Json {
    fn event(&mut self, event: &Event) -> io::Result<()> {
        let mut line = serde_json::to_vec(event)?;
        line.push(b'\n');
        let mut out = io::stdout().lock();
        out.write_all(&line)?;
        out.flush()
    }
}
