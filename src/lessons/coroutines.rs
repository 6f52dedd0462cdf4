//! coroutines: asyncio's coroutines (note 004) beside tokio's tasks. A task
//! runs only while the runtime polls it, and gives the thread up at each
//! `.await`; one blocking call inside it stalls every task on that thread.
//!
//! Every coroutine here is a task lane: the timeline shows it running only
//! while it is polled. With python3 present, CPython runs the measured scenes
//! too, and its figures stand beside ours.

use std::future::Future;
use std::hint::black_box;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use anyhow::Result;
use rayon::prelude::*;
use tokio::task::JoinSet;

use super::SceneFn;
use crate::stage::{thread_id, Figures, Polls, Stage, TaskLane, TaskLanes};
use crate::text;

pub const SCENES: &[SceneFn] = &[
    notes_coroutine,
    gather_three,
    await_in_a_loop,
    blocking_sleep,
    two_fixes,
    timeouts_and_cancellation,
    ten_thousand,
    tasks_move_between_threads,
    cpu_bound_work,
];

/// The notes' coroutine.
async fn coroutine(t: TaskLane) {
    t.say("Coroutine is running");
    t.sleep(1.0).await; // 模拟耗时1秒的IO操作: one second of I/O
    t.say("Coroutine is done");
}

/// `loop.run_until_complete(coroutine())`.
fn notes_coroutine(stage: &mut Stage) -> Result<()> {
    let from = stage.event_count();
    stage.block_on(|tasks| tasks.lane("coroutine", coroutine))?;
    let polls = stage.polls_since(from);
    if let Some(lane) = polls.lane("coroutine") {
        stage.note(text!(
            "The coroutine lived {:.2} s and was polled {} times. Each poll ran it up to its next await \
             that was not ready; between polls it slept in the runtime's timer, and thread {} (main's) \
             was free for any other task. block_on, like run_until_complete, returned when it completed.",
            lane.end - lane.first_poll,
            lane.polls,
            lane.threads.first().copied().unwrap_or_default(),
        ));
    }
    Ok(())
}

/// Scene 2's and 3's coroutine: says which thread runs it.
async fn numbered(t: TaskLane, n: u32) {
    t.say(format!("coroutine {n} is running on thread {}", thread_id()));
    t.sleep(1.0).await;
    t.say(format!("coroutine {n} is done"));
}

/// `await asyncio.gather(coroutine(1), coroutine(2), coroutine(3))`.
fn gather_three(stage: &mut Stage) -> Result<()> {
    let (from, start) = (stage.event_count(), stage.now());
    stage.block_on(|tasks| async move {
        // biased: poll them in order each time, as asyncio runs its ready tasks
        // (a plain join! starts with a different one at each poll, for fairness).
        tokio::join!(
            biased;
            tasks.lane("coro-1", |t| numbered(t, 1)),
            tasks.lane("coro-2", |t| numbered(t, 2)),
            tasks.lane("coro-3", |t| numbered(t, 3)),
        )
    })?;
    let took = stage.now() - start;
    stage.measure_time("gather", took, 1.0, "three 1 s coroutines, join!");
    let polls = stage.polls_since(from);
    let overlapped = polls.overlapped(&["coro-1", "coro-2", "coro-3"]);
    stage.note(match polls.threads().as_slice() {
        [one] if overlapped => text!(
            "The three coroutines slept at the same time, and every poll of all three ran on thread {one}, \
             main's own: each gave the thread up at its await, so the next could start. One thread, no \
             parallelism, and {took:.2} s for three 1 s waits."
        ),
        threads => text!(
            "On this run the three coroutines {} and their polls ran on {} threads.",
            overlap(overlapped),
            threads.len()
        ),
    });
    cpython_beside(stage, "gather", |stage, python| {
        if let Some(secs) = python.number("gather") {
            let text = text!("CPython, asyncio.gather of three 1 s coroutines: {secs:.2} s");
            stage.measure("cpython_gather", secs, "s", text);
        }
    })
}

/// Words for whether lanes overlapped.
fn overlap(overlapped: bool) -> &'static str {
    if overlapped {
        "overlapped"
    } else {
        "did not overlap"
    }
}

