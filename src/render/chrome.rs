//! `--trace-out FILE`: the run in the Chrome Trace Event Format, which Perfetto
//! (ui.perfetto.dev) and chrome://tracing open.
//!
//! One process per pid, named after its first lane; one track (a "thread") per
//! lane in it. On each track, the lane's running, sleeping and blocked spans as
//! complete events (`X`) that never overlap, read from the same per-scene
//! timelines the terminal draws; what lanes print and what the tutor says as
//! instant events (`i`); a child's start as a flow (`s` → `f`) from its parent
//! to its first span, and a returning join as a flow from the child's end to the
//! join. Timestamps are microseconds of lesson time.

use std::collections::BTreeMap;
use std::io;

use serde_json::{json, Value};

use super::file::FileAtEnd;
use crate::events::{Event, Kind, Sink};
use crate::timeline;

/// Gathers the stream, and at its end writes it to a file as a Chrome trace.
pub struct ChromeTrace {
    file: FileAtEnd,
    events: Vec<Event>,
}

impl ChromeTrace {
    /// A sink that will write to `file`.
    pub fn new(file: FileAtEnd) -> ChromeTrace {
        ChromeTrace { file, events: Vec::new() }
    }
}

impl Sink for ChromeTrace {
    fn event(&mut self, event: &Event) -> io::Result<()> {
        self.events.push(event.clone());
        Ok(())
    }

    fn finish(&mut self) -> io::Result<()> {
        let trace = document(&self.events);
        let bytes = serde_json::to_vec(&trace).map_err(io::Error::other)?;
        self.file.commit(&bytes).map_err(|err| {
            io::Error::new(
                err.kind(),
                format!("cannot write --trace-out {}: {err}", self.file.path().display()),
            )
        })
    }
}

/// Microseconds, as the format counts time.
fn micros(t: f64) -> f64 {
    (t * 1e6).round()
}

/// The tracks: a small number per (pid, lane), in the order lanes appear.
#[derive(Default)]
struct Tracks {
    ids: BTreeMap<(i32, String), u32>,
    /// Each pid's first lane, which names its process.
    processes: BTreeMap<i32, String>,
}

impl Tracks {
    fn of(&mut self, pid: i32, lane: &str) -> u32 {
        self.processes.entry(pid).or_insert_with(|| lane.to_string());
        let next = self.ids.len() as u32 + 1;
        *self.ids.entry((pid, lane.to_string())).or_insert(next)
    }
}

/// The trace of `events`, as a JSON document.
pub fn document(events: &[Event]) -> Value {
    let mut tracks = Tracks::default();
    let mut out = Vec::new();
    // The tutor's own process first, so that viewers list it on top.
    if let Some(first) = events.first() {
        tracks.of(first.pid, "main");
    }
    for timeline in timeline::of_scenes(events) {
        for row in &timeline.rows {
            let Some(pid) = row.pid else { continue };
            let tid = tracks.of(pid, &row.lane);
            for span in &row.spans {
                out.push(json!({
                    "ph": "X", "cat": "state", "name": span.state.name(),
                    "pid": pid, "tid": tid, "ts": micros(span.from), "dur": micros(span.to) - micros(span.from),
                    "args": { "on": span.what, "scene": timeline.scene },
                }));
            }
        }
    }
    let mut flows = 0u64;
    for event in events {
        let tid = tracks.of(event.pid, &event.lane);
        let ts = micros(event.t);
        match event.kind {
            Kind::Say | Kind::Note | Kind::Warn | Kind::Measure | Kind::Scene => out.push(json!({
                "ph": "i", "s": "t", "cat": kind_name(event.kind), "name": event.text,
                "pid": event.pid, "tid": tid, "ts": ts, "args": { "lane": event.lane },
            })),
            Kind::Spawn => {
                if let Some(parent) = event.ppid {
                    flows += 1;
                    let parent_lane = tracks.processes.get(&parent).cloned().unwrap_or_else(|| "main".into());
                    let from = tracks.of(parent, &parent_lane);
                    out.push(flow("s", flows, "start", parent, from, ts));
                    out.push(flow("f", flows, "start", event.pid, tid, ts));
                }
            }
            Kind::State => {
                let ended = event.peer.as_ref().and_then(|peer| {
                    events.iter().rev().find(|e| e.kind == Kind::Exit && e.lane == *peer && e.t <= event.t)
                });
                if let Some(end) = ended {
                    flows += 1;
                    let from = tracks.of(end.pid, &end.lane);
                    out.push(flow("s", flows, "join", end.pid, from, micros(end.t)));
                    out.push(flow("f", flows, "join", event.pid, tid, ts));
                }
            }
            Kind::Exit => {}
        }
    }
    for (pid, lane) in &tracks.processes {
        out.push(json!({"ph": "M", "name": "process_name", "pid": pid, "tid": 0,
            "args": { "name": format!("{lane} (pid {pid})") }}));
    }
    for ((pid, lane), tid) in &tracks.ids {
        out.push(json!({"ph": "M", "name": "thread_name", "pid": pid, "tid": tid, "args": { "name": lane }}));
        out.push(json!({"ph": "M", "name": "thread_sort_index", "pid": pid, "tid": tid,
            "args": { "sort_index": tid }}));
    }
    json!({ "traceEvents": out, "displayTimeUnit": "ms" })
}

/// One end of a flow arrow; `f` binds to the slice that encloses it.
fn flow(ph: &str, id: u64, name: &str, pid: i32, tid: u32, ts: f64) -> Value {
    let mut end = json!({"ph": ph, "id": id, "cat": "flow", "name": name, "pid": pid, "tid": tid, "ts": ts});
    if ph == "f" {
        end["bp"] = json!("e");
    }
    end
}

fn kind_name(kind: Kind) -> &'static str {
    match kind {
        Kind::Say => "say",
        Kind::Note => "note",
        Kind::Warn => "warn",
        Kind::Measure => "measure",
        Kind::Scene => "scene",
        Kind::Spawn => "spawn",
        Kind::Exit => "exit",
        Kind::State => "state",
    }
}
