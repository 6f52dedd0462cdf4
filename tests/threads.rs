//! Lessons threads and producer-consumer, asserted on their `--json` traces.

mod common;

use std::collections::HashSet;

use common::{lesson, lesson_at};

#[test]
fn is_alive_flips_once_the_thread_has_ended() {
    let s = lesson("threads").scene(1);
    let alive = s.said("main", "greeter.is_alive() = true");
    let (ended, _) = s.exit_of("greeter");
    let dead = s.said("main", "2.5 s later: greeter.is_alive() = false");
    assert!(alive < ended && ended < dead);
}

#[test]
fn three_lanes_interleave_and_all_share_one_pid() {
    let s = lesson("threads").scene(2);
    let main_pid = &s.events.iter().find(|e| e["lane"] == "main").unwrap()["pid"];
    for lane in ["download", "music"] {
        assert!(!s.lines_of(lane).is_empty());
        assert!(s.events.iter().filter(|e| e["lane"] == lane).all(|e| &e["pid"] == main_pid));
    }
    // main's count runs between the threads' lines, not after them.
    assert!(s.said("main", "2") < s.said("music", "listening to ddd"));
    assert!(s.said("main", "----over-----") > s.said("download", "downloading c.png"));
}

#[test]
fn scoped_threads_and_shared_memory_give_whole_answers() {
    lesson("threads").scene(3).said("main", "125250 + 375250 = 500500");
    lesson("threads").scene(4).said("main", "main sees counter = 2000");
}

/// "Produced item 5  [#####.....] 5/10" → ("Produced", 5, 5)
fn parse(line: &str) -> Option<(String, u32, usize)> {
    let mut words = line.split_whitespace();
    let verb = words.next()?.to_string();
    words.next()?;
    let item = words.next()?.parse().ok()?;
    let len = words.last()?.split('/').next()?.parse().ok()?;
    Some((verb, item, len))
}

#[test]
fn every_item_is_consumed_exactly_once_and_in_order() {
    let s = lesson_at("producer-consumer", "20").scene(1);
    let consumed: Vec<u32> =
        s.lines_of("consumer").iter().filter_map(|l| parse(l)).map(|(_, i, _)| i).collect();
    let produced: Vec<u32> =
        s.lines_of("producer").iter().filter_map(|l| parse(l)).map(|(_, i, _)| i).collect();
    assert_eq!(produced, (1..=26).collect::<Vec<_>>());
    assert_eq!(consumed, produced);
}

#[test]
fn full_is_reported_only_with_ten_items_in_the_buffer() {
    let s = lesson_at("producer-consumer", "20").scene(1);
    let full: Vec<String> =
        s.lines_of("producer").into_iter().filter(|l| l.starts_with("Buffer is full")).collect();
    assert!(!full.is_empty(), "the buffer never filled");
    assert!(full.iter().all(|l| l.ends_with("10/10")), "{full:?}");
    // No put ever left more than 10 items in the buffer.
    for line in s.lines_of("producer") {
        if let Some((_, _, len)) = parse(&line) {
            assert!(len <= 10, "{line}");
        }
    }
}

#[test]
fn join_returns_only_after_the_last_task_done() {
    let s = lesson_at("producer-consumer", "20").scene(3);
    assert!(s.said("consumer", "task_done(4)") < s.said("main", "join returned: every item was processed"));
}

#[test]
fn shutdown_ends_every_thread() {
    for scene in 1..=4 {
        let s = lesson_at("producer-consumer", "20").scene(scene);
        let started: HashSet<&str> =
            s.events.iter().filter(|e| e["kind"] == "spawn").map(|e| e["lane"].as_str().unwrap()).collect();
        let ended: HashSet<&str> =
            s.events.iter().filter(|e| e["kind"] == "exit").map(|e| e["lane"].as_str().unwrap()).collect();
        assert_eq!(started, ended, "scene {scene}");
    }
}

#[test]
fn many_consumers_take_each_item_once() {
    let s = lesson_at("producer-consumer", "20").scene(4);
    let consumed: Vec<String> = ["consumer-1", "consumer-2", "consumer-3"]
        .iter()
        .flat_map(|c| s.lines_of(c))
        .filter_map(|l| l.strip_prefix("Consumed item ").map(str::to_string))
        .collect();
    let distinct: HashSet<&String> = consumed.iter().collect();
    assert_eq!(consumed.len(), 12);
    assert_eq!(distinct.len(), 12);
}
