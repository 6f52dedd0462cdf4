//! The traced program as the tutor knows it: its processes and threads, what
//! each waits for, and the lanes they are shown in. Each message from the
//! agent updates it and becomes the events the sinks draw.

use std::collections::{BTreeMap, HashMap};

use nix::sys::signal::Signal;

use super::code::Code;
use super::wire::{Blocked, Message};
use crate::events::{Event, Kind, LaneState, Mark, Text, TUTOR};
use crate::procfs::{Stat, TaskState};
use crate::text;

/// How a process ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    /// It exited with this code.
    Code(i32),
    /// A signal (this number) ended it.
    Signal(i32),
}

impl Status {
    /// From a raw `waitpid(2)` status.
    pub fn from_wait(status: i32) -> Status {
        if libc::WIFSIGNALED(status) {
            Status::Signal(libc::WTERMSIG(status))
        } else {
            Status::Code(libc::WEXITSTATUS(status))
        }
    }

    /// From a Python return code (negative: minus a signal).
    pub fn from_returncode(code: i32) -> Status {
        if code < 0 {
            Status::Signal(-code)
        } else {
            Status::Code(code)
        }
    }

    /// The signal's name (`SIGTERM`).
    pub fn signal_name(signal: i32) -> String {
        Signal::try_from(signal).map_or(format!("signal {signal}"), |s| s.as_str().to_string())
    }

    /// What a shell would report as the status: the code, or 128 + the signal.
    pub fn shell_code(self) -> i32 {
        match self {
            Status::Code(code) => code,
            Status::Signal(signal) => 128 + signal,
        }
    }

    /// `exited with code 0`, `was killed by SIGTERM`.
    pub fn words(self) -> String {
        match self {
            Status::Code(code) => format!("exited with code {code}"),
            Status::Signal(signal) => format!("was killed by {}", Status::signal_name(signal)),
        }
    }
}

/// A process of the program.
#[derive(Debug)]
pub struct Proc {
    /// Its pid.
    pub pid: i32,
    /// Its parent's pid.
    pub ppid: i32,
    /// Its name, as Python names it (`MainProcess`, `Process-1`), or its role (`forkserver`).
    pub name: String,
    /// `exec` (a new interpreter: the program, spawn) or `fork`.
    how: String,
    /// Whether Python named it (a `multiprocessing` process) or gave it a role.
    named: bool,
    /// Whether it is one of multiprocessing's helpers (the forkserver, the resource tracker).
    pub helper: bool,
    daemon: bool,
    /// Its lane, once announced.
    pub lane: Option<String>,
    /// Trace time it connected.
    started: f64,
    /// Whether its connection is still open.
    pub connected: bool,
    /// The code it gave `os._exit`.
    exit_hint: Option<i32>,
    /// How it ended, once known.
    status: Option<Status>,
    /// Trace time its connection closed.
    closed: Option<f64>,
    /// Whether its `exit` event has been emitted.
    pub ended: bool,
    /// Its threads, by thread id; the main thread's id is the pid.
    pub threads: BTreeMap<i32, Thread>,
}

/// A thread of a traced process.
#[derive(Debug)]
pub struct Thread {
    /// Its lane: its name as Python names it (`Thread-1`), made unique.
    pub lane: String,
    /// What it waits for now, if anything.
    pub wait: Option<Wait>,
    /// Sleeping in `time.sleep`.
    pub sleeping: bool,
    /// A traceback it is printing, line by line.
    traceback: Option<Traceback>,
    /// Whether it printed a traceback (its thread died of an exception).
    raised: bool,
    /// Blocked in the kernel on something the agent does not report, as
    /// `/proc` showed it (see [`Program::look_in_proc`]).
    unreported: bool,
    /// Its CPU time at the last look, in clock ticks.
    cpu: u64,
}

/// A wait that really blocked.
#[derive(Clone, Debug)]
pub struct Wait {
    /// What the agent said.
    pub blocked: Blocked,
    /// Trace time it began.
    pub since: f64,
    /// The call as the learner wrote it, with its place: `p.join() (demo.py:9)`.
    pub call: String,
}

/// A traceback being printed: its lines so far, and whether it is complete.
#[derive(Debug)]
struct Traceback {
    lines: Vec<String>,
    at: f64,
    done: bool,
}

