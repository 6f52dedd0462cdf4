//! Locks that keep a wait-for graph: who holds each lock and who waits for
//! which. The watchdog reads the graph while threads are blocked, finds a
//! deadlock's cycle and names it; it can also break the cycle by refusing one
//! waiter, as a timeout would.
//!
//! A traced lock is a real lock (a mutex-protected owner and a condition
//! variable to sleep on, as CPython's own locks are built on some platforms);
//! it guards no data, like Python's `threading.Lock`.

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};

use super::{Clock, Lane};
use crate::events::{LaneState, Mark};
use crate::text;

/// Who holds and who waits, for every lock of one [`LockSet`].
#[derive(Default)]
struct Graph {
    names: Vec<String>,
    holder: Vec<Option<String>>,
    /// Thread → (the lock it waits for, lesson time it began waiting, whether
    /// its wait has a timeout).
    waiting: HashMap<String, (usize, f64, bool)>,
    /// Threads whose current wait the watchdog has refused.
    refused: HashSet<String>,
}

struct Shared {
    graph: Mutex<Graph>,
    changed: Condvar,
    clock: Clock,
}

/// A family of traced locks whose wait-for graph is seen as one.
#[derive(Clone)]
pub struct LockSet {
    shared: Arc<Shared>,
}

/// One traced lock: Python's `threading.Lock`, with its holder and its waiters
/// on record.
#[derive(Clone)]
pub struct TracedLock {
    shared: Arc<Shared>,
    index: usize,
}

/// Holding a [`TracedLock`]; dropping it releases the lock.
pub struct TracedGuard {
    lock: TracedLock,
}

/// Why an acquire returned without the lock.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NotAcquired {
    /// Its timeout passed first.
    TimedOut,
    /// The watchdog refused this wait to break a deadlock.
    Refused,
}

/// One thread of a deadlock: the lock it holds and the lock it waits for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Link {
    /// The thread (or process) name.
    pub who: String,
    /// The lock it holds, which the previous link waits for.
    pub holds: String,
    /// The lock it waits for, which the next link holds.
    pub waits_for: String,
}

/// A deadlock: each link waits for a lock the next one holds, and the last
/// waits for the first.
#[derive(Clone, Debug, PartialEq)]
pub struct Cycle {
    /// The links, in wait order.
    pub links: Vec<Link>,
    /// How long (lesson seconds) the most recent of them has been waiting.
    pub stuck_for: f64,
}

impl fmt::Display for Cycle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let links: Vec<String> = self
            .links
            .iter()
            .map(|l| format!("{} holds {} and waits for {}", l.who, l.holds, l.waits_for))
            .collect();
        write!(f, "{}", links.join("; "))
    }
}

impl LockSet {
    /// A new set of locks, timed by `clock`.
    pub fn new(clock: Clock) -> LockSet {
        LockSet { shared: Arc::new(Shared { graph: Mutex::default(), changed: Condvar::new(), clock }) }
    }

    /// A new free lock named `name` in this set.
    pub fn lock_named(&self, name: &str) -> TracedLock {
        let mut graph = self.shared.lock_graph();
        graph.names.push(name.to_string());
        graph.holder.push(None);
        TracedLock { shared: Arc::clone(&self.shared), index: graph.names.len() - 1 }
    }

    /// The deadlock in the graph now, if there is one whose every member has
    /// waited at least `patience` lesson seconds. A wait with a timeout is no
    /// part of one: it will end by itself, whatever the others do.
    pub fn deadlock(&self, patience: f64) -> Option<Cycle> {
        let graph = self.shared.lock_graph();
        let now = self.shared.clock.now();
        let waits: Vec<(String, String, f64)> = graph
            .waiting
            .iter()
            .filter(|(_, &(_, _, timed))| !timed)
            .map(|(who, &(lock, since, _))| (who.clone(), graph.names[lock].clone(), now - since))
            .collect();
        let holders: Vec<(String, String)> = graph
            .names
            .iter()
            .zip(&graph.holder)
            .filter_map(|(lock, holder)| Some((lock.clone(), holder.clone()?)))
            .collect();
        find_cycle(&waits, &holders).filter(|cycle| cycle.stuck_for >= patience)
    }

    /// Breaks a deadlock: `who`'s current wait returns [`NotAcquired::Refused`].
    pub fn refuse(&self, who: &str) {
        self.shared.lock_graph().refused.insert(who.to_string());
        self.shared.changed.notify_all();
    }
}

