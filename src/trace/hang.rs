//! The hang watchdog: which threads can never go on, and why, in the learner's terms.
//!
//! A thread blocked without a timeout waits for someone: a process to end, a
//! thread to finish, a lock's holder, a writer to a pipe (whoever holds its
//! write end, as `/proc/<pid>/fd` shows), any other thread for a notify. A
//! thread is *free* if it runs, sleeps, waits with a timeout, waits on
//! something the agent did not report, or waits for someone free (for a join
//! of several, for all of them free). What is left once that settles can never
//! go on: the program hangs. The watchdog then follows the waits from one stuck
//! thread to the next until it comes back (a cycle) or finds nobody (a wait
//! nobody can end), and says each step with the learner's own lines.

use std::collections::{BTreeSet, HashMap};

use super::program::{Program, Wait};
use crate::events::Text;
use crate::procfs::{self, Stat};
use crate::text;

/// A thread: (pid, tid).
type Node = (i32, i32);

/// How often the watchdog looks, in trace seconds.
const EVERY: f64 = 0.1;

/// Who can end a wait.
#[derive(Debug)]
enum Releasers {
    /// Any one of these (empty: nobody at all).
    Any(Vec<Node>),
    /// All of these must go on.
    All(Vec<Node>),
    /// Someone the watchdog cannot see (the wait is taken as one that may end).
    Unknown,
}

/// The watchdog of one run.
pub struct Watch {
    hang_after: f64,
    last_look: f64,
    /// The stuck threads already explained, so a hang left waiting is told once.
    told: BTreeSet<Node>,
}

impl Watch {
    /// A watchdog that judges a wait a hang after `hang_after` seconds.
    pub fn new(hang_after: f64) -> Watch {
        Watch { hang_after, last_look: f64::NEG_INFINITY, told: BTreeSet::new() }
    }

    /// Looks at the program now; explains a new hang with notes and returns true.
    pub fn look(&mut self, program: &mut Program, now: f64) -> bool {
        if now - self.last_look < EVERY {
            return false;
        }
        self.last_look = now;
        // Nothing has waited long enough to be a hang: no need to read /proc.
        // Nor while a child that was started has not connected yet: what it
        // holds is not known.
        let long = |w: &Wait| w.blocked.timeout.is_none() && now - w.since >= self.hang_after;
        let waits =
            program.procs.values().filter(|p| p.connected && !p.ended).flat_map(|p| p.threads.values());
        if !waits.filter_map(|t| t.wait.as_ref()).any(long) || program.awaiting(now, 5.0) {
            return false;
        }
        let stuck = stuck(program, now);
        if stuck.is_empty()
            || stuck.iter().any(|n| self.since(program, *n).is_none_or(|s| now - s < self.hang_after))
        {
            return false;
        }
        let set: BTreeSet<Node> = stuck.iter().copied().collect();
        if set == self.told {
            return false;
        }
        explain(program, &stuck, now);
        self.told = set;
        true
    }

    fn since(&self, program: &Program, (pid, tid): Node) -> Option<f64> {
        program.procs.get(&pid)?.threads.get(&tid)?.wait.as_ref().map(|w| w.since)
    }
}

/// The live threads of the program and their waits without a timeout.
fn blocked(program: &Program) -> (Vec<Node>, HashMap<Node, Wait>) {
    let mut all = Vec::new();
    let mut waits = HashMap::new();
    for proc in program.procs.values().filter(|p| p.connected && !p.ended) {
        for (&tid, thread) in &proc.threads {
            let Some(task) = Stat::read(&format!("/proc/{}/task/{tid}", proc.pid)) else { continue };
            all.push((proc.pid, tid));
            match &thread.wait {
                Some(wait) if wait.blocked.timeout.is_none() && task.state != 'R' => {
                    waits.insert((proc.pid, tid), wait.clone());
                }
                _ => {}
            }
        }
    }
    (all, waits)
}