/// A lock the learner made with `multiprocessing`, and who holds it.
#[derive(Clone, Debug)]
pub struct Holder {
    /// The holding process and thread.
    pub pid: i32,
    /// The thread.
    pub tid: i32,
    /// Where it took the lock.
    pub site: String,
}

/// The program: every process and thread seen, and the events made of them.
pub struct Program {
    origin: f64,
    /// The learner's code, for naming calls and locks.
    pub code: Code,
    /// The first process: the one the tutor started.
    pub top: i32,
    command: String,
    tutor_pid: i32,
    /// Every process seen, by pid.
    pub procs: BTreeMap<i32, Proc>,
    /// Statuses learned before (or without) the process's end being seen.
    statuses: HashMap<i32, Status>,
    /// Holders of the `multiprocessing` locks the learner made.
    pub holders: HashMap<String, Holder>,
    lane_names: HashMap<String, usize>,
    /// Children started (their parent said so) that have not connected yet, and when.
    awaited: HashMap<i32, f64>,
    /// When each process had ended by, as its parent saw (see [`Program::ended_by`]).
    ended_by: HashMap<i32, f64>,
    /// The names children were started with, by pid, from their parent.
    started: HashMap<i32, String>,
    /// The lanes of threads that have ended, by (pid, tid).
    gone: HashMap<(i32, i32), String>,
    /// Whether every take and release of the program's own locks is an event.
    pub every_lock: bool,
    /// The names of the locks taken so far, by id, for their release.
    lock_names: HashMap<String, String>,
    events: Vec<Event>,
}

impl Program {
    /// A program whose first process is `top`, started by `command`, on a
    /// clock that began at `origin` (`CLOCK_MONOTONIC` seconds).
    pub fn new(origin: f64, top: i32, command: String, code: Code) -> Program {
        Program {
            origin,
            code,
            top,
            command,
            tutor_pid: std::process::id() as i32,
            procs: BTreeMap::new(),
            statuses: HashMap::new(),
            holders: HashMap::new(),
            lane_names: HashMap::new(),
            gone: HashMap::new(),
            started: HashMap::new(),
            ended_by: HashMap::new(),
            awaited: HashMap::new(),
            every_lock: false,
            lock_names: HashMap::new(),
            events: Vec::new(),
        }
    }

    /// The events made since the last call.
    pub fn take_events(&mut self) -> Vec<Event> {
        std::mem::take(&mut self.events)
    }

    /// The trace time before which every event is known: a child that was
    /// started but has not connected yet (for at most `patience` seconds) may
    /// still report what it did since.
    pub fn known_until(&self, now: f64, patience: f64) -> f64 {
        self.awaited.values().copied().filter(|&t| now - t < patience).fold(now, f64::min)
    }

    /// Whether a child that was started less than `patience` seconds ago has
    /// not connected yet: it may hold the other end of a pipe someone waits on.
    pub fn awaiting(&self, now: f64, patience: f64) -> bool {
        self.awaited.values().any(|&t| now - t < patience)
    }

    /// Trace time of monotonic instant `at`.
    pub fn t(&self, at: f64) -> f64 {
        (at - self.origin).max(0.0)
    }

    /// A note from the tutor.
    pub fn note(&mut self, t: f64, text: impl Into<Text>) {
        self.events.push(Event::new(t, TUTOR, self.tutor_pid, Kind::Note, text));
    }

    /// A warning from the tutor.
    pub fn warn(&mut self, t: f64, text: impl Into<Text>) {
        self.events.push(Event::new(t, TUTOR, self.tutor_pid, Kind::Warn, text));
    }

    /// A lane name not yet taken, from `name`.
    fn fresh_lane(&mut self, name: &str) -> String {
        let n = self.lane_names.entry(name.to_string()).or_insert(0);
        *n += 1;
        if *n == 1 {
            name.to_string()
        } else {
            format!("{name}#{n}")
        }
    }

    /// What process `pid` is called in lanes and notes.
    pub fn proc_name(&self, pid: i32) -> String {
        match self.procs.get(&pid) {
            Some(p) => p.lane.clone().unwrap_or_else(|| p.name.clone()),
            None => self.started.get(&pid).cloned().unwrap_or_else(|| format!("pid {pid}")),
        }
    }

