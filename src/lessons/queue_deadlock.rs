//! queue-deadlock: the Python docs' "joining processes that use queues"
//! warning, for real (note 002). The child puts a 1 MB item; the parent joins
//! before it gets. The child's put returns at once, but the child cannot end
//! until its feeder thread has written the item into the pipe, which is full;
//! the parent waits for the child to end, and the program hangs until the
//! watchdog steps in.

use anyhow::Result;

use super::SceneFn;
use crate::events::LaneState;
use crate::stage::{ProcQueue, Stage, Watched};
use crate::text;

pub const SCENES: &[SceneFn] =
    &[join_before_get_hangs, a_small_item_does_not, the_threshold, get_before_join];

/// The name CPython gives the scenes' one `Process`, which the Python names not.
const CHILD: &str = "Process-1";

/// The notes' item: a megabyte.
const BIG: usize = 1_000_000;

/// An item of `n` bytes of payload.
fn item(n: usize) -> String {
    "x".repeat(n)
}

/// `p.join()` then `q.get()` with a 1 MB item: a real hang, caught.
fn join_before_get_hangs(stage: &mut Stage) -> Result<()> {
    let q = stage.queue::<String>(None)?;
    let p = stage
        .process(CHILD, |lane| {
            q.put(&item(BIG));
            lane.set_state(LaneState::Running, "put returned", None);
        })
        .start()?;
    match stage.join_with_watchdog(p, 2.0) {
        Watched::Stuck(stuck) => {
            let writer = match stuck.state.as_ref().and_then(|s| s.thread_blocked_in("write")) {
                Some(Some(thread)) => format!("its feeder thread ({}, tid {})", thread.name, thread.tid),
                Some(None) => "its main thread".to_string(),
                None => "none of its threads (unexpected: see the watchdog's line)".to_string(),
            };
            stage.note(text!(
                "The child's put returned at once, but a process that has put items on a queue does not \
                 end until they are all in the pipe, and nobody reads: main, the only reader, is in join() \
                 waiting for the child to end. Each waits for the other: the program would hang for ever.\n\
                 The watchdog gets the item, as the program should have done first, which drains the pipe. \
                 In a child, put hands the item to the queue's feeder thread, as in CPython; the one in \
                 write() is {writer}: the queue's pipe holds {} bytes (F_GETPIPE_SZ) and the item's frame \
                 is {} bytes.",
                q.pipe_capacity(),
                ProcQueue::frame_len(&item(BIG))
            ));
            let got = stage.get(&q);
            let status = stage.join(p);
            stage.say(got.len().to_string());
            stage.note(text!("With the pipe drained, the feeder's write completed and the child {status}."));
        }
        Watched::Ended(status) => {
            stage.warn(text!("the child {status} without hanging: this pipe is bigger than the item"))
        }
    }
    Ok(())
}

/// The same order with a small item: it fits in the pipe, so the child ends.
fn a_small_item_does_not(stage: &mut Stage) -> Result<()> {
    let q = stage.queue::<String>(None)?;
    let p = stage.process(CHILD, |lane| {
        q.put(&item(1000));
        lane.set_state(LaneState::Running, "put returned", None);
    });
    let p = p.start()?;
    let status = stage.join(p);
    let got = stage.get(&q);
    stage.say(got.len().to_string());
    stage.note(text!(
        "The child {status}: its {}-byte frame fit in the {}-byte pipe, so the write finished with \
         nobody reading yet. The hang depends on the size of the item, which is what makes it nasty.",
        ProcQueue::frame_len(&item(1000)),
        q.pipe_capacity()
    ));
    Ok(())
}

/// Whether a child can put an item of `n` bytes with nobody reading: it either
/// ends, or its feeder blocks in `write`. A blocked one is then drained and reaped.
fn fits(stage: &mut Stage, n: usize) -> Result<bool> {
    let q = stage.queue::<String>(None)?;
    let p = stage.process("probe", |_| q.put(&item(n))).start()?;
    let ended = stage.join_unless_blocked_in(p, "write").is_some();
    if !ended {
        stage.get(&q);
        stage.join(p);
    }
    Ok(ended)
}

/// Bisection for the largest item that does not hang.
fn the_threshold(stage: &mut Stage) -> Result<()> {
    let (mut fit, mut hang) = (0, BIG);
    let probes = stage.quietly(|stage| -> Result<u32> {
        let mut probes = 0;
        while hang - fit > 1 {
            let middle = (fit + hang) / 2;
            probes += 1;
            if fits(stage, middle)? {
                fit = middle;
            } else {
                hang = middle;
            }
        }
        Ok(probes)
    })?;
    let capacity = stage.queue::<String>(None)?.pipe_capacity();
    let text = text!("the largest item that does not hang: {fit} bytes ({probes} probes)");
    stage.measure("largest_item_that_fits", fit as f64, "bytes", text);
    let frame = ProcQueue::frame_len(&item(fit));
    stage.note(text!(
        "{fit} bytes fit, {hang} hang. The pipe holds {capacity} bytes and each item travels as a frame: \
         a 4-byte length, then the string's length (a variable-length integer) and its bytes: {frame} \
         bytes for the largest that fits{}.\n\
         Each probe watched /proc until its child ended or the child's feeder sat blocked in write(), \
         so no probe had to wait for a timeout.",
        if frame == capacity { ", exactly the pipe's capacity" } else { "" }
    ));
    match stage.cpython(include_str!("../../lessons/python/queue_threshold.py"), &[]) {
        Ok(python) => {
            if let (Some(largest), Some(frame)) = (python.number("largest"), python.number("frame")) {
                let version = python.text("version").unwrap_or("3");
                let text = text!("CPython {version}: the largest item that does not hang: {largest} bytes");
                stage.measure("cpython_largest_item_that_fits", largest, "bytes", text);
                stage.note(text!(
                    "CPython {version}'s threshold here is {largest} bytes (ours: {fit}): its frame is a \
                     4-byte length and the pickle of the string, {frame} bytes for its largest that fits{}.",
                    if frame == capacity as f64 { ", the pipe's capacity again" } else { "" }
                ));
            }
        }
        Err(why) => stage.note(text!("{why}; ours stands alone.")),
    }
    Ok(())
}

/// The fix: get first, then join.
fn get_before_join(stage: &mut Stage) -> Result<()> {
    let q = stage.queue::<String>(None)?;
    let p = stage
        .process(CHILD, |lane| {
            q.put(&item(BIG));
            lane.set_state(LaneState::Running, "put returned", None);
        })
        .start()?;
    let got = stage.get(&q);
    let status = stage.join(p);
    stage.say(got.len().to_string());
    stage.note(text!(
        "Swapping the two lines is the whole fix: main reads while the child writes, and the child {status}. \
         The rule from the Python docs: a process that has put items on a queue does not end until \
         they are all in the pipe, so get everything before joining."
    ));
    Ok(())
}
