//! Lesson pool-async, asserted on its `--json` trace by causal order.

mod common;

use std::collections::HashSet;

use common::{lesson, Trace};
use serde_json::Value;

fn is_worker(e: &Value) -> bool {
    e["lane"].as_str().is_some_and(|l| l.starts_with("worker-"))
}

/// The worker `say` texts of a scene, in order, as (pid, text).
fn worker_lines(s: &Trace) -> Vec<(i64, String)> {
    s.events
        .iter()
        .filter(|e| e["kind"] == "say" && is_worker(e))
        .map(|e| (e["pid"].as_i64().unwrap(), e["text"].as_str().unwrap().to_string()))
        .collect()
}

#[test]
fn apply_starts_each_task_after_the_previous_ended() {
    let lines = worker_lines(&lesson("pool-async").scene(1));
    assert_eq!(lines.len(), 15);
    for task in lines.chunks(3) {
        let pid = task[0].0;
        assert_eq!(task[0].1, format!("Process start: {pid}"));
        assert_eq!(task[1].1, "test...");
        assert_eq!(task[2].1, format!("Process {pid} end."));
        assert!(task.iter().all(|(p, _)| *p == pid), "one task, one worker");
    }
}

#[test]
fn apply_async_starts_all_five_before_any_ends() {
    let s = lesson("pool-async").scene(2);
    let lines = worker_lines(&s);
    let first_test = lines.iter().position(|(_, t)| t == "test...").unwrap();
    let starts = lines.iter().filter(|(_, t)| t.starts_with("Process start")).count();
    assert_eq!(starts, 5);
    assert!(lines[..first_test].iter().filter(|(_, t)| t.starts_with("Process start")).count() == 5);
    // "Waiting all subprocess ending" is printed before any task ends: apply_async did not block.
    assert!(s.said("main", "Waiting all subprocess ending") < s.pos("a test...", |e| e["text"] == "test..."));
}

#[test]
fn get_inside_the_loop_is_serial_and_collecting_first_is_not() {
    let s = lesson("pool-async").scene(3);
    let main_results: Vec<usize> = s
        .events
        .iter()
        .enumerate()
        .filter(|(_, e)| e["kind"] == "say" && e["lane"] == "main" && e["text"] == "1")
        .map(|(i, _)| i)
        .collect();
    assert_eq!(main_results.len(), 10);
    // In the loop: exactly one task starts between two results.
    let mut previous = 0;
    for &result in &main_results[..5] {
        let starts = s.events[previous..result]
            .iter()
            .filter(|e| is_worker(e) && e["text"].as_str().unwrap().starts_with("Process start"))
            .count();
        assert_eq!(starts, 1);
        previous = result;
    }
    // Collected first: all five start before the sixth result is printed.
    let starts = s.events[main_results[4]..main_results[5]]
        .iter()
        .filter(|e| is_worker(e) && e["text"].as_str().unwrap().starts_with("Process start"))
        .count();
    assert_eq!(starts, 5);
}

#[test]
fn callbacks_run_in_the_parent_once_per_task() {
    let s = lesson("pool-async").scene(4);
    let main_pid = &s.events.iter().find(|e| e["lane"] == "main").unwrap()["pid"];
    let callbacks: Vec<&Value> = s
        .events
        .iter()
        .filter(|e| e["kind"] == "say" && e["text"].as_str().unwrap().starts_with("callback"))
        .collect();
    assert_eq!(callbacks.len(), 3);
    for callback in &callbacks {
        assert_eq!(callback["lane"], "main");
        assert_eq!(&callback["pid"], main_pid);
    }
    let got: HashSet<&str> = callbacks.iter().map(|c| c["text"].as_str().unwrap()).collect();
    assert_eq!(got, HashSet::from(["callback: got 4", "callback: got 0.25", "callback: got 1"]));
}

#[test]
fn ten_tasks_are_served_by_the_four_pool_workers_again_and_again() {
    let s = lesson("pool-async").scene(5);
    let pool: HashSet<i64> =
        s.events.iter().filter(|e| e["kind"] == "spawn").map(|e| e["pid"].as_i64().unwrap()).collect();
    assert_eq!(pool.len(), 4);
    let serving: Vec<i64> =
        worker_lines(&s).into_iter().filter(|(_, t)| t.ends_with(" done")).map(|(pid, _)| pid).collect();
    assert_eq!(serving.len(), 10);
    assert!(serving.iter().all(|pid| pool.contains(pid)), "a task ran outside the pool");
}

#[test]
fn map_and_imap_return_results_in_input_order() {
    let s = lesson("pool-async").scene(6);
    // print(p.map(…)), then imap's four, then imap_unordered's four.
    let main = s.lines_of("main");
    assert_eq!(main.len(), 9, "{main:?}");
    assert_eq!(main[0], "[1, 4, 9, 16]");
    assert_eq!(main[1..5], ["1", "4", "9", "16"]);
    let unordered: HashSet<&str> = main[5..].iter().map(String::as_str).collect();
    assert_eq!(unordered, HashSet::from(["1", "4", "9", "16"]));
}

#[test]
fn get_with_a_timeout_raises_and_the_task_still_completes() {
    let s = lesson("pool-async").scene(7);
    let timeout = s.said("main", "multiprocessing.TimeoutError");
    let finished = s.pos("the task's test...", |e| is_worker(e) && e["text"] == "test...");
    assert!(timeout < finished, "the timeout came after the task finished");
    assert!(finished < s.said("main", "9"));
}

#[test]
fn rayon_lanes_are_threads_of_the_tutor_process() {
    let s = lesson("pool-async").scene(8);
    let main_pid = &lesson("pool-async").events.iter().find(|e| e["lane"] == "main").unwrap()["pid"];
    let rayon: Vec<&Value> =
        s.events.iter().filter(|e| e["lane"].as_str().unwrap().starts_with("rayon-")).collect();
    assert!(!rayon.is_empty());
    assert!(rayon.iter().all(|e| &e["pid"] == main_pid));
    assert_eq!(s.lines_of("main"), ["[0.25, 0.25, 0.25, 0.25, 0.25]", "[1, 4, 9, 16]"]);
}

#[test]
fn every_timed_scene_reports_a_measure_with_its_ideal() {
    let names: Vec<&str> = lesson("pool-async")
        .events
        .iter()
        .filter(|e| e["kind"] == "measure")
        .inspect(|e| {
            assert!(e["value"].as_f64().unwrap() > 0.0);
            assert!(e["ideal"].as_f64().unwrap() > 0.0);
            assert_eq!(e["unit"], "s");
        })
        .map(|e| e["name"].as_str().unwrap())
        .collect();
    for name in ["apply", "apply_async", "get_in_loop", "get_after_submit", "rayon_install", "rayon_spawn"] {
        assert!(names.contains(&name), "no measure {name}");
    }
}
