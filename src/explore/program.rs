//! A small program as atomic steps, and the machine that runs them.
//!
//! A [`Program`] is what [`super::parse`] makes of the steps format: shared
//! integers, locks, bounded queues and conditions, and a few threads, each a
//! list of [`Step`]s. A [`State`] is everything that can differ between two
//! moments of a run (each thread's next step and locals, the shared values,
//! who holds which lock, what the queues hold); [`Program::step`] moves one
//! thread by one step. Nothing here knows about schedules or screens: the
//! exploration ([`super::count`]) and the game ([`super::play`]) are built on it.

use std::fmt::Write;

use crate::events::Text;
use crate::text;

/// A program: what is shared, the threads, and the learner's goal.
#[derive(Clone, Debug)]
pub struct Program {
    /// A built-in id (`adders`), or the file it was read from.
    pub name: String,
    /// The text it was read from, in the steps format.
    pub source: String,
    /// The shared integers.
    pub ints: Vec<Int>,
    /// The locks, a condition's own lock among them.
    pub locks: Vec<Lock>,
    /// The bounded queues.
    pub queues: Vec<Queue>,
    /// The conditions (`threading.Condition`).
    pub conditions: Vec<Condition>,
    /// The threads, in the order they are written (lane 1, lane 2, …).
    pub threads: Vec<Thread>,
    /// What the game asks for, if anything.
    pub goal: Option<Goal>,
    layout: Layout,
}

/// A shared integer.
#[derive(Clone, Debug)]
pub struct Int {
    /// Its name.
    pub name: String,
    /// Its value at the start.
    pub initial: i32,
}

/// A lock.
#[derive(Clone, Debug)]
pub struct Lock {
    /// Its name (a condition's lock has the condition's name).
    pub name: String,
    /// Whether it is a condition's lock: then only its holder may release it,
    /// as with the `RLock` inside a Python `Condition`. Anyone may release a
    /// held `Lock`.
    pub of_condition: bool,
}

/// A bounded queue of integers (`queue.Queue(size)`).
#[derive(Clone, Debug)]
pub struct Queue {
    /// Its name.
    pub name: String,
    /// How many items it holds at most.
    pub size: usize,
}

/// A condition (`threading.Condition()`), with its own lock.
#[derive(Clone, Debug)]
pub struct Condition {
    /// Its name.
    pub name: String,
    /// Its lock, in [`Program::locks`].
    pub lock: usize,
}

/// One thread: its lines as written, its locals, its steps.
#[derive(Clone, Debug)]
pub struct Thread {
    /// Its name, the lane's name.
    pub name: String,
    /// Its lines as written (line number, text without the indent of the
    /// `thread` line), the header first: what the game shows.
    pub lines: Vec<(usize, String)>,
    /// The names of its local variables.
    pub locals: Vec<String>,
    /// Its steps; a [`Op::Jump`] is bookkeeping, not a step.
    pub steps: Vec<Step>,
}

/// One atomic step of a thread.
#[derive(Clone, Debug)]
pub struct Step {
    /// The line it comes from.
    pub line: usize,
    /// What it does, as written (`t = v`, `with l:`).
    pub text: String,
    /// Which part of its line it is, when the line makes two steps (a
    /// `with` block's end, a `wait`'s waking).
    pub detail: Option<&'static str>,
    /// What it does, for the machine.
    pub op: Op,
    /// Which round of the innermost `for` loop it belongs to, and of how many.
    pub round: Option<(u32, u32)>,
}

impl Step {
    /// The step in words: its text, and which part of its line it is.
    pub fn describe(&self) -> String {
        match self.detail {
            Some(detail) => format!("{} ({detail})", self.text),
            None => self.text.clone(),
        }
    }
}

/// What a step does.
#[derive(Clone, Debug)]
pub enum Op {
    /// `x = expr`: reads what `expr` reads, writes `x`, as one step.
    Set(Place, Expr),
    /// Takes a lock; waits while someone holds it.
    Acquire(usize),
    /// Lets go of a lock.
    Release(usize),
    /// `c.wait()`, first half: lets go of the condition's lock and sleeps until notified.
    Wait(usize),
    /// `c.wait()`, second half: notified, takes the lock back (waits while it is held).
    Retake(usize),
    /// `c.notify()` (one waiter, the longest waiting) or `c.notify_all()`.
    Notify { cond: usize, all: bool },
    /// `q.put(expr)`: waits while the queue is full.
    Put(usize, Expr),
    /// `x = q.get()`: waits while the queue is empty.
    Get(usize, Option<Place>),
    /// `print(…)`: a line the program prints.
    Print(Vec<Arg>),
    /// `assert expr`: a false one ends the schedule, broken.
    Assert(Expr),
    /// The test of an `if` or a `while`: when false, go on at the step given.
    Test(Expr, usize),
    /// Go on at the step given; no time passes.
    Jump(usize),
}

