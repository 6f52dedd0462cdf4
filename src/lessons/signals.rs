//! signals: the IPC of note 001's list that carries no data, only a number.
//! `os.kill` sends one; a handler catches it; SIGTERM can be caught and SIGKILL
//! cannot; SIGCHLD tells a parent that a child has ended, and the child stays a
//! zombie until it is waited for; a signal cuts a sleep short.
//!
//! In the children, signal-hook installs the handlers. Like CPython's own C
//! handler, each only records that the signal came (a flag, or a byte in a
//! pipe); the program reacts in ordinary code, where printing is safe.

use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use anyhow::Result;
use nix::errno::Errno;
use nix::sys::signal::Signal::{self, SIGCHLD, SIGTERM, SIGUSR1};
use nix::sys::time::TimeSpec;
use nix::time::{clock_nanosleep, ClockId, ClockNanosleepFlags};

use super::SceneFn;
use crate::events::LaneState;
use crate::stage::{ExitStatus, Lane, ProcState, Stage};
use crate::text;

pub const SCENES: &[SceneFn] =
    &[kill_and_a_handler, terminate_or_kill, a_zombie_until_joined, a_sleep_cut_short];

/// Python's `p.exitcode`: the exit code, or minus the signal that ended it.
fn exitcode(status: ExitStatus) -> i32 {
    match status {
        ExitStatus::Code(code) => code,
        ExitStatus::Signal(signal) => -(signal as i32),
    }
}

/// Python's `signal.signal(sig, handler)` for a handler that sets a flag,
/// which is all CPython's own C-level handler does.
fn flag_on(signal: Signal) -> Arc<AtomicBool> {
    let flag = Arc::new(AtomicBool::new(false));
    signal_hook::flag::register(signal as i32, Arc::clone(&flag)).expect("a handler can be installed");
    flag
}

/// `time.sleep(secs)` as `clock_nanosleep(2)`, which a handled signal ends
/// early with EINTR whatever SA_RESTART says. (Slept again only for a pause of
/// the lesson, which must not use up its time.) Returns the lesson seconds still
/// left when a signal cut it short, or 0 when it slept the whole time.
fn nanosleep(lane: &Lane, secs: f64) -> f64 {
    let until = lane.now() + secs;
    lane.set_state(LaneState::Sleeping, format!("sleep({})", (secs * 100.0).round() / 100.0), None);
    let interrupted = lane.clock().retry_until(until, |left| {
        let asked = TimeSpec::from_duration(left);
        let slept = clock_nanosleep(ClockId::CLOCK_MONOTONIC, ClockNanosleepFlags::empty(), &asked);
        (slept == Err(Errno::EINTR)).then_some(())
    });
    lane.set_state(LaneState::Running, "awake", None);
    match interrupted {
        Some(()) => (until - lane.now()).max(0.0),
        None => 0.0,
    }
}

/// `time.sleep(secs)` with a handler for the signal behind `caught`, as
/// CPython runs it since Python 3.5 (PEP 475): a signal cuts the sleep short
/// (EINTR), `handler` runs, and the sleep goes on for the time left.
fn sleep_running_handler(lane: &Lane, secs: f64, caught: &AtomicBool, handler: impl Fn()) {
    let mut left = secs;
    while left > 0.0 {
        left = nanosleep(lane, left);
        if caught.swap(false, Ordering::SeqCst) {
            handler();
        }
    }
}

/// Sleeps 3 s, handling SIGUSR1 whenever it comes.
fn listener(lane: &Lane) {
    let usr1 = flag_on(SIGUSR1);
    sleep_running_handler(lane, 3.0, &usr1, || lane.say(format!("handler: got signal {}", SIGUSR1 as i32)));
    lane.say("listener done");
}

/// Has no handler: SIGUSR1's default action ends it.
fn bystander(lane: &Lane) {
    lane.sleep(5.0);
    lane.say("bystander done");
}

/// `os.kill(pid, SIGUSR1)`: caught by a handler in one child, fatal to the other.
fn kill_and_a_handler(stage: &mut Stage) -> Result<()> {
    let a = stage.process("a", listener).start()?;
    let b = stage.process("b", bystander).start()?;
    for _ in 0..3 {
        stage.sleep(0.5);
        stage.os_kill(a, SIGUSR1);
    }
    stage.os_kill(b, SIGUSR1);
    let (a_status, b_status) = (stage.join(a), stage.join(b));
    stage.say(format!("a.exitcode {} b.exitcode {}", exitcode(a_status), exitcode(b_status)));
    let handled = stage.lines_of("a").iter().filter(|line| line.starts_with("handler")).count();
    stage.note(text!(
        "a handled SIGUSR1 {handled} times and went on; b had no handler, so the signal's default action \
         ended it: b {b_status}, which Python reports as exitcode {}.\nA signal carries nothing but its \
         number. a's handler, like CPython's C-level one, only set a flag; the signal cut a's sleep short, \
         the handler's own code ran in the program's normal flow, and the sleep went on.{}",
        exitcode(b_status),
        if handled < 3 {
            " Three were sent: signals of one kind that arrive while one is still pending merge into one."
        } else {
            ""
        }
    ));
    Ok(())
}

