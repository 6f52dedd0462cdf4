//! The event stream as the seam: a saved run replays through the same sinks as
//! the live one, the Chrome trace keeps the format's rules, and no arrow of the
//! module graph points back up (sources never import sinks).

mod common;

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use common::{bin, rust_files, SPEED};
use serde_json::Value;

fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("pipeline");
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

/// join-daemon scene 1, live (human lines, saved run, Chrome trace) and its
/// saved run replayed at once: (live output, replayed output, trace file).
/// Run once, however many tests read it.
fn live_and_replayed() -> &'static (String, String, Value) {
    static RUN: OnceLock<(String, String, Value)> = OnceLock::new();
    RUN.get_or_init(run_live_and_replay)
}

fn run_live_and_replay() -> (String, String, Value) {
    let (saved, traced) = (scratch("jd.ndjson"), scratch("jd.trace.json"));
    let live = bin()
        .args(["lesson", "join-daemon", "--scene", "1", "--speed", SPEED, "--color", "never"])
        .arg("--save")
        .arg(&saved)
        .arg("--trace-out")
        .arg(&traced)
        .output()
        .unwrap();
    assert!(live.status.success(), "{}", String::from_utf8_lossy(&live.stderr));
    let replayed = bin().args(["replay", "--no-wait", "--color", "never"]).arg(&saved).output().unwrap();
    assert!(replayed.status.success(), "{}", String::from_utf8_lossy(&replayed.stderr));
    let trace = serde_json::from_slice(&std::fs::read(&traced).unwrap()).unwrap();
    (String::from_utf8(live.stdout).unwrap(), String::from_utf8(replayed.stdout).unwrap(), trace)
}

#[test]
fn a_replay_renders_the_same_lines_and_timeline_as_the_live_run() {
    let (live, replayed, _) = live_and_replayed();
    // The second line names the speed: the live run's, then the replay's.
    let body = |text: &str| {
        text.lines().enumerate().filter(|(i, _)| *i != 1).map(|(_, l)| l.to_string()).collect::<Vec<_>>()
    };
    assert_eq!(body(live), body(replayed));
    assert!(live.contains("timeline of scene 1"), "{live}");
    assert!(live.contains("p1.join(6) returned"), "{live}");
}

#[test]
fn the_chrome_trace_keeps_the_format_s_rules() {
    let (_, _, trace) = live_and_replayed();
    let events = trace["traceEvents"].as_array().expect("a traceEvents array");
    let mut named_processes = HashSet::new();
    let mut named_tracks = HashSet::new();
    let mut spans: HashMap<(i64, i64), Vec<(f64, f64)>> = HashMap::new();
    let mut flows: HashMap<u64, (u32, u32)> = HashMap::new();
    for e in events {
        let ph = e["ph"].as_str().expect("every event has a phase");
        let (pid, tid) = (e["pid"].as_i64().expect("a pid"), e["tid"].as_i64().expect("a tid"));
        match ph {
            "M" if e["name"] == "process_name" => drop(named_processes.insert(pid)),
            "M" => drop(named_tracks.insert((pid, tid))),
            "X" => {
                let (ts, dur) = (e["ts"].as_f64().unwrap(), e["dur"].as_f64().unwrap());
                assert!(ts >= 0.0 && dur >= 0.0 && ts.fract() == 0.0, "whole microseconds: {e}");
                assert!(["running", "sleeping", "blocked"].contains(&e["name"].as_str().unwrap()), "{e}");
                spans.entry((pid, tid)).or_default().push((ts, ts + dur));
            }
            "i" => assert!(e["ts"].as_f64().is_some() && e["name"].is_string(), "{e}"),
            "s" => flows.entry(e["id"].as_u64().unwrap()).or_default().0 += 1,
            "f" => flows.entry(e["id"].as_u64().unwrap()).or_default().1 += 1,
            other => panic!("unexpected phase {other}: {e}"),
        }
    }
    for ((pid, tid), mut track) in spans {
        assert!(named_processes.contains(&pid), "process {pid} has no name");
        assert!(named_tracks.contains(&(pid, tid)), "track {pid}/{tid} has no name");
        track.sort_by(|a, b| a.0.total_cmp(&b.0));
        for pair in track.windows(2) {
            assert!(pair[0].1 <= pair[1].0, "spans overlap on track {pid}/{tid}: {pair:?}");
        }
    }
    // Two children started (p1, p2), and main joined both: four flows, each with both ends.
    assert!(flows.len() >= 4, "{flows:?}");
    assert!(flows.values().all(|&ends| ends == (1, 1)), "{flows:?}");
}

