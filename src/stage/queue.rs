//! A queue between processes: the Rust counterpart of `multiprocessing.Queue`.
//!
//! Items are serialised (JSON) and sent over one pipe as frames: a 4-byte
//! length, then the bytes. Any number of forked producers and consumers share
//! it: a writers' lock keeps one frame whole when it is larger than the pipe
//! writes atomically, a readers' lock lets one reader take one whole frame, and
//! a counting semaphore in shared memory enforces `maxsize` across processes.
//! All of it is created before the fork, so every child holds the same pipe and
//! the same shared words.

use std::fmt;
use std::fs::File;
use std::io::Write;
use std::marker::PhantomData;
use std::os::fd::{AsFd, AsRawFd};

use anyhow::Context;
use nix::fcntl::{fcntl, FcntlArg, OFlag};
use nix::poll::{poll, PollFd, PollFlags, PollTimeout};
use nix::unistd::pipe2;
use serde::de::DeserializeOwned;
use serde::Serialize;

use super::frame;
use super::shared::{SharedInt, SharedLock, SharedSem};
use super::{Clock, Mark, Stage};

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
    read_end: File,
    write_end: File,
    readers: SharedLock,
    writers: SharedLock,
    /// Free places, when the queue is bounded.
    places: Option<SharedSem>,
    /// Items put and not yet taken: Python's `qsize()`.
    items: SharedInt,
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
        let places = maxsize.map(|n| SharedSem::new(n as u32)).transpose()?;
        Ok(ProcQueue {
            read_end: File::from(read_end),
            write_end: File::from(write_end),
            readers: SharedLock::new()?,
            writers: SharedLock::new()?,
            places,
            items: SharedInt::new()?,
            maxsize,
            clock: self.clock,
            item: PhantomData,
        })
    }

    /// `q.get()` in the main program: waits for an item, narrating whatever the
    /// children do meanwhile.
    pub fn get<T: Serialize + DeserializeOwned>(&mut self, queue: &ProcQueue<T>) -> T {
        self.block("q.get()");
        self.pump(None, Some(queue.read_end.as_fd()), |_| false);
        self.unblock("q.get() returned", None);
        queue.get()
    }

    /// `q.get(timeout=secs)` in the main program.
    pub fn get_timeout<T: Serialize + DeserializeOwned>(
        &mut self,
        queue: &ProcQueue<T>,
        secs: f64,
    ) -> Result<T, Empty> {
        let deadline = self.clock.deadline(secs);
        self.block(format!("q.get(timeout={secs})"));
        if self.pump(Some(deadline), Some(queue.read_end.as_fd()), |_| false) {
            self.unblock(format!("q.get(timeout={secs}) returned"), None);
            Ok(queue.get())
        } else {
            self.unblock(format!("q.get(timeout={secs}) timed out"), Some(Mark::Timeout));
            Err(Empty)
        }
    }
}

impl<T: Serialize + DeserializeOwned> ProcQueue<T> {
    /// Python's `q.put(item)`: waits while a bounded queue is full.
    pub fn put(&self, item: &T) {
        if let Some(places) = &self.places {
            places.acquire(None);
        }
        self.send(item);
    }

    /// Python's `q.put(item, timeout=secs)`.
    pub fn put_timeout(&self, item: &T, secs: f64) -> Result<(), Full> {
        if let Some(places) = &self.places {
            if !places.acquire(Some(self.clock.deadline(secs))) {
                return Err(Full);
            }
        }
        self.send(item);
        Ok(())
    }

    /// Python's `q.get()`: waits for an item.
    pub fn get(&self) -> T {
        let _reading = self.readers.lock();
        self.receive()
    }

    /// Python's `q.get(timeout=secs)`.
    pub fn get_timeout(&self, secs: f64) -> Result<T, Empty> {
        let _reading = self.readers.lock();
        let mut fds = [PollFd::new(self.read_end.as_fd(), PollFlags::POLLIN)];
        let millis = (self.clock.real(secs).as_millis()).min(i32::MAX as u128) as i32;
        match poll(&mut fds, PollTimeout::try_from(millis).unwrap_or(PollTimeout::MAX)) {
            Ok(n) if n > 0 => Ok(self.receive()),
            _ => Err(Empty),
        }
    }

    /// Python's `q.qsize()`: items put and not yet taken.
    pub fn qsize(&self) -> usize {
        self.items.get().max(0) as usize
    }

    /// Python's `q.full()`.
    pub fn full(&self) -> bool {
        self.maxsize.is_some_and(|max| self.qsize() >= max)
    }

    /// How many bytes the queue's pipe holds before a writer must wait for a reader.
    pub fn pipe_capacity(&self) -> usize {
        fcntl(self.read_end.as_raw_fd(), FcntlArg::F_GETPIPE_SZ).map_or(0, |n| n as usize)
    }

    /// How many bytes `item` takes in the pipe: its whole frame.
    pub fn frame_len(item: &T) -> usize {
        frame::len(item)
    }

    fn send(&self, item: &T) {
        self.items.atomic_add(1);
        let _writing = self.writers.lock();
        frame::with_frame(item, |frame| (&self.write_end).write_all(frame))
            .expect("every queue user holds the read end, so the pipe stays open");
    }

    fn receive(&self) -> T {
        let item = frame::read(&self.read_end)
            .expect("only this queue writes its pipe")
            .expect("every queue user holds the write end, so the pipe stays open");
        self.items.atomic_add(-1);
        if let Some(places) = &self.places {
            places.release();
        }
        item
    }
}
