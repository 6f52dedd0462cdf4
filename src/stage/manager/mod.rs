//! Python's `multiprocessing.Manager()` and `BaseManager`: shared state kept
//! by a server process. The server owns the objects; every other process holds
//! proxies, and every use of a proxy is a request to the server and its reply
//! (a round trip), so that all of them see one object.
//!
//! - [`server`]: the server process's loop and its objects;
//! - [`proxy`]: the proxies, `DictProxy`, `ListProxy`, `ValueProxy`;
//! - [`protocol`]: the requests and replies, as serde values;
//! - [`transport`]: a Unix socket, or TCP for a manager others reach by address;
//! - [`auth`]: the authkey handshake.

mod auth;
mod protocol;
mod proxy;
mod server;
mod transport;

use std::cell::RefCell;
use std::fmt;
use std::io::{self, Write};
use std::net::SocketAddr;
use std::ops::Deref;
use std::sync::atomic::{AtomicU32, Ordering};

use anyhow::Context;

pub use protocol::Item;
use protocol::{Method, Object, Reply, Request};
pub use proxy::{DictProxy, ListProxy, ValueProxy};
use transport::{Address, Stream};

use super::frame;
use super::shared::SharedInt;
use super::{Proc, Stage};

/// The client's side of a manager, in any process: its address, the authkey,
/// and this process's connection to it.
pub struct Manager {
    address: Address,
    authkey: Vec<u8>,
    /// This process's connection, with the pid that opened it: a forked child
    /// inherits its parent's, which it must not use (the replies would go to
    /// whichever process reads first), so it opens its own, as CPython's
    /// proxies do after a fork.
    connection: RefCell<Option<(u32, Stream)>>,
}

/// A manager this program started: the client's side, and the server process
/// it may shut down. Python's `Manager()` after `start()`.
pub struct StartedManager {
    manager: Manager,
    server: Proc,
    pid: i32,
    requests: SharedInt,
    refused: SharedInt,
}

/// What a server did in its life, read when it is shut down.
#[derive(Clone, Copy, Debug)]
pub struct Served {
    /// Requests answered: one per proxy access, and one per object created.
    pub requests: i32,
    /// Connections refused at the handshake (a wrong authkey).
    pub refused: i32,
}

/// Why [`Manager::connect`] failed, in CPython's words.
#[derive(Debug)]
pub enum ConnectError {
    /// The server refused the key: CPython's `AuthenticationError`.
    Rejected,
    /// The connection itself failed.
    Io(io::Error),
}

impl fmt::Display for ConnectError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConnectError::Rejected => f.write_str("AuthenticationError: digest sent was rejected"),
            ConnectError::Io(err) => write!(f, "OSError: {err}"),
        }
    }
}

impl std::error::Error for ConnectError {}

impl Stage {
    /// Python's `Manager()` (as in `with Manager() as manager:`): starts the
    /// server process, as the lane `manager`, listening on a Unix socket, with
    /// this program's own random authkey, which its forked children inherit.
    pub fn manager(&mut self) -> anyhow::Result<StartedManager> {
        // CPython's process authkey is os.urandom(32) too.
        let authkey = auth::random_bytes(32).context("could not read random bytes for an authkey")?;
        static STARTED: AtomicU32 = AtomicU32::new(0);
        let name = format!("concur-tutor-{}-{}", self.pid(), STARTED.fetch_add(1, Ordering::Relaxed));
        self.start_manager(Address::Unix(name), authkey)
    }

    /// Python's `BaseManager(address=(host, port), authkey=…).start()`: a
    /// server on TCP, which any process that knows the address and the key
    /// can use. Port 0 lets the OS pick a free port ([`Manager::address`]).
    pub fn manager_at(&mut self, address: SocketAddr, authkey: &[u8]) -> anyhow::Result<StartedManager> {
        self.start_manager(Address::Tcp(address), authkey.to_vec())
    }

    fn start_manager(&mut self, address: Address, authkey: Vec<u8>) -> anyhow::Result<StartedManager> {
        // Listening before the fork: the address is known here at once, and the
        // listener, moved into the server, is closed on this side by the fork.
        let (listener, address) =
            address.listen().with_context(|| format!("could not listen on {address}"))?;
        let (requests, refused) = (SharedInt::new()?, SharedInt::new()?);
        let counts = server::Counts { requests: &requests, refused: &refused };
        let key = &authkey;
        // A daemon: should a lesson forget shutdown(), its end terminates the server.
        let server = self
            .process("manager", move |lane| server::serve(lane, listener, key, counts))
            .daemon(true)
            .start()?;
        let manager = Manager { address, authkey, connection: RefCell::new(None) };
        let pid = self.pid_of(server);
        Ok(StartedManager { manager, server, pid, requests, refused })
    }

