//! locks: races and locks, between processes and between threads (notes 002,
//! 003 and 004). A shared `Value` updated without a lock loses updates, and the
//! lesson counts them; with a lock, or an atomic, none are lost.

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Condvar, Mutex, TryLockError};
use std::thread::{self, ThreadId};
use std::time::{Duration, Instant};

use anyhow::Result;

use super::SceneFn;
use crate::events::LaneState;
use crate::explore::{self, stream::group, Outcome};
use crate::stage::{interpreter_pause, Lane, SharedInt, SharedLock, Stage};
use crate::text;

pub const SCENES: &[SceneFn] = &[
    two_processes_without_a_lock,
    two_processes_with_a_lock,
    lost_updates_at_scale,
    threads_fill_a_list_under_a_lock,
    a_lock_its_holder_may_take_again,
    a_condition_to_wait_for,
];

/// The notes' `job(v, num)`: five times, sleep 0.1 s, add `num` to the shared
/// value, print it. With `lock`, the whole loop runs holding it.
fn job(lane: &Lane, v: &SharedInt, num: i32, lock: Option<&SharedLock>) {
    let _held = lock.map(SharedLock::lock);
    for _ in 0..5 {
        lane.sleep(0.1);
        v.racy_add(num);
        // print(v.value, end="|"): the line has no end of its own.
        lane.say(format!("{}|", v.get()));
    }
}

/// Runs the notes' `multicore()`: p1 adds 1s, p2 adds 3s, to one shared value.
/// Returns the lanes that printed, in the order they printed, and the final value.
fn multicore(stage: &mut Stage, lock: Option<&SharedLock>) -> Result<(Vec<String>, i32)> {
    let v = SharedInt::new()?;
    let since = stage.now();
    let p1 = stage.process("p1", |lane| job(lane, &v, 1, lock)).start()?;
    let p2 = stage.process("p2", |lane| job(lane, &v, 3, lock)).start()?;
    stage.join(p1);
    stage.join(p2);
    let said = stage.said_since(since);
    let totals: String = said.iter().map(|(_, total)| total.as_str()).collect();
    let lost = 20 - v.get();
    stage.note(text!(
        "On a terminal the prints run together on one line, {totals}. The final value is {} of the 20 \
         that 5 × 1 + 5 × 3 should make: {}.",
        v.get(),
        if lost == 0 {
            "no update was lost this time".to_string()
        } else {
            format!("{lost} lost to the race")
        }
    ));
    Ok((said.into_iter().map(|(lane, _)| lane).collect(), v.get()))
}

/// Without a lock the two processes' totals interleave.
fn two_processes_without_a_lock(stage: &mut Stage) -> Result<()> {
    let (order, end) = multicore(stage, None)?;
    let switches = order.windows(2).filter(|pair| pair[0] != pair[1]).count();
    stage.note(text!(
        "p1 and p2 took turns {switches} times: each adds whenever its sleep ends, so the totals mix \
         1s and 3s. With 0.1 s between additions they rarely collide; the race is there all the same \
         (scene 3 makes it bite)."
    ));
    every_order(stage, end);
    Ok(())
}

/// Where this run stands among every order of the adders' steps, as the
/// explorer counts them.
fn every_order(stage: &mut Stage, end: i32) {
    let Ok((_, program)) = explore::builtin("adders") else { return };
    let Ok(all) = explore::explore(&program) else { return };
    let finals: Vec<i32> = all
        .endings
        .iter()
        .filter_map(|e| match &e.outcome {
            Outcome::End { values, .. } => values.first().copied(),
            _ => None,
        })
        .collect();
    let at_twenty = all.endings.last().map_or(0, |e| e.count);
    stage.note(text!(
        "This run ended at {end}. Cut into the steps CPython takes (read, add, write), the two adders can \
         run in {} orders, which end at {} final values from {} to {}; {} of them end at 20: see them all \
         with concur-tutor explore adders, and lose an update yourself with --play.",
        group(all.schedules),
        finals.len(),
        finals.first().copied().unwrap_or_default(),
        finals.last().copied().unwrap_or_default(),
        group(at_twenty)
    ));
}

