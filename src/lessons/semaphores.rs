//! semaphores: the synchronisation note 001 lists beside locks. A semaphore
//! lets a few processes into a section at once, a bounded one catches a
//! release too many, an event wakes every process waiting for it, and a
//! barrier holds threads until the last arrives. The first three are futex
//! words in shared memory, shared by forked processes; the barrier is std's.

use std::sync::{Arc, Barrier};

use anyhow::Result;

use super::SceneFn;
use crate::stage::{BoundedSemaphore, Lane, Semaphore, Stage};
use crate::text;

pub const SCENES: &[SceneFn] =
    &[three_at_a_time, a_release_too_many, an_event_wakes_every_waiter, a_barrier_for_threads];

/// The workers, and the places the semaphore has for them.
const WORKERS: usize = 10;
const PLACES: u32 = 3;

/// `with sem:` around a one-second visit.
fn worker(lane: &Lane, sem: &Semaphore, i: usize) {
    sem.acquire();
    lane.say(format!("worker {i} in"));
    lane.sleep(1.0);
    lane.say(format!("worker {i} out"));
    sem.release();
}

/// How many lanes were inside at most, from their lines in the order they
/// came: +1 at each "in", -1 at each "out". A worker says "out" before it
/// releases and "in" after it acquires, so the lines keep the real order.
fn most_inside(said: &[(String, String)]) -> usize {
    let (mut inside, mut most) = (0usize, 0usize);
    for (_, line) in said {
        if line.ends_with(" in") {
            inside += 1;
            most = most.max(inside);
        } else if line.ends_with(" out") {
            inside = inside.saturating_sub(1);
        }
    }
    most
}

/// `Semaphore(3)` and ten processes: never more than three inside.
fn three_at_a_time(stage: &mut Stage) -> Result<()> {
    let sem = Semaphore::new(PLACES)?;
    let since = stage.now();
    let mut ps = Vec::new();
    for i in 0..WORKERS {
        let sem = &sem;
        ps.push(stage.process(&format!("worker-{i}"), move |lane| worker(lane, sem, i)).start()?);
    }
    for p in ps {
        stage.join(p);
    }
    let took = stage.now() - since;
    let most = most_inside(&stage.said_since(since));
    let text = text!("at most {most} of the {WORKERS} workers were inside at once");
    stage.measure("most_inside", most as f64, "processes", text);
    stage.note(text!(
        "Counted from their lines (+1 at each \"in\", -1 at each \"out\"), at most {most} workers were \
         inside at once. The others waited in sem.acquire(), asleep in the kernel on the semaphore's \
         futex word in shared memory (▒ on the timeline), and each release woke one of them: {WORKERS} \
         one-second visits through {PLACES} places took {took:.1} s, about {} rounds.",
        WORKERS.div_ceil(PLACES as usize)
    ));
    Ok(())
}

/// A plain semaphore counts an extra release; a bounded one refuses it.
fn a_release_too_many(stage: &mut Stage) -> Result<()> {
    let s = Semaphore::new(2)?;
    s.release();
    stage.say(format!("Semaphore(2) after an extra release: {}", s.get_value()));
    let b = BoundedSemaphore::new(2)?;
    b.acquire();
    b.release()?;
    if let Err(e) = b.release() {
        stage.say(format!("BoundedSemaphore(2): {e}"));
    }
    stage.note(text!(
        "The plain semaphore now has {} places where the program meant 2: the bug shows only later, \
         when one process too many gets in.\nBoundedSemaphore checks at the release, where the bug is. \
         Rust's usual answer is a guard: tokio's Semaphore::acquire returns a permit that gives the \
         place back when it is dropped, so there is no release to get wrong.",
        s.get_value()
    ));
    Ok(())
}

/// `ev.wait()` in three processes, `ev.wait(1)` in a fourth, `ev.set()` in main.
fn an_event_wakes_every_waiter(stage: &mut Stage) -> Result<()> {
    let ev = stage.event()?;
    let ev = &ev;
    let mut ps = Vec::new();
    for name in ["w1", "w2", "w3"] {
        ps.push(
            stage
                .process(name, move |lane| {
                    lane.say(format!("{name} waiting"));
                    ev.wait();
                    lane.say(format!("{name} woke up"));
                })
                .start()?,
        );
    }
    ps.push(
        stage
            .process("impatient", move |lane| {
                let set = ev.wait_timeout(1.0);
                lane.say(format!("impatient: wait(1) returned {}", if set { "True" } else { "False" }));
            })
            .start()?,
    );
    stage.sleep(2.0);
    stage.say("main: set");
    let set_at = stage.now();
    ev.set();
    for p in ps {
        stage.join(p);
    }
    let woke: Vec<f64> = ["w1", "w2", "w3"]
        .iter()
        .filter_map(|name| {
            stage.said_by(name).last().filter(|(_, line)| line.ends_with("woke up")).map(|(t, _)| *t)
        })
        .collect();
    let spread = woke.iter().fold(0.0f64, |most, t| most.max(t - set_at));
    let gave_up = stage.last_said("impatient").is_some_and(|line| line.ends_with("False"));
    stage.note(text!(
        "{} waiters woke up, all within {:.1} ms of main's set(): one store to the shared flag, and one \
         futex wake for every process asleep on it. {}",
        woke.len(),
        stage.clock().real(spread).as_secs_f64() * 1000.0,
        if gave_up {
            "The impatient one gave up at its timeout, before the set, and its wait returned False: a \
             timed wait must be checked, since it returns either way."
        } else {
            "The impatient one's wait returned True: this time the set came within its timeout."
        }
    ));
    Ok(())
}

/// `threading.Barrier(4)`: runners arriving at 0, 1, 2 and 3 s all pass at 3 s.
fn a_barrier_for_threads(stage: &mut Stage) -> Result<()> {
    let barrier = Arc::new(Barrier::new(4));
    let mut threads = Vec::new();
    for i in 0..4 {
        let barrier = Arc::clone(&barrier);
        threads.push(stage.thread(&format!("runner-{i}"), move |lane| {
            lane.sleep(i as f64);
            lane.say(format!("runner {i} arrived"));
            lane.waiting("barrier.wait()", || barrier.wait());
            lane.say(format!("runner {i} passed"));
        }));
    }
    for t in threads {
        stage.join_thread(t)?;
    }
    let time_of = |lane: &str, ends: &str| {
        stage.said_by(lane).into_iter().find(|(_, line)| line.ends_with(ends)).map_or(f64::NAN, |(t, _)| t)
    };
    let last = time_of("runner-3", "arrived");
    let first_passed =
        (0..4).map(|i| time_of(&format!("runner-{i}"), "passed")).fold(f64::INFINITY, f64::min);
    stage.note(text!(
        "runner 0 waited {:.1} s at the barrier and runner 3 not at all: nobody passed before the last \
         arrival at {last:.2} s, and the first passed at {first_passed:.2} s. std::sync::Barrier is for \
         the threads of one process, as threading.Barrier is; multiprocessing.Barrier does the same \
         between processes, in shared memory.",
        last - time_of("runner-0", "arrived")
    ));
    Ok(())
}
