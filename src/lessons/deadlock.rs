//! deadlock: two threads take locks A and B in opposite orders and hang for
//! real (note 004). The watchdog names the cycle while they are stuck; then the
//! ways out: a timeout, one order for everyone, `try_lock` with back-off; and the
//! same deadlock between two processes.

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;

use anyhow::Result;

use super::SceneFn;
use crate::events::{Kind, LaneState};
use crate::explore::{self, stream::group, stream::percent, Outcome};
use crate::stage::{Lane, LockSet, ProcState, SharedLock, Stage, TracedLock, Watched};
use crate::text;

pub const SCENES: &[SceneFn] = &[
    opposite_orders_deadlock,
    a_timeout_breaks_it,
    one_order_for_everyone,
    try_lock_and_back_off,
    two_processes_deadlock,
];

/// How long every member of a cycle must have waited before the watchdog calls
/// it a deadlock: far longer than any wait in these scenes that ends by itself.
const PATIENCE: f64 = 2.0;

/// The notes' `MyThread1.run`: takes A, pauses, then waits for B with no
/// timeout, and prints each lock it gets. The watchdog may refuse its wait.
fn my_thread_1(lane: &Lane, a: &TracedLock, b: &TracedLock) {
    let Ok(_a) = a.acquire(lane) else { return };
    lane.say(format!("{} got A", lane.name()));
    lane.sleep(0.1);
    if let Ok(_b) = b.acquire(lane) {
        lane.say(format!("{} got B", lane.name()));
    }
}

/// The notes' `MyThread2.run`: takes B, pauses, then waits for A, for ever or
/// for `timeout` seconds; it prints only what it got first, B.
fn my_thread_2(lane: &Lane, b: &TracedLock, a: &TracedLock, timeout: Option<f64>) {
    let Ok(_b) = b.acquire(lane) else { return };
    lane.say(format!("{} got B", lane.name()));
    lane.sleep(0.1);
    let got_a = match timeout {
        None => a.acquire(lane),
        Some(secs) => a.acquire_timeout(lane, secs),
    };
    match (got_a, timeout) {
        // The notes' fix prints here: `print(f'{self.name} got A')`.
        (Ok(_a), Some(_)) => lane.say(format!("{} got A", lane.name())),
        (Ok(_a), None) => {}
        (Err(why), _) => lane.set_state(LaneState::Running, text!("gave up waiting for A ({why:?})"), None),
    }
}

/// The notes' MyThread1 and MyThread2, without the timeout: a real deadlock.
/// The watchdog names the cycle, then breaks it by refusing Thread-2's wait.
fn opposite_orders_deadlock(stage: &mut Stage) -> Result<()> {
    let locks = LockSet::new(stage.clock());
    let (a, b) = (locks.lock_named("A"), locks.lock_named("B"));
    let (a1, b1, a2, b2) = (a.clone(), b.clone(), a, b);
    let t1 = stage.thread("Thread-1", move |lane| my_thread_1(lane, &a1, &b1));
    let t2 = stage.thread("Thread-2", move |lane| my_thread_2(lane, &b2, &a2, None));
    match stage.join_threads_with_watchdog(&[&t1, &t2], &locks, PATIENCE) {
        Some(cycle) => {
            let victim = cycle.links.last().map(|link| link.who.clone()).unwrap_or_default();
            stage.note(text!(
                "Neither thread will ever move again: that is a deadlock, and the program would hang \
                 here forever. To go on, the watchdog refuses {victim}'s wait, as a timeout would: \
                 {victim} gives up, releases what it holds, and the other thread can finish."
            ));
            locks.refuse(&victim);
        }
        None => stage.warn("the threads finished without deadlocking: this run did not show it"),
    }
    stage.join_thread(t1)?;
    stage.join_thread(t2)?;
    every_order(stage);
    Ok(())
}

/// How many of every order of the notes' two threads' steps deadlock, as the
/// explorer counts them.
fn every_order(stage: &mut Stage) {
    let Ok((_, program)) = explore::builtin("two-locks") else { return };
    let Ok(all) = explore::explore(&program) else { return };
    let stuck = all.endings.iter().find(|e| e.outcome == Outcome::Deadlock).map_or(0, |e| e.count);
    stage.note(text!(
        "Of the {} orders the notes' two threads can run their steps in (take a lock, print, take the \
         other, print, release both), {stuck} ({}) end in a deadlock: see them with concur-tutor \
         explore two-locks, and cause one yourself with --play.",
        group(all.schedules),
        percent(stuck, all.schedules)
    ));
}