/// `await` in a loop, then `create_task` first and `await` after.
fn await_in_a_loop(stage: &mut Stage) -> Result<()> {
    let start = stage.now();
    stage.block_on(|tasks| async move {
        for n in 1..=3 {
            tasks.lane(&format!("coro-{n}"), |t| numbered(t, n)).await;
        }
    })?;
    let one_by_one = stage.now() - start;
    stage.measure_time("await_in_a_loop", one_by_one, 1.0, "await in a loop");

    let start = stage.now();
    stage.block_on(|tasks| async move {
        let tasks: Vec<_> = (1..=3)
            .map(|n| tokio::spawn(tasks.lane(&format!("task-{n}"), move |t| numbered(t, n))))
            .collect();
        for task in tasks {
            task.await.expect("a coroutine does not panic");
        }
    })?;
    let spawned = stage.now() - start;
    stage.measure_time("spawn_first", spawned, 1.0, "spawn first, then await");
    stage.note(text!(
        "Awaited in the loop, each coroutine had to finish before the next was even created: {one_by_one:.2} \
         s. Spawned first, all three were under way before main awaited the first: {spawned:.2} s. It is \
         the get() inside the submit loop of pool-async, again: an await says \"I need this now\"."
    ));
    Ok(())
}

/// Ticks every 0.1 s until `stop`, and returns how late its tick ever came.
async fn heartbeat(t: TaskLane, stop: Arc<AtomicBool>) -> f64 {
    let mut worst: f64 = 0.0;
    while !stop.load(Ordering::Relaxed) {
        let due = t.now() + 0.1;
        t.sleep(0.1).await;
        worst = worst.max(t.now() - due);
    }
    worst
}

/// main() of scenes 4, 5 and 9: a heartbeat task beside `work`. Returns what
/// `work` returned, how long it took, and how late the heartbeat's tick came
/// at worst.
async fn with_heartbeat<T>(tasks: &TaskLanes, work: impl Future<Output = T>) -> (T, f64, f64) {
    let stop = Arc::new(AtomicBool::new(false));
    let beat = tokio::spawn(tasks.lane("heartbeat", |t| heartbeat(t, stop.clone())));
    let start = tasks.now();
    let output = work.await;
    let took = tasks.now() - start;
    stop.store(true, Ordering::Relaxed);
    (output, took, beat.await.expect("the heartbeat does not panic"))
}

/// `asyncio.gather` of three coroutines made by `coroutine`, as three tasks.
async fn gather<F>(tasks: TaskLanes, coroutine: fn(TaskLane, u32) -> F)
where
    F: Future<Output = ()> + Send + 'static,
{
    let mut gathered = JoinSet::new();
    for n in 1..=3 {
        gathered.spawn(tasks.lane(&format!("task-{n}"), move |t| coroutine(t, n)));
    }
    gathered.join_all().await;
}

/// The pitfall: `time.sleep(1)` in a coroutine.
async fn blocking(t: TaskLane, n: u32) {
    t.say(format!("coroutine {n} is running"));
    t.block_sleep(1.0); // blocks the thread, and every task on it
    t.say(format!("coroutine {n} is done"));
}

/// Three coroutines that block, and a heartbeat that cannot tick.
fn blocking_sleep(stage: &mut Stage) -> Result<()> {
    let from = stage.event_count();
    let ((), took, late) = stage
        .block_on(|tasks| async move { with_heartbeat(&tasks, gather(tasks.clone(), blocking)).await })?;
    stage.measure_time("blocking", took, 1.0, "three coroutines with a blocking sleep");
    stage.measure("heartbeat_late_blocking", late, "s", text!("the heartbeat's worst lateness: {late:.2} s"));
    stage.note(if stage.polls_since(from).overlapped(&["task-1", "task-2", "task-3"]) {
        text!("On this run the three overlapped ({took:.2} s), and the heartbeat came {late:.2} s late at worst.")
    } else {
        text!(
            "The three ran one after another ({took:.2} s): on the timeline each is running for its whole \
             second while the others wait their turn. The heartbeat, due every 0.1 s, came {late:.2} s late: \
             std::thread::sleep, like time.sleep, holds the thread, and the runtime cannot take it back in \
             the middle of a poll."
        )
    });
    cpython_beside(stage, "blocking", |stage, python| {
        if let (Some(secs), Some(late)) = (python.number("blocking"), python.number("late")) {
            let text = text!("CPython, the same: {secs:.2} s, heartbeat {late:.2} s late at worst");
            stage.measure("cpython_blocking", secs, "s", text);
        }
        if let (Some(count), Some(warning)) = (python.number("warnings"), python.text("warning")) {
            stage.note(text!(
                "asyncio's debug mode (asyncio.run(main(), debug=True)) logged {count} warnings of a step \
                 slower than 0.1 s, the first: {warning}"
            ));
        }
    })
}

