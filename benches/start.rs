//! What starting costs, beside C: a forked lane against a bare fork (goal
//! ≤ 1.5×), a spawned lane against posix_spawn of a small binary plus our own
//! start-up (goal ≤ 1.5×), and our start-up (`concur-tutor list`) against
//! `/bin/true` (goal ≤ 2×, the event pipeline issue).
//!
//! `cargo bench --bench start`

mod support;

use std::process::{Command, Stdio};

use support::{fork_costs, lesson_measures, median, row, silent_stage};

const TUTOR: &str = env!("CARGO_BIN_EXE_concur-tutor");

/// Median seconds to run `program args` to its end, output discarded.
fn run_time(program: &str, args: &[&str]) -> f64 {
    median(101, || {
        let status = Command::new(program).args(args).stdout(Stdio::null()).status().expect("run");
        assert!(status.success(), "{program} {args:?} failed");
    })
    .as_secs_f64()
}

/// The start-methods lesson's own measure of a spawned lane, in seconds. Spawn
/// re-runs the tutor's binary, so it is measured by that binary.
fn spawned_lane() -> f64 {
    lesson_measures(&["lesson", "start-methods", "--scene", "1", "--json"])["spawn_start"] / 1e3
}

fn main() {
    let (lane_fork, c_fork) = fork_costs(&mut silent_stage());
    let true_run = run_time("/bin/true", &[]);
    let list_run = run_time(TUTOR, &["list"]);
    let start_up = (list_run - true_run).max(0.0);
    let spawn = spawned_lane();

    println!("{:<44} {:>14} {:<28} {:<24}", "measure (median)", "ours", "beside", "goal");
    row(
        "start + reap a forked lane",
        lane_fork * 1e3,
        "ms",
        &format!("C fork {:.3} ms", c_fork * 1e3),
        &format!("≤ {:.3} ms (1.5 × C)", c_fork * 1.5e3),
        lane_fork <= c_fork * 1.5,
    );
    let spawn_goal = (true_run + start_up) * 1.5;
    row(
        "start + reap a spawned lane",
        spawn * 1e3,
        "ms",
        &format!("spawn /bin/true {:.3} ms + start-up {:.3} ms", true_run * 1e3, start_up * 1e3),
        &format!("≤ {:.3} ms (1.5 × both)", spawn_goal * 1e3),
        spawn <= spawn_goal,
    );
    row(
        "concur-tutor list, start to end",
        list_run * 1e3,
        "ms",
        &format!("/bin/true {:.3} ms", true_run * 1e3),
        &format!("≤ {:.3} ms (2 × /bin/true)", true_run * 2e3),
        list_run <= true_run * 2.0,
    );
}
