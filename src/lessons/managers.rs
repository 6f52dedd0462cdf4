//! managers: the other way note 001 gives to share state, a server process
//! (`Manager()`). The server owns a dict, a list and a value; the other
//! processes hold proxies, and each access is a round trip to the server. It
//! is slow beside shared memory, it still loses `d['x'] += 1` updates, and it
//! works across machines: a manager on TCP with an authkey, which a program
//! that was never forked from it reaches by address.

use std::hint::black_box;
use std::net::SocketAddr;
use std::time::Instant;

use anyhow::Result;

use super::SceneFn;
use crate::stage::{
    argv, DictProxy, Entry, Lane, ListProxy, Manager, SharedF64, SharedLock, Stage, ValueProxy,
};
use crate::text;

pub const SCENES: &[SceneFn] = &[
    a_server_process_owns_the_objects,
    a_round_trip_per_access,
    updates_still_lost,
    a_manager_on_the_network,
];

/// The spawned clients of scene 4.
pub const ENTRIES: &[Entry] = &[CLIENT];
const CLIENT: Entry = Entry { name: "managers/client", body: client };

/// The Python docs' `f(d, l)`, with a value: every line is a request.
#[allow(clippy::approx_constant)] // 3.14 is the Python's own number, not a stand-in for PI
fn f(d: &DictProxy, l: &ListProxy, v: &ValueProxy) {
    d.set("x", 1);
    d.set("y", "two");
    l.append(3);
    l.reverse();
    v.set(3.14);
}

/// `with Manager() as manager:` a dict, a list and a value, changed by a child.
fn a_server_process_owns_the_objects(stage: &mut Stage) -> Result<()> {
    let manager = stage.manager()?;
    let d = manager.dict();
    let l = manager.list([1, 2]);
    let v = manager.value(0.0);
    let p = stage.process("p", |_| f(&d, &l, &v)).start()?;
    stage.join(p);
    stage.say(d.repr());
    stage.say(l.repr());
    stage.say(v.get().to_string());
    let pid = manager.pid();
    let served = stage.shutdown(manager);
    let text = text!("{} requests served by the manager (pid {pid})", served.requests);
    stage.measure("round_trips", served.requests.into(), "requests", text);
    stage.note(text!(
        "The manager is a process of its own, pid {pid}: d, l and v live in its memory alone.\np and main \
         hold proxies, each an object's id and the server's address, and every line that touched one was \
         a request over a Unix socket and a reply: {} round trips for this little program, creations \
         included. The messages are serde values (postcard); CPython pickles them.",
        served.requests
    ));
    Ok(())
}

/// Seconds per call of `read`, over `n` calls.
fn per_call(n: usize, mut read: impl FnMut()) -> f64 {
    let start = Instant::now();
    for _ in 0..n {
        read();
    }
    start.elapsed().as_secs_f64() / n as f64
}

/// A read through a proxy against a read of shared memory, here and in CPython.
fn a_round_trip_per_access(stage: &mut Stage) -> Result<()> {
    let n = if stage.quick() { 500 } else { 5_000 };
    let python = stage.cpython(include_str!("../../lessons/python/managers.py"), &[&n.to_string()]);
    let manager = stage.manager()?;
    let v = manager.value(0.0);
    let proxy = per_call(n, || {
        black_box(v.get());
    });
    stage.shutdown(manager);
    let shared = SharedF64::new(0.0)?;
    let memory = per_call(n * 100, || {
        black_box(shared.get());
    });
    let ratio = proxy / memory;
    stage.measure("proxy_read", proxy, "s", text!("v.value through a proxy: {:.1} µs", proxy * 1e6));
    stage.measure("shared_read", memory, "s", text!("a Value in shared memory: {:.1} ns", memory * 1e9));
    match &python {
        Ok(figures) => {
            let (theirs, their_memory) = (
                figures.number("proxy_read").unwrap_or(f64::NAN),
                figures.number("shared_read").unwrap_or(f64::NAN),
            );
            let text = text!("CPython, v.value through a proxy: {:.1} µs", theirs * 1e6);
            stage.measure("cpython_proxy_read", theirs, "s", text);
            let text = text!("CPython, a Value in shared memory: {:.1} ns", their_memory * 1e9);
            stage.measure("cpython_shared_read", their_memory, "s", text);
        }
        Err(why) => stage.note(text!("{why}; the Rust figures above stand alone.")),
    }
    stage.note(text!(
        "One read through the proxy cost {:.1} µs: {ratio:.0} times a read of shared memory ({:.1} ns).\nThe \
         proxy's read is a system call to send, a wake-up of the server, another system call back and a \
         wake-up of the reader; shared memory is one load from the cache. A manager buys flexibility \
         (any object, any process, even another machine), not speed.",
        proxy * 1e6,
        memory * 1e9
    ));
    Ok(())
}

