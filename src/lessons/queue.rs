//! queue: `multiprocessing.Queue` between real processes (notes 002 and 004),
//! and `crossbeam_channel` between threads. A writer and a reader, how a reader
//! ends, a bounded queue full and empty, and the download-and-save pair.

use anyhow::Result;
use crossbeam_channel::{bounded, unbounded, RecvTimeoutError, TrySendError};

use super::SceneFn;
use crate::events::LaneState;
use crate::stage::{Empty, Full, Lane, ProcQueue, Stage};
use crate::text;

pub const SCENES: &[SceneFn] =
    &[writer_and_endless_reader, readers_that_end_by_themselves, a_bounded_queue, download_and_save];

/// The notes' `write(q)`: puts A B C D, one a second.
fn write(lane: &Lane, q: &ProcQueue<String>) {
    lane.say(format!("writer starts: {}", lane.pid()));
    for letter in ["A", "B", "C", "D"] {
        // Printed before the put: once the item is in the queue, the reader may print it at once.
        lane.say(format!("put {letter}"));
        q.put(&letter.to_string());
        lane.sleep(1.0);
    }
    lane.say(format!("writer ends: {}", lane.pid()));
}

/// The notes' `read(q)`: prints whatever arrives, for ever.
fn read_forever(lane: &Lane, q: &ProcQueue<String>) {
    lane.say(format!("reader starts: {}", lane.pid()));
    loop {
        let value = q.get();
        lane.say(value);
    }
}

/// The reader loops for ever, so the parent joins the writer and then has to
/// terminate the reader.
fn writer_and_endless_reader(stage: &mut Stage) -> Result<()> {
    let q = stage.queue::<String>(None)?;
    let pw = stage.process("writer", |lane| write(lane, &q)).start()?;
    let pr = stage.process("reader", |lane| read_forever(lane, &q)).start()?;
    stage.join(pw);
    stage.terminate(pr);
    let status = stage.join(pr);
    stage.say("parent ends");

    let puts = stage.said_by("writer");
    let gets = stage.said_by("reader");
    // Lesson time runs `speed` times faster than real time: a latency is real time.
    let speed = stage.clock().speed();
    let delays: Vec<String> = ["A", "B", "C", "D"]
        .iter()
        .filter_map(|letter| {
            let put = puts.iter().find(|(_, line)| line == &format!("put {letter}"))?.0;
            let got = gets.iter().find(|(_, line)| line == letter)?.0;
            Some(format!("{letter} {:.1} ms", (got - put) / speed * 1e3))
        })
        .collect();
    stage.note(text!(
        "Each letter reached the reader within milliseconds of its put, in real time ({}). The reader \
         {status}: its loop has no end, so terminate() was the only way to stop it, and it never got \
         past its loop.",
        delays.join(", ")
    ));
    Ok(())
}

/// The notes' `write(q)` with a sentinel: puts A B C D, one a second, then None.
fn write_then_sentinel(lane: &Lane, q: &ProcQueue<Option<String>>) {
    for letter in ["A", "B", "C", "D"] {
        q.put(&Some(letter.to_string()));
        lane.sleep(1.0);
    }
    q.put(&None);
}

/// Two clean ways to end a reader: a sentinel through a process queue, and a
/// channel between threads that closes when its last sender is dropped.
fn readers_that_end_by_themselves(stage: &mut Stage) -> Result<()> {
    let q = stage.queue::<Option<String>>(None)?;
    let pw = stage.process("writer", |lane| write_then_sentinel(lane, &q)).start()?;
    let pr = stage
        .process("reader", |lane| {
            while let Some(value) = q.get() {
                lane.say(value);
            }
        })
        .start()?;
    stage.join(pw);
    let status = stage.join(pr);
    stage.note(text!("The reader {status}, by itself: None told it there was nothing more to come."));

    let (tx, rx) = unbounded::<String>();
    let writer = stage.thread("thread-w", move |lane| {
        for letter in ["A", "B", "C", "D"] {
            tx.send(letter.to_string()).expect("the reader is still there");
            lane.sleep(1.0);
        }
        // No sentinel: the Sender is dropped as the thread ends.
        lane.set_state(LaneState::Running, "drops its Sender", None);
    });
    let reader = stage.thread("thread-r", move |lane| {
        for value in rx {
            lane.say(value);
        }
        lane.set_state(LaneState::Running, "the channel closed", None);
    });
    writer.join().expect("the writer does not panic");
    reader.join().expect("the reader does not panic");
    stage.note(
        "Between threads no sentinel is needed: `for value in rx` ends when every Sender has been \
         dropped, and the writer's was dropped when its thread ended. A process queue cannot know \
         that: every process holds a copy of its pipe, so its readers never see it close.",
    );
    Ok(())
}