#[test]
fn a_damaged_saved_run_is_refused_with_its_line_number() {
    let file = scratch("damaged.ndjson");
    std::fs::write(
        &file,
        "{\"t\": 0, \"lane\": \"main\", \"pid\": 1, \"kind\": \"say\", \"text\": \"hi\"}\n{\"t\": 0.5, \"la",
    )
    .unwrap();
    let out = bin().arg("replay").arg(&file).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.starts_with("error: ") && err.contains("line 2"), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
}

#[test]
fn events_of_unknown_kinds_are_passed_over_with_one_warning() {
    let file = scratch("future.ndjson");
    let lines = [
        r#"{"t": 0, "lane": "main", "pid": 1, "kind": "say", "text": "hello", "colour": "red"}"#,
        r#"{"t": 0.1, "lane": "main", "pid": 1, "kind": "teleport", "text": "?"}"#,
        r#"{"t": 0.2, "lane": "main", "pid": 1, "kind": "teleport", "text": "?"}"#,
    ];
    std::fs::write(&file, lines.join("\n")).unwrap();
    let out = bin().args(["replay", "--no-wait", "--json"]).arg(&file).output().unwrap();
    assert!(out.status.success());
    let err = String::from_utf8(out.stderr).unwrap();
    assert_eq!(err.lines().filter(|l| l.contains("teleport")).count(), 1, "{err}");
    let said: Vec<Value> =
        String::from_utf8(out.stdout).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(said.len(), 1);
    assert_eq!(said[0]["text"], "hello");
}

/// The module graph's rules (DESIGN.md): sources never import sinks or the
/// translation; sinks never import lesson code; lessons never translate.
#[test]
fn no_import_points_back_up() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let rules = [
        ("stage", ["crate::i18n", "crate::render"].as_slice()),
        ("render", ["crate::lessons", "crate::stage"].as_slice()),
        ("lessons", ["crate::i18n", "crate::render"].as_slice()),
        ("events", ["crate::stage", "crate::render", "crate::i18n", "crate::lessons"].as_slice()),
        ("replay.rs", ["crate::stage", "crate::render", "crate::i18n", "crate::lessons"].as_slice()),
        // The explorer's source: its model, counting and events, and the game's state.
        ("explore/program.rs", ["crate::stage", "crate::render", "crate::i18n"].as_slice()),
        ("explore/parse.rs", ["crate::stage", "crate::render", "crate::i18n"].as_slice()),
        ("explore/count.rs", ["crate::stage", "crate::render", "crate::i18n"].as_slice()),
        ("explore/stream.rs", ["crate::stage", "crate::render", "crate::i18n"].as_slice()),
        ("explore/play/state.rs", ["crate::stage", "crate::render", "crate::i18n"].as_slice()),
    ];
    let mut broken = Vec::new();
    for (module, forbidden) in rules {
        for file in rust_files(&src.join(module)) {
            let text = std::fs::read_to_string(&file).unwrap();
            for import in forbidden.iter().filter(|import| text.contains(*import)) {
                broken.push(format!("{} imports {import}", file.display()));
            }
        }
    }
    assert!(broken.is_empty(), "{}", broken.join("\n"));
}