    /// What thread `tid` of process `pid` is called: its lane.
    pub fn thread_name(&self, pid: i32, tid: i32) -> String {
        match self.procs.get(&pid).and_then(|p| p.threads.get(&tid)) {
            Some(thread) => thread.lane.clone(),
            None if tid == pid => self.proc_name(pid),
            None if self.gone.contains_key(&(pid, tid)) => self.gone[&(pid, tid)].clone(),
            None => format!("thread {tid} of {}", self.proc_name(pid)),
        }
    }

    /// Takes one message from process `pid`.
    pub fn message(&mut self, pid: i32, message: Message) {
        if let Message::Hello { pid: said, ppid, at, name, how } = message {
            let t = self.t(at);
            let proc = Proc {
                pid: said,
                ppid,
                name,
                how,
                named: false,
                helper: false,
                daemon: false,
                lane: None,
                started: t,
                connected: true,
                exit_hint: None,
                status: None,
                closed: None,
                ended: false,
                threads: BTreeMap::new(),
            };
            self.procs.insert(said, proc);
            self.awaited.remove(&said);
            if said == self.top {
                self.announce(said);
            }
            return;
        }
        if !self.procs.contains_key(&pid) {
            return;
        }
        match message {
            Message::Hello { .. } => {}
            Message::Named { name, daemon, class } => {
                let proc = self.procs.get_mut(&pid).expect("checked");
                proc.named = true;
                proc.daemon |= daemon;
                proc.helper |= class == "forkserver" || class == "resource_tracker";
                if proc.lane.is_none() {
                    proc.name = name;
                    if !class.is_empty() {
                        self.announce(pid);
                    }
                }
            }
            Message::Output { tid, at, stream, whole: _, text } => {
                let t = self.t(at);
                self.output(pid, tid, t, stream, text);
            }
            Message::ThreadStart { tid, at, name, daemon, site } => {
                let t = self.t(at);
                let proc_lane = self.announce(pid);
                let lane = self.fresh_lane(&name);
                let site = (!site.is_empty() && !site.starts_with('@')).then(|| self.code.short(&site));
                let text = match (daemon, site) {
                    (false, None) => text!("thread started in {proc_lane}"),
                    (true, None) => text!("daemon thread started in {proc_lane}"),
                    (false, Some(site)) => text!("thread started in {proc_lane} at {site}"),
                    (true, Some(site)) => text!("daemon thread started in {proc_lane} at {site}"),
                };
                self.events.push(Event::new(t, &lane, pid, Kind::Spawn, text));
                let thread = Thread::new(lane);
                self.procs.get_mut(&pid).expect("checked").threads.insert(tid, thread);
            }
            Message::ThreadEnd { tid, at } => {
                let t = self.t(at);
                self.flush_traceback(pid, tid);
                let Some(thread) = self.procs.get_mut(&pid).and_then(|p| p.threads.get_mut(&tid)) else {
                    return;
                };
                let mut event = Event::new(t, &thread.lane, pid, Kind::Exit, "");
                if thread.raised {
                    event.code = Some(1);
                    event.set_text(text!("thread {} ended by an exception", thread.lane));
                } else {
                    event.code = Some(0);
                    event.set_text(text!("thread {} finished", thread.lane));
                }
                self.events.push(event);
                let thread = self.procs.get_mut(&pid).expect("checked").threads.remove(&tid);
                self.gone.insert((pid, tid), thread.map(|t| t.lane).unwrap_or_default());
            }
            Message::Blocked(blocked) => self.blocked(pid, blocked),
            Message::Running { tid, at, outcome } => {
                let t = self.t(at);
                self.running(pid, tid, t, &outcome);
            }
            Message::Sleeping { tid, at, secs, site } => {
                let t = self.t(at);
                let call = self.call(&site, "sleep");
                let lane = self.touch(pid, tid, t);
                let mut event = Event::new(t, &lane, pid, Kind::State, text!("sleeping in {call}"));
                event.state = Some(LaneState::Sleeping);
                self.events.push(event);
                if let Some(thread) = self.thread_mut(pid, tid) {
                    thread.sleeping = secs > 0.0;
                }
            }
            Message::Started { tid, at, child, name } => {
                let t = self.t(at);
                self.touch(pid, tid, t);
                // Its parent may speak of it before it has said hello.
                self.started.insert(child, name);
                if !self.procs.contains_key(&child) {
                    self.awaited.insert(child, t);
                }
            }
            Message::Signalled { tid, at, target, signal, site } => {
                let t = self.t(at);
                let who = self.touch(pid, tid, t);
                let call = self.call(&site, if signal == "SIGKILL" { "kill" } else { "terminate" });
                let target = self.proc_name(target);
                self.note(t, text!("{who} sends {signal} to {target}: {call}."));
            }
            Message::Acquired { tid, at, lock, site, made } => {
                let t = self.t(at);
                let lane = self.touch(pid, tid, t);
                if self.every_lock {
                    let name = self.lock_name(&made);
                    let place = self.code.short(&site);
                    let mut event = Event::new(t, &lane, pid, Kind::State, format!("took {name} at {place}"));
                    event.state = Some(LaneState::Running);
                    event.lock = Some(name.clone());
                    self.events.push(event);
                    self.lock_names.insert(lock.clone(), name);
                }
                self.holders.insert(lock, Holder { pid, tid, site });
            }
            Message::Released { tid, at, lock } => {
                self.holders.remove(&lock);
                if let Some(name) = self.lock_names.get(&lock).cloned() {
                    let t = self.t(at);
                    let lane = self.touch(pid, tid, t);
                    let mut event = Event::new(t, &lane, pid, Kind::State, format!("let go of {name}"));
                    event.state = Some(LaneState::Running);
                    event.lock = Some(name);
                    self.events.push(event);
                }
            }
            Message::Exiting { code } => {
                if let Some(proc) = self.procs.get_mut(&pid) {
                    proc.exit_hint = Some(code);
                }
            }
            Message::Reaped { pid: child, status, at } => {
                let t = self.t(at);
                self.reaped(child, Status::from_wait(status), t);
            }
            Message::ReturnCode { pid: child, code, at } => {
                let t = self.t(at);
                self.reaped(child, Status::from_returncode(code), t);
            }
        }
    }

