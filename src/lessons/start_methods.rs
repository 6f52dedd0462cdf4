//! start-methods: fork, spawn and a thread (notes 001 and 004). What each costs
//! to start, measured now; that a spawned child starts this program from
//! scratch while a forked one is a copy; and why forking while another thread
//! holds a lock is a trap.

use std::sync::atomic::{AtomicI32, Ordering};
use std::sync::{Arc, Barrier, Mutex};

use anyhow::Result;

use super::figures::{sample, Load, Spread};
use super::SceneFn;
use crate::events::{LaneState, Text};
use crate::stage::{spawn_thread, start_up_pid, Entry, Lane, Stage, Watched};
use crate::text;

pub const SCENES: &[SceneFn] = &[start_costs, spawn_starts_from_scratch, fork_while_a_thread_holds_a_lock];

/// The code spawned children of this lesson may run, found by name.
pub const ENTRIES: &[Entry] = &[DO_NOTHING, REPORT, TAKE_LOCK];

/// A spawned child that does nothing: what starting one costs (used by costs too).
pub(super) const DO_NOTHING: Entry = Entry { name: "start-methods/do-nothing", body: |_| {} };
/// A spawned child that reports `SETTING` (scene 2).
const REPORT: Entry = Entry { name: "start-methods/report", body: report };
/// A spawned child that takes the lock (scene 3).
const TAKE_LOCK: Entry = Entry { name: "start-methods/take-lock", body: take_lock };

/// How many starts each figure is taken over.
const RUNS: usize = 11;

/// Milliseconds, from seconds.
fn ms(secs: f64) -> f64 {
    secs * 1e3
}

/// A start cost as a measure's text: the median, and the fastest and slowest run.
fn start_text(who: &str, cost: &Spread) -> Text {
    text!(
        "{who}: start + join {:.3} ms (median of {RUNS}; {:.3}–{:.3} ms)",
        ms(cost.median),
        ms(cost.fastest),
        ms(cost.slowest)
    )
}

/// How `dear` compares with `cheap`, when their runs can be told apart: "12×".
fn times_dearer(dear: &Spread, cheap: &Spread) -> Option<String> {
    let ratio = dear.median / cheap.median;
    (dear.apart_from(cheap) && ratio > 1.0)
        .then(|| format!("{ratio:.prec$}×", prec = usize::from(ratio < 10.0)))
}