/// Fix 1: a sleep that gives the thread back.
async fn asleep(t: TaskLane, n: u32) {
    t.say(format!("coroutine {n} is running"));
    t.sleep(1.0).await;
    t.say(format!("coroutine {n} is done"));
}

/// Fix 2: the blocking call on a thread of the runtime's blocking pool.
async fn in_a_thread(t: TaskLane, n: u32) {
    t.say(format!("coroutine {n} is running"));
    t.spawn_blocking(|t| t.block_sleep(1.0)).await;
    t.say(format!("coroutine {n} is done"));
}

/// Both fixes, measured the same way.
fn two_fixes(stage: &mut Stage) -> Result<()> {
    let from = stage.event_count();
    let ((), slept, slept_late) =
        stage.block_on(|tasks| async move { with_heartbeat(&tasks, gather(tasks.clone(), asleep)).await })?;
    let first = stage.polls_since(from).overlapped(&["task-1", "task-2", "task-3"]);
    stage.measure_time("fix_sleep", slept, 1.0, "fix 1, tokio::time::sleep");
    let from = stage.event_count();
    let ((), threaded, threaded_late) = stage
        .block_on(|tasks| async move { with_heartbeat(&tasks, gather(tasks.clone(), in_a_thread)).await })?;
    let second = stage.polls_since(from).overlapped(&["task-1", "task-2", "task-3"]);
    stage.measure_time("fix_spawn_blocking", threaded, 1.0, "fix 2, spawn_blocking");
    stage.measure(
        "heartbeat_late_fixed",
        slept_late.max(threaded_late),
        "s",
        text!("the heartbeat's worst lateness: {slept_late:.2} s and {threaded_late:.2} s"),
    );
    let late = slept_late.max(threaded_late);
    stage.note(if first && second {
        text!(
            "Both fixes overlapped the three again: with tokio::time::sleep the tasks wait in the runtime's \
             timer; with spawn_blocking each sleep blocks a thread of the blocking pool while its task awaits \
             it. The heartbeat kept time: {late:.2} s late at worst."
        )
    } else {
        text!(
            "On this run the three did not overlap with both fixes (fix 1: {}, fix 2: {}); the heartbeat \
             came {late:.2} s late at worst.",
            overlap(first),
            overlap(second)
        )
    });
    cpython_beside(stage, "fixes", |stage, python| {
        for (name, how) in [("sleep", "asyncio.sleep"), ("to_thread", "asyncio.to_thread")] {
            if let (Some(secs), Some(late)) = (python.number(name), python.number(&format!("{name}_late"))) {
                let text = text!("CPython, {how}: {secs:.2} s, heartbeat {late:.2} s late at worst");
                stage.measure(&format!("cpython_{name}"), secs, "s", text);
            }
        }
    })
}

/// `try: … finally:` as a value: its drop runs however the coroutine ends,
/// even when it is dropped in the middle of an await.
struct Finally(TaskLane);

impl Drop for Finally {
    fn drop(&mut self) {
        self.0.say("slow: cleaning up");
    }
}

async fn slow(t: TaskLane) {
    let _finally = Finally(t.clone());
    t.say("slow: started");
    t.sleep(2.0).await;
    t.say("slow: finished");
}

async fn fast(t: TaskLane) {
    t.sleep(0.5).await;
    t.say("fast: finished");
}