    /// Its parent reaped process `pid` at trace time `t`: it had ended by then.
    fn reaped(&mut self, pid: i32, status: Status, t: f64) {
        self.learn_status(pid, status);
        self.ended_by(pid, t);
    }

    /// Process `pid` had ended by trace time `t` (a join of it returned, its
    /// parent reaped it). Kept even before the process is known: its parent's
    /// report can be read before its own connection is accepted.
    fn ended_by(&mut self, pid: i32, t: f64) {
        let by = self.ended_by.entry(pid).or_insert(t);
        *by = by.min(t);
    }

    /// Every process not yet ended was killed by the guard's SIGKILL, unless its status says otherwise.
    pub fn assume_killed(&mut self) {
        for proc in self.procs.values_mut().filter(|p| !p.ended) {
            proc.status.get_or_insert(Status::Signal(libc::SIGKILL));
        }
    }

    /// How process `pid` ended, from whoever learned it (its parent, the guard).
    pub fn learn_status(&mut self, pid: i32, status: Status) {
        match self.procs.get_mut(&pid) {
            Some(proc) if proc.status.is_none() => proc.status = Some(status),
            Some(_) => {}
            None => {
                self.statuses.insert(pid, status);
            }
        }
    }

    /// Process `pid`'s connection closed at trace time `t`: it is ending.
    pub fn closed(&mut self, pid: i32, t: f64) {
        let tids: Vec<i32> =
            self.procs.get(&pid).map(|p| p.threads.keys().copied().collect()).unwrap_or_default();
        for tid in tids {
            self.flush_traceback(pid, tid);
        }
        if let Some(proc) = self.procs.get_mut(&pid) {
            proc.connected = false;
            proc.closed = Some(t);
        }
        self.announce(pid);
    }

