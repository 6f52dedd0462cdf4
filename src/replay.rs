//! A saved run as a source: the NDJSON a run wrote (`--json`, `--save`) read
//! back and fed to the sinks again, at the pace it was recorded, faster, or at
//! once, with the classroom's pauses. A teacher records the deadlock or the
//! 68 s producer-consumer at home and shows it in class without its hazards
//! or its wait.

use std::fmt;
use std::io;
use std::time::{Duration, Instant};

use crate::events::{Event, Kind, Sink};
use crate::terminal::{self, quit_key, Quit};

/// A saved run, read and checked.
#[derive(Debug)]
pub struct Run {
    /// Its events, in order.
    pub events: Vec<Event>,
    /// The kinds of event it had that this version does not know (passed over).
    pub unknown_kinds: Vec<String>,
}

/// A saved run that cannot be read: where, and why.
#[derive(Debug)]
pub struct Damaged {
    /// The line, from 1.
    pub line: usize,
    /// What is wrong with it.
    pub why: String,
}

impl fmt::Display for Damaged {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.why)
    }
}

impl Run {
    /// Reads a run from `text`, one event per line. Blank lines are passed
    /// over, and so are events of a kind this version does not know; fields it
    /// does not know are ignored.
    ///
    /// # Errors
    /// A line that is not an event (not JSON, cut short, a field missing or of
    /// the wrong type), with its number; or no event at all.
    pub fn read(text: &str) -> Result<Run, Damaged> {
        let mut run = Run { events: Vec::new(), unknown_kinds: Vec::new() };
        for (index, line) in text.lines().enumerate().filter(|(_, line)| !line.trim().is_empty()) {
            let damaged = |why: String| Damaged { line: index + 1, why };
            let value: serde_json::Value =
                serde_json::from_str(line).map_err(|err| damaged(format!("not an event: {err}")))?;
            let kind = value.get("kind").and_then(|k| k.as_str()).unwrap_or_default().to_string();
            if serde_json::from_value::<Kind>(value["kind"].clone()).is_err() {
                if kind.is_empty() {
                    return Err(damaged("an event without a kind".to_string()));
                }
                if !run.unknown_kinds.contains(&kind) {
                    run.unknown_kinds.push(kind);
                }
                continue;
            }
            let event: Event = serde_json::from_value(value).map_err(|err| damaged(err.to_string()))?;
            if !event.t.is_finite() {
                return Err(damaged("its time is not a number".to_string()));
            }
            run.events.push(event);
        }
        if run.events.is_empty() {
            return Err(Damaged {
                line: text.lines().count().max(1),
                why: "no event in the file".to_string(),
            });
        }
        Ok(run)
    }

    /// The lesson the run is of, as its first scene says.
    pub fn lesson(&self) -> Option<&str> {
        self.events.iter().find_map(|e| e.lesson.as_deref())
    }
}

/// How to replay a run.
#[derive(Clone, Copy, Debug)]
pub struct Pace {
    /// How many times faster than recorded; `None`: all at once.
    pub speed: Option<f64>,
    /// Pause before each explanation and each scene, until a key.
    pub step: bool,
}

/// Why a replay stopped early.
#[derive(Debug)]
pub enum Stopped {
    /// The learner quit at a pause.
    Quit(Quit),
    /// The output could not be written.
    Output(io::Error),
}

impl From<io::Error> for Stopped {
    fn from(err: io::Error) -> Stopped {
        Stopped::Output(err)
    }
}

/// Feeds `run`'s events to `sink` at `pace`, then finishes it.
///
/// # Errors
/// The learner quit at a pause, or the sink could not write.
pub fn play(run: &Run, sink: &mut dyn Sink, pace: Pace) -> Result<(), Stopped> {
    let mut step = pace.step;
    // The recorded time at `origin`: a pause moves both on, so it takes no time.
    let mut origin = (Instant::now(), run.events.first().map_or(0.0, |e| e.t));
    for event in &run.events {
        if let Some(speed) = pace.speed {
            let due = origin.0 + Duration::from_secs_f64(((event.t - origin.1) / speed).clamp(0.0, 3600.0));
            std::thread::sleep(due.saturating_duration_since(Instant::now()));
        }
        if step && matches!(event.kind, Kind::Note | Kind::Scene) {
            let next =
                if event.kind == Kind::Scene { "a scene comes next" } else { "an explanation comes next" };
            step = pause(sink, next)?;
            origin = (Instant::now(), event.t);
        }
        sink.event(event)?;
    }
    Ok(sink.finish()?)
}

/// Waits for Enter or Space with `next` on show; returns whether to go on
/// stepping (not once input has run out).
fn pause(sink: &mut dyn Sink, next: &str) -> Result<bool, Stopped> {
    terminal::keys_mode();
    sink.prompt(Some(&format!("⏸  {next} · Enter: go on · q: quit")))?;
    let stepping = loop {
        match terminal::read_key() {
            None => break false,
            Some(key) => {
                if let Some(quit) = quit_key(key) {
                    sink.prompt(None)?;
                    terminal::restore();
                    return Err(Stopped::Quit(quit));
                }
                if matches!(key, b'\n' | b'\r' | b' ') {
                    break true;
                }
            }
        }
    };
    sink.prompt(None)?;
    terminal::restore();
    Ok(stepping)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_damaged_line_is_named_by_its_number() {
        let good = r#"{"t": 0.5, "lane": "main", "pid": 1, "kind": "say", "text": "hi"}"#;
        let cut = r#"{"t": 0.5, "lane": "ma"#;
        let err = Run::read(&format!("{good}\n{cut}\n")).unwrap_err();
        assert_eq!(err.line, 2);
        let err = Run::read(&format!(
            "{good}\n\n{{\"t\": 1, \"lane\": \"main\", \"kind\": \"say\", \"text\": \"x\"}}\n"
        ))
        .unwrap_err();
        assert_eq!(err.line, 3, "{err}");
        assert!(err.why.contains("pid"), "{err}");
    }

    #[test]
    fn unknown_kinds_are_passed_over_and_unknown_fields_ignored() {
        let text = concat!(
            r#"{"t": 0, "lane": "main", "pid": 1, "kind": "say", "text": "a", "colour": "red"}"#,
            "\n",
            r#"{"t": 1, "lane": "main", "pid": 1, "kind": "teleport", "text": "b"}"#,
            "\n"
        );
        let run = Run::read(text).unwrap();
        assert_eq!(run.events.len(), 1);
        assert_eq!(run.unknown_kinds, ["teleport"]);
    }

    #[test]
    fn an_empty_file_is_refused() {
        assert!(Run::read("\n\n").is_err());
    }
}
