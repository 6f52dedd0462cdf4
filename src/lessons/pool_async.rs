//! pool-async: `Pool.apply` vs `apply_async`, on a real pool of forked worker
//! processes, then on rayon's thread pool (notes 000, 002 and 004).
//!
//! The workers are forked once per pool and reused, as CPython's are: watch the
//! same pids come back for task after task.

use anyhow::Result;
use rayon::prelude::*;

use super::SceneFn;
use crate::stage::{build_pool, AsyncResult, Lane, Stage, TimeoutError};
use crate::text;

pub const SCENES: &[SceneFn] = &[
    apply_waits_for_each_task,
    apply_async_runs_them_together,
    get_inside_the_loop_is_serial_again,
    callbacks_run_in_the_parent,
    ten_tasks_on_four_workers,
    map_keeps_order_imap_yields,
    get_with_a_timeout,
    the_same_on_rayon,
];

/// The notes' `run_sleep(t)`, which returns `t * t` for `get()` to fetch.
fn run_sleep(lane: &Lane, t: f64) -> f64 {
    lane.say(format!("Process start: {}", lane.pid()));
    lane.sleep(t);
    lane.say("test...");
    lane.say(format!("Process {} end.", lane.pid()));
    t * t
}

/// A quieter task for the scenes with many: `x * x`, after `secs` of work.
fn square_after(lane: &Lane, (x, secs): (i64, f64)) -> i64 {
    lane.say(format!("square({x}) starts, takes {secs:.1} s"));
    lane.sleep(secs);
    lane.say(format!("square({x}) done"));
    x * x
}

/// `p.apply` five times: each call blocks until its task is done.
fn apply_waits_for_each_task(stage: &mut Stage) -> Result<()> {
    let mut p = stage.pool(5, run_sleep)?;
    let start = stage.now();
    for _ in 0..5 {
        p.apply(stage, 1.0);
    }
    let took = stage.now() - start;
    stage.say("Waiting all subprocess ending");
    p.close();
    p.join(stage);
    stage.say("All subprocesses end.");
    stage.measure_time("apply", took, 5.0, "5 × apply of a 1 s task, one after another");
    Ok(())
}

/// `p.apply_async` five times: each call returns at once, the five run together.
fn apply_async_runs_them_together(stage: &mut Stage) -> Result<()> {
    let mut p = stage.pool(5, run_sleep)?;
    let start = stage.now();
    for _ in 0..5 {
        p.apply_async(stage, 1.0);
    }
    stage.say("Waiting all subprocess ending");
    p.close();
    p.join(stage);
    stage.say("All subprocesses end.");
    let took = stage.now() - start;
    stage.measure_time("apply_async", took, 1.0, "5 × apply_async of a 1 s task on 5 workers");
    Ok(())
}

/// The notes' pitfall: `get()` right after `apply_async` waits before the next
/// task is even submitted. Submit all first, then get.
fn get_inside_the_loop_is_serial_again(stage: &mut Stage) -> Result<()> {
    let mut p = stage.pool(5, run_sleep)?;
    let start = stage.now();
    for _ in 0..5 {
        let res = p.apply_async(stage, 1.0);
        let result = res.get(stage);
        stage.say(result.to_string());
    }
    let in_loop = stage.now() - start;
    stage.measure_time("get_in_loop", in_loop, 1.0, "get() inside the submit loop");

    let start = stage.now();
    let results: Vec<AsyncResult<f64>> = (0..5).map(|_| p.apply_async(stage, 1.0)).collect();
    for res in &results {
        let result = res.get(stage);
        stage.say(result.to_string());
    }
    let collected = stage.now() - start;
    stage.measure_time("get_after_submit", collected, 1.0, "submit all, then get() each");
    stage.note(text!(
        "Same pool, same tasks: {in_loop:.2} s with get() inside the loop, {collected:.2} s when all five \
         were submitted first. get() blocks until its task is done, so inside the loop each task had \
         finished before the next was handed out."
    ));
    p.close();
    p.join(stage);
    Ok(())
}

/// `apply_async(…, callback=…)`: each callback runs in the parent as its task ends.
fn callbacks_run_in_the_parent(stage: &mut Stage) -> Result<()> {
    let mut p = stage.pool(3, run_sleep)?;
    let start = stage.now();
    for t in [2.0, 0.5, 1.0] {
        p.apply_async_with(stage, t, |main, result| main.say(format!("callback: got {result}")));
    }
    p.close();
    p.join(stage);
    let order: Vec<String> = stage
        .said_since(start)
        .into_iter()
        .filter(|(lane, text)| lane == "main" && text.starts_with("callback"))
        .map(|(_, text)| text.trim_start_matches("callback: got ").to_string())
        .collect();
    stage.note(text!(
        "The tasks were submitted as 2 s, 0.5 s, 1 s; the callbacks got {} in that order: the order the \
         tasks finished. They ran in the parent (pid {}), not in the workers.",
        order.join(", "),
        stage.pid()
    ));
    Ok(())
}