    /// Emits the `exit` of every process whose end is known; `give_up`: of
    /// every closed one, known or not (the run is over).
    pub fn settle_exits(&mut self, now: f64, give_up: bool) {
        let closed: Vec<i32> =
            self.procs.values().filter(|p| !p.connected && !p.ended).map(|p| p.pid).collect();
        for pid in closed {
            if let Some(status) = self.statuses.remove(&pid) {
                self.procs.get_mut(&pid).expect("listed").status.get_or_insert(status);
            }
            let proc = self.procs.get(&pid).expect("listed");
            let stat = Stat::of(pid);
            let status =
                proc.status.or_else(|| stat.and_then(|s| s.exit_status).map(Status::from_wait)).or_else(
                    || (stat.is_none() || give_up).then_some(proc.exit_hint.map(Status::Code)).flatten(),
                );
            let gone = stat.is_none() || stat.is_some_and(|s| s.state == 'Z' || s.state == 'X');
            let waited = now - proc.closed.unwrap_or(now);
            if status.is_some() || give_up || (gone && waited > 1.0) {
                self.exit(pid, now, status);
            }
        }
    }

    fn exit(&mut self, pid: i32, t: f64, status: Option<Status>) {
        let lane = self.announce(pid);
        let proc = self.procs.get_mut(&pid).expect("announced");
        proc.ended = true;
        proc.status = proc.status.or(status);
        // It ended before its connection was seen closed, and before a join of it returned.
        let by = self.ended_by.get(&pid).copied().unwrap_or(t);
        let t = proc.closed.unwrap_or(t).min(by).max(proc.started);
        let took = t - proc.started;
        let mut event = Event::new(t, &lane, pid, Kind::Exit, "");
        match status {
            Some(status) => {
                event.set_text(text!("{lane} {} after {took:.2} s", status.words()));
                match status {
                    Status::Code(code) => event.code = Some(code),
                    Status::Signal(signal) => event.signal = Some(Status::signal_name(signal)),
                }
            }
            None => event.set_text(text!("{lane} ended after {took:.2} s")),
        }
        self.events.push(event);
    }

    /// The status the first process ended with, once known.
    pub fn top_status(&self) -> Option<Status> {
        self.procs.get(&self.top).and_then(|p| p.status).or_else(|| self.statuses.get(&self.top).copied())
    }

    /// Announces process `pid` with a `spawn` event if it has not been yet; its lane.
    fn announce(&mut self, pid: i32) -> String {
        let Some(proc) = self.procs.get(&pid) else { return format!("pid {pid}") };
        if let Some(lane) = &proc.lane {
            return lane.clone();
        }
        let (name, ppid, started, daemon) = (proc.name.clone(), proc.ppid, proc.started, proc.daemon);
        let method = self.method(pid);
        let lane = self.fresh_lane(&name);
        let text = if pid == self.top {
            text!("started by concur-tutor: {}", self.command)
        } else {
            let parent = self.proc_name(ppid);
            if daemon {
                text!("started by {parent} (pid {ppid}) with {method}, daemon")
            } else {
                text!("started by {parent} (pid {ppid}) with {method}")
            }
        };
        let mut event = Event::new(started, &lane, pid, Kind::Spawn, text);
        event.ppid = Some(ppid);
        self.events.push(event);
        let proc = self.procs.get_mut(&pid).expect("present");
        proc.lane = Some(lane.clone());
        proc.threads.entry(pid).or_insert_with(|| Thread::new(lane.clone()));
        lane
    }

