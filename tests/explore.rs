//! `concur-tutor explore`, driven as a learner would: its `--json` events
//! (outcomes with their counts, then each shortest schedule told like a run),
//! a program written in the steps format, its mistakes, the list, and the
//! link to the real runs of the `locks` lesson.

mod common;

use std::collections::BTreeMap;

use common::{bin, run_lesson, Trace};
use concur_tutor::events::Event;
use concur_tutor::events::LaneState;
use serde_json::Value;

/// `explore <args…> --json`, which must succeed.
fn explore_json(args: &[&str]) -> Trace {
    let output = bin().arg("explore").args(args).arg("--json").output().expect("run");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    Trace::parse(&output)
}

/// The outcomes of a trace's first scene, with their counts.
fn histogram(trace: &Trace) -> BTreeMap<String, u128> {
    trace
        .scene(1)
        .events
        .iter()
        .filter(|e| e["kind"] == "measure")
        .map(|e| (e["outcome"].to_string(), e["count"].as_u64().expect("a count") as u128))
        .collect()
}

/// Writes `text` to a file of its own under the tests' temporary directory.
fn program_file(name: &str, text: &str) -> String {
    let path = format!("{}/{name}", env!("CARGO_TARGET_TMPDIR"));
    std::fs::write(&path, text).expect("write the program");
    path
}

#[test]
fn json_gives_each_outcome_and_count_then_each_shortest_schedule_as_a_run() {
    let trace = explore_json(&["two-locks"]);
    let scenes: Vec<&Value> = trace.events.iter().filter(|e| e["kind"] == "scene").collect();
    assert_eq!(scenes.len(), 3, "the outcomes, then a schedule per outcome");
    assert_eq!(histogram(&trace), BTreeMap::from([("\"deadlock\"".into(), 6), ("\"finished\"".into(), 6)]));
    // The deadlocking schedule: spawn per lane, a state per step, the prints, the warning.
    let deadlock = trace.scene(3);
    let kinds = |kind: &str| deadlock.events.iter().filter(|e| e["kind"] == kind).count();
    assert_eq!(kinds("spawn"), 2);
    assert_eq!(kinds("exit"), 0, "nobody finishes a deadlock");
    assert_eq!(deadlock.lines_of("Thread-1"), ["Thread-1 got A"]);
    assert_eq!(deadlock.lines_of("Thread-2"), ["Thread-2 got B"]);
    let running: Vec<&str> = deadlock
        .events
        .iter()
        .filter(|e| e["kind"] == "state" && e["state"] == "running")
        .map(|e| e["lane"].as_str().unwrap())
        .collect();
    assert_eq!(running, ["Thread-1", "Thread-1", "Thread-2", "Thread-2"], "one running state per step");
    let warn = deadlock.pos("the deadlock", |e| e["kind"] == "warn");
    assert!(deadlock.events[warn + 3]["text"].as_str().unwrap().contains("Thread-1 → lockB → Thread-2"));
    // Time only grows along the stream.
    let times: Vec<f64> = trace.events.iter().map(|e| e["t"].as_f64().unwrap()).collect();
    assert!(times.windows(2).all(|w| w[0] <= w[1]), "{times:?}");
}

#[test]
fn a_schedule_s_events_draw_as_a_timeline() {
    let output = bin().args(["explore", "check-then-act", "--json"]).output().unwrap();
    let events: Vec<Event> = String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .map(|line| serde_json::from_str(line).expect("an Event"))
        .collect();
    let timelines = concur_tutor::timeline::of_scenes(&events);
    let deadlock = timelines.last().unwrap();
    assert_eq!(deadlock.title, "the shortest schedule to deadlock (3 steps)");
    let t2 = deadlock.rows.iter().find(|r| r.lane == "t2").expect("a row for t2");
    let states: Vec<LaneState> = t2.spans.iter().map(|s| s.state).collect();
    // Waits for its turn, tests q.full(), waits for its turn while t1 puts,
    // then waits in q.put() for good: to the end of the scene.
    use LaneState::{Blocked, Running};
    assert_eq!(states, [Blocked, Running, Blocked, Blocked]);
    assert_eq!(t2.spans.last().unwrap().to, deadlock.end);
}

#[test]
fn a_learner_s_program_one_increment_each_has_twenty_schedules() {
    let path = program_file(
        "one-each.steps",
        "v = 0\n\nthread a:\n    t = v\n    t = t + 1\n    v = t\n\nthread b:\n    t = v\n    t = t + 3\n    v = t\n",
    );
    let trace = explore_json(&[&path]);
    // Checked by hand: C(6, 3) = 20 orders; 2 keep both additions (4), and
    // the last writer wins in the 18 where both read 0, 9 each (1 or 3).
    assert_eq!(histogram(&trace), BTreeMap::from([("1".into(), 9), ("3".into(), 9), ("4".into(), 2)]));
    let note = trace.pos("the totals", |e| e["kind"] == "note");
    let totals = trace.events[note]["text"].as_str().unwrap();
    assert!(
        totals.starts_with("20 schedules, through ") && totals.ends_with(" states, end in 3 ways"),
        "{totals}"
    );
}