/// Ten tasks of random length on `Pool(4)`: four at a time, the next one taken
/// by whichever worker frees up first.
fn ten_tasks_on_four_workers(stage: &mut Stage) -> Result<()> {
    let mut p = stage.pool(4, square_after)?;
    let tasks: Vec<(i64, f64)> = (1..=10).map(|x| (x, (5 + fastrand::u32(0..=10)) as f64 / 10.0)).collect();
    let results: Vec<AsyncResult<i64>> = tasks.iter().map(|&task| p.apply_async(stage, task)).collect();
    for res in &results {
        res.get(stage);
    }
    p.close();
    p.join(stage);

    let runs: Vec<(String, i32, f64, f64)> = results
        .iter()
        .map(|r| r.done(stage).map(|d| (d.worker.clone(), d.pid, d.started, d.finished)).expect("done"))
        .collect();
    let most_at_once = runs
        .iter()
        .map(|&(_, _, start, _)| runs.iter().filter(|&&(_, _, s, f)| s <= start && start < f).count())
        .max()
        .unwrap_or(0);
    let mut per_worker: Vec<String> = Vec::new();
    for worker in ["worker-1", "worker-2", "worker-3", "worker-4"] {
        let mine: Vec<String> = (1..=10)
            .zip(&runs)
            .filter(|(_, run)| run.0 == worker)
            .map(|(x, _)| format!("square({x})"))
            .collect();
        per_worker.push(format!(
            "{worker} ran {}",
            if mine.is_empty() { "nothing".into() } else { mine.join(", ") }
        ));
    }
    stage.note(text!(
        "At most {most_at_once} tasks ran at once: the pool has 4 workers, so the other tasks waited in \
         the queue and each was taken by the first worker to free up. Four processes served all ten \
         tasks; none was forked for a task.\n{}.",
        per_worker.join("; ")
    ));
    Ok(())
}

/// `map` returns the results in input order, whatever order the tasks finish
/// in; `imap` hands them out in input order as they become available;
/// `imap_unordered` in the order they finish.
fn map_keeps_order_imap_yields(stage: &mut Stage) -> Result<()> {
    let mut p = stage.pool(4, square_after)?;
    let inputs = [(1, 0.2), (2, 1.0), (3, 0.4), (4, 0.6)];

    let start = stage.now();
    let squares = p.map(stage, inputs);
    stage.say(format!("{squares:?}"));
    let finished: Vec<String> = stage
        .said_since(start)
        .into_iter()
        .filter_map(|(_, text)| text.strip_suffix(" done").map(str::to_string))
        .collect();
    stage.note(text!(
        "The tasks finished in the order {}, yet map returned the squares of 1, 2, 3, 4 in that order.",
        finished.join(", ")
    ));

    let mut results = p.imap(stage, inputs);
    while let Some(square) = results.next(stage) {
        stage.say(square.to_string());
    }
    let mut results = p.imap_unordered(stage, inputs);
    while let Some(square) = results.next(stage) {
        stage.say(square.to_string());
    }
    p.close();
    p.join(stage);
    Ok(())
}

/// `res.get(timeout=1)` on a 3 s task raises TimeoutError; the task goes on,
/// and a later `get()` returns its result.
fn get_with_a_timeout(stage: &mut Stage) -> Result<()> {
    let mut p = stage.pool(1, run_sleep)?;
    let res = p.apply_async(stage, 3.0);
    match res.get_timeout(stage, 1.0) {
        Ok(result) => stage.say(result.to_string()),
        Err(TimeoutError) => {
            stage.say("multiprocessing.TimeoutError");
            if let Some((worker, pid)) = res.running_in(stage) {
                stage.note(text!(
                    "get(timeout=1) gave up, but the task was not cancelled: it is still running in {worker} \
                     (pid {pid})."
                ));
            }
        }
    }
    let result = res.get(stage);
    stage.say(result.to_string());
    p.close();
    p.join(stage);
    Ok(())
}

/// rayon's `ThreadPool`: `install` blocks like `apply`, `spawn` with a channel is
/// `apply_async`, `par_iter` is `map`. Threads, so one pid and shared memory.
fn the_same_on_rayon(stage: &mut Stage) -> Result<()> {
    let pool = build_pool(rayon::ThreadPoolBuilder::new().num_threads(5));
    let main = stage.main().clone();
    let on_this_thread =
        |lane: &Lane| lane.named(&format!("rayon-{}", rayon::current_thread_index().unwrap_or(0)));

    let start = stage.now();
    for _ in 0..5 {
        pool.install(|| run_sleep(&on_this_thread(&main), 0.5));
    }
    stage.measure_time("rayon_install", stage.now() - start, 2.5, "5 × install of a 0.5 s task");

    let start = stage.now();
    let (tx, rx) = crossbeam_channel::unbounded();
    for _ in 0..5 {
        let (tx, main) = (tx.clone(), main.clone());
        pool.spawn(move || tx.send(run_sleep(&on_this_thread(&main), 0.5)).expect("main is listening"));
    }
    drop(tx);
    let results: Vec<f64> = rx.iter().collect();
    stage.say(format!("{results:?}"));
    stage.measure_time("rayon_spawn", stage.now() - start, 0.5, "5 × spawn of a 0.5 s task");

    let inputs = vec![(1, 0.2), (2, 1.0), (3, 0.4), (4, 0.6)];
    let squares: Vec<i64> =
        pool.install(|| inputs.par_iter().map(|&task| square_after(&on_this_thread(&main), task)).collect());
    stage.say(format!("{squares:?}"));
    stage.note(text!(
        "Every rayon lane printed pid {}: these are threads of this one process. The closures borrowed \
         `inputs` and `main` directly, with nothing serialised or copied across; a process pool has to \
         send every argument and result through a pipe.",
        stage.pid()
    ));
    Ok(())
}
