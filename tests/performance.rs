//! Lessons gil and costs in quick mode: every figure is there and positive,
//! the emulated GIL never lets two threads compute at once, and CPython's part
//! is skipped cleanly without python3. No assertion on speed: that is the
//! lessons' output and the benches' job.

mod common;

use common::{assert_skips_cpython_without_python3, run_lesson};

#[test]
fn every_way_of_running_the_job_is_timed_and_the_gil_admits_one_at_a_time() {
    let s = run_lesson("gil", &["--quick"]);
    for mode in ["serial", "threads", "processes", "rayon", "emulated_gil", "io_serial", "io_emulated_gil"] {
        assert!(s.measure(mode) > 0.0, "{mode}");
    }
    assert_eq!(s.measure("gil_most_at_once"), 1.0);
}

#[test]
fn without_python3_the_cpython_part_is_skipped_cleanly() {
    assert_skips_cpython_without_python3("gil", "1");
}

#[test]
fn every_primitive_has_a_cost() {
    let s = run_lesson("costs", &["--quick"]);
    for name in [
        "thread_start",
        "fork_start",
        "spawn_start",
        "channel_message",
        "pipe_round_trip",
        "pipe_64k_write",
        "lock_uncontended",
        "lock_contended",
        "atomic_increment",
    ] {
        assert!(s.measure(name) > 0.0, "{name}");
    }
}
