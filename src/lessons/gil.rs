//! gil: the notes' CPU job (note 002), timed on this machine: twice in a row,
//! in 2 threads, in 2 processes, with rayon, and in 2 threads under an emulated
//! GIL; then sleep-bound work, where even GIL threads overlap. With python3
//! present, CPython's own figures run beside ours.

use std::hint::black_box;
use std::ops::Range;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex};
use std::time::{Duration, Instant};

use anyhow::Result;
use rayon::prelude::*;

use super::SceneFn;
use crate::stage::{SharedInt, Stage, SWITCH_INTERVAL};

pub const SCENES: &[SceneFn] = &[cpu_bound, sleep_bound];

/// Iterations between two looks at the clock and the progress bar.
const CHUNK: u64 = 1 << 16;

/// Iterations per job: long enough to measure here (the notes' Python used a
/// million, which Rust does in a few milliseconds).
fn job_size(stage: &Stage) -> u64 {
    if stage.quick() {
        4 * CHUNK
    } else {
        1600 * CHUNK
    }
}

/// The notes' `job`: `res += i + i**2 + i**3` over `range`, in u128 so nothing
/// overflows. `black_box` keeps the compiler from replacing the loop by a
/// formula. Calls `after_chunk` with the chunks done so far.
fn job(range: Range<u64>, mut after_chunk: impl FnMut(u64)) -> u128 {
    let mut res: u128 = 0;
    let mut done = 0;
    let mut start = range.start;
    while start < range.end {
        let end = (start + CHUNK).min(range.end);
        for i in start..end {
            let i = black_box(i) as u128;
            res += i + i * i + i * i * i;
        }
        start = end;
        done += 1;
        after_chunk(done);
    }
    res
}

/// The chunks in a job of `n` iterations: a progress bar's length.
fn chunks(n: u64) -> u64 {
    n.div_ceil(CHUNK)
}

/// An emulated GIL: one lock a thread must hold to compute. A waiting thread
/// gets it when the holder's switch interval is up, in arrival order (CPython
/// forces the same hand-over). Counts how many threads ever held it at once.
struct Gil {
    /// (next ticket to hand out, ticket now served)
    tickets: Mutex<(u64, u64)>,
    turn_changed: Condvar,
    holders: AtomicUsize,
    most_at_once: AtomicUsize,
}

/// Holding the GIL; dropping it hands it on.
struct Turn<'g> {
    gil: &'g Gil,
    since: Instant,
}

impl Gil {
    fn new() -> Gil {
        Gil {
            tickets: Mutex::new((0, 0)),
            turn_changed: Condvar::new(),
            holders: AtomicUsize::new(0),
            most_at_once: AtomicUsize::new(0),
        }
    }

    fn acquire(&self) -> Turn<'_> {
        self.wait_for_turn();
        Turn { gil: self, since: Instant::now() }
    }

    fn wait_for_turn(&self) {
        let mut tickets = self.tickets.lock().expect("no thread panics holding it");
        let mine = tickets.0;
        tickets.0 += 1;
        while tickets.1 != mine {
            tickets = self.turn_changed.wait(tickets).expect("no thread panics holding it");
        }
        let holders = self.holders.fetch_add(1, Ordering::SeqCst) + 1;
        self.most_at_once.fetch_max(holders, Ordering::SeqCst);
    }

    fn hand_on(&self) {
        self.holders.fetch_sub(1, Ordering::SeqCst);
        self.tickets.lock().expect("no thread panics holding it").1 += 1;
        self.turn_changed.notify_all();
    }
}

impl Turn<'_> {
    /// Gives the GIL to the next waiting thread, then waits for it back.
    fn switch(&mut self) {
        self.gil.hand_on();
        self.gil.wait_for_turn();
        self.since = Instant::now();
    }

    /// Runs `blocking` without the GIL, as CPython does around blocking I/O.
    fn release_while(&mut self, blocking: impl FnOnce()) {
        self.gil.hand_on();
        blocking();
        self.gil.wait_for_turn();
        self.since = Instant::now();
    }
}

impl Drop for Turn<'_> {
    fn drop(&mut self) {
        self.gil.hand_on();
    }
}

/// How one way of running the two jobs did.
struct Timing {
    how: &'static str,
    secs: f64,
}

/// Times `run`, which must return the two jobs' total.
fn timed(how: &'static str, run: impl FnOnce() -> Result<u128>) -> Result<(Timing, u128)> {
    let start = Instant::now();
    let total = run()?;
    Ok((Timing { how, secs: start.elapsed().as_secs_f64() }, total))
}

/// The two jobs, one after the other, in main.
fn serial(stage: &Stage, n: u64) -> Result<(Timing, u128)> {
    let bars = stage.progress_bars(&["job 1".into(), "job 2".into()], chunks(n));
    let result = timed("serial (twice in a row)", || {
        Ok((0..2).map(|w| job(0..n, |done| bars.bar(w).set_position(done))).sum())
    });
    bars.clear();
    result
}