/// With a lock around the loop, one process's five additions all come first.
fn two_processes_with_a_lock(stage: &mut Stage) -> Result<()> {
    let lock = SharedLock::new()?;
    let (order, _) = multicore(stage, Some(&lock))?;
    let switches = order.windows(2).filter(|pair| pair[0] != pair[1]).count();
    let first = order.first().cloned().unwrap_or_default();
    stage.note(text!(
        "Now the lanes switched {switches} time{}: {first} took the lock first and did all five \
         additions, then the other. The lock is a futex word in shared memory: the waiting process \
         sleeps in the kernel until the holder's release wakes it.",
        if switches == 1 { "" } else { "s" }
    ));
    Ok(())
}

/// How each adder adds 1 to the shared value.
#[derive(Clone, Copy, Debug)]
enum Adding {
    Racy,
    Locked,
    Atomic,
}

/// Additions per adder at scale.
const N: i32 = 10_000;

/// Two processes add 1, `N` times each. A barrier in shared memory starts
/// their loops at the same moment, both on a core, so that they really overlap. Returns the final value and the time
/// the slower adder's loop took.
fn race(stage: &mut Stage, adding: Adding) -> Result<(i32, Duration)> {
    let (v, ready, lock) = (SharedInt::new()?, SharedInt::new()?, SharedLock::new()?);
    let loop_micros = [SharedInt::new()?, SharedInt::new()?];
    let (v, ready, lock, micros) = (&v, &ready, &lock, &loop_micros);
    let adder = |i: usize| {
        move |lane: &Lane| {
            ready.atomic_add(1);
            while ready.get() < 2 {
                std::hint::spin_loop();
            }
            let start = Instant::now();
            for _ in 0..N {
                match adding {
                    Adding::Racy => v.racy_add(1),
                    Adding::Locked => {
                        let _held = lock.lock();
                        v.racy_add(1)
                    }
                    Adding::Atomic => v.atomic_add(1),
                };
            }
            micros[i].set(start.elapsed().as_micros() as i32);
            lane.set_state(LaneState::Running, text!("added 1, {N} times ({adding:?})"), None);
        }
    };
    let a = stage.process("adder-1", adder(0)).start()?;
    let b = stage.process("adder-2", adder(1)).start()?;
    stage.join(a);
    stage.join(b);
    let slower = loop_micros[0].get().max(loop_micros[1].get());
    Ok((v.get(), Duration::from_micros(slower as u64)))
}

/// How many times the unlocked race is run before the lesson accepts that this
/// machine kept the two adders apart.
const TRIES: usize = 5;

