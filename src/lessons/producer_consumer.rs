//! producer-consumer: Python's `queue.Queue(maxsize=10)` between a producer
//! thread and a consumer thread (note 004), then the same buffer built by hand
//! from a `Mutex` and two `Condvar`s, to show what the channel does for you.

use std::collections::{HashSet, VecDeque};
use std::sync::{Arc, Condvar, Mutex};

use anyhow::Result;
use crossbeam_channel::{bounded, TryRecvError, TrySendError};
use crossbeam_utils::sync::WaitGroup;

use super::SceneFn;
use crate::events::LaneState;
use crate::stage::Stage;
use crate::text;

pub const SCENES: &[SceneFn] =
    &[bounded_channel, condvar_buffer, task_done_and_join, many_producers_many_consumers];

/// How many items the first scene's producer makes: enough for the buffer to
/// fill, since it grows by one item every 2 s.
const ITEMS: u32 = 26;

/// `[#####.....] 5/10`: how full the buffer is.
fn gauge(len: usize, capacity: usize) -> String {
    format!("[{}{}] {len}/{capacity}", "#".repeat(len), ".".repeat(capacity - len))
}

/// The notes' program on `crossbeam_channel::bounded(10)`: a producer every 1 s,
/// a consumer every 2 s. The buffer fills, then the producer waits.
fn bounded_channel(stage: &mut Stage) -> Result<()> {
    let (tx, rx) = bounded::<u32>(10);
    let producer = stage.thread("producer", move |lane| {
        for item in 1..=ITEMS {
            if let Err(TrySendError::Full(item)) = tx.try_send(item) {
                lane.say("Buffer is full, waiting...");
                lane.waiting(text!("put: {}", gauge(tx.len(), 10)), || tx.send(item))
                    .expect("the consumer is there");
            }
            lane.say(format!("Produced item {item}"));
            lane.set_state(LaneState::Running, gauge(tx.len(), 10), None);
            lane.sleep(1.0);
        }
        // `tx` is dropped here: the channel closes once the consumer has drained it.
    });
    let consumer = stage.thread("consumer", move |lane| loop {
        let item = match rx.try_recv() {
            Ok(item) => item,
            Err(TryRecvError::Empty) => {
                lane.say("Buffer is empty, waiting...");
                match lane.waiting(text!("get: {}", gauge(0, 10)), || rx.recv()) {
                    Ok(item) => item,
                    Err(_) => break,
                }
            }
            Err(TryRecvError::Disconnected) => break,
        };
        lane.say(format!("Consumed item {item}"));
        lane.set_state(LaneState::Running, gauge(rx.len(), 10), None);
        lane.sleep(2.0);
    });
    stage.join_thread(producer)?;
    stage.join_thread(consumer)?;

    let produced = stage.said_by("producer");
    let puts: Vec<f64> =
        produced.iter().filter(|(_, l)| l.starts_with("Produced")).map(|(t, _)| *t).collect();
    let waits = produced.iter().filter(|(_, l)| l.starts_with("Buffer is full")).count();
    let pace = |times: &[f64]| (times[times.len() - 1] - times[0]) / (times.len() - 1) as f64;
    stage.note(text!(
        "The producer waited {waits} times, each time with all 10 slots taken. Its first 10 items came \
         every {:.2} s; its last 5 every {:.2} s: a full buffer slows the producer to the consumer's pace.\n\
         Both threads ended by themselves: the producer after {ITEMS} items, the consumer when the \
         channel was empty and closed. The notes' loops never end.",
        pace(&puts[..10]),
        pace(&puts[puts.len() - 5..]),
    ));
    Ok(())
}

/// A bounded buffer made by hand: the lock guards the items; `not_full` wakes a
/// waiting producer, `not_empty` a waiting consumer.
pub struct BoundedBuffer<T> {
    state: Mutex<Buffered<T>>,
    not_full: Condvar,
    not_empty: Condvar,
    capacity: usize,
}

struct Buffered<T> {
    items: VecDeque<T>,
    closed: bool,
}

impl<T> BoundedBuffer<T> {
    /// An empty buffer with room for `capacity` items.
    pub fn new(capacity: usize) -> Self {
        let state = Mutex::new(Buffered { items: VecDeque::new(), closed: false });
        BoundedBuffer { state, not_full: Condvar::new(), not_empty: Condvar::new(), capacity }
    }

    /// Adds `item`, waiting while the buffer is full; `on_full` runs first if it is.
    pub fn put(&self, item: T, on_full: impl FnOnce()) {
        let mut state = self.state.lock().unwrap();
        if state.items.len() == self.capacity {
            on_full();
        }
        state = self.not_full.wait_while(state, |s| s.items.len() == self.capacity).unwrap();
        state.items.push_back(item);
        self.not_empty.notify_one();
    }

