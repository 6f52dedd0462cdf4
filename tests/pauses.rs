//! A pause stops the lesson, not just main (DESIGN.md, the clock's contract):
//! with a long pause at every stop (`CONCUR_TEST_PAUSE`, the stand-in for a
//! teacher talking in step mode), lessons tell the same story, in the same
//! order, with the same outcomes, as without.

mod common;

use common::{bin, Trace, SPEED};
use std::process::Stdio;

/// Lesson `id`, scene `scene`, paused for `pause` seconds of real time at
/// every stop: before each explanation and at the scene's start. At `SPEED`,
/// 0.4 s is 4 lesson seconds: longer than the timeouts the scenes turn on.
fn paused(id: &str, scene: &str) -> Trace {
    let output = bin()
        .env("CONCUR_TEST_PAUSE", "0.4")
        .args(["lesson", id, "--json", "--speed", SPEED, "--scene", scene])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let trace = Trace::parse(&output);
    trace.assert_nothing_left();
    trace
}

fn note_containing(s: &Trace, text: &str) -> usize {
    s.pos(text, |e| e["kind"] == "note" && e["text"].as_str().unwrap().contains(text))
}

#[test]
fn a_join_with_a_timeout_keeps_lesson_time_across_pauses() {
    let s = paused("join-daemon", "1");
    let returned = note_containing(&s, "p1.join(6) returned after");
    let gave_up = note_containing(&s, "p2.join(3) gave up after ");
    assert!(returned < gave_up);
    // Lesson time, the pause left out: at least the timeout (more on a busy machine).
    let text = s.events[gave_up]["text"].as_str().unwrap();
    let waited: f64 = text["p2.join(3) gave up after ".len()..].split(' ').next().unwrap().parse().unwrap();
    assert!(waited >= 3.0, "{text}");
    assert!(s.said("main", "Main process end.") < s.exit_of("p2").0);
    assert_eq!(s.exit_of("p2").1["code"], 0);
}

#[test]
fn the_daemon_is_still_killed_at_exit_across_pauses() {
    let s = paused("join-daemon", "2");
    note_containing(&s, "p2.join(3) gave up");
    assert_eq!(s.exit_of("p2").1["signal"], "SIGTERM");
    assert!(!s.ever_said("p2", "test..."), "the daemon's last line came: the pause let it run");
}

#[test]
fn the_deadlock_is_still_caught_across_pauses() {
    let s = paused("deadlock", "1");
    let cycle =
        s.pos("the cycle", |e| e["kind"] == "warn" && e["text"].as_str().unwrap().contains("deadlock"));
    let waits = s.pos("Thread-1 waits for B", |e| {
        e["kind"] == "state" && e["lane"] == "Thread-1" && e["text"] == "B.acquire()"
    });
    assert!(s.said("Thread-1", "Thread-1 got A") < waits && waits < cycle);
}

#[test]
fn apply_is_still_serial_and_apply_async_parallel_across_pauses() {
    // Lesson time leaves the pauses out: the measures are what the tasks took.
    let apply = paused("pool-async", "1").measure("apply");
    let apply_async = paused("pool-async", "2").measure("apply_async");
    assert!(apply > 4.5 && apply_async < 2.5, "apply {apply} s, apply_async {apply_async} s");
}

#[test]
fn with_the_lock_one_process_still_adds_five_times_in_a_row_across_pauses() {
    let s = paused("locks", "2");
    let order: Vec<String> = s
        .events
        .iter()
        .filter(|e| e["kind"] == "say" && (e["lane"] == "p1" || e["lane"] == "p2"))
        .map(|e| e["lane"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(order.windows(2).filter(|pair| pair[0] != pair[1]).count(), 1, "{order:?}");
}