/// Where a value is written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Place {
    /// A shared integer.
    Shared(usize),
    /// One of the thread's locals.
    Local(usize),
}

/// What `print` is given.
#[derive(Clone, Debug)]
pub enum Arg {
    /// A string, printed as it is.
    Text(String),
    /// A value, printed as a number.
    Value(Expr),
}

/// A value computed from the state.
#[derive(Clone, Debug)]
pub enum Expr {
    /// A number (`True` is 1).
    Int(i32),
    /// A shared integer.
    Shared(usize),
    /// A local of the thread that evaluates it.
    Local(usize),
    /// `q.qsize()`.
    Size(usize),
    /// `q.full()`.
    Full(usize),
    /// `q.empty()`.
    Empty(usize),
    /// In a goal: every thread has finished.
    Done,
    /// In a goal: no thread can step, and not all have finished.
    Stuck,
    /// `not e`.
    Not(Box<Expr>),
    /// `-e`.
    Neg(Box<Expr>),
    /// `a op b`.
    Bin(Bin, Box<Expr>, Box<Expr>),
}

/// A binary operator.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Bin {
    /// `+`
    Add,
    /// `-`
    Sub,
    /// `*`
    Mul,
    /// `==`
    Eq,
    /// `!=`
    Ne,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
    /// `and`
    And,
    /// `or`
    Or,
}

/// The learner's goal: a property of a state, so any schedule that reaches
/// such a state wins.
#[derive(Clone, Debug)]
pub struct Goal {
    /// The goal in plain words (`make v end below 20`), or the condition as written.
    pub text: String,
    /// The property.
    pub test: Expr,
}

/// How a schedule ends.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Outcome {
    /// Every thread finished: the shared integers' values and the queues' contents.
    End {
        /// Each shared integer's final value, in declaration order.
        values: Vec<i32>,
        /// Each queue's final contents, oldest first.
        queues: Vec<Vec<i32>>,
    },
    /// No thread can step, and some have not finished: they wait forever.
    Deadlock,
    /// A thread's step failed: an assertion, or a misuse Python refuses.
    Broken {
        /// The thread.
        thread: usize,
        /// Its step that failed.
        step: usize,
    },
}

/// Why a thread cannot take its next step.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Blocked {
    /// It has finished.
    Done,
    /// It waits for a lock held by a thread (itself, for a `Lock` it already holds).
    Lock {
        /// The lock.
        lock: usize,
        /// Who holds it.
        holder: usize,
    },
    /// It waits in `put` on a full queue.
    Full(usize),
    /// It waits in `get` on an empty queue.
    Empty(usize),
    /// It waits in `c.wait()` for a notify.
    Notify(usize),
    /// The schedule has ended, broken.
    Over,
}

/// Everything that can differ between two moments of a run, packed in one
/// array of words: each thread's next step, its place in a condition's queue
/// of waiters (0: not waiting), its locals; the shared integers; each lock's
/// holder (0: free, else thread + 1); each queue's length and items; and,
/// when a step failed, the thread (+ 1) and the step.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct State(Box<[i32]>);

/// Where each part of a [`State`] is.
#[derive(Clone, Debug, Default)]
struct Layout {
    threads: usize,
    locals: Vec<usize>,
    ints: usize,
    locks: usize,
    queues: Vec<usize>,
    broken: usize,
    len: usize,
}