/// The notes' fix: Thread-2 waits for A at most 5 s, then gives up and
/// releases B, and Thread-1 gets B.
fn a_timeout_breaks_it(stage: &mut Stage) -> Result<()> {
    let locks = LockSet::new(stage.clock());
    let (a, b) = (locks.lock_named("A"), locks.lock_named("B"));
    let (a1, b1, a2, b2) = (a.clone(), b.clone(), a, b);
    let mark = stage.event_count();
    let t1 = stage.thread("Thread-1", move |lane| my_thread_1(lane, &a1, &b1));
    let t2 = stage.thread("Thread-2", move |lane| my_thread_2(lane, &b2, &a2, Some(5.0)));
    // The watchdog would wait longer than the timeout: here the timeout must win.
    let caught = stage.join_threads_with_watchdog(&[&t1, &t2], &locks, 5.0 + PATIENCE);
    stage.join_thread(t1)?;
    stage.join_thread(t2)?;
    if caught.is_none() {
        let events = stage.events_since(mark);
        let gave_up = events
            .iter()
            .find(|e| e.lane == "Thread-2" && e.kind == Kind::State && e.text.starts_with("gave up"))
            .map(|e| e.t);
        let got_a =
            events.iter().any(|e| e.lane == "Thread-2" && e.kind == Kind::Say && e.text.ends_with("got A"));
        stage.note(text!(
            "Thread-2 gave up{} and released B, so Thread-1 got B and finished. A timeout does not \
             prevent the deadlock, it ends it, after the whole timeout, and the thread that gave up \
             did not do its work.",
            gave_up.map_or(String::new(), |t| format!(" at {t:.2} s"))
        ));
        // About the notes' text, not about this run: say which, and what this run did.
        stage.note(if got_a {
            "In the notes, the print after acquire(timeout=5) says \"got B\", a slip for A. In this run \
             it ran: Thread-2's acquire(timeout=5) returned True."
        } else {
            "In the notes, the print after acquire(timeout=5) says \"got B\", a slip for A. In this run \
             it did not run: Thread-2's acquire(timeout=5) returned False."
        });
    }
    Ok(())
}

/// How many times each thread takes both locks in `one_order_for_everyone`.
const ROUNDS: usize = 1000;

/// Both threads take A before B, a thousand times each: no cycle can form.
fn one_order_for_everyone(stage: &mut Stage) -> Result<()> {
    let locks = LockSet::new(stage.clock());
    let (a, b) = (locks.lock_named("A"), locks.lock_named("B"));
    let worker = |a: TracedLock, b: TracedLock| {
        move |lane: &Lane| {
            for _ in 0..ROUNDS {
                let (Ok(_a), Ok(_b)) = (a.acquire(lane), b.acquire(lane)) else { return };
            }
            lane.set_state(LaneState::Running, text!("took A then B {ROUNDS} times"), None);
        }
    };
    let t1 = stage.thread("Thread-1", worker(a.clone(), b.clone()));
    let t2 = stage.thread("Thread-2", worker(a, b));
    let caught = stage.join_threads_with_watchdog(&[&t1, &t2], &locks, PATIENCE);
    stage.join_thread(t1)?;
    stage.join_thread(t2)?;
    if caught.is_none() {
        stage.note(text!(
            "{} rounds, no deadlock: a thread holding A never waits for a thread holding B while that \
             one waits for A, because nobody takes B first. One global order for taking locks is the \
             usual cure, and it costs nothing at run time.",
            2 * ROUNDS
        ));
    }
    Ok(())
}

