//! The coroutines lesson's machinery, beside CPython's asyncio measured in the
//! same run: 10 000 tasks that each sleep 1 ms, spawned and finished on one
//! thread, against 10 000 OS threads and 10 000 asyncio coroutines; and a task
//! switch (two tasks handing the thread to each other with `yield_now`)
//! against asyncio's `await asyncio.sleep(0)`. Goal: ≥ 10× faster than asyncio
//! on both. Also shown, without a goal: the same switch between two of the
//! lesson's traced task lanes, which report every poll and wake as events.
//!
//! `cargo bench --bench coroutines`

mod support;

use std::time::{Duration, Instant};

use support::{cpython, figure, median, row, silent_stage};

const TASKS: usize = 10_000;
const NAP: Duration = Duration::from_millis(1);
const SWITCHES: u32 = 100_000;

fn current_thread() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread().enable_time().build().expect("a runtime")
}

/// Spawns `TASKS` tasks that each sleep `NAP`, and waits for them all.
fn sleeping_tasks(runtime: &tokio::runtime::Runtime) {
    runtime.block_on(async {
        let mut sleepers = tokio::task::JoinSet::new();
        for _ in 0..TASKS {
            sleepers.spawn(tokio::time::sleep(NAP));
        }
        sleepers.join_all().await;
    });
}

/// Starts `TASKS` threads that each sleep `NAP`, and joins them all.
fn sleeping_threads() {
    let threads: Vec<_> = (0..TASKS).map(|_| std::thread::spawn(|| std::thread::sleep(NAP))).collect();
    for thread in threads {
        thread.join().expect("a sleeping thread does not panic");
    }
}

/// Seconds per switch: two tasks each yield `SWITCHES` times.
fn ping_pong(runtime: &tokio::runtime::Runtime) -> f64 {
    let player = || async {
        for _ in 0..SWITCHES {
            tokio::task::yield_now().await;
        }
    };
    let start = Instant::now();
    runtime.block_on(async {
        let (ping, pong) = tokio::join!(tokio::spawn(player()), tokio::spawn(player()));
        ping.and(pong).expect("a player does not panic");
    });
    start.elapsed().as_secs_f64() / (2 * SWITCHES) as f64
}

/// The same, between two of the lesson's traced task lanes.
fn traced_ping_pong() -> f64 {
    let mut stage = silent_stage();
    let start = Instant::now();
    stage
        .block_on(|tasks| async move {
            let player = |name: &str| {
                tasks.lane(name, |_| async {
                    for _ in 0..SWITCHES {
                        tokio::task::yield_now().await;
                    }
                })
            };
            let (ping, pong) = tokio::join!(tokio::spawn(player("ping")), tokio::spawn(player("pong")));
            ping.and(pong).expect("a player does not panic");
        })
        .expect("a runtime");
    start.elapsed().as_secs_f64() / (2 * SWITCHES) as f64
}

fn main() {
    let runtime = current_thread();
    sleeping_tasks(&runtime);
    let tasks = median(9, || sleeping_tasks(&runtime)).as_secs_f64();
    let threads = median(5, sleeping_threads).as_secs_f64();
    let mut switches: Vec<f64> = (0..5).map(|_| ping_pong(&runtime)).collect();
    switches.sort_by(f64::total_cmp);
    let switch = switches[2];
    drop(runtime);
    let traced = traced_ping_pong();

    let py = cpython("coroutines.py", &[&TASKS.to_string()]);
    let py_tasks = figure(&py, "tasks_10000");
    let py_switch = figure(&py, "switch");
    let beside = |figure: Option<f64>, scale: f64, unit: &str| {
        figure.map_or("no python3".to_string(), |f| format!("asyncio {:.3} {unit}", f * scale))
    };

    println!("{:<44} {:>14} {:<28} {:<24}", "measure (median)", "ours", "beside", "goal");
    row(
        "10 000 tasks sleeping 1 ms: spawn to all done",
        tasks * 1e3,
        "ms",
        &format!("{}; threads {:.1} ms", beside(py_tasks, 1e3, "ms"), threads * 1e3),
        "≥ 10× faster than asyncio",
        py_tasks.is_none_or(|py| py >= 10.0 * tasks),
    );
    row(
        "task switch (yield_now ping-pong)",
        switch * 1e9,
        "ns",
        &beside(py_switch, 1e9, "ns"),
        "≥ 10× faster than asyncio",
        py_switch.is_none_or(|py| py >= 10.0 * switch),
    );
    row("task switch between traced lanes", traced * 1e9, "ns", "2 state events a poll", "—", true);
}
