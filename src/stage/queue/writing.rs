//! The writing half of a process queue.
//!
//! In a child, `put` does what CPython's does: it appends the item's frame to a
//! buffer and returns, and a feeder thread writes whatever has gathered into
//! the pipe in one go. A run of puts then costs a few large writes instead of
//! one each. And a child does not end until its feeders have written
//! everything ([`finish_feeding`]): with nobody reading a full pipe, that is
//! where it hangs (the queue-deadlock lesson).
//!
//! A child's puts may run ahead of its feeder by at most [`FEED_AHEAD`] bytes,
//! and then wait for it: so the frames being gathered stay in the cache, and a
//! producer far faster than its readers does not pile up memory. (CPython's
//! buffer has no bound; a put that finds it empty never waits, so the lone
//! large put of the queue-deadlock lesson returns at once in both.)
//!
//! The main program writes its frames itself: it must stay single-threaded, so
//! that it can fork safely (see DESIGN.md, "fork safety").

use std::fs::File;
use std::io::Write;
use std::sync::{Arc, Condvar, Mutex, MutexGuard, OnceLock};
use std::thread::JoinHandle;

use serde::Serialize;

use super::super::fork::in_child;
use super::super::frame;
use super::super::shared::SharedLock;
use super::super::Lane;
use crate::events::LaneState;
use crate::text;

/// The pipe's write end, and the lock that keeps a frame longer than PIPE_BUF
/// whole when several processes write.
struct Pipe {
    end: File,
    lock: SharedLock,
}

/// The writing half (see the module documentation).
pub(crate) struct Writing {
    pipe: Arc<Pipe>,
    /// This child's feeder for this queue, started by its first put; `None`
    /// if no thread could be started, and then the child writes itself.
    feeder: OnceLock<Option<Arc<Feed>>>,
}

/// How many bytes of frames a child's puts may gather before they wait for
/// the feeder: a pipe's worth.
const FEED_AHEAD: usize = 64 * 1024;

/// What a child's puts hand to its feeder thread.
#[derive(Default)]
struct Feed {
    batch: Mutex<Batch>,
    /// Signalled when the batch gains its first frame.
    more: Condvar,
    /// Signalled when the feeder takes the batch.
    room: Condvar,
}

/// The frames between a child's puts and its feeder.
#[derive(Default)]
struct Batch {
    /// Frames put and not yet taken by the feeder.
    frames: Vec<u8>,
    /// Bytes the feeder has taken and is still writing.
    writing: usize,
    /// Set at the child's exit: write what is left, then end.
    closing: bool,
}

/// The feeders this child has started, for [`finish_feeding`].
static FEEDERS: Mutex<Vec<(Arc<Feed>, JoinHandle<()>)>> = Mutex::new(Vec::new());

impl Writing {
    /// The writing half over `end`, the write end of the queue's pipe.
    pub(crate) fn new(end: File) -> anyhow::Result<Writing> {
        Ok(Writing { pipe: Arc::new(Pipe { end, lock: SharedLock::new()? }), feeder: OnceLock::new() })
    }

    /// Sends `item`: through this child's feeder, or, in the main program, straight into the pipe.
    pub(crate) fn put<T: Serialize>(&self, item: &T) {
        match self.feeder() {
            Some(feed) => feed.push(item),
            None => frame::with_frame(item, |frame| self.pipe.write(frame)),
        }
    }

    /// This child's feeder for the queue, started on first use; `None` in the main program.
    fn feeder(&self) -> Option<&Feed> {
        if !in_child() {
            return None;
        }
        self.feeder.get_or_init(|| start_feeder(&self.pipe)).as_deref()
    }
}

impl Feed {
    /// Adds `item`'s frame to the batch, once the batch has room.
    fn push<T: Serialize>(&self, item: &T) {
        let mut batch = lock(&self.batch);
        while batch.frames.len() >= FEED_AHEAD {
            batch = self.room.wait(batch).unwrap_or_else(|poisoned| poisoned.into_inner());
        }
        // The feeder only ever waits for an empty batch: wake it only then.
        let idle = batch.frames.is_empty();
        frame::append(item, &mut batch.frames);
        drop(batch);
        if idle {
            self.more.notify_one();
        }
    }
}

/// The size of the feeder's writes: a default pipe's capacity.
const WRITE: usize = 64 * 1024;

impl Pipe {
    /// Writes `frames` whole, in pipe-sized writes. Measured here (`cargo bench
    /// --bench queue`): one write of a megabyte moved 1 MB items at 72 % of a
    /// raw pipe's rate, 64 KiB writes at 96-100 %.
    fn write(&self, frames: &[u8]) {
        let _writing = self.lock.lock();
        for chunk in frames.chunks(WRITE) {
            (&self.end)
                .write_all(chunk)
                .expect("every queue user holds the read end, so the pipe stays open");
        }
    }
}

/// Starts a feeder thread writing `pipe`, and registers it for [`finish_feeding`].
/// `None` when the system refuses a thread.
fn start_feeder(pipe: &Arc<Pipe>) -> Option<Arc<Feed>> {
    let feed = Arc::new(Feed::default());
    let thread = {
        let (feed, pipe) = (Arc::clone(&feed), Arc::clone(pipe));
        std::thread::Builder::new().name("QueueFeeder".to_string()).spawn(move || feed_the_pipe(&feed, &pipe))
    };
    lock(&FEEDERS).push((Arc::clone(&feed), thread.ok()?));
    Some(feed)
}

/// The feeder thread: takes every frame put so far and writes them in one go.
fn feed_the_pipe(feed: &Feed, pipe: &Pipe) {
    let mut frames = Vec::new();
    loop {
        {
            let mut batch = lock(&feed.batch);
            batch.writing = 0;
            while batch.frames.is_empty() && !batch.closing {
                batch = feed.more.wait(batch).unwrap_or_else(|poisoned| poisoned.into_inner());
            }
            if batch.frames.is_empty() {
                return;
            }
            std::mem::swap(&mut batch.frames, &mut frames);
            batch.writing = frames.len();
        }
        feed.room.notify_all();
        pipe.write(&frames);
        frames.clear();
    }
}

/// At a child's exit: waits until its feeders have written every frame put,
/// showing the lane as blocked meanwhile if anything was left.
pub(crate) fn finish_feeding(lane: &Lane) {
    let feeders = std::mem::take(&mut *lock(&FEEDERS));
    let unwritten: usize = feeders
        .iter()
        .map(|(feed, _)| {
            let mut batch = lock(&feed.batch);
            batch.closing = true;
            batch.frames.len() + batch.writing
        })
        .sum();
    if unwritten > 0 {
        lane.set_state(
            LaneState::Blocked,
            text!("ending: waits for its queue feeder to write {unwritten} bytes into the pipe"),
            None,
        );
    }
    for (feed, thread) in feeders {
        feed.more.notify_one();
        let _ = thread.join();
    }
}

/// A lock that a panicking putter cannot spoil for the feeder.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}
