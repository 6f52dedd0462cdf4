//! The process queue's throughput between two forked processes, beside a raw
//! pipe (what C gets with 64 KiB writes) measured in the same run, and beside
//! CPython's multiprocessing.Queue and Pipe. Goals: ≥ 10× CPython's small-message
//! rate; ≥ 80 % of the raw pipe's bandwidth for 1 MB items.
//!
//! This machine's speed drifts by tens of percent from one second to the next,
//! so the 1 MB items and the raw pipe are measured in turns, and the goal is
//! judged on the median of each pair's ratio.
//!
//! `cargo bench --bench queue`

mod support;

use std::time::Instant;

use concur_tutor::stage::Stage;
use support::{cpython, figure, row, silent_stage};

const SMALL: usize = 200_000;
const BIG: usize = 200;
const MB: usize = 1_000_000;

/// Seconds for a child to put `n` copies of `item` and the parent to get them all.
fn queue_time(stage: &mut Stage, item: String, n: usize) -> f64 {
    let q = stage.queue::<String>(None).expect("queue");
    let start = Instant::now();
    let p = stage.process("producer", |_| (0..n).for_each(|_| q.put(&item))).start().expect("fork");
    for _ in 0..n {
        assert_eq!(q.get().len(), item.len());
    }
    let elapsed = start.elapsed().as_secs_f64();
    stage.join(p);
    elapsed
}

/// Bytes/s through a bare pipe: a child writes `total` bytes in 64 KiB writes,
/// the parent reads them with 64 KiB reads. What C gets.
fn raw_pipe_rate(total: usize) -> f64 {
    let (reader, writer) = silent_stage().pipe(false).expect("pipe");
    let chunk = vec![b'x'; 64 * 1024];
    let mut stage = silent_stage();
    let start = Instant::now();
    let p = stage
        .process("writer", |_| {
            for _ in 0..total / chunk.len() {
                writer.write_raw(&chunk).expect("write");
            }
        })
        .start()
        .expect("fork");
    drop(writer);
    let mut buf = vec![0u8; chunk.len()];
    for _ in 0..total / chunk.len() {
        reader.read_raw(&mut buf).expect("read");
    }
    let rate = (total / chunk.len() * chunk.len()) as f64 / start.elapsed().as_secs_f64();
    stage.join(p);
    rate
}

/// The median of `values`.
fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

fn main() {
    let mut stage = silent_stage();
    let small =
        median((0..5).map(|_| SMALL as f64 / queue_time(&mut stage, "x".repeat(10), SMALL)).collect());
    let pairs: Vec<(f64, f64)> = (0..7)
        .map(|_| {
            let big = (BIG * MB) as f64 / queue_time(&mut stage, "x".repeat(MB), BIG);
            (big, raw_pipe_rate(BIG * MB))
        })
        .collect();
    let big = median(pairs.iter().map(|p| p.0).collect());
    let raw = median(pairs.iter().map(|p| p.1).collect());
    let share = median(pairs.iter().map(|(big, raw)| big / raw).collect());

    let py = cpython("mpqueue.py", &["100000", "200"]);
    let py_small = figure(&py, "queue_small_per_s");
    let py_big = figure(&py, "queue_1mb_bytes_per_s");
    let py_pipe = figure(&py, "pipe_1mb_bytes_per_s");
    let or_none = |f: Option<f64>, show: &dyn Fn(f64) -> String| f.map_or("no python3".to_string(), show);

    println!("{:<44} {:>14} {:<34} {:<24}", "measure (median of 5, or of 7 pairs)", "ours", "beside", "goal");
    row(
        "queue, 10-byte messages (k/s)",
        small / 1e3,
        "k/s",
        &or_none(py_small, &|r| format!("CPython Queue {:.0} k/s", r / 1e3)),
        &or_none(py_small, &|r| format!("≥ {:.0} k/s (10 × CPython)", r / 1e2)),
        py_small.is_none_or(|r| small >= 10.0 * r),
    );
    row(
        "queue, 1 MB items (MB/s)",
        big / 1e6,
        "MB/s",
        &format!(
            "raw pipe {:.0} MB/s, ours {:.0} % of it; {}",
            raw / 1e6,
            share * 100.0,
            or_none(py_big, &|r| format!("CPython Queue {:.0} MB/s", r / 1e6))
        ),
        "≥ 80 % of the raw pipe",
        share >= 0.8,
    );
    if let Some(rate) = py_pipe {
        println!(
            "{:<44} {:>14} CPython Pipe.send_bytes of 1 MB, for reference",
            "",
            format!("{:.0} MB/s", rate / 1e6)
        );
    }
}