/// Every thread of process `pid` that the program knows.
fn threads_of(program: &Program, pid: i32) -> Vec<Node> {
    program.procs.get(&pid).map_or(Vec::new(), |p| p.threads.keys().map(|&tid| (pid, tid)).collect())
}

/// Who holds each pipe or socket of the program, by inode: (pid, whether it holds a write end).
fn ends(program: &Program) -> HashMap<u64, Vec<(i32, bool)>> {
    let mut ends: HashMap<u64, Vec<(i32, bool)>> = HashMap::new();
    for proc in program.procs.values().filter(|p| !p.ended) {
        for open in procfs::pipes_and_sockets(proc.pid) {
            ends.entry(open.inode).or_default().push((proc.pid, open.writes));
        }
    }
    ends
}

fn releasers(
    program: &Program,
    ends: &HashMap<u64, Vec<(i32, bool)>>,
    (pid, tid): Node,
    wait: &Wait,
) -> Releasers {
    let b = &wait.blocked;
    let alive = |pid: i32| program.procs.get(&pid).is_some_and(|p| !p.ended);
    let everyone = || -> Vec<Node> {
        program.procs.keys().flat_map(|&p| threads_of(program, p)).filter(|n| *n != (pid, tid)).collect()
    };
    match b.kind.as_str() {
        "join" => match b.target.parse::<i32>() {
            Ok(child) if alive(child) => Releasers::Any(vec![(child, child)]),
            _ => Releasers::Unknown,
        },
        "tjoin" => {
            Releasers::All(b.target.split(',').filter_map(|t| t.parse().ok()).map(|t| (pid, t)).collect())
        }
        "lock" => match b.extra.split(';').next().and_then(|o| o.parse::<i32>().ok()) {
            Some(owner) if owner > 0 => Releasers::Any(vec![(pid, owner)]),
            _ => Releasers::Unknown,
        },
        "mplock" => match program.holders.get(&b.target) {
            Some(h) if alive(h.pid) => Releasers::Any(vec![(h.pid, h.tid)]),
            Some(_) => Releasers::Any(Vec::new()),
            None => Releasers::Unknown,
        },
        "sem" => Releasers::Any(everyone()),
        "cond" => Releasers::Any(threads_of(program, pid).into_iter().filter(|n| *n != (pid, tid)).collect()),
        "read" | "write" => {
            let inode: u64 = if b.kind == "read" && !b.extra.is_empty() {
                b.extra.parse().unwrap_or(0)
            } else {
                b.target.parse().unwrap_or(0)
            };
            // A reader waits for a writer, a writer for a reader; a duplex
            // pipe's peer is the other socket, held whichever way.
            let want_writer = b.kind == "read";
            let duplex = b.kind == "read" && !b.extra.is_empty();
            let holders: Vec<i32> = ends
                .get(&inode)
                .into_iter()
                .flatten()
                .filter(|(_, writes)| duplex || *writes == want_writer)
                .map(|(p, _)| *p)
                .collect();
            Releasers::Any(
                holders
                    .into_iter()
                    .flat_map(|p| threads_of(program, p))
                    .filter(|n| *n != (pid, tid))
                    .collect(),
            )
        }
        _ => Releasers::Unknown,
    }
}

/// The threads that can never go on, in pid and tid order.
fn stuck(program: &Program, _now: f64) -> Vec<Node> {
    let (all, waits) = blocked(program);
    if waits.is_empty() {
        return Vec::new();
    }
    let ends = ends(program);
    let needs: HashMap<Node, Releasers> =
        waits.iter().map(|(node, wait)| (*node, releasers(program, &ends, *node, wait))).collect();
    let mut free: BTreeSet<Node> = all
        .iter()
        .copied()
        .filter(|n| !waits.contains_key(n) || matches!(needs.get(n), Some(Releasers::Unknown)))
        .collect();
    loop {
        let before = free.len();
        for (node, need) in &needs {
            if free.contains(node) {
                continue;
            }
            // A thread that is not (or no longer) among the program's is free to go.
            let is_free = |n: &Node| free.contains(n) || !all.contains(n);
            let goes = match need {
                Releasers::Any(list) => list.iter().any(is_free),
                Releasers::All(list) => list.iter().all(is_free),
                Releasers::Unknown => true,
            };
            if goes {
                free.insert(*node);
            }
        }
        if free.len() == before {
            break;
        }
    }
    let mut stuck: Vec<Node> = waits.keys().copied().filter(|n| !free.contains(n)).collect();
    stuck.sort();
    stuck
}