/// The two jobs in two threads.
fn threads(stage: &mut Stage, n: u64) -> Result<(Timing, u128)> {
    let bars = stage.progress_bars(&["thread-1".into(), "thread-2".into()], chunks(n));
    let result = timed("2 threads", || {
        Ok(std::thread::scope(|s| {
            let workers: Vec<_> = (0..2)
                .map(|w| {
                    let bar = bars.bar(w);
                    s.spawn(move || job(0..n, |done| bar.set_position(done)))
                })
                .collect();
            workers.into_iter().map(|w| w.join().expect("a job does not panic")).sum()
        }))
    });
    bars.clear();
    result
}

/// The two jobs in two forked processes, sending their results back over a
/// queue as the notes do. Their progress reaches the parent's bars through
/// shared memory.
fn processes(stage: &mut Stage, n: u64) -> Result<(Timing, u128)> {
    let bars = stage.progress_bars(&["process-1".into(), "process-2".into()], chunks(n));
    let results = stage.queue::<u128>(None)?;
    let progress = [SharedInt::new()?, SharedInt::new()?];
    let result = timed("2 processes", || {
        let mut workers = Vec::new();
        for (w, done) in progress.iter().enumerate() {
            let name = format!("process-{}", w + 1);
            let (results, done) = (&results, done);
            workers.push(
                stage.process(&name, move |_| results.put(&job(0..n, |d| done.set(d as i32)))).start()?,
            );
        }
        stage.join_all_ticking(&workers, Duration::from_millis(50), || {
            for (w, done) in progress.iter().enumerate() {
                bars.bar(w).set_position(done.get() as u64);
            }
        });
        Ok(stage.get(&results) + stage.get(&results))
    });
    bars.clear();
    result
}

/// The same two jobs cut into one part per core each, run by rayon on a pool
/// of its own: every core busy until the work is done.
fn with_rayon(stage: &mut Stage, n: u64) -> Result<(Timing, u128)> {
    let cores = stage.cpu_count() as u64;
    let parts = 2 * cores;
    // The sum over 0..n is the sum of the sums over its parts.
    let part = |k: u64| n * (k % cores) / cores..n * (k % cores + 1) / cores;
    let names: Vec<String> = (1..=parts).map(|k| format!("rayon part {k}")).collect();
    let bars = stage.progress_bars(&names, chunks(n / cores + 1));
    let pool = rayon::ThreadPoolBuilder::new().num_threads(cores as usize).build()?;
    let result = timed("rayon, all cores", || {
        Ok(pool.install(|| {
            (0..parts)
                .into_par_iter()
                .map(|k| job(part(k), |done| bars.bar(k as usize).set_position(done)))
                .sum()
        }))
    });
    bars.clear();
    result
}

/// The two jobs in two threads that must hold one emulated GIL to compute.
/// Returns the timing, the total and the most threads that ever held it at once.
fn under_a_gil(stage: &Stage, n: u64) -> Result<(Timing, u128, usize)> {
    let bars = stage.progress_bars(&["gil-thread-1".into(), "gil-thread-2".into()], chunks(n));
    let gil = Gil::new();
    let (timing, total) = timed("2 threads, emulated GIL", || {
        Ok(std::thread::scope(|s| {
            let workers: Vec<_> = (0..2)
                .map(|w| {
                    let (gil, bar) = (&gil, bars.bar(w));
                    s.spawn(move || {
                        let mut turn = gil.acquire();
                        job(0..n, |done| {
                            bar.set_position(done);
                            if turn.since.elapsed() >= SWITCH_INTERVAL {
                                turn.switch();
                            }
                        })
                    })
                })
                .collect();
            workers.into_iter().map(|w| w.join().expect("a job does not panic")).sum()
        }))
    })?;
    bars.clear();
    Ok((timing, total, gil.most_at_once.load(Ordering::SeqCst)))
}

/// Reports one timing as a measure, beside the serial time and the cores.
fn report(stage: &Stage, name: &str, timing: &Timing, serial: f64) {
    let speedup = serial / timing.secs;
    let cores = stage.cpu_count();
    let text = format!(
        "{:>7.3} s  {:>5.2}× serial  {:>4.0} % of {cores} cores  {}",
        timing.secs,
        speedup,
        100.0 * speedup / cores as f64,
        timing.how
    );
    stage.measure(name, timing.secs, "s", text);
}