/// Start + join of a child that does nothing, by fork, by spawn and as a
/// thread, measured here, beside CPython's on this machine. Each figure keeps
/// its fastest and slowest run; a ratio is drawn only between figures whose
/// runs do not overlap, and a busy machine is said to be one.
fn start_costs(stage: &mut Stage) -> Result<()> {
    let mut load = Load::new(stage);
    let fork = sample(stage, &mut load, RUNS, 1, |stage| {
        let p = stage.process("fork", |_| {}).start()?;
        stage.join(p);
        Ok(())
    })?;
    let spawn = sample(stage, &mut load, RUNS, 1, |stage| {
        let p = stage.spawn("spawn", &DO_NOTHING)?;
        stage.join(p);
        Ok(())
    })?;
    let thread = sample(stage, &mut load, RUNS, 1, |_| {
        spawn_thread(|| {}).join().expect("an empty thread does not panic");
        Ok(())
    })?;
    stage.measure("fork_start", ms(fork.median), "ms", start_text("fork", &fork));
    stage.measure("spawn_start", ms(spawn.median), "ms", start_text("spawn", &spawn));
    stage.measure(
        "thread_start",
        ms(thread.median),
        "ms",
        start_text("thread (std::thread::spawn)", &thread),
    );
    if load.busy() {
        stage.note(text!(
            "Other work wanted every core while this ran ({} other tasks running, on {} cores): a start \
             may then wait for a core as long as it works, so these figures cannot be trusted to compare \
             fork, spawn and threads. Run the scene again when the machine is quieter.",
            load.others(),
            load.cores
        ));
    } else {
        stage.note(match times_dearer(&spawn, &fork) {
            Some(ratio) => text!(
                "Here spawn costs {ratio} a fork, and every spawn was slower than every fork: the child \
                 is a new program, so exec, loading and start-up all run again."
            ),
            None => text!(
                "Here spawn and fork could not be told apart: their runs overlap (fork {:.3}–{:.3} ms, \
                 spawn {:.3}–{:.3} ms), so no ratio is drawn.",
                ms(fork.fastest),
                ms(fork.slowest),
                ms(spawn.fastest),
                ms(spawn.slowest)
            ),
        });
        stage.note(match times_dearer(&fork, &thread) {
            Some(ratio) => text!(
                "A fork costs {ratio} a thread, and every fork was slower than every thread start: a \
                 thread needs no new address space at all."
            ),
            None => text!(
                "Here a fork and a thread start could not be told apart: their runs overlap (thread \
                 {:.3}–{:.3} ms, fork {:.3}–{:.3} ms), so no ratio is drawn.",
                ms(thread.fastest),
                ms(thread.slowest),
                ms(fork.fastest),
                ms(fork.slowest)
            ),
        });
    }

    stage.note("Now the same starts in CPython, run here by python3:");
    let python = stage.cpython(include_str!("../../lessons/python/start_costs.py"), &[]);
    load.look();
    match python {
        Ok(python) => {
            let version = python.text("version").unwrap_or("3").to_string();
            let figure = |name: &str| python.text(name).and_then(Spread::parse);
            for (method, name) in [
                ("fork", "cpython_fork_start"),
                ("spawn", "cpython_spawn_start"),
                ("forkserver", "cpython_forkserver_start"),
                ("thread", "cpython_thread_start"),
            ] {
                if let Some(cost) = figure(method) {
                    let text = text!(
                        "CPython {version} {method}: start + join {:.3} ms ({:.3}–{:.3} ms)",
                        ms(cost.median),
                        ms(cost.fastest),
                        ms(cost.slowest)
                    );
                    stage.measure(name, ms(cost.median), "ms", text);
                }
            }
            let (Some(py_fork), Some(py_spawn)) = (figure("fork"), figure("spawn")) else { return Ok(()) };
            match (times_dearer(&py_fork, &fork), times_dearer(&py_spawn, &spawn)) {
                (Some(forks), Some(spawns)) if !load.busy() => stage.note(text!(
                    "CPython's fork costs {forks} ours and its spawn {spawns} ours: its child must start \
                     an interpreter and import modules before it runs a line of yours, and its fork also \
                     sets up a Process object, pipes and a sentinel."
                )),
                _ => stage.note(
                    "CPython's starts and ours overlap in this run, or the machine was busy: no ratio is \
                     drawn between them.",
                ),
            }
        }
        Err(why) => stage.note(text!("{why}; the Rust figures above stand alone.")),
    }
    Ok(())
}

/// A global that main changes before it starts children, as code under
/// `if __name__ == '__main__':` would.
static SETTING: AtomicI32 = AtomicI32::new(0);

/// The line the program's start-up code prints (Python's top-level `print`),
/// said by a process that ran that code itself.
fn start_up_line(pid: i32) -> String {
    format!("start-up code runs in {pid}")
}

/// A child reports `SETTING`, after the start-up line if it ran the program's
/// start-up code itself (a spawned child does; a forked one is a copy of main).
fn report(lane: &Lane) {
    if start_up_pid() == lane.pid() {
        lane.say(start_up_line(lane.pid()));
    }
    lane.say(format!("{} sees SETTING = {}", lane.pid(), SETTING.load(Ordering::SeqCst)));
}

/// The value after "sees SETTING =" in a report.
fn setting_in(line: &str) -> Option<i32> {
    line.split_once("sees SETTING = ")?.1.parse().ok()
}