/// A worker whose SIGTERM handler turns the signal into a clean exit.
fn worker(lane: &Lane) {
    let name = lane.name().to_string();
    let terminated = flag_on(SIGTERM);
    lane.say(format!("{name} working"));
    nanosleep(lane, 10.0);
    if !terminated.load(Ordering::SeqCst) {
        lane.say(format!("{name} done"));
    }
    lane.say(format!("{name}: cleanup"));
}

/// `terminate()` is SIGTERM, which a handler catches; `kill()` is SIGKILL,
/// which nothing catches.
fn terminate_or_kill(stage: &mut Stage) -> Result<()> {
    let a = stage.process("a", worker).start()?;
    let b = stage.process("b", worker).start()?;
    stage.sleep(1.0);
    stage.terminate(a);
    let b_status = stage.kill(b); // b.kill(), then b.join()
    let a_status = stage.join(a);
    stage.say(format!("a.exitcode {} b.exitcode {}", exitcode(a_status), exitcode(b_status)));
    let cleaned = |lane: &str| stage.lines_of(lane).iter().any(|line| line.ends_with(": cleanup"));
    let b_last = stage.last_said("b").unwrap_or_default();
    stage.note(text!(
        "a {a_status}: {}. b {b_status}: {}, and the last line it printed was \"{b_last}\".\nThe kernel \
         ends a process on SIGKILL without running any of its code, so kill() (or kill -9) is the last \
         resort: files half written stay so, and temporary files stay behind.",
        if cleaned("a") {
            "its handler ran, it skipped the rest of its work and did its cleanup"
        } else {
            "its cleanup line never came"
        },
        if cleaned("b") { "it did its cleanup" } else { "its cleanup never ran" }
    ));
    Ok(())
}

/// SIGCHLD tells main its child has ended; the child is a zombie (state Z)
/// until the join reaps it.
fn a_zombie_until_joined(stage: &mut Stage) -> Result<()> {
    let sigchld = stage.catch(SIGCHLD)?;
    let p = stage.process("p", |lane| lane.say("child: done")).reaped_by_join().start()?;
    stage.signal_pause(&sigchld);
    let woken = stage.now();
    stage.say("SIGCHLD: a child has exited");
    let pid = stage.pid_of(p);
    let state = ProcState::read(pid).map_or('?', |state| state.main.state);
    stage.say(format!("state: {state}"));
    stage.sleep(1.0);
    stage.join(p);
    let zombie_for = stage.now() - woken;
    let gone = !Path::new(&format!("/proc/{pid}")).exists();
    stage.say(format!("after join: {}", if gone { "False" } else { "True" }));
    let state = if state == 'Z' { format!("{state} (a zombie)") } else { state.to_string() };
    stage.note(text!(
        "Between its exit and the join, /proc/{pid} showed state {state}: the process had ended and its \
         memory was freed, but its entry (pid, exit status) stayed in the process table for the parent \
         to collect, {zombie_for:.2} s here.\nSIGCHLD was the kernel telling main; join()'s waitpid() collected it \
         and the entry {}. CPython reaps only in join(), is_alive(), active_children() and the next \
         start(): a parent that never does leaves a zombie per child until it exits.",
        if gone { "went away" } else { "was still there" }
    ));
    Ok(())
}

/// Catches SIGUSR1 and, as CPython's `time.sleep` does since Python 3.5 (PEP
/// 475), sleeps again for what was left.
fn patient(lane: &Lane) {
    let usr1 = flag_on(SIGUSR1);
    let start = lane.now();
    sleep_running_handler(lane, 3.0, &usr1, || lane.say("patient: handler ran"));
    lane.say(format!("patient: slept {:.1} s", lane.now() - start));
}

/// Catches SIGUSR1 with a handler that raises: the sleep ends there.
fn impatient(lane: &Lane) {
    let interrupted = flag_on(SIGUSR1);
    let start = lane.now();
    nanosleep(lane, 3.0);
    if interrupted.load(Ordering::SeqCst) {
        lane.say(format!("impatient: sleep cut short after {:.1} s", lane.now() - start));
    }
}

/// A signal cuts a blocking sleep short (EINTR): retried, or given up.
fn a_sleep_cut_short(stage: &mut Stage) -> Result<()> {
    let started = stage.now();
    let a = stage.process("patient", patient).start()?;
    let b = stage.process("impatient", impatient).start()?;
    stage.sleep(1.0);
    let sent = stage.now() - started;
    stage.os_kill(a, SIGUSR1);
    stage.os_kill(b, SIGUSR1);
    stage.join(a);
    stage.join(b);
    stage.note(text!(
        "SIGUSR1 came {sent:.2} s into both 3-second sleeps, and each clock_nanosleep() returned early \
         with EINTR, the kernel's \"interrupted by a signal\".\npatient ran its handler and slept the \
         {:.2} s left, as CPython's time.sleep does since Python 3.5 (PEP 475), and Rust's \
         std::thread::sleep too; impatient's handler raised, and its sleep ended there. A read() or \
         write() that has moved no data yet is restarted by the kernel itself when the handler was \
         installed with SA_RESTART, as signal-hook's are; sleeps and waits like poll() never are.",
        (3.0 - sent).max(0.0)
    ));
    Ok(())
}
