//! Python's `multiprocessing.Pipe()`: two connected ends that send and receive
//! whole values. Duplex, it is a Unix socket pair (both ends send and receive);
//! one-way, a pipe (the first end only receives, the second only sends).

use std::fs::File;
use std::io::{self, Read, Write};
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};

use anyhow::Context;
use nix::fcntl::OFlag;
use nix::sys::socket::{socketpair, AddressFamily, SockFlag, SockType};
use nix::unistd::pipe2;
use serde::de::DeserializeOwned;
use serde::Serialize;

use super::lane::waiting_here;
use super::wait::Wait;
use super::{frame, Stage};

/// One end of a [`Stage::pipe`].
pub struct Connection {
    end: File,
}

impl Connection {
    fn new(fd: OwnedFd) -> Connection {
        Connection { end: File::from(fd) }
    }

    /// Python's `conn.send(value)`: the whole value, as one frame. Fails on
    /// the receiving end of a one-way pipe, as the OS refuses the write.
    pub fn send<T: Serialize>(&self, value: &T) -> io::Result<()> {
        frame::with_frame(value, |frame| (&self.end).write_all(frame))
    }

    /// Python's `conn.recv()`: waits for the next whole value; `None` once the
    /// other end is closed by everyone holding it.
    pub fn recv<T: DeserializeOwned>(&self) -> io::Result<Option<T>> {
        let mut ready = [nix::poll::PollFd::new(self.end.as_fd(), nix::poll::PollFlags::POLLIN)];
        if matches!(nix::poll::poll(&mut ready, nix::poll::PollTimeout::ZERO), Ok(0)) {
            return waiting_here("conn.recv()", || frame::read(&self.end));
        }
        frame::read(&self.end)
    }

    /// Writes `bytes` as they are, unframed (Python's `os.write` on the fd),
    /// in as few `write(2)` calls as the pipe allows.
    pub fn write_raw(&self, bytes: &[u8]) -> io::Result<()> {
        (&self.end).write_all(bytes)
    }

    /// Reads exactly `buf.len()` bytes, unframed.
    pub fn read_raw(&self, buf: &mut [u8]) -> io::Result<()> {
        (&self.end).read_exact(buf)
    }

    /// How many bytes `value` takes on the wire: its whole frame.
    pub fn frame_len<T: Serialize>(value: &T) -> usize {
        frame::len(value)
    }

    /// This end's descriptor, for a poll loop.
    pub fn fd(&self) -> BorrowedFd<'_> {
        self.end.as_fd()
    }
}

impl Stage {
    /// Python's `Pipe(duplex)`. Make it before starting the processes that use it.
    pub fn pipe(&self, duplex: bool) -> anyhow::Result<(Connection, Connection)> {
        let (a, b) = if duplex {
            socketpair(AddressFamily::Unix, SockType::Stream, None, SockFlag::SOCK_CLOEXEC)
                .context("could not create a socket pair")?
        } else {
            pipe2(OFlag::O_CLOEXEC).context("could not create a pipe")?
        };
        Ok((Connection::new(a), Connection::new(b)))
    }

    /// `conn.recv()` in the main program: waits for a value, narrating whatever
    /// the children do meanwhile.
    pub fn recv<T: DeserializeOwned>(&mut self, conn: &Connection) -> io::Result<Option<T>> {
        let wait = Wait::blocked("conn.recv()").readable(conn.fd()).watching(self.alive());
        self.wait_for(wait, |_| false);
        conn.recv()
    }
}