/// 2 × 10 000 additions: without a lock thousands are lost; with a lock or an
/// atomic none are, at a cost per addition that is measured here.
fn lost_updates_at_scale(stage: &mut Stage) -> Result<()> {
    let expected = 2 * N;
    let mut lost = Vec::new();
    let mut cost = Vec::new();
    let mut tries = 1;
    for adding in [Adding::Racy, Adding::Locked, Adding::Atomic] {
        let (mut got, mut took) = race(stage, adding)?;
        if let Adding::Racy = adding {
            // The Python's one print, once for each run of it.
            stage.say(format!("expected {expected}, got {got}"));
            while got == expected && tries < TRIES {
                stage.note("No update was lost: the two adders did not overlap this time. Again:");
                (got, took) = race(stage, adding)?;
                stage.say(format!("expected {expected}, got {got}"));
                tries += 1;
            }
        }
        let name = format!("{adding:?}").to_lowercase();
        let text = text!("{name}: expected {expected}, got {got}, lost {}", expected - got);
        stage.measure(&format!("lost_{name}"), (expected - got) as f64, "updates", text);
        let per = took.as_secs_f64() * 1e9 / expected as f64;
        let text = text!("{name}: {per:.1} ns per addition ({} µs for both loops)", took.as_micros());
        stage.measure(&format!("ns_per_add_{name}"), per, "ns", text);
        lost.push(expected - got);
        cost.push(per);
    }
    let pause = {
        let start = Instant::now();
        (0..N).for_each(|_| interpreter_pause());
        start.elapsed().as_secs_f64() * 1e9 / N as f64
    };
    if lost[0] > 0 {
        stage.note(text!(
            "Without a lock {} of {expected} updates were lost{}: both processes read the same value, \
             both wrote value + 1, and one of the two additions vanished. The lock lost {} and the \
             atomic {}: the lock lets one process at a time do its read-add-write, the atomic does the \
             three as one indivisible instruction.",
            lost[0],
            if tries == 1 { String::new() } else { format!(" on try {tries}") },
            lost[1],
            lost[2]
        ));
        stage.note(text!(
            "Unlike the Python, whose two loops start a fork apart and may not overlap at all (CPython \
             lost none in some runs), both loops here start at the same instant, released by a barrier \
             in shared memory, and the race is run again, up to {TRIES} times, until an update is lost."
        ));
    } else {
        stage.note(text!(
            "In {TRIES} tries no update was lost even without a lock: this machine ran the two adders \
             one after the other (it is busy, or has one core free). The race is still there; run \
             the scene again (--scene 3) when it is quieter."
        ));
    }
    stage.note(text!(
        "The costs: with two adders at once, the lock made each addition {:.1}× as slow as the racy \
         one (the two processes take turns, and a waiting one sleeps in the kernel); the atomic needs \
         no pause and no turns: {:.1} ns.\nThe racy and the locked additions each include a {pause:.0} \
         ns pause standing for CPython's interpreter between the read and the write.",
        cost[1] / cost[0],
        cost[2]
    ));
    Ok(())
}

/// The notes' `task1`/`task2`: each fills the list while holding the lock.
fn threads_fill_a_list_under_a_lock(stage: &mut Stage) -> Result<()> {
    let list1 = Arc::new(Mutex::new([0; 10]));
    let fill = |list1: Arc<Mutex<[i32; 10]>>, show_index: bool| {
        move |lane: &Lane| {
            let mut list1 = list1.lock().expect("no thread panics holding it");
            for i in 0..list1.len() {
                lane.say(format!("------------> {}", if show_index { i as i32 } else { list1[i] }));
                list1[i] = 1;
                lane.sleep(0.5);
            }
        }
    };
    let since = stage.now();
    let t1 = stage.thread("task1", fill(Arc::clone(&list1), true));
    let t2 = stage.thread("task2", fill(Arc::clone(&list1), false));
    stage.join_thread(t1)?;
    stage.join_thread(t2)?;
    let order: Vec<String> = stage.said_since(since).into_iter().map(|(lane, _)| lane).collect();
    let runs = 1 + order.windows(2).filter(|pair| pair[0] != pair[1]).count();
    let ones = stage.lines_of("task2").iter().filter(|line| line.ends_with("> 1")).count();
    // Which thread took the lock first is the point: `Stage::thread` returns, as
    // CPython's start() does, only once task1 has taken its first step.
    stage.note(text!(
        "The 20 lines came in {runs} unbroken run{}: {} took the lock first and filled the whole list \
         before the other could touch it, so task2 printed {ones} ones.",
        if runs == 1 { "" } else { "s" },
        order.first().map_or("nobody", String::as_str)
    ));
    stage.note(
        "In Python the list and the lock are two objects, and nothing stops a thread from writing \
         list1[i] without the lock. In Rust the list lives inside the Mutex, and lock() is the only way \
         in: the unlocked version, `list1[i] = 1` on the Arc<Mutex<[i32; 10]>>, does not compile.\n\
         error[E0608]: cannot index into a value of type `Arc<Mutex<[i32; 10]>>` (shown as text: the \
         tutor compiles nothing while it runs).",
    );
    Ok(())
}

