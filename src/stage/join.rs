//! Joins: Python's `p.join()` and `p.join(timeout)`, and what CPython does for
//! the children still alive when a program's main code is done.

use std::thread::JoinHandle;

use super::children::{ExitStatus, Proc};
use super::wait::Wait;
use super::Stage;
use crate::events::Mark;
use crate::text;

impl Stage {
    /// Python's `t.join()` for a thread lane: waits until the thread has
    /// finished, narrating the children meanwhile, and hands back its result.
    ///
    /// # Errors
    /// The thread panicked.
    pub fn join_thread<T>(&mut self, thread: JoinHandle<T>) -> anyhow::Result<T> {
        let name = thread.thread().name().unwrap_or("thread").to_string();
        let wait = Wait::blocked(format!("{name}.join()")).marked(Mark::Joined).on(&name);
        self.wait_for(wait, |_| thread.is_finished());
        thread.join().map_err(|_| anyhow::anyhow!("{name} panicked"))
    }

    /// Python's `p.join()`: waits until the child has ended, narrating whatever
    /// happens meanwhile.
    pub fn join(&mut self, p: Proc) -> ExitStatus {
        let name = self.children[p.0].name.clone();
        let wait = Wait::blocked(format!("{name}.join()")).marked(Mark::Joined).on(&name).watching(vec![p]);
        self.wait_for(wait, |stage| !stage.children[p.0].is_alive());
        self.collect(p.0);
        self.children[p.0].ended.expect("a joined child has ended").1
    }

    /// Python's `p.join(timeout)`: waits at most `secs`, then says what happened:
    /// the child ended (how, after how long) or the wait timed out and it runs on.
    pub fn join_timeout(&mut self, p: Proc, secs: f64) -> Option<ExitStatus> {
        let from = self.clock.now();
        let call = format!("{}.join({secs})", self.children[p.0].name);
        let wait = Wait::blocked(&call)
            .marked(Mark::Joined)
            .timeout(Some(secs))
            .on(&self.children[p.0].name)
            .watching(vec![p]);
        self.wait_for(wait, |stage| !stage.children[p.0].is_alive());
        self.collect(p.0);
        let waited = self.clock.now() - from;
        let child = &self.children[p.0];
        let (name, pid) = (child.name.clone(), child.pid);
        match child.ended {
            Some((_, status)) => {
                self.note(text!("{call} returned after {waited:.2} s, before its timeout: {name} {status}."));
                Some(status)
            }
            None => {
                self.note(text!(
                    "{call} gave up after {waited:.2} s: {name} (pid {pid}) is still running. \
                     A join timeout only stops the waiting, never the child."
                ));
                None
            }
        }
    }

    /// What CPython does when the main module's code is done: terminate the live
    /// daemon children, then wait for every other child. Called after each scene,
    /// since each scene stands for one whole Python program.
    pub(crate) fn end_of_program(&mut self) {
        let (daemons, others): (Vec<usize>, Vec<usize>) = (0..self.children.len())
            .filter(|&i| self.children[i].is_alive())
            .partition(|&i| self.children[i].daemon);
        let body_ended = self.clock.now();
        for i in daemons {
            let name = self.children[i].name.clone();
            self.note(text!(
                "main's code is done and {name} is a daemon, so the program terminates it (SIGTERM), \
                 as CPython's exit handler does for daemonic children."
            ));
            self.terminate(Proc(i));
            let status = self.join(Proc(i));
            let last = self.last_said(&name).unwrap_or_else(|| "nothing".to_string());
            self.note(text!(
                "{name} {status} {:.2} s after it started. The last line it printed was \"{last}\": \
                 whatever it meant to print after that never happened.",
                self.children[i].ended.map_or(0.0, |(t, _)| t) - self.children[i].started
            ));
        }
        for i in others {
            let name = self.children[i].name.clone();
            if !self.children[i].is_alive() {
                continue;
            }
            self.note(text!(
                "main's code is done, but {name} is not a daemon and still running: the program \
                 waits for it before exiting, as CPython's interpreter does at exit."
            ));
            let status = self.join(Proc(i));
            let waited = self.clock.now() - body_ended;
            self.note(text!(
                "{name} {status}; the program could exit {waited:.2} s after main's code ended."
            ));
        }
        // As CPython's exit handler does, whatever ended unjoined is collected too.
        for i in 0..self.children.len() {
            self.collect(i);
        }
    }
}
