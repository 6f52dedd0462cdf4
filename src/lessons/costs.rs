//! costs: "processes are heavier than threads" (note 001), in numbers measured
//! now on this machine: what each primitive costs, beside CPython's same
//! operation, on a log-scale bar so the orders of magnitude show.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use anyhow::Result;

use super::figures::{sample, Load, Spread};
use super::start_methods::DO_NOTHING;
use super::SceneFn;
use crate::stage::{spawn_thread, Stage};
use crate::text;

pub const SCENES: &[SceneFn] = &[what_things_cost];

/// Times `batches` batches of `ops` operations done by `run(ops)`, per operation.
fn per_op(
    stage: &mut Stage,
    load: &mut Load,
    batches: usize,
    ops: usize,
    run: impl Fn(&mut Stage, usize) -> Result<()>,
) -> Result<Spread> {
    sample(stage, load, batches, ops, |stage| run(stage, ops))
}

/// The unit that suits `secs`, and how many of it make a second.
fn unit_for(secs: f64) -> (&'static str, f64) {
    match secs {
        s if s >= 1e-3 => ("ms", 1e3),
        s if s >= 1e-6 => ("µs", 1e6),
        _ => ("ns", 1e9),
    }
}

/// A duration in the unit that suits it.
fn human(secs: f64) -> String {
    let (unit, per_second) = unit_for(secs);
    format!("{:.1} {unit}", secs * per_second)
}

/// The fastest and slowest batch, in the median's unit.
fn spread(cost: &Spread) -> String {
    let (unit, per_second) = unit_for(cost.median);
    format!("{:.1}–{:.1} {unit}", cost.fastest * per_second, cost.slowest * per_second)
}

/// Cells per power of ten in a bar.
const CELLS_PER_DECADE: f64 = 3.0;

/// A bar on a log scale from 1 ns to 100 ms.
fn bar(secs: f64) -> String {
    let cells = ((secs * 1e9).max(1.0).log10() * CELLS_PER_DECADE).round().clamp(1.0, 24.0) as usize;
    "█".repeat(cells)
}

/// One primitive: how to measure it here, and its name in CPython's figures.
struct Primitive {
    name: &'static str,
    what: &'static str,
    batches: usize,
    ops: usize,
    run: fn(&mut Stage, usize) -> Result<()>,
}

fn thread_start(_: &mut Stage, ops: usize) -> Result<()> {
    for _ in 0..ops {
        spawn_thread(|| {}).join().expect("an empty thread does not panic");
    }
    Ok(())
}

fn fork_start(stage: &mut Stage, ops: usize) -> Result<()> {
    for _ in 0..ops {
        let p = stage.process("fork", |_| {}).start()?;
        stage.join(p);
    }
    Ok(())
}

fn spawn_start(stage: &mut Stage, ops: usize) -> Result<()> {
    for _ in 0..ops {
        let p = stage.spawn("spawn", &DO_NOTHING)?;
        stage.join(p);
    }
    Ok(())
}

/// Round trips between two threads over two crossbeam channels; a message is half of one.
fn channel_round_trips(_: &mut Stage, ops: usize) -> Result<()> {
    let (there, echo_in) = crossbeam_channel::unbounded::<usize>();
    let (echo_out, back) = crossbeam_channel::unbounded::<usize>();
    let echo = spawn_thread(move || echo_in.iter().for_each(|i| echo_out.send(i).expect("main waits")));
    for i in 0..ops {
        there.send(i)?;
        back.recv()?;
    }
    drop(there);
    echo.join().expect("the echo thread does not panic");
    Ok(())
}

/// Round trips of one byte to a forked child and back, over two pipes.
fn pipe_round_trips(stage: &mut Stage, ops: usize) -> Result<()> {
    let (to_child, child_reads) = {
        let (reader, writer) = stage.pipe(false)?;
        (writer, reader)
    };
    let (parent_reads, to_parent) = stage.pipe(false)?;
    let p = stage
        .process("echo", |_| {
            let mut byte = [0u8; 1];
            for _ in 0..ops {
                child_reads.read_raw(&mut byte).expect("the parent writes");
                to_parent.write_raw(&byte).expect("the parent reads");
            }
        })
        .start()?;
    let mut byte = [0u8; 1];
    for _ in 0..ops {
        to_child.write_raw(b"x")?;
        parent_reads.read_raw(&mut byte)?;
    }
    stage.join(p);
    Ok(())
}