/// `asyncio.wait_for`, and a race whose loser is cancelled.
fn timeouts_and_cancellation(stage: &mut Stage) -> Result<()> {
    let from = stage.event_count();
    stage.block_on(|tasks| async move {
        if tasks.timeout(1.0, tasks.lane("slow", slow)).await.is_err() {
            tasks.say("wait_for: timed out after 1 s");
        }
        tokio::select! {
            () = tasks.lane("fast", fast) => {}
            () = tasks.lane("slow", slow) => {}
        }
        tasks.say("race over");
    })?;
    let polls = stage.polls_since(from);
    let cancelled: Vec<f64> =
        polls.named("slow").filter(|l| l.cancelled).map(|l| l.end - l.first_poll).collect();
    let cleanups = stage.lines_of("slow").iter().filter(|l| *l == "slow: cleaning up").count();
    stage.note(text!(
        "slow was cancelled {} times, after {}, in the middle of its 2 s sleep, and its cleanup line came \
         {cleanups} times.\nA Rust future is cancelled by being dropped: timeout drops it when time is up, \
         select! drops every branch but the winner. Nothing is raised inside it; its drops run, as Python's \
         finally runs on CancelledError. The timeline marks the cancellations.",
        cancelled.len(),
        cancelled.iter().map(|s| format!("{s:.2} s")).collect::<Vec<_>>().join(", "),
    ));
    Ok(())
}

/// A process's memory as /proc tells it: (resident, virtual), in bytes.
fn memory() -> (f64, f64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|rest| rest.split_whitespace().next()?.parse::<f64>().ok())
            .map_or(0.0, |kib| kib * 1024.0)
    };
    (field("VmRSS:"), field("VmSize:"))
}

/// How the scale scene's start went: time until all had started, memory then
/// (resident and virtual growth), and time until all had finished.
struct Crowd {
    started: Duration,
    resident: f64,
    reserved: f64,
    done: Duration,
}

/// `n` tasks on one thread, each sleeping 1 s once all have started.
fn sleeping_tasks(stage: &mut Stage, n: usize) -> Result<Crowd> {
    let before = memory();
    stage.block_on(|tasks| async move {
        let start = Instant::now();
        let all_in = Arc::new(tokio::sync::Barrier::new(n + 1));
        let mut sleepers = JoinSet::new();
        for _ in 0..n {
            let (all_in, nap) = (all_in.clone(), tasks.clock().real(1.0));
            sleepers.spawn(async move {
                all_in.wait().await;
                tokio::time::sleep(nap).await;
            });
        }
        all_in.wait().await;
        let (started, now) = (start.elapsed(), memory());
        sleepers.join_all().await;
        Crowd { started, resident: now.0 - before.0, reserved: now.1 - before.1, done: start.elapsed() }
    })
}

/// `n` OS threads, each sleeping 1 s once all have started; fewer if the OS
/// refuses one (the error is returned beside the figures).
fn sleeping_threads(stage: &Stage, n: usize) -> (Crowd, usize, Option<std::io::Error>) {
    let before = memory();
    let start = Instant::now();
    let started = Arc::new(AtomicUsize::new(0));
    let gate = Arc::new(RwLock::new(()));
    let closed = gate.write().expect("nobody holds it yet"); // nobody sleeps until all have started
    let nap = stage.clock().real(1.0);
    let mut threads = Vec::with_capacity(n);
    let mut refused = None;
    for _ in 0..n {
        let (started, gate) = (started.clone(), gate.clone());
        let thread = std::thread::Builder::new().spawn(move || {
            started.fetch_add(1, Ordering::SeqCst);
            drop(gate.read());
            std::thread::sleep(nap);
        });
        match thread {
            Ok(thread) => threads.push(thread),
            Err(err) => {
                refused = Some(err);
                break;
            }
        }
    }
    while started.load(Ordering::SeqCst) < threads.len() {
        std::thread::sleep(Duration::from_micros(100));
    }
    let (all_started, now) = (start.elapsed(), memory());
    drop(closed);
    let count = threads.len();
    for thread in threads {
        thread.join().expect("a sleeping thread does not panic");
    }
    let crowd = Crowd {
        started: all_started,
        resident: now.0 - before.0,
        reserved: now.1 - before.1,
        done: start.elapsed(),
    };
    (crowd, count, refused)
}