/// The CPU-bound job every way, then CPython's, then what it means.
fn cpu_bound(stage: &mut Stage) -> Result<()> {
    let n = job_size(stage);
    let half = Instant::now();
    black_box(job(0..n / 2, |_| {}));
    let half = half.elapsed().as_secs_f64();
    let full = Instant::now();
    black_box(job(0..n, |_| {}));
    let full = full.elapsed().as_secs_f64();
    stage.note(format!(
        "Each job is {n} iterations (the notes' Python did a million, which Rust does in milliseconds). \
         The whole job took {:.2}× as long as half of it: the loop really runs; it was not folded into \
         a formula.",
        full / half
    ));
    stage.measure(
        "work_doubles",
        full / half,
        "×",
        format!("job of {n} vs {}: {:.2}× the time", n / 2, full / half),
    );

    let (serial, expected) = serial(stage, n)?;
    report(stage, "serial", &serial, serial.secs);
    type Mode = fn(&mut Stage, u64) -> Result<(Timing, u128)>;
    let modes: [(&str, Mode); 3] = [("threads", threads), ("processes", processes), ("rayon", with_rayon)];
    let mut others = Vec::new();
    for (name, mode) in modes {
        let (timing, total) = mode(stage, n)?;
        anyhow::ensure!(total == expected, "{} computed {total}, not {expected}", timing.how);
        report(stage, name, &timing, serial.secs);
        others.push((name, timing.secs));
    }
    let (gil, total, most_at_once) = under_a_gil(stage, n)?;
    anyhow::ensure!(total == expected, "the GIL threads computed {total}, not {expected}");
    report(stage, "emulated_gil", &gil, serial.secs);
    stage.measure(
        "gil_most_at_once",
        most_at_once as f64,
        "threads",
        format!("threads holding the emulated GIL at once, at most: {most_at_once}"),
    );

    let speedup =
        |name: &str| others.iter().find(|(n, _)| *n == name).map_or(0.0, |(_, secs)| serial.secs / secs);
    let threads_scaled = speedup("threads") >= 1.5;
    stage.note(format!(
        "{} Under the emulated GIL the same 2 threads ran at {:.2}× serial: only the holder computes, \
         and it hands over every {} ms, so two threads do one thread's work, plus the hand-overs.",
        if threads_scaled {
            format!("Real threads ran {:.2}× faster than serial and processes {:.2}×: the two jobs ran at once, one per core.", speedup("threads"), speedup("processes"))
        } else {
            format!("On this run threads reached only {:.2}× and processes {:.2}×: this machine did not give the two jobs a core each (it is busy, or has one core).", speedup("threads"), speedup("processes"))
        },
        serial.secs / gil.secs,
        SWITCH_INTERVAL.as_millis()
    ));
    cpython_beside(stage)
}

/// The notes' demo in CPython, when python3 is on PATH.
fn cpython_beside(stage: &mut Stage) -> Result<()> {
    let n = if stage.quick() { 100_000 } else { 1_000_000 };
    stage.note(format!("Now the notes' own demo in CPython, run here by python3, {n} iterations per job:"));
    match stage.cpython(include_str!("../../lessons/python/gil.py"), &[&n.to_string()]) {
        Ok(python) => {
            let version = python.text("version").unwrap_or("3").to_string();
            let serial = python.number("serial").unwrap_or(f64::NAN);
            for (name, how) in [("serial", "serial"), ("threads", "2 threads"), ("processes", "2 processes")]
            {
                if let Some(secs) = python.number(name) {
                    let text =
                        format!("{secs:>7.3} s  {:>5.2}× serial  CPython {version}, {how}", serial / secs);
                    stage.measure(&format!("cpython_{name}"), secs, "s", text);
                }
            }
            if let (Some(threads), Some(processes)) = (python.number("threads"), python.number("processes")) {
                let (threads, processes) = (serial / threads, serial / processes);
                stage.note(format!(
                    "CPython's threads ran at {threads:.2}× serial and its processes at {processes:.2}×{}",
                    if threads < 1.3 {
                        ": the real GIL lets one thread run Python at a time, as the emulated one did; \
                         processes each have an interpreter, and a GIL, of their own."
                    } else {
                        ": more than a GIL should allow. With a job this small, start-up costs blur the \
                         picture; run without --quick."
                    }
                ));
            }
        }
        Err(why) => stage.note(format!("{why}; the Rust figures above stand alone.")),
    }
    Ok(())
}

/// Steps of sleep in each sleep-bound job, and how long each step sleeps.
const STEPS: u32 = 10;
const STEP: f64 = 0.1;

/// Sleep-bound work: serial, then in 2 threads under the emulated GIL, which
/// each let go of it while they sleep, as CPython's threads do around I/O.
fn sleep_bound(stage: &mut Stage) -> Result<()> {
    let clock = stage.clock();
    let start = Instant::now();
    for _ in 0..2 * STEPS {
        std::thread::sleep(clock.real(STEP));
    }
    let serial = clock.lesson_secs(start.elapsed());
    stage.measure("io_serial", serial, "s", format!("two sleep-bound jobs, serial: {serial:.2} s"));

    let gil = Gil::new();
    let start = Instant::now();
    std::thread::scope(|s| {
        for _ in 0..2 {
            s.spawn(|| {
                let mut turn = gil.acquire();
                for _ in 0..STEPS {
                    turn.release_while(|| std::thread::sleep(clock.real(STEP)));
                }
            });
        }
    });
    let threaded = clock.lesson_secs(start.elapsed());
    let text = format!(
        "the same in 2 threads under the emulated GIL: {threaded:.2} s ({:.2}× serial)",
        serial / threaded
    );
    stage.measure("io_emulated_gil", threaded, "s", text);
    stage.note(format!(
        "Sleep-bound threads overlapped even under the GIL: {:.2}× faster than serial. A thread lets go \
         of the GIL while it waits (CPython does this around every blocking call), so the other can run. \
         That is why threads do help Python with I/O, and do not with computation.",
        serial / threaded
    ));
    Ok(())
}
