//! threads: Python's `threading.Thread`, as std threads (notes 003 and 004).
//!
//! Every lane here is a thread of the tutor's own process: watch the pid column.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use anyhow::Result;

use super::SceneFn;
use crate::events::LaneState;
use crate::stage::{spawn_scoped, Lane, Stage};
use crate::text;

pub const SCENES: &[SceneFn] =
    &[closure_or_struct, download_and_music, scoped_threads_borrow, threads_share_one_process];

/// Python's `Thread` subclass with a `run` method.
struct Downloader {
    files: Vec<&'static str>,
}

impl Downloader {
    fn run(&self, lane: &Lane) {
        for file in &self.files {
            lane.say(format!("downloading {file}"));
            lane.sleep(0.5);
        }
    }
}

/// A boolean as Python prints it.
fn python_bool(b: bool) -> &'static str {
    if b {
        "True"
    } else {
        "False"
    }
}

/// A thread from a closure (`target=`) and one from a struct with `run`;
/// `is_alive()` while the thread runs and once it has ended.
fn closure_or_struct(stage: &mut Stage) -> Result<()> {
    let t1 = stage.thread("greeter", |lane| {
        lane.say("hello john");
        lane.sleep(1.0);
        lane.say("bye john");
    });
    let downloader = Downloader { files: vec!["a.png", "b.png"] };
    // CPython names a Thread subclass it was given no name for: Thread-1.
    let t2 = stage.thread("Thread-1", move |lane| downloader.run(lane));
    stage.say(python_bool(!t1.is_finished()));
    stage.sleep(2.5);
    stage.say(python_bool(!t1.is_finished()));
    let _ = t1.join();
    let _ = t2.join();
    stage.note(
        "JoinHandle::is_finished() is Python's `not is_alive()`. join() consumes the handle: once it \
         returns, the thread is finished and there is nothing left to ask.",
    );
    Ok(())
}

/// The notes' download and music threads, with main counting beside them.
fn download_and_music(stage: &mut Stage) -> Result<()> {
    let download = stage.thread("download", |lane| {
        for image in ["a.png", "b.png", "c.png"] {
            lane.say(format!("downloading {image}"));
            lane.sleep(2.0);
        }
    });
    let music = stage.thread("listen_music", |lane| {
        for song in ["aaa", "bbb", "ccc", "ddd"] {
            lane.say(format!("listening to {song}"));
            lane.sleep(2.0);
        }
    });
    let mut n = 1;
    loop {
        stage.say(n.to_string());
        if n > 3 {
            break;
        }
        stage.sleep(2.5);
        n += 1;
    }
    stage.say("----over-----");
    let _ = download.join();
    let _ = music.join();
    stage.note(
        "Three lanes took turns on their own schedules. In the notes' output two prints ran together \
         (\"listening to bbbdownloading\"): Python's print writes its parts separately. Each line here is \
         one event written whole, so lines never tear.",
    );
    Ok(())
}

/// `thread::scope`: threads that borrow the caller's local data, no `Arc`, and
/// are all joined when the scope ends.
fn scoped_threads_borrow(stage: &mut Stage) -> Result<()> {
    let numbers: Vec<u64> = (1..=1000).collect();
    let (left, right) = numbers.split_at(numbers.len() / 2);
    let main = stage.main().clone();
    let (a, b) = std::thread::scope(|s| {
        let a = spawn_scoped(s, || sum_of(&main.named("left-half"), left));
        let b = spawn_scoped(s, || sum_of(&main.named("right-half"), right));
        (a.join().expect("left half"), b.join().expect("right half"))
    });
    stage.say(format!("{{'left': {a}, 'right': {b}}}"));
    stage.note(text!(
        "Both threads read `numbers`, a local Vec of main's, with no copy and no Arc: thread::scope \
         guarantees they finish before it returns, so the borrow cannot outlive the data. Total: {}.",
        a + b
    ));
    Ok(())
}

/// The sum of `part`, summed on `lane`'s thread.
fn sum_of(lane: &Lane, part: &[u64]) -> u64 {
    let sum = part.iter().sum();
    lane.set_state(LaneState::Running, text!("summed {} numbers", part.len()), None);
    sum
}

/// Threads share memory and a pid; processes (the other lessons) have their own.
fn threads_share_one_process(stage: &mut Stage) -> Result<()> {
    let counter = Arc::new(AtomicUsize::new(0));
    let workers: Vec<_> = (1..=2)
        .map(|i| {
            let counter = Arc::clone(&counter);
            stage.thread(&format!("Thread-{i}"), move |lane| {
                for _ in 0..1000 {
                    counter.fetch_add(1, Ordering::Relaxed);
                }
                lane.say(format!("added 1000 in pid {}", lane.pid()));
            })
        })
        .collect();
    for worker in workers {
        let _ = worker.join();
    }
    let total = counter.load(Ordering::Relaxed);
    stage.say(format!("main sees counter = {total}"));
    stage.note(text!(
        "Both threads wrote the same counter and main read {total}: one memory, one pid ({}). A forked \
         child would have changed its own copy (lesson globals).",
        stage.pid()
    ));
    Ok(())
}
