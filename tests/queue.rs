//! The process queue's contract, through the library: any number of forked
//! producers and consumers share one queue; every item arrives exactly once,
//! and each consumer sees each producer's items in the order they were put.
//! Items of all sizes are mixed, so that frames straddle what one reader read
//! ahead, and some are larger than the pipe.

use std::collections::BTreeSet;
use std::sync::Arc;

use concur_tutor::events::{Event, Sink};
use concur_tutor::stage::{Clock, ExitStatus, Recorder, Stage};

/// Discards events: this test asserts on what crossed the queue.
struct Silent;

impl Sink for Silent {
    fn event(&mut self, _: &Event) -> std::io::Result<()> {
        Ok(())
    }
}

const PRODUCERS: u8 = 3;
const CONSUMERS: usize = 3;
const EACH: u32 = 1500;
/// What a producer puts last, once per consumer: no more from me.
const DONE: u32 = u32::MAX;

/// Item `i`'s padding: mostly small, now and then a few KiB, and a few larger than the pipe.
fn padding(i: u32) -> String {
    let len = match i % 100 {
        0 => 100_000,
        n if n % 7 == 0 => 5_000,
        n => n as usize,
    };
    "x".repeat(len)
}

fn every_item_once_in_order(maxsize: Option<usize>) {
    let mut stage =
        Stage::new(Clock::start(1.0).expect("a clock"), Arc::new(Recorder::new(Box::new(Silent))));
    let q = stage.queue::<(u8, u32, String)>(maxsize).unwrap();
    let reports = stage.queue::<Vec<(u8, u32)>>(None).unwrap();
    let mut children = Vec::new();
    for p in 0..PRODUCERS {
        let q = &q;
        let producer = stage.process(&format!("p{p}"), move |_| {
            for i in 0..EACH {
                q.put(&(p, i, padding(i)));
            }
        });
        children.push(producer.start().unwrap());
    }
    for c in 0..CONSUMERS {
        let (q, reports) = (&q, &reports);
        let consumer = stage.process(&format!("c{c}"), move |_| {
            let mut taken = Vec::new();
            loop {
                let (p, i, pad) = q.get();
                if i == DONE {
                    break;
                }
                assert_eq!(pad, padding(i), "item {i} of p{p} arrived damaged");
                taken.push((p, i));
            }
            reports.put(&taken);
        });
        children.push(consumer.start().unwrap());
    }
    let (producers, consumers) = children.split_at(PRODUCERS as usize);
    for &producer in producers {
        let status = stage.join_timeout(producer, 60.0).expect("a producer ends once its items are read");
        assert!(matches!(status, ExitStatus::Code(0)), "a producer {status}");
    }
    for _ in 0..CONSUMERS {
        q.put(&(0, DONE, String::new()));
    }
    let mut taken = Vec::new();
    for _ in 0..CONSUMERS {
        let report = stage.get_timeout(&reports, 60.0).expect("every consumer reports (one has failed)");
        for producer in 0..PRODUCERS {
            let seen: Vec<u32> = report.iter().filter(|(p, _)| *p == producer).map(|(_, i)| *i).collect();
            assert!(seen.windows(2).all(|w| w[0] < w[1]), "p{producer}'s items out of order: {seen:?}");
        }
        taken.extend(report);
    }
    for &consumer in consumers {
        let status = stage.join_timeout(consumer, 60.0).expect("a consumer ends after its report");
        assert!(matches!(status, ExitStatus::Code(0)), "a consumer {status}");
    }
    let unique: BTreeSet<(u8, u32)> = taken.iter().copied().collect();
    assert_eq!(unique.len(), taken.len(), "an item arrived twice");
    assert_eq!(taken.len(), PRODUCERS as usize * EACH as usize, "items were lost");
    assert_eq!(q.qsize(), 0);
}

/// One test for both: the stages fork, and the test harness would otherwise
/// run them on two threads at once, against the fork-safety rule.
#[test]
fn three_producers_and_three_consumers_share_a_queue_unbounded_or_of_five() {
    every_item_once_in_order(None);
    every_item_once_in_order(Some(5));
}
