//! One traced run of a learner's program, read from its events: the
//! processes and threads, how each ended, what each printed, when each slept
//! or waited, the hang the trace explained, the locks taken. The judge asks
//! its questions here, in the trace's own terms.

use crate::events::{Event, Kind, LaneState, Mark, TUTOR};
use crate::trace::Outcome;

/// A run: its events, in order, and how it ended.
#[derive(Clone, Debug)]
pub struct Run {
    /// The events, as the trace made them (in English).
    pub events: Vec<Event>,
    /// How the program ended.
    pub outcome: Outcome,
}

/// How a lane ended.
#[derive(Clone, Debug, PartialEq)]
pub struct Ending {
    /// When.
    pub t: f64,
    /// Its exit code, if it exited.
    pub code: Option<i32>,
    /// The signal that ended it, if one did (`SIGTERM`).
    pub signal: Option<String>,
    /// The trace's words (`Process-1 was killed by SIGTERM after 0.41 s`).
    pub text: String,
}

/// A process of the program.
#[derive(Clone, Debug)]
pub struct Process {
    /// Its lane (`MainProcess`, `Process-1`, `ForkPoolWorker-2`).
    pub lane: String,
    /// Its pid.
    pub pid: i32,
    /// When it started.
    pub start: f64,
    /// How it was started: `fork`, `spawn`, `forkserver`, `os.fork()`; `exec` for the first.
    pub method: String,
    /// Whether it was a daemon.
    pub daemon: bool,
    /// How it ended, if the trace saw it end.
    pub ending: Option<Ending>,
}

/// A thread other than a process's main thread.
#[derive(Clone, Debug)]
pub struct Thread {
    /// Its lane (`Thread-1 (worker)`).
    pub lane: String,
    /// Its process's pid.
    pub pid: i32,
    /// Whether it is a daemon thread.
    pub daemon: bool,
    /// Whether the learner's code started it (not the library: a queue's
    /// feeder, a pool's handlers).
    pub learner: bool,
    /// How it ended, if it did before the program: code 0 finished, 1 raised.
    pub ending: Option<Ending>,
}

/// A span of time a lane spent in one state.
#[derive(Clone, Debug, PartialEq)]
pub struct Span {
    /// The lane.
    pub lane: String,
    /// From.
    pub from: f64,
    /// To (the end of the run, if it never changed again).
    pub to: f64,
    /// What the trace said of it (`sleeping in time.sleep(0.5) (x.py:6)`).
    pub text: String,
}

/// A take of, or a wait for, a lock, by a lane holding others.
#[derive(Clone, Debug, PartialEq)]
pub struct LockStep {
    /// The lane.
    pub lane: String,
    /// The lock taken or waited for.
    pub lock: String,
    /// The locks the lane held then.
    pub holding: Vec<String>,
    /// Whether it waited (else it took the lock at once).
    pub waited: bool,
    /// The trace's words for it, with its place.
    pub text: String,
}

impl Run {
    /// The last moment of the run.
    pub fn end(&self) -> f64 {
        self.events.iter().map(|e| e.t).fold(0.0, f64::max)
    }

    /// Every process, in the order they started.
    pub fn processes(&self) -> Vec<Process> {
        self.events
            .iter()
            .filter(|e| e.kind == Kind::Spawn && e.ppid.is_some())
            .map(|e| Process {
                lane: e.lane.clone(),
                pid: e.pid,
                start: e.t,
                method: method(&e.text),
                daemon: e.text.ends_with(", daemon"),
                ending: self.ending(&e.lane),
            })
            .collect()
    }

    /// The first process: the one the tutor started.
    pub fn main(&self) -> Option<Process> {
        self.processes().into_iter().next()
    }

    /// Every thread started, in order.
    pub fn threads(&self) -> Vec<Thread> {
        self.events
            .iter()
            .filter(|e| e.kind == Kind::Spawn && e.ppid.is_none() && e.lane != TUTOR)
            .map(|e| Thread {
                lane: e.lane.clone(),
                pid: e.pid,
                daemon: e.text.starts_with("daemon thread"),
                learner: e.text.contains(" at "),
                ending: self.ending(&e.lane),
            })
            .collect()
    }

    fn ending(&self, lane: &str) -> Option<Ending> {
        self.events.iter().find(|e| e.kind == Kind::Exit && e.lane == lane).map(|e| Ending {
            t: e.t,
            code: e.code,
            signal: e.signal.clone(),
            text: e.text.clone(),
        })
    }

