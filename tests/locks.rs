//! Lessons locks and deadlock, asserted on their `--json` traces: lost updates
//! counted, locks that serialise, and deadlocks named while they hang.

mod common;

use common::{lesson, until_a_run_shows, Trace};

/// The lanes of the `say` events, in order, among `lanes`.
fn speakers(s: &Trace, lanes: &[&str]) -> Vec<String> {
    s.events
        .iter()
        .filter(|e| e["kind"] == "say" && lanes.iter().any(|lane| e["lane"] == *lane))
        .map(|e| e["lane"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn without_a_lock_updates_are_lost_and_with_one_none_are() {
    // A race: the lesson already retries; a few whole runs more before failing.
    let lost = until_a_run_shows("locks", 3, 3, |s| {
        assert_eq!(s.measure("lost_locked"), 0.0);
        assert_eq!(s.measure("lost_atomic"), 0.0);
        // The Python's one print, for each run of the racy program; the last is the measured one.
        let lost = s.measure("lost_racy");
        let printed = s.lines_of("main");
        assert_eq!(printed.last(), Some(&format!("expected 20000, got {}", 20000.0 - lost)));
        assert!(printed[..printed.len() - 1].iter().all(|line| line == "expected 20000, got 20000"));
        Some(lost).filter(|&lost| lost > 0.0)
    });
    assert!(lost.is_some(), "no update was lost without a lock in three runs");
}

#[test]
fn with_the_lock_one_process_adds_five_times_in_a_row() {
    let s = lesson("locks").scene(2);
    let order = speakers(&s, &["p1", "p2"]);
    assert_eq!(order.len(), 10);
    assert_eq!(order.windows(2).filter(|pair| pair[0] != pair[1]).count(), 1, "{order:?}");
    // print(v.value, end="|"): each print is one total and a bar; main prints nothing.
    let totals: Vec<String> = s
        .events
        .iter()
        .filter(|e| e["kind"] == "say")
        .map(|e| e["text"].as_str().unwrap().to_string())
        .collect();
    assert!(totals.iter().all(|t| t.ends_with('|')), "{totals:?}");
    assert_eq!(totals.last().map(String::as_str), Some("20|"));
    assert!(s.lines_of("main").is_empty());
}

#[test]
fn threads_fill_the_list_one_after_the_other() {
    let s = lesson("locks").scene(4);
    // As CPython's start() does, ours returns once task1 runs: task1 takes the lock first.
    let order = speakers(&s, &["task1", "task2"]);
    assert_eq!(order[..10], ["task1"; 10], "{order:?}");
    assert_eq!(order[10..], ["task2"; 10], "{order:?}");
    let indices: Vec<String> = (0..10).map(|i| format!("------------> {i}")).collect();
    assert_eq!(s.lines_of("task1"), indices);
    assert_eq!(s.lines_of("task2"), ["------------> 1"; 10]);
}

#[test]
fn an_rlock_is_taken_twice_where_a_mutex_would_block() {
    let s = lesson("locks").scene(5);
    assert_eq!(s.lines_of("main"), ["False"]);
    let rlock = s.pos("the RLock note", |e| e["kind"] == "note");
    assert!(s.events[rlock]["text"]
        .as_str()
        .unwrap()
        .starts_with("The RLock was taken at depth 1, then again at depth 2"));
}

#[test]
fn the_condition_waiter_returns_only_after_the_third_item() {
    let s = lesson("locks").scene(6);
    assert_eq!(s.lines_of("waiter"), ["got [1, 2, 3]"]);
    assert!(s.lines_of("main").is_empty());
    let third = s.pos("the third notify", |e| e["lane"] == "main" && e["text"] == "appends 3; notify()");
    assert!(third < s.said("waiter", "got [1, 2, 3]"));
}

#[test]
fn the_deadlock_is_named_while_it_hangs_then_broken() {
    let s = lesson("deadlock").scene(1);
    let cycle = s.pos("the cycle", |e| e["kind"] == "warn");
    assert!(s.events[cycle]["text"]
        .as_str()
        .unwrap()
        .contains("Thread-1 holds A and waits for B; Thread-2 holds B and waits for A"));
    // Each printed the lock it got first, as the Python does, then waited: a state, not a print.
    assert!(s.said("Thread-1", "Thread-1 got A") < cycle);
    assert!(s.said("Thread-2", "Thread-2 got B") < cycle);
    let waits = |lane: &str, lock: &str| {
        s.pos(&format!("{lane} waits for {lock}"), |e| {
            e["kind"] == "state"
                && e["lane"] == lane
                && e["state"] == "blocked"
                && e["text"] == format!("{lock}.acquire()")
        })
    };
    assert!(waits("Thread-1", "B") < cycle);
    assert!(waits("Thread-2", "A") < cycle);
    let gave_up = s.pos("Thread-2 gives up", |e| {
        e["lane"] == "Thread-2"
            && e["kind"] == "state"
            && e["text"].as_str().unwrap().starts_with("gave up waiting for A")
    });
    assert!(cycle < gave_up && gave_up < s.said("Thread-1", "Thread-1 got B"));
    assert_eq!(
        s.lines_of("Thread-2"),
        ["Thread-2 got B"],
        "MyThread2 prints nothing after its second acquire"
    );
}

#[test]
fn a_timeout_ends_the_wait_and_the_other_thread_proceeds() {
    let s = lesson("deadlock").scene(2);
    let timed_out = s.pos("Thread-2 gives up", |e| {
        e["lane"] == "Thread-2"
            && e["kind"] == "state"
            && e["text"].as_str().unwrap().starts_with("gave up waiting for A")
    });
    assert!(timed_out < s.said("Thread-1", "Thread-1 got B"));
    assert!(!s.events.iter().any(|e| e["kind"] == "warn"), "the timeout, not the watchdog, ends it");
    assert_eq!(s.lines_of("Thread-2"), ["Thread-2 got B"]);
    // The note on the notes' slip says what this run did.
    let slip = s.pos("the slip's note", |e| {
        e["kind"] == "note" && e["text"].as_str().unwrap().starts_with("In the notes")
    });
    assert!(s.events[slip]["text"].as_str().unwrap().ends_with("returned False."));
}

#[test]
fn one_lock_order_and_try_lock_both_finish() {
    for scene in [3, 4] {
        let s = lesson("deadlock").scene(scene);
        assert!(!s.events.iter().any(|e| e["kind"] == "warn"), "scene {scene} deadlocked");
        for thread in ["Thread-1", "Thread-2"] {
            assert_eq!(s.exit_of(thread).1["code"], 0);
        }
        assert!(!s.events.iter().any(|e| e["kind"] == "say"), "the Python prints nothing");
    }
    let s = lesson("deadlock").scene(3);
    assert!(s.events.iter().any(|e| e["lane"] == "Thread-2" && e["text"] == "took A then B 1000 times"));
}

#[test]
fn two_processes_deadlock_and_the_watchdog_ends_both() {
    let s = lesson("deadlock").scene(5);
    let cycle = s.pos("the process cycle", |e| {
        e["kind"] == "warn" && e["text"].as_str().unwrap().starts_with("watchdog: deadlock between processes")
    });
    assert!(s.events[cycle]["text"]
        .as_str()
        .unwrap()
        .contains("Process-1 holds A and waits for B; Process-2 holds B and waits for A"));
    for p in ["Process-1", "Process-2"] {
        let (killed, exit) = s.exit_of(p);
        assert!(killed > cycle);
        assert_eq!(exit["signal"], "SIGKILL");
    }
}
