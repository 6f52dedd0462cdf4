//! A queue between processes: the Rust counterpart of `multiprocessing.Queue`.
//!
//! Items are serialised (postcard) and sent over one pipe as frames: a 4-byte
//! length, then the bytes. Any number of forked producers and consumers share
//! it. Writers take a lock that keeps a frame whole when it is longer than the
//! pipe writes atomically; in a child, a feeder thread writes for them, as in
//! CPython ([`writing`]). Readers take turns under a readers' lock and share
//! what they read ahead ([`reading`]). A counting semaphore in shared memory
//! enforces `maxsize` across processes. All of it is created before the fork,
//! so every child holds the same pipe and the same shared words.

mod reading;
mod writing;

use std::fmt;
use std::marker::PhantomData;
use std::os::fd::AsRawFd;
use std::time::Duration;

use anyhow::Context;
use nix::fcntl::{fcntl, FcntlArg, OFlag};
use nix::poll::{poll, PollFd, PollFlags, PollTimeout};
use nix::unistd::pipe2;
use serde::de::DeserializeOwned;
use serde::Serialize;

use super::frame;
use super::lane::waiting_here;
use super::semaphore::Semaphore;
use super::shared::SharedInt;
use super::wait::{Wait, Woke};
use super::{Clock, Stage};
use crate::text;
use reading::Reading;
pub(crate) use writing::finish_feeding;
use writing::Writing;

/// Python's `queue.Full`: a bounded queue stayed full until the timeout.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Full;

/// Python's `queue.Empty`: nothing arrived before the timeout.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Empty;

impl fmt::Display for Full {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("queue.Full: the queue stayed full until the timeout")
    }
}

impl fmt::Display for Empty {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("queue.Empty: nothing arrived before the timeout")
    }
}

/// A queue of `T` between processes (see the module documentation).
pub struct ProcQueue<T> {
    reading: Reading,
    writing: Writing,
    /// Free places, when the queue is bounded.
    places: Option<Semaphore>,
    /// Items put, and items taken: `qsize()` is the difference. Two counters,
    /// each in its own page, so that writers and readers do not pull one
    /// cache line back and forth.
    put: SharedInt,
    taken: SharedInt,
    maxsize: Option<usize>,
    clock: Clock,
    item: PhantomData<fn(T) -> T>,
}

impl Stage {
    /// Python's `multiprocessing.Queue(maxsize)`; `None` for no bound. Make it
    /// before starting the processes that use it.
    pub fn queue<T: Serialize + DeserializeOwned>(
        &self,
        maxsize: Option<usize>,
    ) -> anyhow::Result<ProcQueue<T>> {
        let (read_end, write_end) = pipe2(OFlag::O_CLOEXEC).context("could not create a pipe for a queue")?;
        let places = maxsize.map(|n| Semaphore::new(n as u32)).transpose()?;
        Ok(ProcQueue {
            reading: Reading::new(read_end.into())?,
            writing: Writing::new(write_end.into())?,
            places,
            put: SharedInt::new()?,
            taken: SharedInt::new()?,
            maxsize,
            clock: self.clock,
            item: PhantomData,
        })
    }

    /// `q.get()` in the main program: waits for an item, narrating whatever the
    /// children do meanwhile.
    pub fn get<T: Serialize + DeserializeOwned>(&mut self, queue: &ProcQueue<T>) -> T {
        // The turn first: then no other reader can take what main is waiting for.
        let mut turn = queue.reading.turn();
        let has_bytes = turn.has_bytes();
        let wait = Wait::blocked("q.get()").readable(queue.reading.fd()).watching(self.alive());
        self.wait_for(wait, |_| has_bytes);
        queue.took(turn.take())
    }