/// Says what is stuck and why: the chain of waits from one stuck thread to
/// the next, then whether it closes in a cycle, then a fix when the shape is a known one.
fn explain(program: &mut Program, stuck: &[Node], now: f64) {
    let ends = ends(program);
    let wait_of = |program: &Program, (pid, tid): Node| -> Wait {
        program.procs[&pid].threads[&tid].wait.clone().expect("a stuck thread waits")
    };
    let start =
        if stuck.contains(&(program.top, program.top)) { (program.top, program.top) } else { stuck[0] };
    let mut chain = vec![start];
    let cycle_from = loop {
        let here = *chain.last().expect("never empty");
        let wait = wait_of(program, here);
        let next = match releasers(program, &ends, here, &wait) {
            Releasers::Any(list) | Releasers::All(list) => list.into_iter().find(|n| stuck.contains(n)),
            Releasers::Unknown => None,
        };
        match next {
            Some(n) if chain.contains(&n) => break chain.iter().position(|c| *c == n),
            Some(n) => chain.push(n),
            None => break None,
        }
    };
    let longest =
        stuck.iter().filter_map(|&n| program.procs[&n.0].threads[&n.1].wait.as_ref()).map(|w| now - w.since);
    let waited = longest.fold(0.0, f64::max);
    let lanes: Vec<String> = stuck.iter().map(|&(p, t)| program.thread_name(p, t)).collect();
    program.warn(
        now,
        text!("hang: {} cannot go on (waiting for {waited:.1} s). Why, step by step:", lanes.join(", ")),
    );
    for &node in &chain {
        let wait = wait_of(program, node);
        let text = describe(program, &ends, node, &wait);
        program.note(now, text);
    }
    let shown: Vec<Node> = match cycle_from {
        Some(i) => chain[i..].to_vec(),
        None => chain.clone(),
    };
    match cycle_from {
        Some(_) if shown.len() > 1 => {
            program.note(now, "That is a cycle: each waits for the next, so none of them can ever go on.")
        }
        _ => program.note(now, "Nobody can end this wait: nothing else in the program is left that could."),
    }
    let waits: Vec<Wait> = shown.iter().map(|&n| wait_of(program, n)).collect();
    let kinds: Vec<&str> = waits.iter().map(|w| w.blocked.kind.as_str()).collect();
    let feeder = shown.iter().any(|&(p, t)| program.thread_name(p, t).starts_with("QueueFeederThread"));
    let fix = if kinds.contains(&"join") && kinds.contains(&"write") && feeder {
        Some("Fix: get() before join(): take what a child put on a queue before waiting for it to end.")
    } else if kinds.iter().filter(|k| matches!(**k, "lock" | "mplock")).count() >= 2 {
        Some(
            "Fix: take the locks in the same order everywhere (then no cycle can form), or acquire with a \
             timeout and back off.",
        )
    } else if kinds == ["read"] {
        Some("Fix: make sure something will put (or send) before get() (or recv()) waits, or give it a timeout.")
    } else if kinds == ["cond"] {
        Some("Fix: make sure another thread will put, set() or notify() before this wait, or give it a timeout.")
    } else {
        None
    };
    if let Some(fix) = fix {
        program.note(now, fix);
    }
}