/// The same report from a forked child and from a spawned one: the forked one
/// is a copy of main, the spawned one ran the program's start-up again.
fn spawn_starts_from_scratch(stage: &mut Stage) -> Result<()> {
    // Main's start-up code ran when the tutor started, as a module's top level does.
    stage.say(start_up_line(start_up_pid()));
    SETTING.store(42, Ordering::SeqCst);
    let forked = stage.process("forked", report).start()?;
    stage.join(forked);
    let spawned = stage.spawn("spawned", &REPORT)?;
    stage.join(spawned);

    let ran_start_up =
        |stage: &Stage, lane: &str, pid: i32| stage.lines_of(lane).contains(&start_up_line(pid));
    let forked_pid = stage.pid_of(forked);
    if let Some(setting) = stage.last_said("forked").as_deref().and_then(setting_in) {
        if ran_start_up(stage, "forked", forked_pid) {
            stage.warn("the forked child ran the start-up code itself: this run did not show fork's copy");
        } else {
            stage.note(text!(
                "The forked child printed no start-up line, and it sees SETTING = {setting}: it never ran \
                 the program's start-up code. fork copied main mid-program, memory and all, and the child \
                 went on from there."
            ));
        }
    }
    let spawned_pid = stage.pid_of(spawned);
    if let Some(setting) = stage.last_said("spawned").as_deref().and_then(setting_in) {
        if ran_start_up(stage, "spawned", spawned_pid) {
            stage.note(text!(
                "The spawned child printed its own start-up line (pid {spawned_pid}), and it sees SETTING = \
                 {setting}: it is this program started again, which never ran main's assignment.\nCPython's \
                 spawn does the same: the child imports __main__ again, so top-level code runs again and \
                 code under `if __name__ == '__main__':` does not. That guard is what stops a spawned child \
                 from starting children of its own."
            ));
        } else {
            stage.warn("the spawned child did not run the start-up code itself");
        }
    }
    Ok(())
}

/// A lock in this program's memory, like the locks inside a logger or stdout.
static LOCK: Mutex<()> = Mutex::new(());

/// A child that takes `LOCK`.
fn take_lock(lane: &Lane) {
    lane.say("taking the lock...");
    let _guard =
        lane.waiting("lock.acquire()", || LOCK.lock().unwrap_or_else(|poisoned| poisoned.into_inner()));
    lane.say("got the lock");
}

/// A thread holds a lock while main forks: the child's copy of the lock is
/// locked, and nobody in the child will ever unlock it.
fn fork_while_a_thread_holds_a_lock(stage: &mut Stage) -> Result<()> {
    let holding = Arc::new(Barrier::new(2));
    let holder_holding = Arc::clone(&holding);
    // When holder let go, in lesson seconds: the Python's holder prints nothing.
    let released = Arc::new(Mutex::new(None));
    let holder_released = Arc::clone(&released);
    let holder = stage.thread("holder", move |lane| {
        let guard = LOCK.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        lane.set_state(LaneState::Running, "holds the lock", None);
        holder_holding.wait();
        lane.sleep(3.0);
        *holder_released.lock().unwrap_or_else(|poisoned| poisoned.into_inner()) = Some(lane.now());
        drop(guard);
        lane.set_state(LaneState::Running, "released the lock", None);
    });
    holding.wait();
    let child = stage.process("forked", take_lock).start()?;
    // Patient past the holder's release at 3 s: the child stays stuck even after it.
    match stage.join_with_watchdog(child, 5.0) {
        Watched::Stuck(stuck) => {
            let released = *released.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            let blocked_in = stuck
                .state
                .as_ref()
                .and_then(|s| s.main.syscall.clone())
                .unwrap_or("an unknown call".to_string());
            stage.note(text!(
                "forked was started while holder held the lock, so its copy of the lock says \"locked\". {} \
                 In forked's memory no thread holds that lock: fork copies only the thread that calls it.\n\
                 So it waits in {blocked_in}() for a wake-up that can never come. The watchdog ends it.",
                released.map_or("holder has not released the lock yet.".to_string(), |t| format!(
                    "holder released it at {t:.2} s, in main's memory; forked was still blocked {:.2} s later.",
                    stage.now() - t
                ))
            ));
            stage.kill(child);
        }
        Watched::Ended(status) => stage.warn(text!(
            "forked {status} without getting stuck: this run did not show the hazard (the lock was free \
             in its copy). Run the scene again."
        )),
    }
    holder.join().expect("holder does not panic");
    let spawned = stage.spawn("spawned", &TAKE_LOCK)?;
    match stage.join_with_watchdog(spawned, 4.0) {
        Watched::Ended(status) => stage.note(text!(
            "The same child started by spawn got the lock at once and {status}: a fresh program has \
             fresh, unlocked locks.\nCPython forks with the same hazard (the logging module's lock is \
             the classic victim); 3.12 began to warn when a process with threads forks, and 3.14 made \
             forkserver, which forks from a clean single-threaded server, the default on Linux."
        )),
        Watched::Stuck(_) => {
            stage.kill(spawned);
        }
    }
    Ok(())
}