    /// `q.get(timeout=secs)` in the main program.
    pub fn get_timeout<T: Serialize + DeserializeOwned>(
        &mut self,
        queue: &ProcQueue<T>,
        secs: f64,
    ) -> Result<T, Empty> {
        let mut turn = queue.reading.turn();
        let has_bytes = turn.has_bytes();
        let wait = Wait::blocked(format!("q.get(timeout={secs})"))
            .timeout(Some(secs))
            .readable(queue.reading.fd())
            .watching(self.alive());
        match self.wait_for(wait, |_| has_bytes) {
            Woke::TimedOut => Err(Empty),
            _ => Ok(queue.took(turn.take())),
        }
    }
}

impl<T: Serialize + DeserializeOwned> ProcQueue<T> {
    /// Python's `q.put(item)`: waits while a bounded queue is full.
    pub fn put(&self, item: &T) {
        if let Some(places) = &self.places {
            if !places.try_acquire() {
                waiting_here("q.put() on a full queue", || places.acquire_within(None));
            }
        }
        self.send(item);
    }

    /// Python's `q.put(item, timeout=secs)`.
    pub fn put_timeout(&self, item: &T, secs: f64) -> Result<(), Full> {
        if let Some(places) = &self.places {
            let until = self.clock.now() + secs;
            let room =
                || self.clock.retry_until(until, |left| places.acquire_within(Some(left)).then_some(()));
            if !places.try_acquire()
                && waiting_here(text!("q.put(timeout={secs}) on a full queue"), room).is_none()
            {
                return Err(Full);
            }
        }
        self.send(item);
        Ok(())
    }

    /// Python's `q.get()`: waits for an item.
    pub fn get(&self) -> T {
        let mut turn = self.reading.turn();
        if !turn.has_bytes() && !self.readable_within(Some(Duration::ZERO)) {
            waiting_here("q.get()", || self.readable_within(None));
        }
        self.took(turn.take())
    }

    /// Python's `q.get(timeout=secs)`.
    pub fn get_timeout(&self, secs: f64) -> Result<T, Empty> {
        let mut turn = self.reading.turn();
        if !turn.has_bytes() && !self.readable_within(Some(Duration::ZERO)) {
            let until = self.clock.now() + secs;
            let item =
                || self.clock.retry_until(until, |left| self.readable_within(Some(left)).then_some(()));
            if waiting_here(format!("q.get(timeout={secs})"), item).is_none() {
                return Err(Empty);
            }
        }
        Ok(self.took(turn.take()))
    }

    /// Whether the queue's pipe has bytes to read within `timeout` of real
    /// time (for ever if `None`).
    fn readable_within(&self, timeout: Option<Duration>) -> bool {
        let mut fds = [PollFd::new(self.reading.fd(), PollFlags::POLLIN)];
        let timeout = match timeout {
            None => PollTimeout::NONE,
            Some(t) => PollTimeout::try_from(t.as_micros().div_ceil(1000)).unwrap_or(PollTimeout::MAX),
        };
        matches!(poll(&mut fds, timeout), Ok(n) if n > 0)
    }

    /// Python's `q.qsize()`: items put and not yet taken.
    pub fn qsize(&self) -> usize {
        (self.put.get() - self.taken.get()).max(0) as usize
    }

    /// Python's `q.full()`.
    pub fn full(&self) -> bool {
        self.maxsize.is_some_and(|max| self.qsize() >= max)
    }

    /// How many bytes the queue's pipe holds before a writer must wait for a reader.
    pub fn pipe_capacity(&self) -> usize {
        fcntl(self.reading.fd().as_raw_fd(), FcntlArg::F_GETPIPE_SZ).map_or(0, |n| n as usize)
    }

    /// How many bytes `item` takes in the pipe: its whole frame.
    pub fn frame_len(item: &T) -> usize {
        frame::len(item)
    }

    fn send(&self, item: &T) {
        self.put.atomic_add(1);
        self.writing.put(item);
    }

    /// Counts `item` as taken, and frees its place in a bounded queue.
    fn took(&self, item: T) -> T {
        self.taken.atomic_add(1);
        if let Some(places) = &self.places {
            places.release();
        }
        item
    }
}
