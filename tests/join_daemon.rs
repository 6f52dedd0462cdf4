//! Lesson join-daemon, asserted on its `--json` trace by causal order.

mod common;

use common::lesson;

#[test]
fn join_six_returns_when_the_five_second_child_exits() {
    let s = lesson("join-daemon").scene(1);
    let (p1_exit, exit) = s.exit_of("p1");
    assert_eq!(exit["code"], 0);
    assert!(s.said("p1", "test...") < p1_exit);
    // main goes on only after p1's exit, and only after p2's join(3) gave up.
    assert!(p1_exit < s.said("main", "Main process end."));
}

#[test]
fn join_three_times_out_and_the_child_runs_on() {
    let s = lesson("join-daemon").scene(1);
    let main_end = s.said("main", "Main process end.");
    // p2 had not finished when main ended: its test... and its exit come later.
    assert!(s.said("p2", "test...") > main_end);
    let (p2_exit, exit) = s.exit_of("p2");
    assert!(p2_exit > main_end);
    assert_eq!(exit["code"], 0, "a non-daemon child is waited for, not killed");
    // join(6) + join(3): main cannot end before lesson time 5 + 3.
    assert!(s.events[main_end]["t"].as_f64().unwrap() >= 8.0);
}

#[test]
fn a_daemon_child_is_killed_at_exit_and_never_prints_again() {
    let s = lesson("join-daemon").scene(2);
    let main_end = s.said("main", "Main process end.");
    let (p2_exit, exit) = s.exit_of("p2");
    assert!(p2_exit > main_end);
    assert_eq!(exit["signal"], "SIGTERM");
    assert!(!s.ever_said("p2", "test..."), "the daemon's last print must never happen");
    assert!(s.ever_said("p1", "test..."));
    assert!(s
        .events
        .iter()
        .any(|e| e["kind"] == "spawn" && e["lane"] == "p2" && e["pid"] != s.events[0]["pid"]));
}

#[test]
fn a_parent_that_does_not_join_ends_first_and_the_program_waits() {
    let s = lesson("join-daemon").scene(3);
    let parent_end = s.said("main", "parent ends");
    assert!(parent_end < s.said("Process-1", "child ends"));
    let (child_exit, exit) = s.exit_of("Process-1");
    assert!(child_exit > parent_end);
    assert_eq!(exit["code"], 0);
}

#[test]
fn a_daemon_set_too_late_leaves_an_ordinary_child_that_the_program_waits_for() {
    let s = lesson("join-daemon").scene(4);
    // The Python's AssertionError ends main's code: main prints nothing, the tutor says why.
    assert!(s.lines_of("main").is_empty());
    let raised = s.pos("the note on the AssertionError", |e| {
        e["kind"] == "note" && e["text"].as_str().unwrap().contains("AssertionError")
    });
    // p stayed an ordinary child: the program waits for its whole run.
    assert!(raised < s.said("Process-1", "test..."));
    assert_eq!(s.exit_of("Process-1").1["code"], 0);
}

#[test]
fn returning_from_main_ends_the_threads() {
    let s = lesson("join-daemon").scene(5);
    let ticks = s.lines_of("ticker");
    assert!(!ticks.is_empty() && ticks.len() < 10, "ticks: {ticks:?}");
    let (prog_exit, exit) = s.exit_of("prog");
    assert_eq!(exit["code"], 0);
    assert!(s.said("prog", "main returns") < prog_exit);
    // The ticker ran in prog's process.
    let ticker = s.pos("ticker", |e| e["lane"] == "ticker");
    assert_eq!(s.events[ticker]["pid"], s.events[prog_exit]["pid"]);
}

#[test]
fn spawn_events_name_the_parent() {
    let t = lesson("join-daemon");
    let main_pid = t.events.iter().find(|e| e["lane"] == "main").unwrap()["pid"].clone();
    for e in t.events.iter().filter(|e| e["kind"] == "spawn" && e["lane"] != "ticker") {
        assert_eq!(e["ppid"], main_pid, "{e}");
    }
}