#[test]
fn a_mistake_in_a_program_is_one_line_with_its_line_number() {
    let path = program_file("bad.steps", "v = 0\nthread a:\n    t = v\n    v = t + w\n");
    let output = bin().args(["explore", &path]).output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(output.stdout.is_empty());
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert_eq!(
        stderr,
        format!(
            "error: {path}: line 4: 'w' is read before anything sets it (a shared integer is declared at the \
             top: `w = 0`)\n"
        )
    );
    let spin = program_file(
        "spin.steps",
        "f = 0\nthread a:\n    while f == 0:\n        pass\nthread b:\n    f = 1\n",
    );
    let output = bin().args(["explore", &spin]).output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8(output.stderr)
        .unwrap()
        .contains(": line 3: `while f == 0:` can go round forever"));
}

#[test]
fn unknown_programs_missing_files_and_play_without_a_terminal_are_refused() {
    let cases: [(&[&str], &str); 3] = [
        (&["explore", "adder"], "error: no program 'adder' (did you mean 'adders'?)\n"),
        (
            &["explore", "nowhere/mine.steps"],
            "error: cannot read nowhere/mine.steps: No such file or directory (os error 2)\n",
        ),
        (
            &["explore", "two-locks", "--play"],
            "error: --play needs a terminal: run it without a pipe or a redirection\n",
        ),
    ];
    for (args, expected) in cases {
        let output = bin().args(args).output().unwrap();
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        assert_eq!(String::from_utf8(output.stderr).unwrap(), expected);
    }
}

#[test]
fn the_list_counts_every_program() {
    let output = bin().args(["explore", "--list", "--json"]).output().unwrap();
    let rows: Vec<Value> =
        String::from_utf8(output.stdout).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let ids: Vec<&str> = rows.iter().map(|r| r["id"].as_str().unwrap()).collect();
    assert_eq!(
        ids,
        ["adders", "adders-locked", "two-locks", "check-then-act", "missed-notify", "notify-loop"]
    );
    assert_eq!(rows[0]["schedules"], 155_117_520u64);
    assert_eq!(rows[1]["endings"], 1);
}

#[test]
fn every_final_value_the_locks_lesson_saw_is_one_the_explorer_finds() {
    let explored = histogram(&explore_json(&["adders"]));
    assert_eq!(explored.values().sum::<u128>(), 155_117_520);
    // The lesson's racy scene: the notes' two adders, run for real. Each prints
    // its running total (print(v.value, end="|")); the last printed is the final one.
    let run = run_lesson("locks", &["--scene", "1"]).scene(1);
    let totals: Vec<&str> =
        run.events.iter().filter(|e| e["kind"] == "say").map(|e| e["text"].as_str().unwrap()).collect();
    let last = totals.last().expect("the adders print their totals").trim_end_matches('|').to_string();
    assert!(explored.contains_key(&last), "the run ended at {last}; the explorer found {explored:?}");
    // And the lesson points to the explorer, with figures computed from it.
    let pointer = run.pos("the pointer", |e| {
        e["kind"] == "note" && e["text"].as_str().unwrap().contains("concur-tutor explore adders")
    });
    assert!(run.events[pointer]["text"].as_str().unwrap().contains("155 117 520"));
}

#[test]
fn a_page_cut_short_by_head_ends_quietly() {
    let mut child = bin()
        .args(["explore", "adders"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success());
    assert!(output.stderr.is_empty(), "{}", String::from_utf8_lossy(&output.stderr));
}

#[test]
fn the_schedules_go_to_the_run_s_files_too() {
    let trace = format!("{}/two-locks.trace.json", env!("CARGO_TARGET_TMPDIR"));
    let saved = format!("{}/two-locks.ndjson", env!("CARGO_TARGET_TMPDIR"));
    let output =
        bin().args(["explore", "two-locks", "--trace-out", &trace, "--save", &saved]).output().unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    // A span per step in the Chrome trace, named by what the step does.
    let document: Value = serde_json::from_str(&std::fs::read_to_string(&trace).unwrap()).unwrap();
    let steps: Vec<&str> = document["traceEvents"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["name"] == "running")
        .filter_map(|e| e["args"]["on"].as_str())
        .collect();
    assert_eq!(steps.len(), 12 + 4, "the 12 steps of the finished schedule, the 4 of the deadlock");
    assert!(steps.contains(&"step 1: lockA.acquire()"));
    // The saved run replays through the same sinks.
    let output = bin().args(["replay", &saved, "--no-wait", "--color", "never"]).output().unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    assert!(String::from_utf8(output.stdout).unwrap().contains("The cycle: Thread-1 → lockB → Thread-2"));
}