    /// How process `pid` was started: `fork`, `spawn`, `forkserver`, `os.fork()`, `exec`.
    fn method(&self, pid: i32) -> &'static str {
        let proc = &self.procs[&pid];
        let parent_role = self.procs.get(&proc.ppid).map(|p| p.name.as_str());
        match (proc.how.as_str(), proc.named) {
            ("fork", true) if parent_role == Some("forkserver") => "forkserver",
            ("fork", true) => "fork",
            ("fork", false) => "os.fork()",
            (_, true) => "spawn",
            _ => "exec",
        }
    }

    /// Notes that thread `tid` of `pid` did something at `t`; its lane.
    fn touch(&mut self, pid: i32, tid: i32, t: f64) -> String {
        self.announce(pid);
        if !self.procs[&pid].threads.contains_key(&tid) {
            // A thread Python did not start (`_thread.start_new_thread`, C code).
            let lane = self.fresh_lane(&format!("thread-{tid}"));
            self.procs.get_mut(&pid).expect("announced").threads.insert(tid, Thread::new(lane));
        }
        let thread = self.procs.get_mut(&pid).expect("announced").threads.get_mut(&tid).expect("inserted");
        let lane = thread.lane.clone();
        if std::mem::take(&mut thread.unreported) {
            // It reports again: whatever /proc saw it wait on is over.
            self.state(t, &lane, pid, LaneState::Running, "running again");
        }
        lane
    }

    fn state(&mut self, t: f64, lane: &str, pid: i32, state: LaneState, text: impl Into<Text>) {
        let mut event = Event::new(t, lane, pid, Kind::State, text);
        event.state = Some(state);
        self.events.push(event);
    }

    /// Draws what the agent cannot report: a thread that has reported no
    /// wait, yet sleeps in the kernel and has used no CPU since the last look
    /// (reading a terminal, a socket, a pipe in C code), is shown blocked in
    /// its system call until it uses CPU or reports again.
    pub fn look_in_proc(&mut self, now: f64) {
        let mut changes = Vec::new();
        for proc in self.procs.values_mut().filter(|p| p.connected && !p.ended && p.lane.is_some()) {
            for (&tid, thread) in proc.threads.iter_mut() {
                let dir = format!("/proc/{}/task/{tid}", proc.pid);
                let Some(stat) = Stat::read(&dir) else { continue };
                let idle = stat.cpu_ticks == thread.cpu;
                thread.cpu = stat.cpu_ticks;
                let asleep = matches!(stat.state, 'S' | 'D');
                if thread.wait.is_some() || thread.sleeping {
                    continue;
                }
                if !thread.unreported && asleep && idle {
                    let call = TaskState::read(&dir).and_then(|t| t.syscall).unwrap_or_else(|| "a".into());
                    thread.unreported = true;
                    let text = text!("blocked in the {call}() system call (seen in /proc)");
                    changes.push((thread.lane.clone(), proc.pid, LaneState::Blocked, text));
                } else if thread.unreported && (!asleep || !idle) {
                    thread.unreported = false;
                    changes.push((
                        thread.lane.clone(),
                        proc.pid,
                        LaneState::Running,
                        Text::from("running again"),
                    ));
                }
            }
        }
        for (lane, pid, state, text) in changes {
            self.state(now, &lane, pid, state, text);
        }
    }

    fn thread_mut(&mut self, pid: i32, tid: i32) -> Option<&mut Thread> {
        self.procs.get_mut(&pid)?.threads.get_mut(&tid)
    }

    /// The learner's call at `site` (`p.join() (demo.py:9)`), or where the
    /// library called it.
    pub fn call(&mut self, site: &str, api: &str) -> String {
        match site.strip_prefix('@') {
            Some("exit") => format!("{api}() at exit"),
            Some(place) => format!("{api}() in {place}"),
            None => {
                let call = self.code.call(site, api).unwrap_or_else(|| format!("{api}()"));
                format!("{call} ({})", self.code.short(site))
            }
        }
    }

    fn blocked(&mut self, pid: i32, blocked: Blocked) {
        let t = self.t(blocked.at);
        let lane = self.touch(pid, blocked.tid, t);
        let call = self.call(&blocked.site, &blocked.api);
        let wait = Wait { blocked, since: t, call };
        let text = text!("{} waits for {}", wait.call, self.waited_for(pid, &wait.blocked));
        let mut event = Event::new(t, &lane, pid, Kind::State, text);
        event.state = Some(LaneState::Blocked);
        event.lock = self.lock_waited(&wait.blocked);
        self.events.push(event);
        let tid = wait.blocked.tid;
        if let Some(thread) = self.thread_mut(pid, tid) {
            thread.wait = Some(wait);
        }
    }

    /// What a wait of a thread of `pid` waits for, in words.
    pub fn waited_for(&mut self, pid: i32, b: &Blocked) -> String {
        match b.kind.as_str() {
            "join" => b.target.parse().map_or_else(|_| b.target.clone(), |p| self.proc_name(p)),
            "tjoin" => b
                .target
                .split(',')
                .filter_map(|t| t.parse().ok())
                .map(|tid| self.thread_name(pid, tid))
                .collect::<Vec<_>>()
                .join(", "),
            "lock" => {
                let mut parts = b.extra.splitn(3, ';');
                let owner: i32 = parts.next().and_then(|o| o.parse().ok()).unwrap_or(0);
                let _taken = parts.next();
                let made = parts.next().unwrap_or("");
                let lock = self.lock_name(made);
                if owner == 0 {
                    lock
                } else {
                    format!("{lock}, held by {}", self.thread_name(pid, owner))
                }
            }
            "mplock" => {
                let lock = self.lock_name(&b.extra);
                match self.holders.get(&b.target).cloned() {
                    Some(h) => format!("{lock}, held by {}", self.thread_name(h.pid, h.tid)),
                    None => lock,
                }
            }
            "sem" => "a release() by another process".to_string(),
            "cond" => "a notify() by another thread".to_string(),
            "read" => format!("data in {}", pipe_name(b)),
            "write" => {
                let size: Vec<&str> = b.extra.split(';').collect();
                format!("room in {} for {} bytes", pipe_name(b), size.first().unwrap_or(&"?"))
            }
            other => other.to_string(),
        }
    }

    /// The name of the lock a wait of the program's own lock waits for.
    fn lock_waited(&mut self, b: &Blocked) -> Option<String> {
        let made = match b.kind.as_str() {
            "lock" => b.extra.splitn(3, ';').nth(2).unwrap_or("").to_string(),
            "mplock" => b.extra.clone(),
            _ => return None,
        };
        (!made.is_empty() && !made.starts_with('@')).then(|| self.lock_name(&made))
    }

    /// A lock's name as the learner wrote it (`lockA`), from where it was made.
    pub fn lock_name(&mut self, made: &str) -> String {
        if made.starts_with('@') || made.is_empty() {
            return "a lock inside the library".to_string();
        }
        match self.code.assigned(made) {
            Some(name) => name,
            None => format!("the lock made at {}", self.code.short(made)),
        }
    }

    fn running(&mut self, pid: i32, tid: i32, t: f64, outcome: &str) {
        let lane = self.touch(pid, tid, t);
        let Some(thread) = self.thread_mut(pid, tid) else { return };
        thread.sleeping = false;
        let Some(wait) = thread.wait.take() else {
            let mut event = Event::new(t, &lane, pid, Kind::State, "awake");
            event.state = Some(LaneState::Running);
            self.events.push(event);
            return;
        };
        let took = t - wait.since;
        let timed_out = outcome == "timeout";
        if wait.blocked.kind == "join" && !timed_out {
            if let Ok(child) = wait.blocked.target.parse() {
                self.ended_by(child, t);
            }
        }
        let joins = matches!(wait.blocked.kind.as_str(), "join" | "tjoin");
        let (text, mark) = if timed_out {
            (text!("{} timed out after {took:.2} s", wait.call), Some(Mark::Timeout))
        } else {
            (text!("{} returned after {took:.2} s", wait.call), joins.then_some(Mark::Joined))
        };
        let mut event = Event::new(t, &lane, pid, Kind::State, text);
        event.state = Some(LaneState::Running);
        event.mark = mark;
        self.events.push(event);
        if joins && !wait.blocked.site.starts_with('@') {
            let target = self.waited_for(pid, &wait.blocked);
            let text = if timed_out {
                text!("{} gave up after {took:.2} s: {target} is still running.", wait.call)
            } else {
                text!("{} returned after {took:.2} s: {target} had ended.", wait.call)
            };
            self.note(t, text);
        }
    }

    /// A line thread `tid` of `pid` printed on `stream`; a traceback on
    /// stderr is gathered whole into one `warn`.
    fn output(&mut self, pid: i32, tid: i32, t: f64, stream: u8, text: String) {
        let lane = self.touch(pid, tid, t);
        if stream == 2 {
            let thread = self.thread_mut(pid, tid).expect("touched");
            match &mut thread.traceback {
                Some(tb) if !tb.done => {
                    let frame = text.starts_with(' ') || text.starts_with('\t');
                    tb.lines.push(text);
                    tb.done = !frame;
                    return;
                }
                Some(tb) if chained(&text) => {
                    tb.done = !text.starts_with("Traceback");
                    tb.lines.push(text);
                    return;
                }
                Some(_) => self.flush_traceback(pid, tid),
                None => {}
            }
            if text.starts_with("Traceback (most recent call last):") {
                let thread = self.thread_mut(pid, tid).expect("touched");
                thread.traceback = Some(Traceback { lines: vec![text], at: t, done: false });
                return;
            }
        }
        self.events.push(Event::new(t, &lane, pid, Kind::Say, text));
    }

    /// Emits each complete traceback whose last line came long enough ago
    /// that no chained one follows.
    pub fn flush_tracebacks(&mut self, t: f64) {
        let ready: Vec<(i32, i32)> = self
            .procs
            .iter()
            .flat_map(|(&pid, p)| {
                p.threads.iter().filter_map(move |(&tid, th)| {
                    th.traceback.as_ref().filter(|tb| tb.done && t - tb.at > 0.05).map(|_| (pid, tid))
                })
            })
            .collect();
        for (pid, tid) in ready {
            self.flush_traceback(pid, tid);
        }
    }

    fn flush_traceback(&mut self, pid: i32, tid: i32) {
        let Some(thread) = self.thread_mut(pid, tid) else { return };
        let Some(mut tb) = thread.traceback.take() else { return };
        thread.raised = true;
        tb.lines = without_agent_frames(tb.lines);
        let lane = thread.lane.clone();
        // The raise: the last frame in the learner's code (else the last frame).
        let frames: Vec<(String, String)> = tb
            .lines
            .iter()
            .filter_map(|line| {
                let rest = line.trim_start().strip_prefix("File \"")?;
                let (file, rest) = rest.split_once("\", line ")?;
                let (line, func) = rest.split_once(", in ").unwrap_or((rest, "?"));
                Some((format!("{file}:{}", line.trim()), func.trim().to_string()))
            })
            .collect();
        let learner = frames.iter().rev().find(|(site, _)| self.code.line(site).is_some() && !library(site));
        let (site, func) = learner.or(frames.last()).cloned().unwrap_or_default();
        let error = tb.lines.iter().rev().find(|l| !l.trim().is_empty() && !l.starts_with(' ')).cloned();
        let error = error.unwrap_or_default();
        let text = text!(
            "{lane} raised {error}, at {} (in {func}):\n{}",
            self.code.short(&site),
            tb.lines.join("\n")
        );
        self.events.push(Event::new(tb.at, &lane, pid, Kind::Warn, text));
    }
}

