//! NDJSON, one event per line: `--json` on stdout (and nothing else there),
//! and `--save FILE`, a run kept to be replayed.

use std::io::{self, Write};

use super::file::FileAtEnd;
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

/// `--save FILE`: the run as NDJSON, written to FILE once it has ended well.
pub struct NdjsonFile {
    file: FileAtEnd,
    lines: Vec<u8>,
}

impl NdjsonFile {
    /// A sink that will write to `file`.
    pub fn new(file: FileAtEnd) -> NdjsonFile {
        NdjsonFile { file, lines: Vec::new() }
    }
}

impl Sink for NdjsonFile {
    fn event(&mut self, event: &Event) -> io::Result<()> {
        serde_json::to_writer(&mut self.lines, event)?;
        self.lines.push(b'\n');
        Ok(())
    }

    fn finish(&mut self) -> io::Result<()> {
        self.file.commit(&self.lines).map_err(|err| {
            io::Error::new(err.kind(), format!("cannot write --save {}: {err}", self.file.path().display()))
        })
    }
}
