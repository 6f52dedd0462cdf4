//! `trace --example NAME`: small Python programs of our own that mirror the
//! notes' demos, written to the current folder for the learner to trace and edit.

use std::io::{self, Write};
use std::path::Path;

/// One example: its name, the file it is written to, what it shows, its code.
pub struct Example {
    /// What `--example` calls it.
    pub name: &'static str,
    /// The file it is written to.
    pub file: &'static str,
    /// What tracing it shows.
    pub about: &'static str,
    /// The lesson it mirrors.
    pub lesson: &'static str,
    /// The Python.
    pub code: &'static str,
}

/// Every example, in the lessons' order.
pub const ALL: &[Example] = &[
    Example {
        name: "join-daemon",
        lesson: "join-daemon",
        file: "join_daemon.py",
        about: "join(timeout) returns or gives up; a daemon child dies with the program",
        code: include_str!("examples/join_daemon.py"),
    },
    Example {
        name: "apply-async",
        lesson: "pool-async",
        file: "apply_async.py",
        about: "Pool.apply runs tasks one after another, apply_async together",
        code: include_str!("examples/apply_async.py"),
    },
    Example {
        name: "queue-deadlock",
        lesson: "queue-deadlock",
        file: "queue_deadlock.py",
        about: "join() before get() with a big item: a real hang, explained",
        code: include_str!("examples/queue_deadlock.py"),
    },
    Example {
        name: "two-locks",
        lesson: "deadlock",
        file: "two_locks.py",
        about: "two threads take two locks in opposite orders: a deadlock, explained",
        code: include_str!("examples/two_locks.py"),
    },
    Example {
        name: "producer-consumer",
        lesson: "producer-consumer",
        file: "producer_consumer.py",
        about: "a bounded queue.Queue: the producer waits while the buffer is full",
        code: include_str!("examples/producer_consumer.py"),
    },
    Example {
        name: "gil",
        lesson: "gil",
        file: "gil.py",
        about: "a CPU job in two threads (the GIL) and in two processes",
        code: include_str!("examples/gil.py"),
    },
];

/// The example called `name`.
///
/// # Errors
/// A sentence naming the examples there are, when none is called so.
pub fn find(name: &str) -> Result<&'static Example, String> {
    ALL.iter().find(|e| e.name == name || e.file == name).ok_or_else(|| {
        let names: Vec<&str> = ALL.iter().map(|e| e.name).collect();
        format!("no example called '{name}' (there are: {}; see --example list)", names.join(", "))
    })
}

/// The example that mirrors lesson `id`, if one does.
pub fn for_lesson(id: &str) -> Option<&'static Example> {
    ALL.iter().find(|e| e.lesson == id)
}

/// Writes `example` into folder `dir`, never over an existing file.
///
/// # Errors
/// The file exists already, or could not be written.
pub fn write(example: &Example, dir: &Path) -> io::Result<()> {
    let path = dir.join(example.file);
    let mut file = std::fs::OpenOptions::new().write(true).create_new(true).open(&path)?;
    file.write_all(example.code.as_bytes())
}