/// Reports one crowd's figures as measures named `<name>_…`.
fn report(stage: &Stage, name: &str, what: &str, n: usize, crowd: &Crowd) {
    let started = crowd.started.as_secs_f64();
    stage.measure(
        &format!("{name}_start"),
        started,
        "s",
        text!("{n} {what}: all started in {:.1} ms, {:.2} µs each", started * 1e3, started * 1e6 / n as f64),
    );
    stage.measure(
        &format!("{name}_memory"),
        crowd.resident / n as f64,
        "B",
        text!(
            "{n} {what}: {:.1} MiB more resident memory, {:.0} bytes each ({:.0} MiB more address space)",
            crowd.resident / 1048576.0,
            crowd.resident / n as f64,
            crowd.reserved / 1048576.0
        ),
    );
    let done = stage.clock().lesson_secs(crowd.done);
    stage.measure_time(&format!("{name}_done"), done, 1.0, &format!("{n} {what}, all done"));
}

/// 10 000 sleeping tasks on one thread, against 10 000 sleeping OS threads.
fn ten_thousand(stage: &mut Stage) -> Result<()> {
    let n = if stage.quick() { 1_000 } else { 10_000 };
    let tasks = sleeping_tasks(stage, n)?;
    report(stage, "tasks", "tasks", n, &tasks);
    let (threads, count, refused) = sleeping_threads(stage, n);
    if let Some(err) = refused {
        stage.warn(text!(
            "the OS refused thread {}: {err}; the figures below are for {count} threads",
            count + 1
        ));
    }
    report(stage, "threads", "threads", count, &threads);
    let (task, thread) = (tasks.resident / n as f64, threads.resident / count.max(1) as f64);
    stage.note(text!(
        "A sleeping task took {task:.0} bytes here: its future's state and a header, in the runtime's \
         memory. A sleeping thread is a kernel thread with a stack of its own: {thread:.0} bytes ({:.1}×), \
         and {:.1} MiB of address space reserved.\nA thread took {:.0}× as long as a task to start. On one \
         thread, a runtime holds as many waits as memory allows.",
        thread / task.max(1.0),
        threads.reserved / count.max(1) as f64 / 1048576.0,
        threads.started.as_secs_f64() / count.max(1) as f64 / (tasks.started.as_secs_f64() / n as f64),
    ));
    cpython_beside(stage, &format!("scale {n}"), |stage, python| {
        if let (Some(started), Some(memory)) = (python.number("started"), python.number("memory")) {
            let text = text!(
                "{n} CPython coroutines: all started in {:.1} ms, {:.2} µs each",
                started * 1e3,
                started * 1e6 / n as f64
            );
            stage.measure("cpython_coroutines_start", started, "s", text);
            let text = text!(
                "{n} CPython coroutines: {:.1} MiB more resident memory, {:.0} bytes each",
                memory / 1048576.0,
                memory / n as f64
            );
            stage.measure("cpython_coroutines_memory", memory / n as f64, "B", text);
        }
    })
}

/// Scene 8's task: three steps of a little work, each saying which thread runs it.
async fn stepper(t: TaskLane, n: u32) {
    for step in 1..=3 {
        t.say(format!("task {n} step {step} on thread {}", thread_id()));
        job(STEP_WORK); // a little work between awaits
        t.sleep(0.5).await;
    }
}

/// main() of scene 8, on whichever runtime runs it.
async fn three_steppers(tasks: TaskLanes) {
    let steppers: Vec<_> =
        (1..=3).map(|n| tokio::spawn(tasks.lane(&format!("task-{n}"), move |t| stepper(t, n)))).collect();
    for stepper in steppers {
        stepper.await.expect("a task does not panic");
    }
}

/// How many lanes moved, and how many threads polled them all.
fn movement(polls: &Polls) -> (usize, usize) {
    (polls.lanes.iter().filter(|l| l.threads.len() > 1).count(), polls.threads().len())
}

/// The same tasks on a multi-thread runtime, then on a current-thread one.
fn tasks_move_between_threads(stage: &mut Stage) -> Result<()> {
    let workers = stage.cpu_count().max(2);
    let from = stage.event_count();
    stage.block_on_workers(workers, three_steppers)?;
    let multi = stage.polls_since(from);
    let from = stage.event_count();
    stage.block_on(three_steppers)?;
    let single = stage.polls_since(from);
    let ((moved, threads), (_, one)) = (movement(&multi), movement(&single));
    stage.note(text!(
        "On the multi-thread runtime ({workers} workers) the tasks' polls ran on {threads} threads, and {moved} \
         of the 3 tasks moved from one thread to another between awaits; at most {} were running at the \
         same moment.\nOn the current-thread runtime all ran on {one} thread, and at most {} at a time. A task \
         that may move must be Send: whatever it holds across an await can be touched from another thread.",
        multi.most_running_at_once, single.most_running_at_once,
    ));
    Ok(())
}

