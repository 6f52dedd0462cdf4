//! join-daemon: `p.join(timeout)` and `p.daemon = True`, run for real (note 000).
//!
//! Each scene is one Python program. When a scene's function returns, the Stage
//! does what CPython does when `__main__` ends: it terminates the daemon children
//! and waits for the others, and says so.

use anyhow::Result;

use super::SceneFn;
use crate::stage::{Lane, Stage};
use crate::text;

pub const SCENES: &[SceneFn] = &[
    join_with_timeout,
    daemon_dies_with_program,
    parent_does_not_join,
    daemon_before_start,
    threads_end_with_main,
];

/// The name CPython gives a scene's one `Process`, which the Python names not.
const CHILD: &str = "Process-1";

/// The notes' `run_sleep(t)`: say hello, sleep `t` seconds, say goodbye.
fn run_sleep(lane: &Lane, t: f64) {
    lane.say(format!("Process start: {}", lane.pid()));
    lane.sleep(t);
    lane.say("test...");
    lane.say(format!("Process {} end.", lane.pid()));
}

/// `p1.join(6)` on a 5 s child returns when it exits; `p2.join(3)` on a 10 s
/// child gives up, and the program then waits for p2 at exit.
fn join_with_timeout(stage: &mut Stage) -> Result<()> {
    stage.say(format!("Main Process: {}", stage.pid()));
    let p1 = stage.process("p1", |lane| run_sleep(lane, 5.0)).start()?;
    let p2 = stage.process("p2", |lane| run_sleep(lane, 10.0)).start()?;
    stage.join_timeout(p1, 6.0);
    stage.join_timeout(p2, 3.0);
    stage.say("Main process end.");
    Ok(())
}

/// The same program with `p2.daemon = True`: at exit p2 is terminated, so its
/// `test...` never comes.
fn daemon_dies_with_program(stage: &mut Stage) -> Result<()> {
    stage.say(format!("Main Process: {}", stage.pid()));
    let p1 = stage.process("p1", |lane| run_sleep(lane, 5.0)).start()?;
    let p2 = stage.process("p2", |lane| run_sleep(lane, 10.0)).daemon(true).start()?;
    stage.join_timeout(p1, 6.0);
    stage.join_timeout(p2, 3.0);
    stage.say("Main process end.");
    Ok(())
}

/// No `join()`: the parent's last line comes before the child's, and the
/// program still waits for the child before it exits.
fn parent_does_not_join(stage: &mut Stage) -> Result<()> {
    stage.say("parent starts");
    let _p = stage
        .process(CHILD, |lane| {
            lane.say("child starts");
            lane.sleep(2.0);
            lane.say("child ends");
        })
        .start()?;
    // p.join()
    stage.say("parent ends");
    Ok(())
}

/// Python checks `daemon` at run time and raises once the process has started:
/// main's code ends there, and p, still an ordinary child, is waited for at
/// exit. Here `daemon` exists only on the builder, and `start()` consumes the
/// builder, so the late assignment cannot be written at all: this run does what
/// the Python is left doing.
fn daemon_before_start(stage: &mut Stage) -> Result<()> {
    let p = stage.process(CHILD, |lane| run_sleep(lane, 10.0)).start()?;
    // p.daemon(true): error[E0599], no method named `daemon` found for struct `Proc`
    stage.note(text!(
        "Here the Python raises AssertionError('process has already started') and its traceback ends \
         main's code; {CHILD} (pid {}) stays an ordinary child. In Rust the line does not compile: a \
         started Proc has no daemon() (error[E0599], shown as text). So this run does what the Python is \
         left with: main's code ends, and the program waits for {CHILD}.",
        stage.pid_of(p)
    ));
    Ok(())
}

/// A Rust program whose main returns while a thread is still working: the
/// process exits and the thread with it. It runs in a process of its own so
/// that "main returns" is real.
fn threads_end_with_main(stage: &mut Stage) -> Result<()> {
    let program = stage
        .process("prog", |main| {
            let _ticker = main.thread("ticker", |ticker| {
                for i in 1..=10 {
                    ticker.say(format!("tick {i}"));
                    ticker.sleep(0.5);
                }
            });
            main.sleep(1.2);
            main.say("main returns");
        })
        .start()?;
    stage.join(program);
    let ticks = stage.lines_of("ticker").len();
    stage.note(text!(
        "ticker printed {ticks} of its 10 ticks. Nobody joined it, and when prog's main returned the \
         process exited and took the thread with it: every Rust thread behaves like a Python daemon \
         thread. To wait for a thread, keep its JoinHandle and call join()."
    ));
    Ok(())
}