/// One step of a hang, in words.
fn describe(
    program: &mut Program,
    ends: &HashMap<u64, Vec<(i32, bool)>>,
    (pid, tid): Node,
    wait: &Wait,
) -> Text {
    let who = program.thread_name(pid, tid);
    let b = wait.blocked.clone();
    let call = &wait.call;
    match b.kind.as_str() {
        "join" => {
            let child = program.waited_for(pid, &b);
            text!("{who} waits in {call} for {child} to end.")
        }
        "tjoin" => {
            let threads = program.waited_for(pid, &b);
            let feeder = threads.starts_with("QueueFeederThread");
            match (b.site.as_str(), feeder) {
                ("@exit", true) => text!(
                    "{} cannot exit until its QueueFeederThread has written into the pipe everything it put on \
                     the queue.",
                    program.proc_name(pid)
                ),
                ("@exit", false) => text!("{who} has finished its code, but waits at exit for {threads} to finish."),
                _ => text!("{who} waits in {call} for {threads} to finish."),
            }
        }
        "lock" | "mplock" => {
            let lock = if b.kind == "lock" {
                let made = b.extra.splitn(3, ';').nth(2).unwrap_or("").to_string();
                program.lock_name(&made)
            } else {
                program.lock_name(&b.extra)
            };
            let holder = match b.kind.as_str() {
                "lock" => {
                    let mut parts = b.extra.splitn(3, ';');
                    let owner: i32 = parts.next().and_then(|o| o.parse().ok()).unwrap_or(0);
                    let taken = parts.next().unwrap_or("").to_string();
                    Some((program.thread_name(pid, owner), taken))
                }
                _ => program
                    .holders
                    .get(&b.target)
                    .cloned()
                    .map(|h| (program.thread_name(h.pid, h.tid), h.site)),
            };
            match holder {
                Some((holder, taken)) if !taken.is_empty() && !taken.starts_with('@') => {
                    let taken = program.code.short(&taken);
                    text!("{who} waits in {call} for {lock}, which {holder} took at {taken}.")
                }
                Some((holder, _)) => text!("{who} waits in {call} for {lock}, which {holder} holds."),
                None => text!("{who} waits in {call} for {lock}."),
            }
        }
        "write" => {
            let numbers: Vec<&str> = b.extra.split(';').collect();
            let (size, capacity) = (numbers.first().unwrap_or(&"?"), numbers.get(1).unwrap_or(&"?"));
            let inode: u64 = b.target.parse().unwrap_or(0);
            let readers = holders(program, ends, inode, false, pid);
            text!(
                "{who} waits to write {size} bytes into pipe:[{inode}], which holds {capacity} bytes and is \
                 read only by {readers}."
            )
        }
        "read" => {
            let inode: u64 =
                if b.extra.is_empty() { b.target.parse().unwrap_or(0) } else { b.extra.parse().unwrap_or(0) };
            let writers = holders(program, ends, inode, b.extra.is_empty(), -1);
            let what = program.waited_for(pid, &b);
            text!("{who} waits in {call} for {what}, which only {writers} could write.")
        }
        "cond" => text!(
            "{who} waits in {call} for a put, set() or notify() that only another thread of {} could make.",
            program.proc_name(pid)
        ),
        "sem" => text!("{who} waits in {call} for a release() that only another process could make."),
        _ => text!("{who} waits in {call}."),
    }
}

/// The processes holding an end of pipe `inode` (the write ends when
/// `writes`), named, other than `except`: `MainProcess and Process-1`.
fn holders(
    program: &Program,
    ends: &HashMap<u64, Vec<(i32, bool)>>,
    inode: u64,
    writes: bool,
    except: i32,
) -> String {
    let mut names: Vec<String> = ends
        .get(&inode)
        .into_iter()
        .flatten()
        .filter(|(pid, w)| *w == writes && *pid != except)
        .map(|(pid, _)| program.proc_name(*pid))
        .collect();
    names.dedup();
    match names.len() {
        0 => "nobody".to_string(),
        _ => names.join(" and "),
    }
}
