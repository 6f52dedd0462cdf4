//! start-methods: fork, spawn and a thread (notes 001 and 004). What each costs
//! to start, measured now; that a spawned child starts this program from
//! scratch while a forked one is a copy; and why forking while another thread
//! holds a lock is a trap.

use std::sync::atomic::{AtomicI32, Ordering};
use std::sync::{Arc, Barrier, Mutex};

use anyhow::Result;

use super::SceneFn;
use crate::events::LaneState;
use crate::stage::{start_up_pid, Entry, Lane, Stage, Watched};

pub const SCENES: &[SceneFn] = &[start_costs, spawn_starts_from_scratch, fork_while_a_thread_holds_a_lock];

/// A spawned child that does nothing: what starting one costs (used by costs too).
pub(super) const DO_NOTHING: Entry = Entry { name: "start-methods/do-nothing", body: |_| {} };
/// A spawned child that reports `SETTING` (scene 2).
pub(super) const REPORT: Entry = Entry { name: "start-methods/report", body: report };
/// A spawned child that takes the lock (scene 3).
pub(super) const TAKE_LOCK: Entry = Entry { name: "start-methods/take-lock", body: take_lock };

/// How many starts each median is taken over.
const RUNS: usize = 11;

/// Times `RUNS` starts of a child that does nothing, in milliseconds.
fn start_ms(stage: &mut Stage, start_and_join: impl FnMut(&mut Stage) -> Result<()>) -> Result<f64> {
    Ok(stage.median_time(RUNS, start_and_join)?.as_secs_f64() * 1e3)
}

/// Start + join of a child that does nothing, by fork, by spawn and as a
/// thread, measured here, beside CPython's on this machine.
fn start_costs(stage: &mut Stage) -> Result<()> {
    let fork = start_ms(stage, |stage| {
        let p = stage.process("fork", |_| {}).start()?;
        stage.join(p);
        Ok(())
    })?;
    let spawn = start_ms(stage, |stage| {
        let p = stage.spawn("spawn", &DO_NOTHING)?;
        stage.join(p);
        Ok(())
    })?;
    let thread = start_ms(stage, |_| {
        std::thread::spawn(|| {}).join().expect("an empty thread does not panic");
        Ok(())
    })?;
    stage.measure("fork_start", fork, "ms", format!("fork: start + join {fork:.3} ms (median of {RUNS})"));
    stage.measure(
        "spawn_start",
        spawn,
        "ms",
        format!("spawn: start + join {spawn:.3} ms (median of {RUNS})"),
    );
    stage.measure(
        "thread_start",
        thread,
        "ms",
        format!("thread (std::thread::spawn): start + join {thread:.3} ms (median of {RUNS})"),
    );
    stage.note(format!(
        "Here spawn costs {:.0}× a fork: the child is a new program, so exec, loading and start-up all run \
         again. A thread costs {:.0}× less than a fork: no new address space to set up at all.",
        spawn / fork,
        fork / thread
    ));

    stage.note("Now the same starts in CPython, run here by python3:");
    match stage.cpython(include_str!("../../lessons/python/start_costs.py"), &[]) {
        Ok(python) => {
            let version = python.text("version").unwrap_or("3").to_string();
            for (method, name) in [
                ("fork", "cpython_fork_start"),
                ("spawn", "cpython_spawn_start"),
                ("forkserver", "cpython_forkserver_start"),
                ("thread", "cpython_thread_start"),
            ] {
                if let Some(secs) = python.number(method) {
                    let ms = secs * 1e3;
                    stage.measure(
                        name,
                        ms,
                        "ms",
                        format!("CPython {version} {method}: start + join {ms:.3} ms"),
                    );
                }
            }
            if let (Some(py_fork), Some(py_spawn)) = (python.number("fork"), python.number("spawn")) {
                stage.note(format!(
                    "CPython's fork costs {:.1}× ours and its spawn {:.1}× ours: its child must start an \
                     interpreter and import modules before it runs a line of yours, and its fork also \
                     sets up a Process object, pipes and a sentinel.",
                    py_fork * 1e3 / fork,
                    py_spawn * 1e3 / spawn
                ));
            }
        }
        Err(why) => stage.note(format!("{why}; the Rust figures above stand alone.")),
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
            stage.note(format!(
                "The forked child printed no start-up line, and it sees SETTING = {setting}: it never ran \
                 the program's start-up code. fork copied main mid-program, memory and all, and the child \
                 went on from there."
            ));
        }
    }
    let spawned_pid = stage.pid_of(spawned);
    if let Some(setting) = stage.last_said("spawned").as_deref().and_then(setting_in) {
        if ran_start_up(stage, "spawned", spawned_pid) {
            stage.note(format!(
                "The spawned child printed its own start-up line (pid {spawned_pid}), and it sees SETTING = \
                 {setting}: it is this program started again, which never ran main's assignment. CPython's \
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
    let _guard = LOCK.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
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
            stage.note(format!(
                "forked was started while holder held the lock, so its copy of the lock says \"locked\". {} \
                 In forked's memory no thread holds that lock: fork copies only the thread that calls it. \
                 So it waits in {blocked_in}() for a wake-up that can never come. The watchdog ends it.",
                released.map_or("holder has not released the lock yet.".to_string(), |t| format!(
                    "holder released it at {t:.2} s, in main's memory; forked was still blocked {:.2} s later.",
                    stage.now() - t
                ))
            ));
            stage.kill(child);
        }
        Watched::Ended(status) => stage.warn(format!(
            "forked {status} without getting stuck: this run did not show the hazard (the lock was free \
             in its copy). Run the scene again."
        )),
    }
    holder.join().expect("holder does not panic");
    let spawned = stage.spawn("spawned", &TAKE_LOCK)?;
    match stage.join_with_watchdog(spawned, 4.0) {
        Watched::Ended(status) => stage.note(format!(
            "The same child started by spawn got the lock at once and {status}: a fresh program has \
             fresh, unlocked locks. CPython forks with the same hazard (the logging module's lock is \
             the classic victim); 3.12 began to warn when a process with threads forks, and 3.14 made \
             forkserver, which forks from a clean single-threaded server, the default on Linux."
        )),
        Watched::Stuck(_) => {
            stage.kill(spawned);
        }
    }
    Ok(())
}