impl Program {
    /// A program from its parts; `source` is the text they were read from.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        name: String,
        source: String,
        ints: Vec<Int>,
        locks: Vec<Lock>,
        queues: Vec<Queue>,
        conditions: Vec<Condition>,
        threads: Vec<Thread>,
        goal: Option<Goal>,
    ) -> Program {
        let mut at = 2 * threads.len();
        let mut locals = Vec::new();
        for thread in &threads {
            locals.push(at);
            at += thread.locals.len();
        }
        let ints_at = at;
        at += ints.len();
        let locks_at = at;
        at += locks.len();
        let mut queues_at = Vec::new();
        for queue in &queues {
            queues_at.push(at);
            at += 1 + queue.size;
        }
        let layout = Layout {
            threads: threads.len(),
            locals,
            ints: ints_at,
            locks: locks_at,
            queues: queues_at,
            broken: at,
            len: at + 2,
        };
        Program { name, source, ints, locks, queues, conditions, threads, goal, layout }
    }

    /// The state before anything ran.
    pub fn start(&self) -> State {
        let mut words = vec![0; self.layout.len];
        for (i, int) in self.ints.iter().enumerate() {
            words[self.layout.ints + i] = int.initial;
        }
        for (t, thread) in self.threads.iter().enumerate() {
            words[t] = follow_jumps(&thread.steps, 0) as i32;
        }
        State(words.into_boxed_slice())
    }

    /// The index of thread `t`'s next step (its steps' length when it has finished).
    pub fn pc(&self, state: &State, t: usize) -> usize {
        state.0[t] as usize
    }

    /// Thread `t`'s next step, if it has one.
    pub fn next_step(&self, state: &State, t: usize) -> Option<&Step> {
        self.threads[t].steps.get(self.pc(state, t))
    }

    /// Thread `t`'s local `i`.
    pub fn local(&self, state: &State, t: usize, i: usize) -> i32 {
        state.0[self.layout.locals[t] + i]
    }

    /// Shared integer `i`.
    pub fn value(&self, state: &State, i: usize) -> i32 {
        state.0[self.layout.ints + i]
    }

    /// Who holds lock `l`, if anyone.
    pub fn holder(&self, state: &State, l: usize) -> Option<usize> {
        let word = state.0[self.layout.locks + l];
        (word > 0).then(|| word as usize - 1)
    }

    /// Queue `q`'s items, oldest first.
    pub fn items<'s>(&self, state: &'s State, q: usize) -> &'s [i32] {
        let at = self.layout.queues[q];
        &state.0[at + 1..at + 1 + state.0[at] as usize]
    }

    /// The thread and step that failed, if one did.
    pub fn broken(&self, state: &State) -> Option<(usize, usize)> {
        let word = state.0[self.layout.broken];
        (word > 0).then(|| (word as usize - 1, state.0[self.layout.broken + 1] as usize))
    }

    /// Whether thread `t` waits in a condition's `wait` for a notify.
    fn waiting(&self, state: &State, t: usize) -> bool {
        state.0[self.layout.threads + t] > 0
    }

    /// Why thread `t` cannot take its next step, or `None` when it can.
    pub fn blocked(&self, state: &State, t: usize) -> Option<Blocked> {
        if self.broken(state).is_some() {
            return Some(Blocked::Over);
        }
        let Some(step) = self.next_step(state, t) else { return Some(Blocked::Done) };
        if self.waiting(state, t) {
            if let Op::Retake(cond) = step.op {
                return Some(Blocked::Notify(cond));
            }
        }
        match step.op {
            Op::Acquire(lock) => self.holder(state, lock).map(|holder| Blocked::Lock { lock, holder }),
            Op::Retake(cond) => {
                let lock = self.conditions[cond].lock;
                self.holder(state, lock).map(|holder| Blocked::Lock { lock, holder })
            }
            Op::Put(q, _) if self.items(state, q).len() >= self.queues[q].size => Some(Blocked::Full(q)),
            Op::Get(q, _) if self.items(state, q).is_empty() => Some(Blocked::Empty(q)),
            _ => None,
        }
    }

    /// Whether thread `t` can take a step now.
    pub fn can_step(&self, state: &State, t: usize) -> bool {
        self.blocked(state, t).is_none()
    }

    /// The state after thread `t` takes its next step (which it must be able to take).
    pub fn step(&self, state: &State, t: usize) -> State {
        let mut next = state.clone();
        let pc = self.pc(state, t);
        let step = &self.threads[t].steps[pc];
        let mut go_to = pc + 1;
        let me = t as i32 + 1;
        let fail = |words: &mut [i32]| {
            words[self.layout.broken] = me;
            words[self.layout.broken + 1] = pc as i32;
        };
        let words = &mut next.0;
        match &step.op {
            Op::Set(place, expr) => {
                let value = self.eval(expr, state, Some(t));
                words[self.place(*place, t)] = value;
            }
            Op::Acquire(lock) => {
                if self.locks[*lock].of_condition && self.holder(state, *lock) == Some(t) {
                    fail(words);
                    return next;
                }
                words[self.layout.locks + lock] = me;
            }
            Op::Release(lock) => {
                let held_by = self.holder(state, *lock);
                if held_by.is_none() || (self.locks[*lock].of_condition && held_by != Some(t)) {
                    fail(words);
                    return next;
                }
                words[self.layout.locks + lock] = 0;
            }
            Op::Wait(cond) => {
                let lock = self.conditions[*cond].lock;
                if self.holder(state, lock) != Some(t) {
                    fail(words);
                    return next;
                }
                words[self.layout.locks + lock] = 0;
                let waiters = self.waiters(state, *cond).len() as i32;
                words[self.layout.threads + t] = waiters + 1;
            }
            Op::Retake(cond) => {
                words[self.layout.locks + self.conditions[*cond].lock] = me;
            }
            Op::Notify { cond, all } => {
                if self.holder(state, self.conditions[*cond].lock) != Some(t) {
                    fail(words);
                    return next;
                }
                for waiter in self.waiters(state, *cond) {
                    let place = &mut words[self.layout.threads + waiter];
                    *place = if *all { 0 } else { *place - 1 };
                }
            }
            Op::Put(q, expr) => {
                let value = self.eval(expr, state, Some(t));
                let at = self.layout.queues[*q];
                let len = words[at] as usize;
                words[at + 1 + len] = value;
                words[at] += 1;
            }
            Op::Get(q, place) => {
                let at = self.layout.queues[*q];
                let len = words[at] as usize;
                let value = words[at + 1];
                words.copy_within(at + 2..at + 1 + len, at + 1);
                words[at + len] = 0;
                words[at] -= 1;
                if let Some(place) = place {
                    words[self.place(*place, t)] = value;
                }
            }
            Op::Print(_) => {}
            Op::Assert(expr) => {
                if self.eval(expr, state, Some(t)) == 0 {
                    fail(words);
                    return next;
                }
            }
            Op::Test(expr, otherwise) => {
                if self.eval(expr, state, Some(t)) == 0 {
                    go_to = *otherwise;
                }
            }
            Op::Jump(to) => go_to = *to,
        }
        words[t] = follow_jumps(&self.threads[t].steps, go_to) as i32;
        next
    }

    /// The threads waiting in `cond.wait()` for a notify.
    fn waiters(&self, state: &State, cond: usize) -> Vec<usize> {
        let on_cond =
            |t| matches!(self.next_step(state, t).map(|s| &s.op), Some(Op::Retake(c)) if *c == cond);
        (0..self.threads.len()).filter(|&t| self.waiting(state, t) && on_cond(t)).collect()
    }

    fn place(&self, place: Place, t: usize) -> usize {
        match place {
            Place::Shared(i) => self.layout.ints + i,
            Place::Local(i) => self.layout.locals[t] + i,
        }
    }

    /// The value of `expr` in `state`, for thread `t` (`None` in a goal).
    /// Arithmetic wraps, as a C `int` would, rather than fail.
    pub fn eval(&self, expr: &Expr, state: &State, t: Option<usize>) -> i32 {
        let truth = |b: bool| i32::from(b);
        match expr {
            Expr::Int(n) => *n,
            Expr::Shared(i) => self.value(state, *i),
            Expr::Local(i) => t.map_or(0, |t| self.local(state, t, *i)),
            Expr::Size(q) => self.items(state, *q).len() as i32,
            Expr::Full(q) => truth(self.items(state, *q).len() >= self.queues[*q].size),
            Expr::Empty(q) => truth(self.items(state, *q).is_empty()),
            Expr::Done => truth(self.is_done(state)),
            Expr::Stuck => truth(self.is_stuck(state)),
            Expr::Not(e) => truth(self.eval(e, state, t) == 0),
            Expr::Neg(e) => self.eval(e, state, t).wrapping_neg(),
            Expr::Bin(op, a, b) => {
                let a = self.eval(a, state, t);
                // `and` and `or` look at their right side only when Python would.
                match op {
                    Bin::And if a == 0 => return 0,
                    Bin::Or if a != 0 => return 1,
                    _ => {}
                }
                let b = self.eval(b, state, t);
                match op {
                    Bin::Add => a.wrapping_add(b),
                    Bin::Sub => a.wrapping_sub(b),
                    Bin::Mul => a.wrapping_mul(b),
                    Bin::Eq => truth(a == b),
                    Bin::Ne => truth(a != b),
                    Bin::Lt => truth(a < b),
                    Bin::Le => truth(a <= b),
                    Bin::Gt => truth(a > b),
                    Bin::Ge => truth(a >= b),
                    Bin::And | Bin::Or => truth(b != 0),
                }
            }
        }
    }

    /// Whether every thread has finished.
    pub fn is_done(&self, state: &State) -> bool {
        self.broken(state).is_none() && (0..self.threads.len()).all(|t| self.next_step(state, t).is_none())
    }

    /// Whether no thread can step though some have not finished.
    pub fn is_stuck(&self, state: &State) -> bool {
        self.broken(state).is_none()
            && !self.is_done(state)
            && (0..self.threads.len()).all(|t| !self.can_step(state, t))
    }

    /// How the schedule that reached `state` ended, if it has.
    pub fn outcome(&self, state: &State) -> Option<Outcome> {
        if let Some((thread, step)) = self.broken(state) {
            return Some(Outcome::Broken { thread, step });
        }
        if self.is_done(state) {
            return Some(Outcome::End {
                values: (0..self.ints.len()).map(|i| self.value(state, i)).collect(),
                queues: (0..self.queues.len()).map(|q| self.items(state, q).to_vec()).collect(),
            });
        }
        self.is_stuck(state).then_some(Outcome::Deadlock)
    }

    /// Whether `state` is one the goal asks for (false without a goal).
    pub fn goal_holds(&self, state: &State) -> bool {
        self.goal.as_ref().is_some_and(|goal| self.eval(&goal.test, state, None) != 0)
    }

    /// The states a schedule passes through, from the start: one more than
    /// its steps. A lane that cannot step ends the run there.
    pub fn run(&self, schedule: &[usize]) -> Vec<State> {
        let mut states = vec![self.start()];
        for &t in schedule {
            let now = states.last().expect("never empty");
            if t >= self.threads.len() || !self.can_step(now, t) {
                break;
            }
            states.push(self.step(now, t));
        }
        states
    }

    /// The line thread `t` prints when it takes its next step, a `print`, in `state`.
    pub fn printed(&self, state: &State, t: usize) -> Option<String> {
        let Op::Print(args) = &self.next_step(state, t)?.op else { return None };
        let words: Vec<String> = args
            .iter()
            .map(|arg| match arg {
                Arg::Text(text) => text.clone(),
                Arg::Value(expr) => self.eval(expr, state, Some(t)).to_string(),
            })
            .collect();
        Some(words.join(" "))
    }

    /// The shared things as they are in `state`: `v = 3`, `l: held by p1`,
    /// `q = [1] (full)`, `cond: p2 waits`. English; a sink or screen translates.
    pub fn shared_lines(&self, state: &State) -> Vec<String> {
        let mut lines: Vec<String> = self
            .ints
            .iter()
            .enumerate()
            .map(|(i, int)| format!("{} = {}", int.name, self.value(state, i)))
            .collect();
        for (l, lock) in self.locks.iter().enumerate() {
            lines.push(match self.holder(state, l) {
                Some(t) => format!("{}: held by {}", lock.name, self.threads[t].name),
                None => format!("{}: free", lock.name),
            });
        }
        for (q, queue) in self.queues.iter().enumerate() {
            let items = self.items(state, q);
            let full = if items.len() >= queue.size { " (full)" } else { "" };
            lines.push(format!("{} = {}{full}", queue.name, list(items)));
        }
        for (c, cond) in self.conditions.iter().enumerate() {
            let waiters: Vec<&str> =
                self.waiters(state, c).iter().map(|&t| self.threads[t].name.as_str()).collect();
            if !waiters.is_empty() {
                lines.push(format!("{} waits on {}", waiters.join(", "), cond.name));
            }
        }
        lines
    }

    /// What thread `t` waits for, as a sentence (`Thread-1 waits for b, held
    /// by Thread-2`), or `None` when it can step or has finished.
    pub fn waits_for(&self, state: &State, t: usize) -> Option<Text> {
        let who = &self.threads[t].name;
        Some(match self.blocked(state, t)? {
            Blocked::Done | Blocked::Over => return None,
            Blocked::Lock { lock, holder } if holder == t => {
                text!("{who} waits for {}, which it holds itself", self.locks[lock].name)
            }
            Blocked::Lock { lock, holder } => {
                text!("{who} waits for {}, held by {}", self.locks[lock].name, self.threads[holder].name)
            }
            Blocked::Full(q) => text!("{who} waits for room in {}, which is full", self.queues[q].name),
            Blocked::Empty(q) => {
                text!("{who} waits for an item in {}, which is empty", self.queues[q].name)
            }
            Blocked::Notify(c) => text!("{who} waits for a notify on {}", self.conditions[c].name),
        })
    }

    /// The cycle of waiting in a deadlock, when locks make one:
    /// `Thread-1 → b → Thread-2 → a → Thread-1`.
    pub fn cycle(&self, state: &State) -> Option<String> {
        let waits_on = |t: usize| match self.blocked(state, t) {
            Some(Blocked::Lock { lock, holder }) => Some((lock, holder)),
            _ => None,
        };
        for first in 0..self.threads.len() {
            let mut path = vec![first];
            let mut at = first;
            while let Some((_, holder)) = waits_on(at) {
                if let Some(from) = path.iter().position(|&t| t == holder) {
                    let ring = &path[from..];
                    let mut text = String::new();
                    for &t in ring {
                        let (lock, _) = waits_on(t).expect("on the path");
                        let _ = write!(text, "{} → {} → ", self.threads[t].name, self.locks[lock].name);
                    }
                    text.push_str(&self.threads[ring[0]].name);
                    return Some(text);
                }
                path.push(holder);
                at = holder;
            }
        }
        None
    }

    /// An outcome in words: `v = 16`, `v = 1, q = [2]`, `deadlock`,
    /// `assertion broken at line 7`, `error at line 9` (a misuse Python
    /// refuses). English; the words are translated where shown.
    pub fn outcome_name(&self, outcome: &Outcome) -> String {
        match outcome {
            Outcome::End { values, queues } => {
                let mut parts: Vec<String> =
                    self.ints.iter().zip(values).map(|(int, v)| format!("{} = {v}", int.name)).collect();
                parts.extend(
                    self.queues.iter().zip(queues).map(|(q, items)| format!("{} = {}", q.name, list(items))),
                );
                if parts.is_empty() {
                    "finished".to_string()
                } else {
                    parts.join(", ")
                }
            }
            Outcome::Deadlock => "deadlock".to_string(),
            Outcome::Broken { thread, step } => {
                let step = &self.threads[*thread].steps[*step];
                match step.op {
                    Op::Assert(_) => format!("assertion broken at line {}", step.line),
                    _ => format!("error at line {}", step.line),
                }
            }
        }
    }

    /// What went wrong in a broken `state`: `line 9: assert v == 20 failed in p1`.
    pub fn fault(&self, state: &State) -> Option<Text> {
        let (t, pc) = self.broken(state)?;
        let step = &self.threads[t].steps[pc];
        let who = &self.threads[t].name;
        let what = match &step.op {
            Op::Assert(_) => format!("{} failed in {who}", step.text),
            Op::Acquire(lock) => {
                let name = &self.locks[*lock].name;
                format!(
                    "{who} takes {name} again while holding it (a Condition's lock counts its holder's \
                     takes; not modelled here)"
                )
            }
            Op::Release(lock) => match self.holder(state, *lock) {
                None => {
                    format!("{who} releases {}, which is not held (RuntimeError)", self.locks[*lock].name)
                }
                Some(_) => {
                    format!(
                        "{who} releases {}, which it does not hold (RuntimeError)",
                        self.locks[*lock].name
                    )
                }
            },
            _ => format!("{who} runs {} without holding its lock (RuntimeError)", step.text),
        };
        Some(text!("line {}: {what}", step.line))
    }

    /// The JSON value of an outcome for `--json`: the final value itself when
    /// the program shares one integer and no queue, else its words.
    pub fn outcome_json(&self, outcome: &Outcome) -> serde_json::Value {
        match outcome {
            Outcome::End { values, queues } if values.len() == 1 && queues.is_empty() => values[0].into(),
            _ => self.outcome_name(outcome).into(),
        }
    }
}

/// `[1, 2]`, as Python prints a list.
fn list(items: &[i32]) -> String {
    let items: Vec<String> = items.iter().map(i32::to_string).collect();
    format!("[{}]", items.join(", "))
}

/// The first step at or after `pc` that is not a jump.
fn follow_jumps(steps: &[Step], mut pc: usize) -> usize {
    // A jump never leads to itself: the parser makes only forward jumps and
    // jumps back to a `while` test.
    while let Some(Step { op: Op::Jump(to), .. }) = steps.get(pc) {
        pc = *to;
    }
    pc
}
