//! The reading half of a process queue: the readers' lock, and what they have
//! read ahead. A reader takes whatever the pipe holds in one `read(2)`, up to
//! 64 KiB (a thousand small frames), and keeps what it did not need in shared
//! memory: the next reader, in this process or another, starts from there. So
//! a run of small items costs one system call per thousand, not one each, and
//! no reader can hoard items that another is waiting for.

use std::fs::File;
use std::io::{ErrorKind, Read};
use std::os::fd::{AsFd, BorrowedFd};

use serde::de::DeserializeOwned;

use super::super::frame::{self, HEADER};
use super::super::shared::{Mapping, SharedGuard, SharedLock};

/// How much a reader reads ahead: a default pipe's whole capacity.
const AHEAD: usize = 64 * 1024;

/// Bytes read from the pipe and not yet taken: `bytes[start..end]`.
struct Ahead {
    start: usize,
    end: usize,
    bytes: [u8; AHEAD],
}

/// The reading half (see the module documentation).
pub(crate) struct Reading {
    pipe: File,
    lock: SharedLock,
    ahead: Mapping<Ahead>,
}

/// One reader's turn: it holds the readers' lock, so the bytes read ahead are
/// its alone until it drops the turn.
pub(crate) struct Turn<'q> {
    pipe: &'q File,
    ahead: &'q mut Ahead,
    _lock: SharedGuard<'q>,
}

impl Reading {
    /// The reading half over `pipe`, the read end of the queue's pipe.
    pub(crate) fn new(pipe: File) -> anyhow::Result<Reading> {
        // SAFETY: all-zero bytes are an empty Ahead.
        Ok(Reading { pipe, lock: SharedLock::new()?, ahead: unsafe { Mapping::zeroed()? } })
    }

    /// Waits for the readers' lock and starts this reader's turn.
    pub(crate) fn turn(&self) -> Turn<'_> {
        let lock = self.lock.lock();
        // SAFETY: every reader, in every process, touches `ahead` only during a
        // turn, and a turn holds the readers' lock: this is the only reference.
        let ahead = unsafe { &mut *self.ahead.as_ptr() };
        Turn { pipe: &self.pipe, ahead, _lock: lock }
    }

    /// The read end, for waiting until the pipe is readable, or asking its capacity.
    pub(crate) fn fd(&self) -> BorrowedFd<'_> {
        self.pipe.as_fd()
    }
}

impl Turn<'_> {
    /// Whether part of a frame is here already: then taking it does not wait
    /// for a writer (beyond the rest of a frame being written).
    pub(crate) fn has_bytes(&self) -> bool {
        self.ahead.end > self.ahead.start
    }

    /// Takes the next frame, reading from the pipe when what is here is not enough.
    pub(crate) fn take<T: DeserializeOwned>(&mut self) -> T {
        self.fill(HEADER);
        let wire = frame::wire_len(&self.ahead.bytes[self.ahead.start..self.ahead.end]);
        let item = if wire <= AHEAD {
            self.fill(wire);
            let item = frame::decode(&self.ahead.bytes[self.ahead.start..self.ahead.start + wire]);
            self.ahead.start += wire;
            item
        } else {
            let head = &self.ahead.bytes[self.ahead.start..self.ahead.end];
            let item = frame::read_rest(head, self.pipe, wire);
            self.ahead.start = self.ahead.end;
            item
        };
        item.expect("only this queue's writers write its pipe, a whole frame at a time")
    }

    /// Reads until at least `n` bytes are here, taking all the pipe holds each time.
    fn fill(&mut self, n: usize) {
        let ahead = &mut *self.ahead;
        if ahead.start == ahead.end {
            (ahead.start, ahead.end) = (0, 0);
        }
        if ahead.start + n > AHEAD {
            ahead.bytes.copy_within(ahead.start..ahead.end, 0);
            (ahead.start, ahead.end) = (0, ahead.end - ahead.start);
        }
        while ahead.end - ahead.start < n {
            match (&*self.pipe).read(&mut ahead.bytes[ahead.end..]) {
                Ok(0) => panic!("every queue user holds the write end, so the pipe stays open"),
                Ok(got) => ahead.end += got,
                Err(err) if err.kind() == ErrorKind::Interrupted => {}
                Err(err) => panic!("reading a queue's pipe failed: {err}"),
            }
        }
    }
}
