//! deadlock: two threads take locks A and B in opposite orders and hang for
//! real (note 004). The watchdog names the cycle while they are stuck; then the
//! ways out: a timeout, one order for everyone, `try_lock` with back-off; and the
//! same deadlock between two processes.

use anyhow::Result;

use super::SceneFn;
use crate::stage::{Lane, LockSet, ProcState, SharedLock, Stage, TracedLock, Watched};

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

/// Takes `first`, pauses, then waits for `second` with no timeout.
fn take_both(lane: &Lane, first: &TracedLock, second: &TracedLock) {
    let Ok(_first) = first.acquire(lane) else { return };
    lane.say(format!("got {}", first.name()));
    lane.sleep(0.1);
    lane.say(format!("waiting for {}...", second.name()));
    match second.acquire(lane) {
        Ok(_second) => lane.say(format!("got {}", second.name())),
        Err(why) => {
            lane.say(format!("gave up waiting for {} ({why:?}); releasing {}", second.name(), first.name()))
        }
    }
}

/// The notes' MyThread1 and MyThread2, without the timeout: a real deadlock.
/// The watchdog names the cycle, then breaks it by refusing thread-2's wait.
fn opposite_orders_deadlock(stage: &mut Stage) -> Result<()> {
    let locks = LockSet::new(stage.clock());
    let (a, b) = (locks.lock_named("A"), locks.lock_named("B"));
    let (a1, b1, a2, b2) = (a.clone(), b.clone(), a, b);
    let t1 = stage.thread("thread-1", move |lane| take_both(lane, &a1, &b1));
    let t2 = stage.thread("thread-2", move |lane| take_both(lane, &b2, &a2));
    match stage.join_threads_with_watchdog(&[&t1, &t2], &locks, PATIENCE) {
        Some(cycle) => {
            let victim = cycle.links.last().map(|link| link.who.clone()).unwrap_or_default();
            stage.note(format!(
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
    Ok(())
}

/// The notes' fix: thread-2 waits for A at most 5 s, then gives up and
/// releases B, and thread-1 gets B.
fn a_timeout_breaks_it(stage: &mut Stage) -> Result<()> {
    let locks = LockSet::new(stage.clock());
    let (a, b) = (locks.lock_named("A"), locks.lock_named("B"));
    let (a1, b1, a2, b2) = (a.clone(), b.clone(), a, b);
    let t1 = stage.thread("thread-1", move |lane| take_both(lane, &a1, &b1));
    let t2 = stage.thread("thread-2", move |lane| {
        let Ok(_b) = b2.acquire(lane) else { return };
        lane.say("got B");
        lane.sleep(0.1);
        lane.say("waiting for A, at most 5 s...");
        match a2.acquire_timeout(lane, 5.0) {
            Ok(_a) => lane.say("got A"),
            Err(_) => lane.say("timed out waiting for A; releasing B"),
        }
    });
    // The watchdog would wait longer than the timeout: here the timeout must win.
    let caught = stage.join_threads_with_watchdog(&[&t1, &t2], &locks, 5.0 + PATIENCE);
    stage.join_thread(t1)?;
    stage.join_thread(t2)?;
    if caught.is_none() {
        let gave_up =
            stage.said_by("thread-2").iter().find(|(_, line)| line.starts_with("timed out")).map(|(t, _)| *t);
        stage.note(format!(
            "thread-2 gave up{} and released B, so thread-1 got B and finished. A timeout does not \
             prevent the deadlock, it ends it, after the whole timeout, and the thread that gave up \
             did not do its work. (The notes' thread-2 prints \"got B\" at this point; the lock it \
             just got is A.)",
            gave_up.map_or(String::new(), |t| format!(" at {t:.2} s"))
        ));
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
            lane.say(format!("took A then B {ROUNDS} times"));
        }
    };
    let t1 = stage.thread("thread-1", worker(a.clone(), b.clone()));
    let t2 = stage.thread("thread-2", worker(a, b));
    let caught = stage.join_threads_with_watchdog(&[&t1, &t2], &locks, PATIENCE);
    stage.join_thread(t1)?;
    stage.join_thread(t2)?;
    if caught.is_none() {
        stage.note(format!(
            "{} rounds, no deadlock: a thread holding A never waits for a thread holding B while that \
             one waits for A, because nobody takes B first. One global order for taking locks is the \
             usual cure, and it costs nothing at run time.",
            2 * ROUNDS
        ));
    }
    Ok(())
}

/// Takes `first`, then only tries `second`; on failure lets go of both, backs
/// off for a random moment, and starts again. Returns how many times it backed off.
fn take_both_or_back_off(lane: &Lane, first: &TracedLock, second: &TracedLock) -> u32 {
    let mut backed_off = 0;
    loop {
        let Ok(_first) = first.acquire(lane) else { return backed_off };
        lane.sleep(0.1);
        if let Some(_second) = second.try_acquire(lane) {
            lane.say(format!("got {} and {} after {}", first.name(), second.name(), back_offs(backed_off)));
            return backed_off;
        }
        backed_off += 1;
        lane.say(format!("{} is taken: letting go of {} and backing off", second.name(), first.name()));
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
    let t1 = stage.thread("thread-1", move |lane| {
        take_both_or_back_off(lane, &a1, &b1);
    });
    let t2 = stage.thread("thread-2", move |lane| {
        take_both_or_back_off(lane, &b2, &a2);
    });
    let caught = stage.join_threads_with_watchdog(&[&t1, &t2], &locks, PATIENCE);
    stage.join_thread(t1)?;
    stage.join_thread(t2)?;
    if caught.is_none() {
        let backed_off =
            stage.said_since(0.0).iter().filter(|(_, line)| line.ends_with("backing off")).count();
        stage.note(format!(
            "Both finished, after {} between them. try_lock never waits, so no \
             cycle of waiting can form; the random pause keeps the two from retrying in lockstep \
             forever (a livelock).",
            back_offs(backed_off as u32)
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
    lane.say(format!("got {first_name}"));
    lane.sleep(0.1);
    lane.say(format!("waiting for {second_name}..."));
    let _second = second.lock();
    lane.say(format!("got {second_name}"));
}

/// The same two-lock deadlock between two processes. Nothing in the kernel
/// will ever wake them; the watchdog reads /proc and the locks' records, names
/// the cycle and ends both.
fn two_processes_deadlock(stage: &mut Stage) -> Result<()> {
    let (a, b) = (SharedLock::new()?, SharedLock::new()?);
    let p1 = stage.process("p1", |lane| take_both_shared(lane, (&a, "A"), (&b, "B"))).start()?;
    let p2 = stage.process("p2", |lane| take_both_shared(lane, (&b, "B"), (&a, "A"))).start()?;
    if let Watched::Stuck(_) = stage.join_with_watchdog(p1, PATIENCE) {
        match stage.process_deadlock(&[("A", &a), ("B", &b)]) {
            Some(cycle) => {
                stage.warn(format!("watchdog: deadlock between processes. {cycle}."));
                let seen: Vec<String> = [("p1", p1), ("p2", p2)]
                    .iter()
                    .map(|&(name, p)| {
                        let state = ProcState::read(stage.pid_of(p));
                        format!("{name}: {}", state.map_or("gone".to_string(), |s| s.to_string()))
                    })
                    .collect();
                stage.note(format!(
                    "/proc says {}. Each sleeps in the kernel on a lock word the other owns, and only \
                     the owner's release would wake it. A process lock has no timeout here and nobody \
                     to refuse a wait: the watchdog ends both (SIGKILL), and their locks die with them.",
                    seen.join("; ")
                ));
            }
            None => stage.warn("p1 is stuck, but the locks' records show no cycle"),
        }
        stage.kill(p1);
        stage.kill(p2);
    }
    Ok(())
}