    /// What `lane` printed, with when.
    pub fn lines_of(&self, lane: &str) -> Vec<(f64, String)> {
        self.says().into_iter().filter(|(_, l, _)| l == lane).map(|(t, _, text)| (t, text)).collect()
    }

    /// Every printed line: when, by which lane, what.
    pub fn says(&self) -> Vec<(f64, String, String)> {
        self.events
            .iter()
            .filter(|e| e.kind == Kind::Say)
            .map(|e| (e.t, e.lane.clone(), e.text.clone()))
            .collect()
    }

    /// The hang the trace explained, if it hung: the stuck lanes' headline,
    /// then each step of why (the suggested fix left out: hints are for that).
    pub fn hang(&self) -> Option<Vec<String>> {
        let at = self.events.iter().position(|e| e.kind == Kind::Warn && e.text.starts_with("hang: "))?;
        let t = self.events[at].t;
        let steps = self.events[at + 1..]
            .iter()
            .take_while(|e| e.t == t && e.kind == Kind::Note && e.lane == TUTOR)
            .map(|e| e.text.clone())
            .filter(|text| !text.starts_with("Fix: "))
            .collect();
        Some(steps)
    }

    /// Whether the tutor ended the program at its time limit.
    pub fn over_time(&self) -> bool {
        self.outcome == Outcome::OverTime
    }

    /// The exceptions that ended threads: the trace's headline of each.
    pub fn exceptions(&self) -> Vec<String> {
        self.events
            .iter()
            .filter(|e| e.kind == Kind::Warn && e.text.contains(" raised "))
            .map(|e| e.text.lines().next().unwrap_or_default().to_string())
            .collect()
    }

    /// The tutor's notes that say a process was sent a signal (`terminate()`).
    pub fn signals_sent(&self) -> Vec<String> {
        self.events
            .iter()
            .filter(|e| e.kind == Kind::Note && e.text.contains(" sends SIG"))
            .map(|e| e.text.clone())
            .collect()
    }

    /// The waits that gave up at their timeout: the trace's words.
    pub fn timeouts(&self) -> Vec<String> {
        self.events
            .iter()
            .filter(|e| e.kind == Kind::State && e.mark == Some(Mark::Timeout))
            .map(|e| format!("{}: {}", e.lane, e.text))
            .collect()
    }

    /// Every span a lane spent in `state`, in order of start.
    pub fn spans(&self, state: LaneState) -> Vec<Span> {
        let end = self.end();
        let mut open: Vec<Span> = Vec::new();
        let mut done = Vec::new();
        for e in &self.events {
            let ends_lane = e.kind == Kind::Exit || (e.kind == Kind::State && e.state.is_some());
            if !ends_lane {
                continue;
            }
            // Taking or letting go of a lock is not a change of state.
            if e.lock.is_some() && e.state == Some(LaneState::Running) {
                continue;
            }
            if let Some(at) = open.iter().position(|s| s.lane == e.lane) {
                let mut span = open.remove(at);
                span.to = e.t;
                done.push(span);
            }
            if e.kind == Kind::State && e.state == Some(state) {
                open.push(Span { lane: e.lane.clone(), from: e.t, to: end, text: e.text.clone() });
            }
        }
        done.extend(open);
        done.sort_by(|a, b| a.from.total_cmp(&b.from));
        done
    }

    /// The most lanes among `lanes` in `state` together for at least `least`
    /// seconds, and from when.
    pub fn most_at_once(&self, state: LaneState, lanes: &dyn Fn(&str) -> bool, least: f64) -> (usize, f64) {
        let spans: Vec<Span> = self.spans(state).into_iter().filter(|s| lanes(&s.lane)).collect();
        let mut best = (0, 0.0);
        for s in &spans {
            let at = s.from;
            let count = spans.iter().filter(|o| o.from <= at && at + least <= o.to).count();
            if count > best.0 {
                best = (count, at);
            }
        }
        best
    }

    /// Where `lane` was blocked when the run ended, if it was: the trace's words.
    pub fn blocked_at_end(&self, lane: &str) -> Option<String> {
        let took_or_let_go = |e: &Event| e.lock.is_some() && e.state == Some(LaneState::Running);
        let last = self.events.iter().rev().find(|e| {
            e.lane == lane && (e.kind == Kind::Exit || (e.kind == Kind::State && !took_or_let_go(e)))
        })?;
        (last.kind == Kind::State && last.state == Some(LaneState::Blocked)).then(|| last.text.clone())
    }

