//! Lessons threads and producer-consumer, asserted on their `--json` traces.

mod common;

use std::collections::HashSet;

use common::{lesson, lesson_at};

#[test]
fn is_alive_flips_once_the_thread_has_ended() {
    let s = lesson("threads").scene(1);
    assert_eq!(s.lines_of("main"), ["True", "False"]);
    let alive = s.said("main", "True");
    let (ended, _) = s.exit_of("greeter");
    let dead = s.said("main", "False");
    assert!(alive < ended && ended < dead);
    assert_eq!(s.lines_of("Thread-1"), ["downloading a.png", "downloading b.png"]);
}

#[test]
fn three_lanes_interleave_and_all_share_one_pid() {
    let s = lesson("threads").scene(2);
    let main_pid = &s.events.iter().find(|e| e["lane"] == "main").unwrap()["pid"];
    for lane in ["download", "listen_music"] {
        assert!(!s.lines_of(lane).is_empty());
        assert!(s.events.iter().filter(|e| e["lane"] == lane).all(|e| &e["pid"] == main_pid));
    }
    // main's count runs between the threads' lines, not after them.
    assert!(s.said("main", "2") < s.said("listen_music", "listening to ddd"));
    assert!(s.said("main", "----over-----") > s.said("download", "downloading c.png"));
}

#[test]
fn scoped_threads_and_shared_memory_give_whole_answers() {
    assert_eq!(lesson("threads").scene(3).lines_of("main"), ["{'left': 125250, 'right': 375250}"]);
    let s = lesson("threads").scene(4);
    assert_eq!(s.lines_of("main"), ["main sees counter = 2000"]);
    for thread in ["Thread-1", "Thread-2"] {
        assert!(
            s.said(thread, &format!("added 1000 in pid {}", s.events[0]["pid"]))
                < s.said("main", "main sees counter = 2000")
        );
    }
}

/// The item number at the end of `line` after `verb` ("Produced item 5").
fn item(line: &str, verb: &str) -> Option<u32> {
    line.strip_prefix(verb)?.strip_prefix(" item ")?.parse().ok()
}

/// How full the buffer was, from a lane's state text ("[#####.....] 5/10").
fn fill(text: &str) -> Option<usize> {
    text.strip_suffix("/10")?.rsplit(' ').next()?.parse().ok()
}

#[test]
fn every_item_is_consumed_exactly_once_and_in_order() {
    let s = lesson_at("producer-consumer", "20").scene(1);
    let consumed: Vec<u32> = s.lines_of("consumer").iter().filter_map(|l| item(l, "Consumed")).collect();
    let produced: Vec<u32> = s.lines_of("producer").iter().filter_map(|l| item(l, "Produced")).collect();
    assert_eq!(produced, (1..=26).collect::<Vec<_>>());
    assert_eq!(consumed, produced);
}

#[test]
fn full_is_reported_only_with_ten_items_in_the_buffer() {
    let s = lesson_at("producer-consumer", "20").scene(1);
    let producer: Vec<&serde_json::Value> = s
        .events
        .iter()
        .filter(|e| e["lane"] == "producer" && (e["kind"] == "say" || e["kind"] == "state"))
        .collect();
    let mut fulls = 0;
    for (i, e) in producer.iter().enumerate() {
        if e["kind"] == "say" && e["text"] == "Buffer is full, waiting..." {
            fulls += 1;
            // Its wait comes next, on a full buffer.
            let wait = producer[i + 1];
            assert_eq!(
                (wait["state"].as_str(), wait["text"].as_str()),
                (Some("blocked"), Some("put: [##########] 10/10"))
            );
        }
        // No put ever left more than 10 items in the buffer.
        if let Some(len) = e["text"].as_str().and_then(fill) {
            assert!(len <= 10, "{e}");
        }
    }
    assert!(fulls > 0, "the buffer never filled");
}

#[test]
fn join_returns_only_after_the_last_task_done() {
    let s = lesson_at("producer-consumer", "20").scene(3);
    let last_done =
        s.pos("the last task_done", |e| e["lane"] == "consumer" && e["text"] == "task_done() for item 4");
    let returned = s.pos("join returns", |e| e["lane"] == "main" && e["text"] == "buffer.join() returned");
    assert!(s.said("consumer", "Consumed item 4") < last_done && last_done < returned);
    assert!(returned < s.said("main", "all items done"));
    assert_eq!(s.lines_of("main"), ["all items done"]);
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
