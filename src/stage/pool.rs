//! A pool of forked worker processes: Python's `multiprocessing.Pool`.
//!
//! The workers are forked up front and reused. They all read one shared task
//! pipe, so whichever worker is idle takes the next task, as in CPython. Every
//! task message is exactly [`ORDER_SIZE`] bytes, no more than `PIPE_BUF`, so each
//! `write` is atomic and each worker's `read` takes exactly one whole task.
//! Results come back over each worker's own event pipe and are collected by the
//! parent's poll loop, which also runs the callbacks: in the parent, as each
//! result arrives.

use std::fs::File;
use std::io::{Read, Write};
use std::marker::PhantomData;
use std::os::fd::{AsRawFd, FromRawFd};

use anyhow::Context;
use nix::fcntl::OFlag;
use nix::unistd::pipe2;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use std::collections::HashMap;

use super::children::Proc;
use super::lane::{Lane, Wire};
use super::wait::{Wait, Woke};
use super::Stage;
use crate::events::LaneState;
use crate::text;

/// The size of every task message: a whole number of them always fits the pipe
/// atomically (`PIPE_BUF` is 4096 on Linux).
const ORDER_SIZE: usize = 1024;

/// What the parent tells the workers through the shared task pipe.
#[derive(Serialize, Deserialize)]
enum Order {
    Run { task: u64, arg: Value },
    Stop,
}

/// A finished task as the parent saw it.
#[derive(Clone, Debug)]
pub struct Done {
    /// The task's result, not yet decoded.
    pub(crate) value: Value,
    /// The worker lane that ran it.
    pub worker: String,
    /// That worker's pid.
    pub pid: i32,
    /// Lesson time the worker started the task.
    pub started: f64,
    /// Lesson time it finished.
    pub finished: f64,
}

/// A callback waiting for its task's result; it runs in the parent.
type Callback = Box<dyn FnOnce(&Lane, Value)>;

/// The Stage's record of its pools' tasks: the last id handed out, which
/// worker took each, the finished ones, and the callbacks still waiting.
#[derive(Default)]
pub(crate) struct Tasks {
    next: u64,
    pub(crate) taken: HashMap<u64, (String, i32)>,
    finished: HashMap<u64, Done>,
    callbacks: HashMap<u64, Callback>,
}

/// Python's `Pool(n)`: `n` forked workers that run `task` on the arguments given
/// to `apply`, `apply_async`, `map`, `imap`.
pub struct Pool<A, R> {
    workers: Vec<Proc>,
    orders: File,
    _task: PhantomData<fn(A) -> R>,
}

/// Python's `AsyncResult`: a handle on a task's result.
pub struct AsyncResult<R> {
    task: u64,
    _result: PhantomData<R>,
}

/// `get(timeout)` ran out of time: Python's `multiprocessing.TimeoutError`.
#[derive(Debug, PartialEq, Eq)]
pub struct TimeoutError;

impl Stage {
    /// Python's `Pool(n)`: forks `n` workers, `worker-1` … `worker-n`, each running
    /// `task` on whatever arguments it is sent. Like CPython's, the workers are
    /// daemonic: a program that ends without `join` terminates them.
    pub fn pool<A, R>(&mut self, n: usize, task: fn(&Lane, A) -> R) -> anyhow::Result<Pool<A, R>>
    where
        A: DeserializeOwned,
        R: Serialize,
    {
        let (read_end, write_end) =
            pipe2(OFlag::O_CLOEXEC).context("could not create the pool's task pipe")?;
        let (orders_in, orders_out) = (read_end.as_raw_fd(), write_end.as_raw_fd());
        let mut workers = Vec::with_capacity(n);
        for i in 1..=n {
            let worker = self
                .process(&format!("worker-{i}"), move |lane| serve(lane, orders_in, orders_out, task))
                .daemon(true)
                .start()?;
            workers.push(worker);
        }
        Ok(Pool { workers, orders: File::from(write_end), _task: PhantomData })
    }

    fn next_task_id(&mut self) -> u64 {
        self.tasks.next += 1;
        self.tasks.next
    }

