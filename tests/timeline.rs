//! The timeline: read from the trace, drawn in the terminal, written as SVG.

mod common;

use std::sync::OnceLock;

use common::{bin, run_lesson, Trace};
use concur_tutor::events::{Event, Kind};
use concur_tutor::timeline::{self, Key, Timeline};

const SVG: &str = concat!(env!("CARGO_TARGET_TMPDIR"), "/join-daemon-scene-2.svg");

/// join-daemon's scene 2 (p2 is a daemon, killed at the end) as a trace, with
/// its SVG written beside: run once for every test here.
fn daemon_scene() -> &'static (Trace, Vec<Event>) {
    static RUN: OnceLock<(Trace, Vec<Event>)> = OnceLock::new();
    RUN.get_or_init(|| {
        let trace = run_lesson("join-daemon", &["--scene", "2", "--svg", SVG]);
        let events =
            trace.events.iter().map(|e| serde_json::from_value(e.clone()).expect("an event")).collect();
        (trace, events)
    })
}

fn scene_timeline() -> Timeline {
    let scenes = timeline::of_scenes(&daemon_scene().1);
    assert_eq!(scenes.len(), 1);
    scenes.into_iter().next().unwrap()
}

#[test]
fn the_rows_are_the_trace_s_lanes_and_the_daemon_ends_killed() {
    let (_, events) = daemon_scene();
    let timeline = scene_timeline();
    let lanes: Vec<&str> = timeline.rows.iter().map(|r| r.lane.as_str()).collect();
    assert_eq!(lanes, ["main", "p1", "p2"]);

    let p2 = &timeline.rows[2];
    let killed = p2.moments.iter().find(|m| m.what == Key::Killed).expect("p2 has a kill mark");
    let exit = events.iter().find(|e| e.kind == Kind::Exit && e.lane == "p2").unwrap();
    assert_eq!(killed.t, exit.t);
    assert_eq!(exit.signal.as_deref(), Some("SIGTERM"));
    assert_eq!(p2.spans.last().unwrap().to, exit.t, "p2's bar ends where it was killed");

    let p1 = &timeline.rows[1];
    assert!(p1.moments.is_empty(), "p1 ends by itself");
    let p1_exit = events.iter().find(|e| e.kind == Kind::Exit && e.lane == "p1").unwrap();
    assert_eq!(p1.spans.last().unwrap().to, p1_exit.t);

    // main: p1.join(6) returns after p1 ended; p2.join(3) times out before p2 is killed.
    let main = &timeline.rows[0];
    let keys: Vec<Key> = main.moments.iter().map(|m| m.what).collect();
    assert_eq!(keys[..2], [Key::Joined, Key::Timeout]);
    assert!(main.moments[0].t >= p1_exit.t);
    assert!(main.moments[1].t <= killed.t);
}

#[test]
fn the_svg_is_valid_xml_with_every_lane_and_the_kill() {
    daemon_scene();
    let text = std::fs::read_to_string(SVG).expect("--svg wrote its file");
    let svg = roxmltree::Document::parse(&text).expect("the SVG is well-formed XML");
    let root = svg.root_element();
    assert_eq!(root.tag_name().name(), "svg");
    let lane = |name: &str| {
        svg.descendants()
            .find(|n| n.attribute("class") == Some("lane") && n.attribute("data-lane") == Some(name))
            .unwrap_or_else(|| panic!("no lane {name} in the SVG"))
    };
    for row in &scene_timeline().rows {
        let group = lane(&row.lane);
        assert!(group.descendants().any(|n| n.tag_name().name() == "rect"), "{} has no bar", row.lane);
    }
    let killed = |name: &str| lane(name).descendants().any(|n| n.attribute("class") == Some("mark killed"));
    assert!(killed("p2"));
    assert!(!killed("p1"));
}

/// The human run of the same scene, with the given environment.
fn drawn(env: &[(&str, &str)], extra: &[&str]) -> String {
    let output = bin()
        .args(["lesson", "join-daemon", "--scene", "2", "--speed", common::SPEED])
        .args(extra)
        .envs(env.iter().copied())
        .output()
        .expect("run");
    assert!(output.status.success());
    String::from_utf8(output.stdout).expect("utf-8")
}

/// The diagram's row of `lane`: what follows its label.
fn row<'a>(text: &'a str, lane: &str) -> &'a str {
    let diagram = text.split("timeline of scene 2").nth(1).expect("a timeline after the scene");
    diagram
        .lines()
        .find_map(|l| l.trim_start().strip_prefix(lane).filter(|rest| rest.starts_with(' ')))
        .unwrap_or_else(|| panic!("no row for {lane}:\n{diagram}"))
}

#[test]
fn the_terminal_draws_a_row_per_lane_with_block_characters() {
    let text = drawn(&[("LANG", "C.UTF-8"), ("LC_ALL", ""), ("LC_CTYPE", "")], &[]);
    for lane in ["main", "p1", "p2"] {
        assert!(row(&text, lane).contains(['░', '▒']), "{lane} sleeps or waits:\n{text}");
    }
    assert!(row(&text, "p2").ends_with('K'), "p2's row ends with its kill mark:\n{text}");
    assert!(row(&text, "main").contains('T'), "main's join(3) timed out:\n{text}");
}

#[test]
fn the_terminal_timeline_falls_back_to_ascii() {
    let text = drawn(&[("LANG", "C"), ("LC_ALL", ""), ("LC_CTYPE", "")], &[]);
    let p2 = row(&text, "p2");
    assert!(p2.ends_with('K') && p2.contains('.'), "{text}");
    assert!(text.split("timeline of scene 2").nth(1).unwrap().is_ascii(), "{text}");
}

#[test]
fn no_timeline_draws_none() {
    assert!(!drawn(&[], &["--no-timeline"]).contains("timeline of scene"));
}

#[test]
fn an_svg_file_that_cannot_be_written_is_refused_before_the_lesson_runs() {
    let output = bin().args(["lesson", "join-daemon", "--svg", "/nonexistent/dir/t.svg"]).output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.starts_with("error: cannot write --svg /nonexistent/dir/t.svg"), "{stderr}");
    assert!(output.stdout.is_empty());
}

/// The state a lane was last in before its `exit` event.
fn last_state_before_exit(s: &Trace, lane: &str) -> String {
    let (exit, _) = s.exit_of(lane);
    s.events[..exit]
        .iter()
        .rev()
        .find(|e| e["kind"] == "state" && e["lane"] == lane)
        .map_or("running".to_string(), |e| e["state"].as_str().unwrap().to_string())
}

/// A lane waiting on a lock is drawn waiting until it is killed, never running:
/// two processes on the process-shared locks (deadlock 5), and a forked child
/// on a lock copied held (start-methods 3).
#[test]
fn a_lane_stuck_on_a_lock_is_drawn_blocked_until_it_is_killed() {
    let deadlock = run_lesson("deadlock", &["--scene", "5"]);
    for lane in ["Process-1", "Process-2"] {
        assert_eq!(last_state_before_exit(&deadlock, lane), "blocked", "{lane}");
        assert!(deadlock.exit_of(lane).1["signal"].is_string(), "{lane} was killed");
    }
    let forked = run_lesson("start-methods", &["--scene", "3"]);
    assert_eq!(last_state_before_exit(&forked, "forked"), "blocked");
}