/// 64 KiB writes from a forked child, read by the parent.
fn pipe_chunks(stage: &mut Stage, ops: usize) -> Result<()> {
    let (reader, writer) = stage.pipe(false)?;
    let chunk = vec![b'x'; 64 * 1024];
    let p = stage
        .process("writer", |_| (0..ops).for_each(|_| writer.write_raw(&chunk).expect("the parent reads")))
        .start()?;
    let mut buffer = vec![0u8; chunk.len()];
    for _ in 0..ops {
        reader.read_raw(&mut buffer)?;
    }
    stage.join(p);
    Ok(())
}

fn lock_uncontended(_: &mut Stage, ops: usize) -> Result<()> {
    let lock = Mutex::new(0u64);
    for _ in 0..ops {
        *lock.lock().expect("never poisoned") += 1;
    }
    Ok(())
}

/// Two threads take turns on one lock, `ops` times between them.
fn lock_contended(_: &mut Stage, ops: usize) -> Result<()> {
    let lock = Arc::new(Mutex::new(0u64));
    let workers: Vec<_> = (0..2)
        .map(|_| {
            let lock = Arc::clone(&lock);
            spawn_thread(move || (0..ops / 2).for_each(|_| *lock.lock().expect("never poisoned") += 1))
        })
        .collect();
    workers.into_iter().for_each(|w| w.join().expect("a worker does not panic"));
    Ok(())
}

fn atomic_increment(_: &mut Stage, ops: usize) -> Result<()> {
    let counter = AtomicU64::new(0);
    for _ in 0..ops {
        std::hint::black_box(&counter).fetch_add(1, Ordering::Relaxed);
    }
    Ok(())
}

const PRIMITIVES: &[Primitive] = &[
    Primitive { name: "thread_start", what: "thread spawn + join", batches: 9, ops: 200, run: thread_start },
    Primitive { name: "fork_start", what: "fork + reap (a lane)", batches: 9, ops: 50, run: fork_start },
    Primitive { name: "spawn_start", what: "spawn (re-exec) + reap", batches: 5, ops: 10, run: spawn_start },
    Primitive {
        name: "channel_message",
        what: "channel message, threads",
        batches: 9,
        ops: 20_000,
        run: channel_round_trips,
    },
    Primitive {
        name: "pipe_round_trip",
        what: "pipe round trip, processes",
        batches: 9,
        ops: 5_000,
        run: pipe_round_trips,
    },
    Primitive {
        name: "pipe_64k_write",
        what: "64 KiB through a pipe",
        batches: 9,
        ops: 2_000,
        run: pipe_chunks,
    },
    Primitive {
        name: "lock_uncontended",
        what: "lock + unlock, uncontended",
        batches: 9,
        ops: 1_000_000,
        run: lock_uncontended,
    },
    Primitive {
        name: "lock_contended",
        what: "lock + unlock, 2 threads",
        batches: 9,
        ops: 1_000_000,
        run: lock_contended,
    },
    Primitive {
        name: "atomic_increment",
        what: "atomic increment",
        batches: 9,
        ops: 10_000_000,
        run: atomic_increment,
    },
];

/// How the table names primitive `name`.
fn what(name: &str) -> &'static str {
    PRIMITIVES.iter().find(|p| p.name == name).map_or("", |p| p.what)
}

/// The fewest operations a batch does in `--quick`: one start alone is mostly
/// the noise of the moment.
const QUICK_OPS: usize = 5;

