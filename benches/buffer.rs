//! Items per second through a bounded buffer of 10 between two threads:
//! crossbeam's `bounded(10)`, the lesson's Mutex + Condvar buffer, and CPython's
//! `queue.Queue(maxsize=10)` (goal: crossbeam ≥ 50× CPython).
//!
//! `cargo bench --bench buffer`

mod support;

use std::time::Instant;

use concur_tutor::lessons::producer_consumer::BoundedBuffer;
use support::{cpython, figure, row};

const ITEMS: u64 = 2_000_000;

fn crossbeam_rate() -> f64 {
    let (tx, rx) = crossbeam_channel::bounded::<u64>(10);
    let start = Instant::now();
    let producer = std::thread::spawn(move || (0..ITEMS).for_each(|i| tx.send(i).unwrap()));
    let sum: u64 = rx.iter().sum();
    producer.join().unwrap();
    assert_eq!(sum, ITEMS * (ITEMS - 1) / 2);
    ITEMS as f64 / start.elapsed().as_secs_f64()
}

fn condvar_rate() -> f64 {
    let buffer = std::sync::Arc::new(BoundedBuffer::new(10));
    let shelf = buffer.clone();
    let start = Instant::now();
    let producer = std::thread::spawn(move || {
        (0..ITEMS).for_each(|i| shelf.put(i, || {}));
        shelf.close();
    });
    let mut sum = 0;
    while let Some(i) = buffer.get() {
        sum += i;
    }
    producer.join().unwrap();
    assert_eq!(sum, ITEMS * (ITEMS - 1) / 2);
    ITEMS as f64 / start.elapsed().as_secs_f64()
}

fn main() {
    let best = |f: fn() -> f64| (0..3).map(|_| f()).fold(0.0, f64::max);
    let crossbeam = best(crossbeam_rate);
    let condvar = best(condvar_rate);
    let py = figure(&cpython("buffer.py", &["200000"]), "queue_items_per_s");
    let beside = py.map_or("no python3".to_string(), |r| format!("CPython {:.0} items/s", r));
    println!("{:<44} {:>14} {:<28} {:<24}", "measure (best of 3)", "ours", "beside", "goal");
    let goal = py.map_or(0.0, |r| 50.0 * r);
    row(
        "crossbeam bounded(10), 2 threads",
        crossbeam / 1e6,
        "M/s",
        &beside,
        &format!("≥ {:.2} M/s (50 × CPython)", goal / 1e6),
        crossbeam >= goal,
    );
    row("Mutex + 2 Condvars, 10 slots, 2 threads", condvar / 1e6, "M/s", &beside, "(for comparison)", true);
}