/// `d['x'] += 1`, `n` times: a get, then a set, with `lock` held around both if given.
fn add(d: &DictProxy, n: usize, lock: Option<&SharedLock>) {
    for _ in 0..n {
        let _held = lock.map(SharedLock::lock);
        d.set("x", d.get("x") + 1);
    }
}

/// Increments per adder.
const N: usize = 1000;

/// Two adders through one manager dict; returns what `d['x']` ended at.
fn race(stage: &mut Stage, manager: &Manager, lock: Option<&SharedLock>) -> Result<i64> {
    let d = manager.dict_with([("x", 0)]);
    let a = stage.process("adder-1", |_| add(&d, N, lock)).start()?;
    let b = stage.process("adder-2", |_| add(&d, N, lock)).start()?;
    stage.join(a);
    stage.join(b);
    let got = d.get("x");
    stage.say(format!("expected {}, got {got}", 2 * N));
    Ok(got.as_int().unwrap_or_default())
}

/// How many times the unlocked race is run before the lesson accepts that the
/// two adders did not overlap on this machine.
const TRIES: usize = 3;

/// `d['x'] += 1` from two processes: updates lost, until a lock holds the get
/// and the set together.
fn updates_still_lost(stage: &mut Stage) -> Result<()> {
    let manager = stage.manager()?;
    let expected = 2 * N as i64;
    let mut unlocked = race(stage, &manager, None)?;
    for _ in 1..TRIES {
        if unlocked < expected {
            break;
        }
        stage.note("No update was lost: the two adders did not overlap this time. Again:");
        unlocked = race(stage, &manager, None)?;
    }
    let lock = SharedLock::new()?;
    let locked = race(stage, &manager, Some(&lock))?;
    stage.shutdown(manager);
    for (name, got) in [("lost_unlocked", unlocked), ("lost_locked", locked)] {
        let text = text!("{name}: expected {expected}, got {got}, lost {}", expected - got);
        stage.measure(name, (expected - got) as f64, "updates", text);
    }
    stage.note(text!(
        "Without the lock {} of {expected} increments were lost, with it {}.\nThe server runs one \
         request at a time, and every get and every set is safe on its own; but d['x'] += 1 is two \
         requests, and the other adder's set can land between them. Whatever spans several requests \
         needs a lock of its own (Lock(), or manager.Lock()) held around all of them.",
        expected - unlocked,
        expected - locked
    ));
    Ok(())
}

/// The authkey the server of scene 4 is started with.
const AUTHKEY: &[u8] = b"abracadabra";

/// `client.py`: another program, which knows only the port and the key its
/// command line gives it (`sys.argv`).
fn client(lane: &Lane) {
    let (port, key) = (&argv()[0], &argv()[1]);
    let address = SocketAddr::from(([127, 0, 0, 1], port.parse().expect("a port number")));
    match Manager::connect(address, key.as_bytes()) {
        Err(err) => lane.say(err.to_string()),
        Ok(m) => {
            let d = m.registered_dict("get_dict");
            d.set("from", format!("pid {}", lane.pid()));
            lane.say(format!("client: d = {}", d.repr()));
        }
    }
}

/// `BaseManager(address=('127.0.0.1', 0), authkey=…)`: a program started
/// apart connects by address; the wrong key is refused.
fn a_manager_on_the_network(stage: &mut Stage) -> Result<()> {
    let m = stage.manager_at(SocketAddr::from(([127, 0, 0, 1], 0)), AUTHKEY)?;
    stage.say(format!("serving on {}", m.address()));
    let port = m.port().to_string();
    let client = stage.spawn_with_args("client", &CLIENT, &[&port, "abracadabra"])?;
    stage.join(client);
    let intruder = stage.spawn_with_args("intruder", &CLIENT, &[&port, "wrong key"])?;
    stage.join(intruder);
    stage.say(format!("the server's dict: {}", m.registered_dict("get_dict").repr()));
    let served = stage.shutdown(m);
    stage.note(text!(
        "client and intruder were spawned: each is this program started afresh, sharing no memory and \
         no socket with main or the server, and knowing only what its command line said, a port and a \
         key.\nThe server listened on 127.0.0.1 only, so nothing off this machine could reach it; on a \
         real network address, any machine could. It refused {} connection{} at the handshake: it sent \
         a random challenge, and a client that does not hold the key cannot answer with its HMAC. The \
         key itself never crossed the wire.",
        served.refused,
        if served.refused == 1 { "" } else { "s" }
    ));
    Ok(())
}