/// Iterations of [`job`] in each of scene 8's steps: a few milliseconds.
const STEP_WORK: u64 = 1_000_000;

/// A CPU-bound job (gil's): no await anywhere inside. `black_box` keeps the
/// loop a loop, and its result counted as used.
fn job(n: u64) -> u128 {
    black_box((0..n).map(term).sum())
}

/// The same job, split over rayon's threads.
fn job_on_all_cores(n: u64) -> u128 {
    black_box((0..n).into_par_iter().map(term).sum())
}

fn term(i: u64) -> u128 {
    let i = black_box(i) as u128;
    i + i * i + i * i * i
}

/// Where scene 9's job runs.
#[derive(Clone, Copy)]
enum How {
    Inline,
    Thread,
    Cores,
}

/// Runs the job `how`; returns how long it took (lesson seconds).
async fn crunch(t: TaskLane, how: How, n: u64, pool: Arc<rayon::ThreadPool>) -> f64 {
    t.sleep(0.3).await; // the heartbeat ticks meanwhile
    let start = t.now();
    let how = match how {
        How::Inline => {
            job(n); // the runtime waits for it
            "inline"
        }
        How::Thread => {
            t.spawn_blocking(move |_| job(n)).await;
            "thread"
        }
        How::Cores => {
            let (tx, rx) = tokio::sync::oneshot::channel();
            pool.spawn(move || {
                let _ = tx.send(job_on_all_cores(n)); // nobody is left to tell if the task was dropped
            });
            t.wait("a channel", rx).await.expect("the pool sends its result");
            "cores"
        }
    };
    t.say(format!("job done ({how})"));
    t.now() - start
}

/// A CPU-bound job in a task, on spawn_blocking, and on rayon.
fn cpu_bound_work(stage: &mut Stage) -> Result<()> {
    let n: u64 = if stage.quick() { 20_000_000 } else { 500_000_000 };
    let pool = Arc::new(rayon::ThreadPoolBuilder::new().num_threads(stage.cpu_count()).build()?);
    let mut results = Vec::new();
    for (how, name) in [(How::Inline, "inline"), (How::Thread, "spawn_blocking"), (How::Cores, "rayon")] {
        let pool = pool.clone();
        let (job, _, late) = stage.block_on(|tasks| async move {
            let work = tasks.lane("crunch", move |t| crunch(t, how, n, pool));
            with_heartbeat(&tasks, work).await
        })?;
        stage.measure(
            &format!("cpu_{name}"),
            late,
            "s",
            text!("{name}: the job took {job:.2} s, the heartbeat came {late:.2} s late at worst"),
        );
        results.push((job, late));
    }
    let [(inline, inline_late), (_, thread_late), (cores, cores_late)] = results[..] else {
        unreachable!("three ways were run")
    };
    stage.note(text!(
        "Inline, the job held the runtime's thread for {inline:.2} s and the heartbeat came {inline_late:.2} s \
         late: CPU work never awaits, so it never gives the thread back.\nOn spawn_blocking it ran on another \
         thread and the heartbeat was {thread_late:.2} s late; on rayon's {} threads it took {cores:.2} s and \
         the heartbeat was {cores_late:.2} s late. spawn_blocking suits a blocking call (a file, a C library, \
         a sleep); rayon suits computation that can be split over the cores.",
        stage.cpu_count(),
    ));
    Ok(())
}

/// Runs `lessons/python/coroutines.py <mode> <speed>` in CPython when python3
/// is present, and hands its figures to `report`.
fn cpython_beside(stage: &mut Stage, mode: &str, report: impl FnOnce(&mut Stage, &Figures)) -> Result<()> {
    let speed = stage.clock().speed().to_string();
    let mut args: Vec<&str> = mode.split(' ').collect();
    args.push(&speed);
    match stage.cpython(include_str!("../../lessons/python/coroutines.py"), &args) {
        Ok(python) => report(stage, &python),
        Err(why) => stage.note(text!("{why}; the Rust figures above stand alone.")),
    }
    Ok(())
}
