//! Where a manager listens and how its clients reach it: a Unix socket for
//! `Manager()` (in the abstract namespace, so nothing is left on disk), or TCP
//! for `BaseManager(address=(host, port))`.

use std::fmt;
use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::os::fd::{AsFd, BorrowedFd};
use std::os::linux::net::SocketAddrExt;
use std::os::unix::net::{self, UnixListener, UnixStream};

/// A manager's address.
#[derive(Clone, Debug)]
pub enum Address {
    /// A Unix socket's name in the abstract namespace.
    Unix(String),
    /// A TCP address.
    Tcp(SocketAddr),
}

/// As Python shows `m.address`: `('127.0.0.1', 50000)`, or the socket's name.
impl fmt::Display for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Address::Unix(name) => write!(f, "'\\0{name}'"),
            Address::Tcp(address) => write!(f, "('{}', {})", address.ip(), address.port()),
        }
    }
}

impl Address {
    /// Listens there. A TCP port 0 becomes the free port the OS picks, and
    /// the address returned says which.
    pub fn listen(&self) -> io::Result<(Listener, Address)> {
        match self {
            Address::Unix(name) => {
                let listener = UnixListener::bind_addr(&net::SocketAddr::from_abstract_name(name)?)?;
                Ok((Listener::Unix(listener), self.clone()))
            }
            Address::Tcp(address) => {
                let listener = TcpListener::bind(address)?;
                let bound = listener.local_addr()?;
                Ok((Listener::Tcp(listener), Address::Tcp(bound)))
            }
        }
    }

    /// Connects to a manager listening there.
    pub fn connect(&self) -> io::Result<Stream> {
        match self {
            Address::Unix(name) => {
                Ok(Stream::Unix(UnixStream::connect_addr(&net::SocketAddr::from_abstract_name(name)?)?))
            }
            Address::Tcp(address) => {
                let stream = TcpStream::connect(address)?;
                // A request is one small write and waits for its reply: Nagle's
                // algorithm would hold it back for the previous one's ACK.
                stream.set_nodelay(true)?;
                Ok(Stream::Tcp(stream))
            }
        }
    }
}

/// A listening socket.
pub enum Listener {
    /// `Manager()`'s.
    Unix(UnixListener),
    /// `BaseManager(address=(host, port))`'s.
    Tcp(TcpListener),
}

impl Listener {
    /// The next client's connection.
    pub fn accept(&self) -> io::Result<Stream> {
        match self {
            Listener::Unix(listener) => Ok(Stream::Unix(listener.accept()?.0)),
            Listener::Tcp(listener) => {
                let stream = listener.accept()?.0;
                stream.set_nodelay(true)?;
                Ok(Stream::Tcp(stream))
            }
        }
    }
}

impl AsFd for Listener {
    fn as_fd(&self) -> BorrowedFd<'_> {
        match self {
            Listener::Unix(listener) => listener.as_fd(),
            Listener::Tcp(listener) => listener.as_fd(),
        }
    }
}

/// One connection between a client and the server.
pub enum Stream {
    /// Over a Unix socket.
    Unix(UnixStream),
    /// Over TCP.
    Tcp(TcpStream),
}

impl Read for &Stream {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Stream::Unix(stream) => (&*stream).read(buf),
            Stream::Tcp(stream) => (&*stream).read(buf),
        }
    }
}

impl Write for &Stream {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Stream::Unix(stream) => (&*stream).write(buf),
            Stream::Tcp(stream) => (&*stream).write(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl AsFd for Stream {
    fn as_fd(&self) -> BorrowedFd<'_> {
        match self {
            Stream::Unix(stream) => stream.as_fd(),
            Stream::Tcp(stream) => stream.as_fd(),
        }
    }
}
