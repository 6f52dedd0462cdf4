//! The process pool's costs, beside C's and CPython's, measured in one run:
//! five 0.1 s tasks with apply_async (goal: within 2 % of the ideal 0.1 s), and
//! starting + reaping one forked lane (goal: within 1.5× of a bare C fork).
//!
//! `cargo bench --bench pool`

mod support;

use std::time::Duration;

use concur_tutor::stage::{AsyncResult, Lane};
use support::{cpython, figure, fork_costs, median, row, silent_stage};

fn nap(_: &Lane, secs: f64) -> f64 {
    std::thread::sleep(Duration::from_secs_f64(secs));
    secs
}

fn main() {
    let runs = 20;
    let mut stage = silent_stage();
    let mut pool = stage.pool(5, nap).expect("pool");
    pool.apply(&mut stage, 0.0);
    let five = median(runs, || {
        let results: Vec<AsyncResult<f64>> = (0..5).map(|_| pool.apply_async(&mut stage, 0.1)).collect();
        for r in &results {
            r.get(&mut stage);
        }
    })
    .as_secs_f64();
    pool.close();
    pool.join(&mut stage);

    let (lane_start, c_fork) = fork_costs(&mut stage);

    let py = cpython("pool.py", &["10"]);
    let py_five =
        figure(&py, "pool_5x0.1s").map_or("no python3".to_string(), |s| format!("CPython {s:.3} s"));
    let py_start = figure(&py, "process_start_join")
        .map_or("no python3".to_string(), |s| format!("CPython {:.3} ms", s * 1e3));

    println!("{:<44} {:>14} {:<28} {:<24}", "measure (median)", "ours", "beside", "goal");
    row(
        "5 × apply_async of a 0.1 s task, Pool(5)",
        five,
        "s",
        &py_five,
        "≤ 0.102 s (ideal + 2 %)",
        five <= 0.102,
    );
    row(
        "start + reap a forked lane",
        lane_start * 1e3,
        "ms",
        &format!("C fork {:.3} ms; {py_start}", c_fork * 1e3),
        &format!("≤ {:.3} ms (1.5 × C)", c_fork * 1.5e3),
        lane_start <= c_fork * 1.5,
    );
}
