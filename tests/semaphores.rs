//! Lesson semaphores, asserted on its `--json` trace: three places for ten
//! processes, a release too many refused, an event that wakes every waiter,
//! a barrier that holds threads until the last arrives.

mod common;

use common::lesson;

#[test]
fn never_more_than_three_workers_are_inside_at_once() {
    let s = lesson("semaphores").scene(1);
    let lines: Vec<&str> =
        s.events.iter().filter(|e| e["kind"] == "say").map(|e| e["text"].as_str().unwrap()).collect();
    let (mut inside, mut most) = (0, 0);
    for line in &lines {
        if line.ends_with(" in") {
            inside += 1;
            most = most.max(inside);
        } else if line.ends_with(" out") {
            inside -= 1;
        }
    }
    assert_eq!(lines.len(), 20, "{lines:?}");
    assert_eq!(inside, 0);
    assert!(most <= 3, "{most} inside at once: {lines:?}");
    assert_eq!(s.measure("most_inside"), f64::from(most));
    for i in 0..10 {
        let lane = format!("worker-{i}");
        assert_eq!(s.lines_of(&lane), [format!("worker {i} in"), format!("worker {i} out")]);
        assert_eq!(s.exit_of(&lane).1["code"], 0);
    }
}

#[test]
fn a_bounded_semaphore_refuses_the_extra_release() {
    let s = lesson("semaphores").scene(2);
    assert_eq!(
        s.lines_of("main"),
        [
            "Semaphore(2) after an extra release: 3",
            "BoundedSemaphore(2): semaphore or lock released too many times"
        ]
    );
}

#[test]
fn every_waiter_wakes_after_the_set_and_the_impatient_one_times_out() {
    let s = lesson("semaphores").scene(3);
    let set = s.said("main", "main: set");
    for name in ["w1", "w2", "w3"] {
        assert!(s.said(name, &format!("{name} waiting")) < set);
        assert!(s.said(name, &format!("{name} woke up")) > set);
    }
    assert!(s.said("impatient", "impatient: wait(1) returned False") < set);
}

#[test]
fn the_barrier_lets_every_runner_pass_only_after_the_last_arrives() {
    let s = lesson("semaphores").scene(4);
    let last = s.said("runner-3", "runner 3 arrived");
    for i in 0..4 {
        let lane = format!("runner-{i}");
        assert!(s.said(&lane, &format!("runner {i} arrived")) <= last);
        assert!(s.said(&lane, &format!("runner {i} passed")) > last);
    }
}