/// Takes `first`, then only tries `second`; on failure lets go of both, backs
/// off for a random moment, and starts again. Counts its back-offs in `backed_off`.
fn take_both_or_back_off(lane: &Lane, first: &TracedLock, second: &TracedLock, backed_off: &AtomicU32) {
    loop {
        let Ok(_first) = first.acquire(lane) else { return };
        lane.sleep(0.1);
        if let Some(_second) = second.try_acquire(lane) {
            lane.set_state(LaneState::Running, text!("got {} and {}", first.name(), second.name()), None);
            return;
        }
        backed_off.fetch_add(1, Ordering::SeqCst);
        lane.set_state(
            LaneState::Running,
            text!("{} is taken: lets go of {}", second.name(), first.name()),
            None,
        );
        drop(_first);
        lane.sleep(fastrand::f64() * 0.3);
    }
}

/// "1 back-off", "2 back-offs".
fn back_offs(n: u32) -> String {
    format!("{n} back-off{}", if n == 1 { "" } else { "s" })
}

/// Opposite orders again, but the second lock is only tried: whoever fails
/// lets go and retries after a random pause, so one of them gets through.
fn try_lock_and_back_off(stage: &mut Stage) -> Result<()> {
    let locks = LockSet::new(stage.clock());
    let (a, b) = (locks.lock_named("A"), locks.lock_named("B"));
    let (a1, b1, a2, b2) = (a.clone(), b.clone(), a, b);
    let backed_off = Arc::new(AtomicU32::new(0));
    let (count1, count2) = (Arc::clone(&backed_off), Arc::clone(&backed_off));
    let t1 = stage.thread("Thread-1", move |lane| take_both_or_back_off(lane, &a1, &b1, &count1));
    let t2 = stage.thread("Thread-2", move |lane| take_both_or_back_off(lane, &b2, &a2, &count2));
    let caught = stage.join_threads_with_watchdog(&[&t1, &t2], &locks, PATIENCE);
    stage.join_thread(t1)?;
    stage.join_thread(t2)?;
    if caught.is_none() {
        stage.note(text!(
            "Both finished, after {} between them. try_lock never waits, so no \
             cycle of waiting can form; the random pause keeps the two from retrying in lockstep \
             forever (a livelock).",
            back_offs(backed_off.load(Ordering::SeqCst))
        ));
    }
    Ok(())
}

/// Takes `first`, pauses, then waits for `second`: between processes, over
/// locks in shared memory.
fn take_both_shared(
    lane: &Lane,
    (first, first_name): (&SharedLock, &str),
    (second, second_name): (&SharedLock, &str),
) {
    let _first = first.lock();
    lane.set_state(LaneState::Running, text!("holds {first_name}"), None);
    lane.sleep(0.1);
    let _second = second.lock();
    lane.set_state(LaneState::Running, text!("holds {first_name} and {second_name}"), None);
}

/// The same two-lock deadlock between two processes. Nothing in the kernel
/// will ever wake them; the watchdog reads /proc and the locks' records, names
/// the cycle and ends both.
fn two_processes_deadlock(stage: &mut Stage) -> Result<()> {
    let (a, b) = (SharedLock::new()?, SharedLock::new()?);
    let p1 = stage.process("Process-1", |lane| take_both_shared(lane, (&a, "A"), (&b, "B"))).start()?;
    let p2 = stage.process("Process-2", |lane| take_both_shared(lane, (&b, "B"), (&a, "A"))).start()?;
    if let Watched::Stuck(_) = stage.join_with_watchdog(p1, PATIENCE) {
        match stage.process_deadlock(&[("A", &a), ("B", &b)]) {
            Some(cycle) => {
                stage.warn(text!("watchdog: deadlock between processes. {cycle}."));
                let seen: Vec<String> = [("Process-1", p1), ("Process-2", p2)]
                    .iter()
                    .map(|&(name, p)| {
                        let state = ProcState::read(stage.pid_of(p));
                        format!("{name}: {}", state.map_or("gone".to_string(), |s| s.to_string()))
                    })
                    .collect();
                stage.note(text!(
                    "/proc says {}. Each sleeps in the kernel on a lock word the other owns, and only \
                     the owner's release would wake it.\nA process lock has no timeout here and nobody \
                     to refuse a wait: the watchdog ends both (SIGKILL), and their locks die with them.",
                    seen.join("; ")
                ));
            }
            None => stage.warn("Process-1 is stuck, but the locks' records show no cycle"),
        }
        stage.kill(p1);
        stage.kill(p2);
    }
    Ok(())
}