/// The notes' `Queue(5)`: five puts fill it; a put with a timeout fails; five
/// gets empty it; a get with a timeout fails. Then the same on a crossbeam channel.
fn a_bounded_queue(stage: &mut Stage) -> Result<()> {
    let q = stage.queue::<String>(Some(5))?;
    for letter in ["A", "B", "C", "D", "E"] {
        q.put(&letter.to_string());
    }
    stage.say(format!("{} {}", q.qsize(), if q.full() { "True" } else { "False" }));
    if let Err(Full) = q.put_timeout(&"F".to_string(), 3.0) {
        stage.say("queue.Full");
    }
    for _ in 0..6 {
        match stage.get_timeout(&q, 2.0) {
            Ok(letter) => stage.say(letter),
            Err(Empty) => stage.say("queue.Empty"),
        }
    }
    stage.note(
        "Python raises queue.Full and queue.Empty; here they are the Err values Full and Empty, which \
         the compiler makes you handle. The bound is a counting semaphore in shared memory, so it holds \
         across every process that uses the queue.",
    );

    let (tx, rx) = bounded::<&str>(5);
    for letter in ["A", "B", "C", "D", "E"] {
        tx.send(letter).expect("the receiver is here");
    }
    let refused = matches!(tx.try_send("F"), Err(TrySendError::Full(_)));
    let held = rx.len();
    let drained: Vec<&str> = rx.try_iter().collect();
    let timed_out = matches!(rx.recv_timeout(stage.clock().real(2.0)), Err(RecvTimeoutError::Timeout));
    if refused && timed_out {
        stage.note(text!(
            "Between threads, crossbeam_channel::bounded(5) does the same: with {held} in it, try_send(F) \
             returned Full; after {drained:?} were taken, recv_timeout(2 s) returned Timeout."
        ));
    }
    Ok(())
}

/// The notes' `download(q)`: "downloads" three images, 4 s each, putting each.
fn download(lane: &Lane, q: &ProcQueue<String>) {
    for image in ["a.png", "b.png", "c.png"] {
        lane.say(format!("downloading {image}"));
        lane.sleep(4.0);
        q.put(&image.to_string());
    }
}

/// The notes' `getfile(q)`: saves what arrives, until a 5 s get times out.
fn getfile(lane: &Lane, q: &ProcQueue<String>) {
    loop {
        match q.get_timeout(5.0) {
            Ok(image) => lane.say(format!("{image} saved")),
            Err(Empty) => {
                lane.say("queue.Empty");
                break;
            }
        }
    }
}

/// Download everything, then save everything: the saver ends by a timeout.
fn download_and_save(stage: &mut Stage) -> Result<()> {
    let q = stage.queue::<String>(Some(5))?;
    let p1 = stage.process("download", |lane| download(lane, &q)).start()?;
    stage.join(p1);
    let waiting = q.qsize();
    let p2 = stage.process("getfile", |lane| getfile(lane, &q)).start()?;
    stage.join(p2);
    stage.say("----over-----");
    let last = stage.said_by("getfile");
    let waited = match (last.iter().rev().nth(1), last.last()) {
        (Some((saved, _)), Some((gave_up, _))) => gave_up - saved,
        _ => 0.0,
    };
    stage.note(text!(
        "download was joined before getfile started, so all {waiting} images were already waiting in \
         the queue: getfile saved them at once, then its next get waited {waited:.1} s and timed out. \
         That timeout is the only thing that ends getfile."
    ));
    Ok(())
}