    /// The tasks taken by a worker and not finished, with who took them.
    pub(crate) fn unfinished_tasks(&self) -> Vec<(&u64, &(String, i32))> {
        self.tasks.taken.iter().filter(|(task, _)| !self.tasks.finished.contains_key(task)).collect()
    }

    /// The result of `task`, once it has arrived.
    pub(crate) fn done(&self, task: u64) -> Option<&Done> {
        self.tasks.finished.get(&task)
    }

    /// Task `task` is done: its result is kept for `get`, and its callback, if
    /// it has one, runs now, in the parent, as CPython's do.
    pub(crate) fn task_done(&mut self, task: u64, done: Done) {
        let callback = self.tasks.callbacks.remove(&task);
        let value = done.value.clone();
        self.tasks.finished.insert(task, done);
        if let Some(callback) = callback {
            callback(&self.main, value);
        }
    }
}

/// A worker's life: take a task, run it, send the result back; until told to stop.
fn serve<A: DeserializeOwned, R: Serialize>(
    lane: &Lane,
    orders_in: i32,
    orders_out: i32,
    task: fn(&Lane, A) -> R,
) {
    // SAFETY: these are the pool's pipe ends, inherited across fork; this
    // process owns its copies. Without closing the write end, the pipe would
    // never report end-of-file to this worker.
    let mut orders = unsafe {
        libc::close(orders_out);
        File::from_raw_fd(orders_in)
    };
    let mut message = [0u8; ORDER_SIZE];
    loop {
        lane.set_state(LaneState::Blocked, "waiting for a task", None);
        if orders.read_exact(&mut message).is_err() {
            return;
        }
        let order: Order = match serde_json::from_slice(message.trim_ascii_end()) {
            Ok(order) => order,
            Err(_) => return,
        };
        let Order::Run { task: id, arg } = order else { return };
        lane.set_state(LaneState::Running, text!("took task {id}"), None);
        lane.send_wire(&Wire::Took { task: id });
        let started = lane.now();
        let arg: A = serde_json::from_value(arg).expect("the parent sends arguments of the pool's type");
        let result = task(lane, arg);
        let value = serde_json::to_value(result).expect("a pool's results serialise");
        lane.send_wire(&Wire::Reply { task: id, value, started, finished: lane.now() });
    }
}

impl<A: Serialize, R: DeserializeOwned + 'static> Pool<A, R> {
    /// Python's `apply_async`: hands the task to the pool and returns at once.
    pub fn apply_async(&mut self, stage: &mut Stage, arg: A) -> AsyncResult<R> {
        let task = stage.next_task_id();
        self.send(&Order::Run { task, arg: serde_json::to_value(arg).expect("pool arguments serialise") });
        AsyncResult { task, _result: PhantomData }
    }

    /// Python's `apply_async(…, callback=…)`: `callback` runs in the parent, on
    /// the main lane, when the result arrives.
    pub fn apply_async_with(
        &mut self,
        stage: &mut Stage,
        arg: A,
        callback: impl FnOnce(&Lane, R) + 'static,
    ) -> AsyncResult<R> {
        let result = self.apply_async(stage, arg);
        let decode: Callback =
            Box::new(move |lane, value| callback(lane, serde_json::from_value(value).expect("result type")));
        stage.tasks.callbacks.insert(result.task, decode);
        result
    }

    /// Python's `apply`: runs the task in a worker and waits for its result.
    pub fn apply(&mut self, stage: &mut Stage, arg: A) -> R {
        self.apply_async(stage, arg).get(stage)
    }

    /// Python's `map`: runs every task, returns the results in input order.
    pub fn map(&mut self, stage: &mut Stage, args: impl IntoIterator<Item = A>) -> Vec<R> {
        let pending: Vec<AsyncResult<R>> = args.into_iter().map(|arg| self.apply_async(stage, arg)).collect();
        pending.iter().map(|result| result.get(stage)).collect()
    }

    /// Python's `imap`: results in input order, each as soon as it (and those
    /// before it) are ready. Call [`Imap::next`] in a loop.
    pub fn imap(&mut self, stage: &mut Stage, args: impl IntoIterator<Item = A>) -> Imap<R> {
        let pending = args.into_iter().map(|arg| self.apply_async(stage, arg)).collect();
        Imap { pending, ordered: true }
    }

    /// Python's `imap_unordered`: results in the order the tasks finish.
    pub fn imap_unordered(&mut self, stage: &mut Stage, args: impl IntoIterator<Item = A>) -> Imap<R> {
        Imap { ordered: false, ..self.imap(stage, args) }
    }

    /// Python's `close`: no more tasks; each worker exits once the queue is empty.
    pub fn close(&mut self) {
        for _ in 0..self.workers.len() {
            self.send(&Order::Stop);
        }
    }

    /// Python's `join`: waits for every worker to exit (after `close` or `terminate`).
    pub fn join(&mut self, stage: &mut Stage) {
        for &worker in &self.workers {
            stage.join(worker);
        }
    }

    /// Python's `terminate`: stops the workers now (SIGTERM), unfinished tasks and all.
    pub fn terminate(&mut self, stage: &mut Stage) {
        for &worker in &self.workers {
            stage.terminate(worker);
        }
    }

    fn send(&mut self, order: &Order) {
        let mut message = serde_json::to_vec(order).expect("orders serialise");
        assert!(message.len() <= ORDER_SIZE, "a pool task's argument must fit in {ORDER_SIZE} bytes");
        message.resize(ORDER_SIZE, b' ');
        self.orders.write_all(&message).expect("the pool's workers are gone");
    }
}