    /// Python's `manager.shutdown()`, where its `with` block ends: asks the
    /// server to stop, waits for it, and returns what it did.
    pub fn shutdown(&mut self, started: StartedManager) -> Served {
        started.manager.call(Request::Shutdown);
        self.join(started.server);
        Served { requests: started.requests.get(), refused: started.refused.get() }
    }
}

impl Deref for StartedManager {
    type Target = Manager;

    fn deref(&self) -> &Manager {
        &self.manager
    }
}

impl StartedManager {
    /// The server process's pid (CPython's `manager._process.pid`).
    pub fn pid(&self) -> i32 {
        self.pid
    }
}

impl Manager {
    /// Python's `BaseManager(address=…, authkey=…).connect()`, in a process
    /// that did not start the server and knows only its address and key.
    pub fn connect(address: SocketAddr, authkey: &[u8]) -> Result<Manager, ConnectError> {
        let manager = Manager {
            address: Address::Tcp(address),
            authkey: authkey.to_vec(),
            connection: RefCell::new(None),
        };
        manager.connection()?;
        Ok(manager)
    }

    /// Python's `m.address`.
    pub fn address(&self) -> String {
        self.address.to_string()
    }

    /// The TCP port it listens on (0 for a Unix socket).
    pub fn port(&self) -> u16 {
        match &self.address {
            Address::Tcp(address) => address.port(),
            Address::Unix(_) => 0,
        }
    }

    /// Python's `manager.dict()`: a new, empty dict on the server.
    pub fn dict(&self) -> DictProxy<'_> {
        self.dict_with(Vec::<(Item, Item)>::new())
    }

    /// Python's `manager.dict(x=0)`: a new dict holding `items`.
    pub fn dict_with<K: Into<Item>, V: Into<Item>>(
        &self,
        items: impl IntoIterator<Item = (K, V)>,
    ) -> DictProxy<'_> {
        let items = items.into_iter().map(|(k, v)| (k.into(), v.into())).collect();
        DictProxy::new(self, self.create(Request::Create(Object::Dict(items))))
    }

    /// Python's `manager.list(items)`.
    pub fn list<T: Into<Item>>(&self, items: impl IntoIterator<Item = T>) -> ListProxy<'_> {
        let items = items.into_iter().map(Into::into).collect();
        ListProxy::new(self, self.create(Request::Create(Object::List(items))))
    }

    /// Python's `manager.Value(typecode, value)`.
    pub fn value(&self, value: impl Into<Item>) -> ValueProxy<'_> {
        ValueProxy::new(self, self.create(Request::Create(Object::Value(value.into()))))
    }

    /// Python's `m.get_dict()` for a manager class that did
    /// `register('get_dict', callable=lambda: shared)`: the one dict the server
    /// keeps under `typeid`, the same for every process that asks.
    pub fn registered_dict(&self, typeid: &str) -> DictProxy<'_> {
        let request = Request::Registered(typeid.to_string(), Object::Dict(Vec::new()));
        DictProxy::new(self, self.create(request))
    }

    fn create(&self, request: Request) -> u32 {
        match self.call(request) {
            Item::Int(id) => id as u32,
            other => panic!("the manager answered a creation with {other}"),
        }
    }

    /// Calls `method` on object `id`: one round trip.
    fn call_method(&self, id: u32, method: Method) -> Item {
        self.call(Request::Call(id, method))
    }

    /// Sends `request` and waits for its reply, on this process's connection.
    /// An exception on the server, or a lost server, ends this lane with a
    /// panic, as the exception would end a Python program.
    fn call(&self, request: Request) -> Item {
        self.round_trip(&request).unwrap_or_else(|err| panic!("{err}"))
    }

    /// One request and its reply: the value, or the server's exception (or why
    /// the server could not be asked), as text.
    fn round_trip(&self, request: &Request) -> Reply {
        self.connection().map_err(|err| err.to_string())?;
        let connection = self.connection.borrow();
        let (_, stream) = connection.as_ref().expect("connected just now");
        let sent = frame::with_frame(request, |bytes| (&*stream).write_all(bytes));
        match sent.and_then(|()| frame::read::<Reply>(stream)) {
            Ok(Some(reply)) => reply,
            Ok(None) => Err("EOFError: the manager's server has gone".to_string()),
            Err(err) => Err(format!("the manager's server could not be reached: {err}")),
        }
    }

    /// Makes sure this process has its own connection, opening one (with the
    /// authkey handshake) if not.
    fn connection(&self) -> Result<(), ConnectError> {
        let me = std::process::id();
        if self.connection.borrow().as_ref().is_some_and(|(pid, _)| *pid == me) {
            return Ok(());
        }
        let stream = self.address.connect().map_err(ConnectError::Io)?;
        if !auth::answer_challenge(&stream, &self.authkey).map_err(ConnectError::Io)? {
            return Err(ConnectError::Rejected);
        }
        *self.connection.borrow_mut() = Some((me, stream));
        Ok(())
    }
}