impl Shared {
    fn lock_graph(&self) -> MutexGuard<'_, Graph> {
        // The graph stays consistent even if a thread panicked while holding it.
        self.graph.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl TracedLock {
    /// The lock's name.
    pub fn name(&self) -> String {
        self.shared.lock_graph().names[self.index].clone()
    }

    /// Python's `lock.acquire()`: waits as long as it takes. Only the watchdog
    /// can end the wait without the lock.
    pub fn acquire(&self, lane: &Lane) -> Result<TracedGuard, NotAcquired> {
        self.acquire_until(lane, None)
    }

    /// Python's `lock.acquire(timeout=secs)`.
    pub fn acquire_timeout(&self, lane: &Lane, secs: f64) -> Result<TracedGuard, NotAcquired> {
        self.acquire_until(lane, Some(self.shared.clock.now() + secs))
    }

    /// Python's `lock.acquire(blocking=False)`: takes the lock only if it is free now.
    pub fn try_acquire(&self, lane: &Lane) -> Option<TracedGuard> {
        let mut graph = self.shared.lock_graph();
        if graph.holder[self.index].is_some() {
            return None;
        }
        graph.holder[self.index] = Some(lane.name().to_string());
        Some(TracedGuard { lock: self.clone() })
    }

    /// Waits for the lock until lesson time `deadline` (for ever if `None`).
    fn acquire_until(&self, lane: &Lane, deadline: Option<f64>) -> Result<TracedGuard, NotAcquired> {
        let me = lane.name().to_string();
        let mut graph = self.shared.lock_graph();
        graph.waiting.insert(me.clone(), (self.index, self.shared.clock.now(), deadline.is_some()));
        let name = graph.names[self.index].clone();
        let mut shown_blocked = false;
        let outcome = loop {
            if graph.refused.remove(&me) {
                break Err(NotAcquired::Refused);
            }
            if graph.holder[self.index].is_none() {
                graph.holder[self.index] = Some(me.clone());
                break Ok(TracedGuard { lock: self.clone() });
            }
            if !shown_blocked {
                lane.set_state(LaneState::Blocked, format!("{name}.acquire()"), None);
                shown_blocked = true;
            }
            graph = match deadline {
                None => self.shared.changed.wait(graph).unwrap_or_else(|poisoned| poisoned.into_inner()),
                Some(deadline) => {
                    // In lesson time: a pause meanwhile only makes the real wait longer.
                    let left = deadline - self.shared.clock.now();
                    if left <= 0.0 {
                        break Err(NotAcquired::TimedOut);
                    }
                    let left = self.shared.clock.real(left);
                    self.shared.changed.wait_timeout(graph, left).unwrap_or_else(|p| p.into_inner()).0
                }
            };
        };
        graph.waiting.remove(&me);
        drop(graph);
        if shown_blocked {
            let (what, mark) = match &outcome {
                Ok(_) => (text!("got {name}"), None),
                Err(NotAcquired::TimedOut) => (text!("{name}.acquire() timed out"), Some(Mark::Timeout)),
                Err(NotAcquired::Refused) => (text!("{name}.acquire() refused"), None),
            };
            lane.set_state(LaneState::Running, what, mark);
        }
        outcome
    }
}

impl Drop for TracedGuard {
    fn drop(&mut self) {
        let shared = &self.lock.shared;
        shared.lock_graph().holder[self.lock.index] = None;
        shared.changed.notify_all();
    }
}

/// The cycle in a wait-for graph, if any. `waits` are (who, the lock it waits
/// for, for how long); `holders` are (lock, who holds it).
pub fn find_cycle(waits: &[(String, String, f64)], holders: &[(String, String)]) -> Option<Cycle> {
    let holder_of = |lock: &str| holders.iter().find(|(l, _)| l == lock).map(|(_, who)| who.clone());
    let wait_of = |who: &str| waits.iter().find(|(w, _, _)| w == who);
    // The same deadlock is told the same way every time: from the first name.
    let mut starts: Vec<&String> = waits.iter().map(|(who, _, _)| who).collect();
    starts.sort();
    for start in starts {
        // Follow "waits for a lock held by" from `start` until it repeats or ends.
        let mut path: Vec<&(String, String, f64)> = Vec::new();
        let mut who = start.clone();
        while let Some(wait) = wait_of(&who) {
            if let Some(at) = path.iter().position(|w| w.0 == who) {
                let cycle = &path[at..];
                let links = cycle
                    .iter()
                    .enumerate()
                    .map(|(i, w)| Link {
                        who: w.0.clone(),
                        holds: cycle[(i + cycle.len() - 1) % cycle.len()].1.clone(),
                        waits_for: w.1.clone(),
                    })
                    .collect();
                let stuck_for = cycle.iter().map(|w| w.2).fold(f64::INFINITY, f64::min);
                return Some(Cycle { links, stuck_for });
            }
            path.push(wait);
            match holder_of(&wait.1) {
                Some(next) => who = next,
                None => break,
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(text: &str) -> String {
        text.to_string()
    }

    #[test]
    fn two_threads_in_opposite_orders_make_a_cycle() {
        let waits = [(s("t1"), s("B"), 2.0), (s("t2"), s("A"), 1.5)];
        let holders = [(s("A"), s("t1")), (s("B"), s("t2"))];
        let cycle = find_cycle(&waits, &holders).expect("a cycle");
        assert_eq!(cycle.to_string(), "t1 holds A and waits for B; t2 holds B and waits for A");
        assert_eq!(cycle.stuck_for, 1.5);
    }

    #[test]
    fn a_chain_that_ends_at_a_running_thread_is_no_cycle() {
        let waits = [(s("t1"), s("B"), 2.0)];
        let holders = [(s("A"), s("t1")), (s("B"), s("t2"))];
        assert_eq!(find_cycle(&waits, &holders), None);
    }
}
