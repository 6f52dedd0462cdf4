//! The pump: how the main program hears its children. Each forked or spawned
//! child sends its events as lines over a pipe of its own; while main waits
//! (see [`super::wait`]), it `poll`s those pipes, narrates what arrived in the
//! order it happened, hands pool results to their tasks, and reaps the children
//! whose pipe closed. No helper thread reads them (fork safety, DESIGN.md).

use std::io::{ErrorKind, Read};
use std::os::fd::{AsFd, BorrowedFd};
use std::time::Duration;

use nix::poll::{poll, PollFd, PollFlags, PollTimeout};

use super::lane::Wire;
use super::pool::Done;
use super::Stage;
use crate::events::{Event, Kind};

impl Stage {
    /// Reads whatever the children send for at most `timeout` (for ever when
    /// `None`), narrating it. Returns true, without waiting longer, once
    /// `readable` (a queue, a pipe or stdin main waits on) can be read.
    pub(crate) fn pump_once(&mut self, timeout: Option<Duration>, readable: Option<BorrowedFd<'_>>) -> bool {
        let open: Vec<usize> =
            (0..self.children.len()).filter(|&i| self.children[i].events.is_some()).collect();
        if open.is_empty() && readable.is_none() {
            // Nothing to hear: the time passes all the same.
            std::thread::sleep(timeout.unwrap_or(Duration::ZERO));
            return false;
        }
        let timeout = match timeout {
            None => PollTimeout::NONE,
            // Rounded up: a poll that wakes a hair early would only poll again.
            Some(t) => PollTimeout::try_from(t.as_micros().div_ceil(1000)).unwrap_or(PollTimeout::MAX),
        };
        let (ready, readable_now): (Vec<usize>, bool) = {
            let mut fds: Vec<PollFd> = open
                .iter()
                .map(|&i| {
                    PollFd::new(self.children[i].events.as_ref().expect("open").as_fd(), PollFlags::POLLIN)
                })
                .collect();
            fds.extend(readable.map(|fd| PollFd::new(fd, PollFlags::POLLIN)));
            match poll(&mut fds, timeout) {
                Ok(0) | Err(nix::errno::Errno::EINTR) => return false,
                Ok(_) => {}
                Err(err) => panic!("poll over the children's pipes failed: {err}"),
            }
            let is_ready = |fd: &PollFd| fd.revents().is_some_and(|r| !r.is_empty());
            let readable_now = readable.is_some() && fds.last().is_some_and(is_ready);
            let ready = open.iter().zip(&fds).filter(|(_, fd)| is_ready(fd)).map(|(&i, _)| i).collect();
            (ready, readable_now)
        };
        let mut batch = Vec::new();
        let mut replies = Vec::new();
        let mut closed = Vec::new();
        for i in ready {
            if self.drain(i, &mut batch, &mut replies) {
                closed.push(i);
            }
        }
        // Two children's lines read in one wake-up are shown in the order they happened.
        batch.sort_by(|a: &Event, b: &Event| a.t.total_cmp(&b.t));
        for event in batch {
            self.recorder.emit(event);
        }
        // Callbacks run after the lines their task printed, in the parent, as CPython's do.
        for (task, done) in replies {
            self.task_done(task, done);
        }
        for i in closed {
            self.reap(i);
        }
        readable_now
    }

    /// Reads what child `i` has sent. Returns true when its pipe has closed.
    fn drain(&mut self, i: usize, batch: &mut Vec<Event>, replies: &mut Vec<(u64, Done)>) -> bool {
        let child = &mut self.children[i];
        // One pipe-atomic record at a time. A bigger stack buffer costs more than it
        // saves: every page of it the parent writes while a child shares its memory
        // is a copy-on-write fault.
        let mut buf = [0u8; libc::PIPE_BUF];
        let closed = loop {
            match child.events.as_ref().expect("open").read(&mut buf) {
                Ok(0) => break true,
                Ok(n) => {
                    child.pending.extend_from_slice(&buf[..n]);
                    child.last_heard = self.clock.now();
                }
                Err(err) if err.kind() == ErrorKind::WouldBlock => break false,
                Err(err) if err.kind() == ErrorKind::Interrupted => continue,
                Err(_) => break true,
            }
        };
        while let Some(end) = child.pending.iter().position(|&b| b == b'\n') {
            let line: Vec<u8> = child.pending.drain(..=end).collect();
            match serde_json::from_slice::<Wire>(&line) {
                Ok(Wire::Event(event)) => batch.push(*event),
                Ok(Wire::Took { task }) => {
                    self.tasks.taken.insert(task, (child.name.clone(), child.pid.as_raw()));
                }
                Ok(Wire::OutOfMemory { size }) => {
                    // The lesson cannot show what it meant to without the child's data: it ends here.
                    eprintln!(
                        "error: {} (pid {}) ran out of memory: could not allocate {size} bytes{}",
                        child.name,
                        child.pid,
                        super::memory::HINT
                    );
                    super::cleanup::exit_quietly(1);
                }
                Ok(Wire::Reply { task, value, started, finished }) => replies.push((
                    task,
                    Done { value, worker: child.name.clone(), pid: child.pid.as_raw(), started, finished },
                )),
                Err(_) => batch.push(Event::new(
                    self.clock.now(),
                    &child.name,
                    child.pid.as_raw(),
                    Kind::Warn,
                    "sent a line the tutor could not read",
                )),
            }
        }
        closed
    }
}