impl<R: DeserializeOwned> AsyncResult<R> {
    /// Python's `get()`: waits for the result.
    pub fn get(&self, stage: &mut Stage) -> R {
        let wait = Wait::blocked("get()").for_task(self.task).watching(stage.alive());
        stage.wait_for(wait, |stage| stage.done(self.task).is_some());
        self.decode(stage)
    }

    /// Python's `get(timeout)`: waits at most `secs`; the task runs on either way.
    pub fn get_timeout(&self, stage: &mut Stage, secs: f64) -> Result<R, TimeoutError> {
        let wait = Wait::blocked(format!("get({secs})"))
            .timeout(Some(secs))
            .for_task(self.task)
            .watching(stage.alive());
        match stage.wait_for(wait, |stage| stage.done(self.task).is_some()) {
            Woke::TimedOut => Err(TimeoutError),
            _ => Ok(self.decode(stage)),
        }
    }

    /// Who ran the task and when, once it is done.
    pub fn done<'s>(&self, stage: &'s Stage) -> Option<&'s Done> {
        stage.done(self.task)
    }

    /// The worker running the task now, if one has taken it.
    pub fn running_in(&self, stage: &Stage) -> Option<(String, i32)> {
        stage.tasks.taken.get(&self.task).cloned()
    }

    fn decode(&self, stage: &Stage) -> R {
        let done = stage.done(self.task).expect("decoded once done");
        serde_json::from_value(done.value.clone()).expect("the worker sends the pool's result type")
    }
}

/// The results of `imap` or `imap_unordered`, drawn one at a time.
pub struct Imap<R> {
    pending: std::collections::VecDeque<AsyncResult<R>>,
    ordered: bool,
}

impl<R: DeserializeOwned> Imap<R> {
    /// The next result, waiting for it if need be; `None` when all are drawn.
    pub fn next(&mut self, stage: &mut Stage) -> Option<R> {
        if self.ordered {
            let next = self.pending.pop_front()?;
            return Some(next.get(stage));
        }
        if self.pending.is_empty() {
            return None;
        }
        let ids: Vec<u64> = self.pending.iter().map(|r| r.task).collect();
        let wait = Wait::blocked("next()").watching(stage.alive());
        stage.wait_for(wait, |stage| ids.iter().any(|&id| stage.done(id).is_some()));
        let first = self
            .pending
            .iter()
            .enumerate()
            .filter_map(|(i, r)| stage.done(r.task).map(|d| (i, d.finished)))
            .min_by(|a, b| a.1.total_cmp(&b.1))
            .map(|(i, _)| i)
            .expect("one is done");
        let result = self.pending.remove(first).expect("in range");
        Some(result.decode(stage))
    }
}