    /// The next item, or `None` once the buffer is closed and empty.
    pub fn get(&self) -> Option<T> {
        let state = self.state.lock().unwrap();
        let mut state = self.not_empty.wait_while(state, |s| s.items.is_empty() && !s.closed).unwrap();
        let item = state.items.pop_front();
        self.not_full.notify_one();
        item
    }

    /// No more items will come: `get` returns `None` once the rest are taken.
    pub fn close(&self) {
        self.state.lock().unwrap().closed = true;
        self.not_empty.notify_all();
    }

    /// How many items are waiting.
    pub fn count(&self) -> usize {
        self.state.lock().unwrap().items.len()
    }
}

/// The same story on the hand-made buffer: 3 slots, and a consumer every 1.2 s,
/// whose turns never meet the producer's (every 0.5 s) at the same instant.
fn condvar_buffer(stage: &mut Stage) -> Result<()> {
    let buffer = Arc::new(BoundedBuffer::new(3));
    let shelf = Arc::clone(&buffer);
    let producer = stage.thread("producer", move |lane| {
        for item in 1..=8 {
            shelf.put(item, || lane.say("Buffer is full, waiting..."));
            lane.say(format!("Produced item {item}"));
            lane.set_state(LaneState::Running, gauge(shelf.count(), 3), None);
            lane.sleep(0.5);
        }
        shelf.close();
    });
    let shelf = Arc::clone(&buffer);
    let consumer = stage.thread("consumer", move |lane| {
        while let Some(item) = shelf.get() {
            lane.say(format!("Consumed item {item}"));
            lane.set_state(LaneState::Running, gauge(shelf.count(), 3), None);
            lane.sleep(1.2);
        }
    });
    stage.join_thread(producer)?;
    stage.join_thread(consumer)?;
    stage.note(
        "Same behaviour, by hand: a Mutex around the items, a Condvar each for 'not full' and 'not \
         empty', wait_while to sleep until the condition holds, notify_one after every change, and a \
         `closed` flag for the end. bounded(n) packs all of that, plus closing when the last sender \
         drops, into one type.",
    );
    Ok(())
}

/// Python's `task_done()` and `join()`: each item carries a `WaitGroup` token;
/// the consumer drops it when done with the item; `wait()` returns when every
/// token is gone.
fn task_done_and_join(stage: &mut Stage) -> Result<()> {
    let (tx, rx) = bounded::<(u32, WaitGroup)>(10);
    let all_done = WaitGroup::new();
    let consumer = stage.thread("consumer", move |lane| {
        for (item, task) in rx.iter() {
            lane.say(format!("Consumed item {item}"));
            lane.sleep(1.0);
            lane.set_state(LaneState::Running, text!("task_done() for item {item}"), None);
            drop(task);
        }
    });
    for item in 1..=4 {
        tx.send((item, all_done.clone()))?;
        stage.main().set_state(LaneState::Running, format!("put({item})"), None);
    }
    stage.main().waiting("buffer.join()", || all_done.wait());
    stage.say("all items done");
    drop(tx);
    let _ = consumer.join();
    stage.note(
        "join() waited until every item put had been marked done, not merely taken. In the notes the \
         producer never stops and is faster than the consumer, so the count of unfinished items never \
         reaches zero and buffer.join() never returns: the program runs forever.",
    );
    Ok(())
}

/// Two producers, three consumers, one channel. It closes when both producers
/// have dropped their senders; every item is taken exactly once.
fn many_producers_many_consumers(stage: &mut Stage) -> Result<()> {
    let (tx, rx) = bounded::<String>(10);
    let producers: Vec<_> = (1..=2)
        .map(|p| {
            let tx = tx.clone();
            stage.thread(&format!("producer-{p}"), move |lane| {
                for i in 1..=6 {
                    let item = format!("p{p}-{i}");
                    tx.send(item.clone()).expect("consumers are there");
                    lane.say(format!("Produced item {item}"));
                    lane.sleep(0.3);
                }
            })
        })
        .collect();
    drop(tx);
    let consumers: Vec<_> = (1..=3)
        .map(|c| {
            let rx = rx.clone();
            stage.thread(&format!("consumer-{c}"), move |lane| {
                for item in rx.iter() {
                    lane.say(format!("Consumed item {item}"));
                    lane.sleep(0.7);
                }
            })
        })
        .collect();
    for thread in producers.into_iter().chain(consumers) {
        let _ = thread.join();
    }
    let consumed: Vec<String> = ["consumer-1", "consumer-2", "consumer-3"]
        .iter()
        .flat_map(|c| stage.lines_of(c))
        .filter_map(|line| line.strip_prefix("Consumed item ").map(str::to_string))
        .collect();
    let distinct: HashSet<&String> = consumed.iter().collect();
    stage.note(text!(
        "12 items produced, {} consumed, {} distinct: each taken by exactly one consumer. The channel \
         closed when both producers had dropped their senders, and each consumer's loop ended then.",
        consumed.len(),
        distinct.len()
    ));
    Ok(())
}
