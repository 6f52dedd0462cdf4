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

use super::figures::{sample, Load, Spread};
use super::SceneFn;
use crate::stage::{build_pool, spawn_scoped, spawn_thread, SharedInt, Stage, SWITCH_INTERVAL};
use crate::text;

pub const SCENES: &[SceneFn] = &[cpu_bound, sleep_bound];

/// Iterations between two looks at the clock and the progress bar.
const CHUNK: u64 = 1 << 16;

/// Iterations of the probe that times one iteration here.
const PROBE: u64 = 8 * CHUNK;

/// How long a job must take, at the least, against the start of a worker: a
/// job that is not much longer than a fork measures the fork.
const JOB_PER_START: f64 = 20.0;

/// The shortest job, in seconds, whatever a start costs.
const SHORTEST_JOB: f64 = 0.02;

/// Runs of each way, for its median and its spread.
const REPEATS: usize = 3;

/// Iterations per job: long enough to measure here (the notes' Python used a
/// million, which Rust does in a few milliseconds), and in `--quick` no longer
/// than that: `JOB_PER_START` times a fork at least, given `per_iteration`.
fn job_size(stage: &Stage, per_iteration: f64, fork: f64) -> u64 {
    let full = 1600 * CHUNK;
    if !stage.quick() {
        return full;
    }
    let secs = (JOB_PER_START * fork).max(SHORTEST_JOB);
    let chunks = (secs / per_iteration / CHUNK as f64).ceil() as u64;
    chunks.clamp(4, 1600) * CHUNK
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

/// How one way of running the two jobs did: its median time, which `report`
/// uses; the spread of its repeats is kept beside it by `cpu_bound`.
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

/// Runs one way `REPEATS` times, `load` looking at the machine before each:
/// the timing of the median run (with the total, checked by the caller) and
/// the spread of all runs.
fn repeated(
    stage: &mut Stage,
    load: &mut Load,
    mut run: impl FnMut(&mut Stage) -> Result<(Timing, u128)>,
) -> Result<(Timing, u128, Spread)> {
    let mut runs = Vec::with_capacity(REPEATS);
    for _ in 0..REPEATS {
        load.look();
        runs.push(run(stage)?);
    }
    let spread = Spread::of(runs.iter().map(|(timing, _)| timing.secs).collect());
    runs.sort_by(|a, b| a.0.secs.total_cmp(&b.0.secs));
    let (timing, total) = runs.swap_remove(REPEATS / 2);
    Ok((timing, total, spread))
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
                    spawn_scoped(s, move || job(0..n, |done| bar.set_position(done)))
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
    let pool = build_pool(rayon::ThreadPoolBuilder::new().num_threads(cores as usize));
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
                    spawn_scoped(s, move || {
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

/// Reports one timing as a measure, beside the serial time and the cores,
/// with the fastest and slowest of its repeats.
fn report(stage: &Stage, name: &str, timing: &Timing, spread: &Spread, serial: f64) {
    let speedup = serial / timing.secs;
    let cores = stage.cpu_count();
    let text = text!(
        "{:>7.3} s  {:>5.2}× serial  {:>4.0} % of {cores} cores  {:.3}–{:.3} s  {}",
        timing.secs,
        speedup,
        100.0 * speedup / cores as f64,
        spread.fastest,
        spread.slowest,
        timing.how
    );
    stage.measure(name, timing.secs, "s", text);
}

/// Whether the repeats of a way disagree so much (the slowest over 1.5× the
/// fastest) that the machine, not the way, made the difference.
fn unsteady(spread: &Spread) -> bool {
    spread.slowest > 1.5 * spread.fastest
}

/// The CPU-bound job every way, then CPython's, then what it means. What the
/// notes conclude from the speed-ups is said only where the figures bear it
/// out: jobs far longer than a start, repeats that agree, two cores free.
fn cpu_bound(stage: &mut Stage) -> Result<()> {
    let mut load = Load::new(stage);
    let fork = sample(stage, &mut load, 5, 1, |stage| {
        let p = stage.process("fork", |_| {}).start()?;
        stage.join(p);
        Ok(())
    })?;
    let thread = sample(stage, &mut load, 5, 1, |_| {
        spawn_thread(|| {}).join().expect("an empty thread does not panic");
        Ok(())
    })?;
    let half = Instant::now();
    black_box(job(0..PROBE / 2, |_| {}));
    let half = half.elapsed().as_secs_f64();
    let full = Instant::now();
    black_box(job(0..PROBE, |_| {}));
    let full = full.elapsed().as_secs_f64();
    stage.measure(
        "work_doubles",
        full / half,
        "×",
        text!("job of {PROBE} vs {}: {:.2}× the time", PROBE / 2, full / half),
    );
    let n = job_size(stage, full / PROBE as f64, fork.median);

    let (serial, expected, serial_spread) = repeated(stage, &mut load, |stage| serial(stage, n))?;
    report(stage, "serial", &serial, &serial_spread, serial.secs);
    let job_secs = serial.secs / 2.0;
    stage.note(text!(
        "Each job is {n} iterations (the notes' Python did a million, which Rust does in milliseconds): \
         {:.1} ms here, {:.0}× a fork ({:.3} ms) and {:.0}× a thread start ({:.3} ms), so starting the \
         workers is {} part of each figure.\nThe probe of {PROBE} iterations took {:.2}× as long as half \
         of it: the loop really runs; it was not folded into a formula.",
        job_secs * 1e3,
        job_secs / fork.median,
        fork.median * 1e3,
        job_secs / thread.median,
        thread.median * 1e3,
        if job_secs >= 10.0 * fork.median { "a small" } else { "a large" },
        full / half
    ));
    type Mode = fn(&mut Stage, u64) -> Result<(Timing, u128)>;
    let modes: [(&str, Mode); 3] = [("threads", threads), ("processes", processes), ("rayon", with_rayon)];
    let mut others = Vec::new();
    for (name, mode) in modes {
        let (timing, total, spread) = repeated(stage, &mut load, |stage| mode(stage, n))?;
        anyhow::ensure!(total == expected, "{} computed {total}, not {expected}", timing.how);
        report(stage, name, &timing, &spread, serial.secs);
        others.push((name, timing, spread));
    }
    let mut most_at_once = 0;
    let (gil, total, gil_spread) = repeated(stage, &mut load, |stage| {
        let (timing, total, most) = under_a_gil(stage, n)?;
        most_at_once = most_at_once.max(most);
        Ok((timing, total))
    })?;
    anyhow::ensure!(total == expected, "the GIL threads computed {total}, not {expected}");
    report(stage, "emulated_gil", &gil, &gil_spread, serial.secs);
    stage.measure(
        "gil_most_at_once",
        most_at_once as f64,
        "threads",
        text!("threads holding the emulated GIL at once, at most: {most_at_once}"),
    );

    let of = |name: &str| others.iter().find(|(n, _, _)| *n == name).expect("every way was run");
    let speedup = |name: &str| serial.secs / of(name).1.secs;
    let cores = stage.cpu_count();
    // The finding speaks of serial, threads and processes: only their repeats must agree.
    let unsteady_way = [("serial", &serial, &serial_spread)]
        .into_iter()
        .chain(others.iter().map(|(name, timing, spread)| (*name, timing, spread)))
        .filter(|(name, _, _)| *name != "rayon")
        .find(|(_, _, spread)| unsteady(spread));
    let finding = if let Some((_, timing, spread)) = unsteady_way {
        text!(
            "The repeats of {} ran from {:.3} to {:.3} s: the jobs did not get the same CPU from one run \
             to the next ({} other tasks running, on {cores} cores), so these speed-ups cannot be \
             trusted. Run the scene again when the machine is quieter.",
            timing.how,
            spread.fastest,
            spread.slowest,
            load.others()
        )
    } else if cores < 2 {
        text!("This process may use {cores} core: two jobs cannot run at once here, whatever runs them.")
    } else if speedup("threads") >= 1.5 {
        text!(
            "Real threads ran {:.2}× faster than serial and processes {:.2}×: the two jobs ran at once, \
             one per core.",
            speedup("threads"),
            speedup("processes")
        )
    } else if load.busy() {
        text!(
            "Threads reached only {:.2}× and processes {:.2}×, with repeats that agree and jobs far \
             longer than a start: the two jobs did not get a core each. {} other tasks were running, on \
             {cores} cores: other work held the cores.",
            speedup("threads"),
            speedup("processes"),
            load.others()
        )
    } else {
        text!(
            "Threads reached only {:.2}× and processes {:.2}×, with repeats that agree and jobs far \
             longer than a start, though fewer other tasks ({}) than cores ({cores}) were running: \
             something this lesson cannot see kept the jobs from a core each (a CPU quota, say).",
            speedup("threads"),
            speedup("processes"),
            load.others()
        )
    };
    stage.note(finding);
    stage.note(text!(
        "Under the emulated GIL the same 2 threads ran at {:.2}× serial.\nOnly the holder computes, and \
         it hands over every {} ms, so two threads do one thread's work, plus the hand-overs.",
        serial.secs / gil.secs,
        SWITCH_INTERVAL.as_millis()
    ));
    cpython_beside(stage, &mut load)
}

/// The notes' demo in CPython, when python3 is on PATH: each way three times,
/// beside what starting a process and a thread costs CPython, so that what the
/// figures mean can be said from them.
fn cpython_beside(stage: &mut Stage, load: &mut Load) -> Result<()> {
    // Long beside a CPython process start, even in --quick; the note checks it against the start measured.
    let n = if stage.quick() { 300_000 } else { 1_000_000 };
    stage.note(text!("Now the notes' own demo in CPython, run here by python3, {n} iterations per job:"));
    let python = stage.cpython(include_str!("../../lessons/python/gil.py"), &[&n.to_string()]);
    load.look();
    let python = match python {
        Ok(python) => python,
        Err(why) => {
            stage.note(text!("{why}; the Rust figures above stand alone."));
            return Ok(());
        }
    };
    let version = python.text("version").unwrap_or("3").to_string();
    let figure = |name: &str| python.text(name).and_then(Spread::parse);
    let (Some(serial), Some(threads), Some(processes), Some(start)) =
        (figure("serial"), figure("threads"), figure("processes"), figure("process_start"))
    else {
        stage.note("python3 printed no figures for this demo; the Rust figures above stand alone.");
        return Ok(());
    };
    for (name, how, figure) in [
        ("serial", "serial", &serial),
        ("threads", "2 threads", &threads),
        ("processes", "2 processes", &processes),
    ] {
        let text = text!(
            "{:>7.3} s  {:>5.2}× serial  {:.3}–{:.3} s  CPython {version}, {how}",
            figure.median,
            serial.median / figure.median,
            figure.fastest,
            figure.slowest
        );
        stage.measure(&format!("cpython_{name}"), figure.median, "s", text);
    }
    let (by_threads, by_processes) = (serial.median / threads.median, serial.median / processes.median);
    let job = serial.median / 2.0;
    let finding = if [&serial, &threads, &processes].into_iter().any(unsteady) {
        text!(
            "CPython's repeats disagree by more than half ({} other tasks running, on {} cores): its \
             speed-ups cannot be trusted on this run.",
            load.others(),
            load.cores
        )
    } else if by_threads >= 1.3 {
        text!(
            "CPython's threads ran at {by_threads:.2}× serial, more than one interpreter lock allows: this \
             run cannot be trusted."
        )
    } else if job < 10.0 * start.median {
        text!(
            "CPython's threads ran at {by_threads:.2}× serial: the GIL lets one thread run Python at a time, \
             as the emulated one did. Its processes' {by_processes:.2}× says little: a job here takes {:.0} \
             ms and starting a process {:.0} ms, so start-up is much of that figure; run without --quick.",
            job * 1e3,
            start.median * 1e3
        )
    } else if by_processes >= 1.5 {
        text!(
            "CPython's threads ran at {by_threads:.2}× serial and its processes at {by_processes:.2}×: the \
             GIL lets one thread run Python at a time, as the emulated one did; processes each have an \
             interpreter, and a GIL, of their own."
        )
    } else {
        text!(
            "CPython's threads ran at {by_threads:.2}× serial, as the GIL allows, but its processes only at \
             {by_processes:.2}×, with jobs of {:.0} ms against a {:.0} ms start: the two processes did not \
             get a core each ({} other tasks running, on {} cores).",
            job * 1e3,
            start.median * 1e3,
            load.others(),
            load.cores
        )
    };
    stage.note(finding);
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
    // Sleeps run at --speed: these are lesson seconds, as the sleeps are.
    stage.measure(
        "io_serial",
        serial,
        "s",
        text!("two sleep-bound jobs, serial: {serial:.2} s of lesson time"),
    );

    let gil = Gil::new();
    let start = Instant::now();
    std::thread::scope(|s| {
        for _ in 0..2 {
            spawn_scoped(s, || {
                let mut turn = gil.acquire();
                for _ in 0..STEPS {
                    turn.release_while(|| std::thread::sleep(clock.real(STEP)));
                }
            });
        }
    });
    let threaded = clock.lesson_secs(start.elapsed());
    let text = text!(
        "the same in 2 threads under the emulated GIL: {threaded:.2} s of lesson time ({:.2}× serial)",
        serial / threaded
    );
    stage.measure("io_emulated_gil", threaded, "s", text);
    stage.note(text!(
        "Sleep-bound threads overlapped even under the GIL: {:.2}× faster than serial. A thread lets go \
         of the GIL while it waits (CPython does this around every blocking call), so the other can run. \
         That is why threads do help Python with I/O, and do not with computation.",
        serial / threaded
    ));
    Ok(())
}