impl Thread {
    fn new(lane: String) -> Thread {
        Thread {
            lane,
            wait: None,
            sleeping: false,
            traceback: None,
            raised: false,
            unreported: false,
            cpu: 0,
        }
    }
}

/// A traceback as Python would print it without the agent: the agent's
/// frames (each a `File` line and the lines of code under it) left out.
fn without_agent_frames(lines: Vec<String>) -> Vec<String> {
    let mut kept = Vec::with_capacity(lines.len());
    let mut skipping = false;
    for line in lines {
        let trimmed = line.trim_start();
        if trimmed.starts_with("File \"") {
            skipping = trimmed.contains("/concur-trace-") && trimmed.contains("sitecustomize.py");
        } else if !line.starts_with(' ') {
            skipping = false;
        }
        if !skipping {
            kept.push(line);
        }
    }
    kept
}

/// A line that continues a traceback: a chained exception's header, or the blank lines around it.
fn chained(line: &str) -> bool {
    line.trim().is_empty()
        || line.starts_with("During handling of the above exception")
        || line.starts_with("The above exception was the direct cause")
        || line.starts_with("Traceback (most recent call last):")
}

/// Whether `site` is in Python's own library rather than the learner's code.
fn library(site: &str) -> bool {
    site.contains("/lib/python") || site.contains("site-packages") || site.starts_with('<')
}

/// `pipe:[81234]`, or `socket:[81234]` for a duplex `Pipe()`'s end.
fn pipe_name(b: &Blocked) -> String {
    if b.kind == "read" && !b.extra.is_empty() {
        format!("socket:[{}]", b.target)
    } else {
        format!("pipe:[{}]", b.target)
    }
}