/// Every primitive, measured here and, with python3, in CPython.
fn what_things_cost(stage: &mut Stage) -> Result<()> {
    let mut load = Load::new(stage);
    let scale = if stage.quick() { 0.02 } else { 1.0 };
    stage.note("First CPython's figures, measured now by python3 (the slow part), then ours:");
    let python = stage.cpython(include_str!("../../lessons/python/costs.py"), &[&scale.to_string()]);
    load.look();
    if let Err(why) = &python {
        stage.note(text!("{why}; the Rust figures stand alone."));
    }
    let mut ours = Vec::new();
    let mut theirs = Vec::new();
    for primitive in PRIMITIVES {
        let ops = ((primitive.ops as f64 * scale) as usize).max(QUICK_OPS);
        let batches = if stage.quick() { 3 } else { primitive.batches };
        let mut cost = per_op(stage, &mut load, batches, ops, primitive.run)?;
        if primitive.name == "channel_message" {
            // A round trip is two messages.
            cost = cost.divided_by(2.0);
        }
        let text = text!(
            "{:<27} ours    {:>8}  {:<24} {}",
            primitive.what,
            human(cost.median),
            bar(cost.median),
            spread(&cost)
        );
        stage.measure(primitive.name, cost.median, "s", text);
        let cpython =
            python.as_ref().ok().and_then(|figures| figures.text(primitive.name)).and_then(Spread::parse);
        if let Some(cpython) = cpython {
            let text = text!(
                "{:<27} CPython {:>8}  {:<24} {}",
                "",
                human(cpython.median),
                bar(cpython.median),
                spread(&cpython)
            );
            stage.measure(&format!("cpython_{}", primitive.name), cpython.median, "s", text);
            theirs.push((primitive.name, cpython));
        }
        ours.push((primitive.name, cost));
    }
    let cost_of =
        |figures: &[(&str, Spread)], name: &str| figures.iter().find(|(n, _)| *n == name).map(|(_, c)| *c);
    // A ratio only between figures whose batches do not overlap.
    let ratio = |figures: &[(&str, Spread)], dear: &str, cheap: &str| {
        let (dear, cheap) = (cost_of(figures, dear)?, cost_of(figures, cheap)?);
        dear.apart_from(&cheap).then(|| format!("{:.0}", dear.median / cheap.median))
    };
    stage.note("Every three cells of a bar are a factor of ten; beside each figure, the fastest and the slowest of its batches.");
    if load.busy() {
        stage.note(text!(
            "Other work wanted every core while this ran ({} other tasks running, on {} cores): an \
             operation that waits for another (a start, a round trip, a contended lock) may then wait \
             for a core too, so these figures cannot be trusted to compare the primitives. Run the \
             lesson again when the machine is quieter.",
            load.others(),
            load.cores
        ));
        return Ok(());
    }
    let pairs = [
        ("fork_start", "thread_start"),
        ("spawn_start", "thread_start"),
        ("pipe_round_trip", "channel_message"),
        ("lock_contended", "lock_uncontended"),
    ];
    let ratios: Vec<Option<String>> = pairs.iter().map(|(dear, cheap)| ratio(&ours, dear, cheap)).collect();
    if let [Some(fork), Some(spawn), Some(pipe), Some(lock)] = &ratios[..] {
        stage.note(text!(
            "Here a fork costs {fork} thread starts and a spawn {spawn}; a pipe round trip between \
             processes costs {pipe} channel messages between threads; a contended lock {lock} \
             uncontended ones."
        ));
    } else {
        for ((dear, cheap), ratio) in pairs.iter().zip(&ratios) {
            stage.note(match ratio {
                Some(r) => text!("Here {} costs {r}× {}.", what(dear), what(cheap)),
                None => text!(
                    "{} and {} could not be told apart: their batches overlap, so no ratio is drawn.",
                    what(dear),
                    what(cheap)
                ),
            });
        }
    }
    if ratio(&ours, "fork_start", "thread_start").is_some() {
        stage.note("\"Processes are heavier than threads\" holds here, and this is by how much.");
    }
    if !theirs.is_empty() && ratio(&theirs, "fork_start", "thread_start").is_none() {
        stage.note(
            "CPython's thread start and fork overlap in this run: with so few starts, its figures for them \
             say little; the lesson without --quick times more.",
        );
    }
    Ok(())
}