/// Python's `threading.RLock`, built the way it works inside: the owning thread
/// and how many times it has taken the lock.
struct RLock {
    owner: Mutex<(Option<ThreadId>, u32)>,
    freed: Condvar,
}

impl RLock {
    /// Takes the lock, again if this thread already holds it; returns the depth.
    fn acquire(&self) -> u32 {
        let me = thread::current().id();
        let mut owner = self.owner.lock().expect("no thread panics holding it");
        while owner.0.is_some_and(|holder| holder != me) {
            owner = self.freed.wait(owner).expect("no thread panics holding it");
        }
        *owner = (Some(me), owner.1 + 1);
        owner.1
    }

    /// Gives back one level; the last one frees the lock.
    fn release(&self) {
        let mut owner = self.owner.lock().expect("no thread panics holding it");
        owner.1 -= 1;
        if owner.1 == 0 {
            owner.0 = None;
            self.freed.notify_one();
        }
    }
}

/// A thread that holds a std Mutex cannot take it again; an RLock lets it.
fn a_lock_its_holder_may_take_again(stage: &mut Stage) -> Result<()> {
    let lock = Mutex::new(());
    let _held = lock.lock().expect("fresh");
    // print(lock.acquire(blocking=False)): try_lock is acquire without blocking.
    let again = lock.try_lock();
    stage.say(if matches!(again, Err(TryLockError::WouldBlock)) { "False" } else { "True" });
    drop(again);
    let rlock = RLock { owner: Mutex::new((None, 0)), freed: Condvar::new() };
    let outer = rlock.acquire();
    let inner = rlock.acquire();
    rlock.release();
    rlock.release();
    stage.note(text!(
        "The RLock was taken at depth {outer}, then again at depth {inner}, by the same thread; the \
         Mutex refused a second lock(), which would have waited for itself for ever."
    ));
    stage.note(
        "std has no reentrant Mutex<T>: two guards in one thread would be two &mut to the same data, \
         which Rust forbids. A reentrant lock can only hand out shared (&) access; std's ReentrantLock \
         (unstable) and parking_lot's ReentrantMutex do that, with a RefCell inside for changes. Most \
         Rust code instead takes the lock once and passes the guard down.",
    );
    Ok(())
}

/// Python's `Condition`: `wait_for(predicate)` is `Condvar::wait_while` with
/// the predicate negated, and `notify` is `notify_one`.
fn a_condition_to_wait_for(stage: &mut Stage) -> Result<()> {
    let shared = Arc::new((Mutex::new(Vec::new()), Condvar::new()));
    let theirs = Arc::clone(&shared);
    let checks = Arc::new(AtomicU32::new(0));
    let counted = Arc::clone(&checks);
    let waiter = stage.thread("waiter", move |lane| {
        let (items, changed) = &*theirs;
        let items = lane.waiting("cond.wait_for(len(items) >= 3)", || {
            changed.wait_while(items.lock().expect("no thread panics holding it"), |items| {
                counted.fetch_add(1, Ordering::SeqCst);
                items.len() < 3
            })
        });
        let items = items.expect("no thread panics holding it");
        lane.say(format!("got {:?}", *items));
    });
    let (items, changed) = &*shared;
    for item in 1..=3 {
        stage.sleep(0.5);
        // Marked first: once the item is in, a spurious wake-up could let the waiter print at once.
        stage.main().set_state(LaneState::Running, text!("appends {item}; notify()"), None);
        items.lock().expect("no thread panics holding it").push(item);
        changed.notify_one();
    }
    stage.join_thread(waiter)?;
    stage.note(text!(
        "The waiter checked its condition {} times for 3 notifies: once before it first slept, then \
         once per wake-up, under the lock, going back to sleep until it held. wait_while re-checks in \
         a loop because a wake-up is only a hint: the condition may not hold yet, or the OS may wake \
         a thread spuriously.",
        checks.load(Ordering::SeqCst)
    ));
    Ok(())
}
