//! The manager's server process: it owns every object, and does to them what
//! its clients' requests ask, one request at a time. One thread polls the
//! listening socket and every client's connection (CPython's server starts a
//! thread per connection instead; either way, one request is served whole
//! before the next touches the same object).

use std::io::Write;
use std::os::fd::AsFd;

use nix::poll::{poll, PollFd, PollFlags, PollTimeout};

use super::super::frame;
use super::super::lane::Lane;
use super::super::shared::SharedInt;
use super::auth;
use super::protocol::{Item, Method, Object, Reply, Request};
use super::transport::{Listener, Stream};
use crate::events::LaneState;

/// How long the server stays idle before the timeline draws it waiting, in
/// real milliseconds: under a stream of requests it is drawn serving, not
/// flickering between the two at every request.
const IDLE_MS: u16 = 5;

/// What the server counts, in shared memory, for the program that started it.
pub struct Counts<'c> {
    /// Requests answered (the shutdown aside).
    pub requests: &'c SharedInt,
    /// Connections refused at the handshake.
    pub refused: &'c SharedInt,
}

/// Serves requests until one says `Shutdown`.
pub fn serve(lane: &Lane, listener: Listener, authkey: &[u8], counts: Counts<'_>) {
    let mut objects = Objects::default();
    let mut clients: Vec<Stream> = Vec::new();
    loop {
        let (accept, ready) = wait_for_requests(lane, &listener, &clients);
        let mut gone = Vec::new();
        for i in ready {
            let request = match frame::read::<Request>(&clients[i]) {
                Ok(Some(request)) => request,
                _ => {
                    gone.push(i);
                    continue;
                }
            };
            let shutdown = request == Request::Shutdown;
            let reply = if shutdown { Ok(Item::None) } else { objects.handle(request) };
            if !shutdown {
                counts.requests.atomic_add(1);
            }
            if frame::with_frame(&reply, |bytes| (&clients[i]).write_all(bytes)).is_err() {
                gone.push(i);
            }
            if shutdown {
                return;
            }
        }
        for i in gone.into_iter().rev() {
            clients.swap_remove(i);
        }
        if accept {
            if let Ok(client) = listener.accept() {
                match auth::deliver_challenge(&client, authkey) {
                    Ok(true) => clients.push(client),
                    _ => {
                        counts.refused.atomic_add(1);
                    }
                }
            }
        }
    }
}

/// Waits until a connection comes or a client has sent a request; returns
/// whether to accept, and which clients to read. The server is drawn waiting
/// only once it has been idle for [`IDLE_MS`].
fn wait_for_requests(lane: &Lane, listener: &Listener, clients: &[Stream]) -> (bool, Vec<usize>) {
    let mut fds: Vec<PollFd> = std::iter::once(listener.as_fd())
        .chain(clients.iter().map(|client| client.as_fd()))
        .map(|fd| PollFd::new(fd, PollFlags::POLLIN))
        .collect();
    let mut idle = false;
    loop {
        let timeout = if idle { PollTimeout::NONE } else { PollTimeout::from(IDLE_MS) };
        match poll(&mut fds, timeout) {
            Ok(0) if !idle => {
                idle = true;
                lane.set_state(LaneState::Blocked, "waiting for requests", None);
            }
            Ok(n) if n > 0 => break,
            _ => {}
        }
    }
    if idle {
        lane.set_state(LaneState::Running, "serving requests", None);
    }
    let ready = |fd: &PollFd| fd.revents().is_some_and(|r| !r.is_empty());
    let accept = ready(&fds[0]);
    let clients = fds[1..].iter().enumerate().filter(|(_, fd)| ready(fd)).map(|(i, _)| i).collect();
    (accept, clients)
}

/// The objects the server owns, by id, and the names some are registered under.
#[derive(Default)]
struct Objects {
    all: Vec<Object>,
    registered: Vec<(String, u32)>,
}

impl Objects {
    fn handle(&mut self, request: Request) -> Reply {
        match request {
            Request::Create(object) => Ok(self.add(object)),
            Request::Registered(name, object) => {
                match self.registered.iter().find(|(known, _)| *known == name) {
                    Some((_, id)) => Ok(Item::Int((*id).into())),
                    None => {
                        let id = self.add(object);
                        let Item::Int(n) = id else { unreachable!("ids are ints") };
                        self.registered.push((name, n as u32));
                        Ok(id)
                    }
                }
            }
            Request::Call(id, method) => match self.all.get_mut(id as usize) {
                Some(object) => call(object, method),
                None => Err(format!("KeyError: no object {id}")),
            },
            Request::Shutdown => Ok(Item::None),
        }
    }

    fn add(&mut self, object: Object) -> Item {
        self.all.push(object);
        Item::Int(self.all.len() as i64 - 1)
    }
}

/// Runs `method` on `object`, as the real type would.
fn call(object: &mut Object, method: Method) -> Reply {
    match (object, method) {
        (Object::Dict(items), Method::GetItem(key)) => items
            .iter()
            .find(|(k, _)| *k == key)
            .map(|(_, value)| value.clone())
            .ok_or_else(|| format!("KeyError: {key}")),
        (Object::Dict(items), Method::SetItem(key, value)) => {
            match items.iter_mut().find(|(k, _)| *k == key) {
                Some((_, old)) => *old = value,
                None => items.push((key, value)),
            }
            Ok(Item::None)
        }
        (Object::Dict(items), Method::Repr) => {
            let inside: Vec<String> = items.iter().map(|(k, v)| format!("{k}: {v}")).collect();
            Ok(Item::Str(format!("{{{}}}", inside.join(", "))))
        }
        (Object::List(items), Method::Append(item)) => {
            items.push(item);
            Ok(Item::None)
        }
        (Object::List(items), Method::Reverse) => {
            items.reverse();
            Ok(Item::None)
        }
        (Object::List(items), Method::Repr) => {
            let inside: Vec<String> = items.iter().map(Item::to_string).collect();
            Ok(Item::Str(format!("[{}]", inside.join(", "))))
        }
        (Object::Value(value), Method::Get) => Ok(value.clone()),
        (Object::Value(value), Method::Set(new)) => {
            *value = new;
            Ok(Item::None)
        }
        (Object::Value(value), Method::Repr) => Ok(Item::Str(value.to_string())),
        (_, method) => Err(format!("AttributeError: the object has no method {method:?}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn objects_answer_as_python_s_would() {
        let mut objects = Objects::default();
        assert_eq!(objects.handle(Request::Create(Object::Dict(Vec::new()))), Ok(Item::Int(0)));
        let call = |objects: &mut Objects, method| objects.handle(Request::Call(0, method));
        call(&mut objects, Method::SetItem("x".into(), 1.into())).unwrap();
        call(&mut objects, Method::SetItem("y".into(), "two".into())).unwrap();
        assert_eq!(call(&mut objects, Method::Repr), Ok(Item::Str("{'x': 1, 'y': 'two'}".into())));
        assert_eq!(call(&mut objects, Method::GetItem("z".into())), Err("KeyError: 'z'".into()));
        let named = Request::Registered("get_dict".into(), Object::Dict(Vec::new()));
        assert_eq!(objects.handle(named.clone()), Ok(Item::Int(1)));
        assert_eq!(objects.handle(named), Ok(Item::Int(1)), "the same object every time");
    }
}