    /// What `lane` was doing when the run ended, if it had not ended: the
    /// trace's words for its last wait or sleep.
    pub fn doing_at_end(&self, lane: &str) -> Option<String> {
        let last = self.events.iter().rev().find(|e| {
            e.lane == lane && (e.kind == Kind::Exit || (e.kind == Kind::State && e.lock.is_none()))
        })?;
        match (last.kind, last.state) {
            (Kind::State, Some(LaneState::Blocked | LaneState::Sleeping)) => Some(last.text.clone()),
            _ => None,
        }
    }

    /// Every take of, and wait for, one of the program's locks, with the
    /// locks the lane held then.
    pub fn lock_steps(&self) -> Vec<LockStep> {
        let mut held: Vec<(String, Vec<String>)> = Vec::new();
        let mut steps = Vec::new();
        for e in self.events.iter().filter(|e| e.kind == Kind::State) {
            let Some(lock) = &e.lock else { continue };
            let at = match held.iter().position(|(lane, _)| *lane == e.lane) {
                Some(at) => at,
                None => {
                    held.push((e.lane.clone(), Vec::new()));
                    held.len() - 1
                }
            };
            let holding = &mut held[at].1;
            match e.state {
                Some(LaneState::Blocked) => steps.push(LockStep {
                    lane: e.lane.clone(),
                    lock: lock.clone(),
                    holding: holding.clone(),
                    waited: true,
                    text: e.text.clone(),
                }),
                _ if e.text.starts_with("took ") => {
                    steps.push(LockStep {
                        lane: e.lane.clone(),
                        lock: lock.clone(),
                        holding: holding.clone(),
                        waited: false,
                        text: e.text.clone(),
                    });
                    holding.push(lock.clone());
                }
                _ => holding.retain(|l| l != lock),
            }
        }
        steps
    }
}

/// The start method in a process's `spawn` text (`started by MainProcess
/// (pid 41) with spawn, daemon`).
fn method(text: &str) -> String {
    match text.split_once(" with ") {
        Some((_, rest)) => rest.trim_end_matches(", daemon").to_string(),
        None => "exec".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(t: f64, lane: &str, kind: Kind, text: &str) -> Event {
        Event::new(t, lane, 1, kind, text)
    }

    fn state(t: f64, lane: &str, state: LaneState, text: &str, lock: Option<&str>) -> Event {
        let mut e = event(t, lane, Kind::State, text);
        e.state = Some(state);
        e.lock = lock.map(str::to_string);
        e
    }

    #[test]
    fn spans_end_at_the_next_state_and_lock_steps_know_what_is_held() {
        let run = Run {
            events: vec![
                state(0.1, "T1", LaneState::Sleeping, "sleeping", None),
                state(0.2, "T2", LaneState::Sleeping, "sleeping", None),
                state(0.3, "T1", LaneState::Running, "took lockA at x.py:3", Some("lockA")),
                state(0.6, "T1", LaneState::Running, "awake", None),
                state(0.7, "T1", LaneState::Running, "took lockB at x.py:4", Some("lockB")),
                state(0.8, "T1", LaneState::Running, "let go of lockB", Some("lockB")),
                state(0.9, "T2", LaneState::Blocked, "lockB.acquire() waits for lockB", Some("lockB")),
            ],
            outcome: Outcome::Ended(None),
        };
        let sleeps = run.spans(LaneState::Sleeping);
        assert_eq!(sleeps.iter().map(|s| (s.from, s.to)).collect::<Vec<_>>(), [(0.1, 0.6), (0.2, 0.9)]);
        assert_eq!(run.most_at_once(LaneState::Sleeping, &|_| true, 0.1), (2, 0.2));
        assert_eq!(run.most_at_once(LaneState::Sleeping, &|_| true, 0.5), (1, 0.1));
        let steps = run.lock_steps();
        assert_eq!(steps.len(), 3);
        assert_eq!(steps[1].holding, ["lockA"]);
        assert!(steps[2].waited && steps[2].holding.is_empty());
        assert_eq!(run.blocked_at_end("T2").as_deref(), Some("lockB.acquire() waits for lockB"));
        assert_eq!(method("started by MainProcess (pid 4) with spawn, daemon"), "spawn");
    }
}
