//! Lesson managers, asserted on its `--json` trace: the server as a lane of
//! its own, proxy accesses counted as round trips, updates lost through the
//! manager without a lock and none with one, a wrong authkey refused, and the
//! server gone at the end.

mod common;

use common::{assert_skips_cpython_without_python3, lesson, until_a_run_shows};

#[test]
fn the_server_is_a_lane_of_its_own_and_counts_every_round_trip() {
    let s = lesson("managers").scene(1);
    let spawn = s.pos("the server's spawn", |e| e["kind"] == "spawn" && e["lane"] == "manager");
    assert!(s.events[spawn]["pid"].as_i64().unwrap() > 0);
    assert_eq!(s.lines_of("main"), ["{'x': 1, 'y': 'two'}", "[3, 2, 1]", "3.14"]);
    // 3 creations, 5 accesses in p, 3 prints in main.
    assert_eq!(s.measure("round_trips"), 11.0);
    let (shut, exit) = s.exit_of("manager");
    assert_eq!(exit["code"], 0, "shut down, not killed");
    assert!(shut > s.said("main", "3.14"));
}

#[test]
fn a_round_trip_costs_more_than_a_shared_memory_read() {
    let s = lesson("managers").scene(2);
    assert!(s.measure("proxy_read") > s.measure("shared_read"));
}

#[test]
fn without_python3_the_round_trip_is_measured_alone() {
    assert_skips_cpython_without_python3("managers", "2");
}

#[test]
fn updates_are_lost_through_the_manager_without_a_lock_and_none_with_one() {
    // A race: the lesson already retries; a few whole runs more before failing.
    let lost = until_a_run_shows("managers", 3, 3, |s| {
        assert_eq!(s.measure("lost_locked"), 0.0);
        assert_eq!(s.lines_of("main").last().unwrap(), "expected 2000, got 2000");
        Some(s.measure("lost_unlocked")).filter(|&lost| lost > 0.0)
    });
    assert!(lost.is_some(), "no update was lost without a lock in three runs");
}

#[test]
fn a_program_started_apart_connects_by_address_and_a_wrong_key_is_refused() {
    let s = lesson("managers").scene(4);
    let serving = &s.lines_of("main")[0];
    assert!(serving.starts_with("serving on ('127.0.0.1', "), "{serving}");
    let client_spawn = s.pos("client", |e| e["kind"] == "spawn" && e["lane"] == "client");
    assert!(s.events[client_spawn]["text"].as_str().unwrap().starts_with("spawned"));
    let client_pid = s.events[client_spawn]["pid"].as_i64().unwrap();
    let seen = format!("{{'from': 'pid {client_pid}'}}");
    assert_eq!(s.lines_of("client"), [format!("client: d = {seen}")]);
    assert_eq!(s.lines_of("intruder"), ["AuthenticationError: digest sent was rejected"]);
    assert_eq!(s.lines_of("main")[1], format!("the server's dict: {seen}"));
    assert_eq!(s.exit_of("manager").1["code"], 0);
}
