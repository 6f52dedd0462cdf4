//! Lessons process-basics, globals and start-methods, asserted on their `--json`
//! traces: pids and parents, copies and sharing, fork against spawn, and the
//! child stuck on a lock copied while another thread held it.

mod common;

use common::{lesson, Trace};
use serde_json::Value;

/// The number after `prefix` in the first of `lines` that starts with it.
fn number_after(lines: &[String], prefix: &str) -> i64 {
    lines
        .iter()
        .find_map(|line| line.strip_prefix(prefix)?.split_whitespace().next()?.parse().ok())
        .unwrap_or_else(|| panic!("no line starting {prefix:?} in {lines:?}"))
}

fn spawn_of<'t>(s: &'t Trace, lane: &str) -> &'t Value {
    &s.events[s.pos(&format!("{lane} spawns"), |e| e["kind"] == "spawn" && e["lane"] == lane)]
}

#[test]
fn each_child_names_main_as_its_parent() {
    let s = lesson("process-basics").scene(1);
    let main_pid = number_after(&s.lines_of("main"), "process id:");
    let spawn = spawn_of(&s, "Process-1");
    assert_eq!(number_after(&s.lines_of("Process-1"), "parent process:"), main_pid);
    assert_eq!(number_after(&s.lines_of("Process-1"), "process id:"), spawn["pid"].as_i64().unwrap());
    assert_eq!(spawn["ppid"].as_i64(), Some(main_pid));
    // Each task prints its own pid and its parent's: main.
    let s = lesson("process-basics").scene(3);
    for task in ["task-1", "task-2"] {
        let pid = spawn_of(&s, task)["pid"].as_i64().unwrap();
        let lines = s.lines_of(task);
        assert_eq!(lines.len(), 4, "{task}: {lines:?}");
        for line in lines {
            assert!(line.ends_with(&format!(" {pid} {main_pid}")), "{task}: {line}");
        }
    }
}

#[test]
fn the_live_children_are_listed_while_they_run() {
    let s = lesson("process-basics").scene(1);
    let p = spawn_of(&s, "Process-1")["pid"].as_i64().unwrap();
    assert!(s.ever_said("main", &format!("child process name: Process-1  id: {p}")));
    assert!(s.said("main", "process end") < s.exit_of("Process-1").0);
}

#[test]
fn a_struct_with_run_is_a_process_body() {
    let s = lesson("process-basics").scene(2);
    let lines: Vec<String> = (1..=3).map(|n| format!("{n} custom process Xiaoming")).collect();
    assert_eq!(s.lines_of("Xiaoming"), lines);
    assert_eq!(s.exit_of("Xiaoming").1["code"], 0);
}

#[test]
fn a_parent_that_does_not_join_prints_its_end_first() {
    let s = lesson("process-basics").scene(3);
    let main_done = s.pos("main's last line", |e| {
        e["kind"] == "say" && e["lane"] == "main" && e["text"].as_str().unwrap().starts_with("task-2 ")
    });
    let first_task_line =
        s.pos("a task's line", |e| e["kind"] == "say" && e["lane"].as_str().unwrap().starts_with("task-"));
    assert!(main_done < first_task_line);
    assert!(s.exit_of("task-1").0 < s.exit_of("task-2").0, "task-1 has the shorter period");
}

#[test]
fn a_forked_child_changes_its_own_copy_of_a_global() {
    let s = lesson("globals").scene(1);
    assert_eq!(s.lines_of("Process-1"), ["child starts", "child num: 101", "child ends"]);
    assert_eq!(s.lines_of("main"), ["parent starts", "parent ends. num: 100"]);
    assert!(s.said("Process-1", "child num: 101") < s.said("main", "parent ends. num: 100"));
    // The address is the tutor's: a state of the child's, and the note's.
    let address = |e: &Value| e["text"].as_str().unwrap().strip_prefix("num is at ").map(str::to_string);
    let childs =
        s.events.iter().filter(|e| e["lane"] == "Process-1").find_map(address).expect("the child's num");
    let note = s.pos("the note", |e| e["kind"] == "note");
    assert!(s.events[note]["text"].as_str().unwrap().contains(&format!("at the same address {childs}")));
}

#[test]
fn a_thread_changes_the_one_global() {
    let s = lesson("globals").scene(2);
    assert_eq!(s.lines_of("Thread-1"), ["thread num: 101"]);
    assert_eq!(s.lines_of("main"), ["main ends. num: 101"]);
    assert!(s.said("Thread-1", "thread num: 101") < s.said("main", "main ends. num: 101"));
    let note = s.pos("the note", |e| e["kind"] == "note");
    assert!(s.events[note]["text"].as_str().unwrap().starts_with("Both lanes see num = 101 and local = 101"));
}

#[test]
fn start_costs_are_measured() {
    let s = lesson("start-methods").scene(1);
    for name in ["fork_start", "spawn_start", "thread_start"] {
        let i = s.pos(name, |e| e["kind"] == "measure" && e["name"] == name);
        assert!(s.events[i]["value"].as_f64().unwrap() > 0.0);
        assert_eq!(s.events[i]["unit"], "ms");
    }
}

#[test]
fn spawn_runs_start_up_again_and_fork_does_not() {
    let s = lesson("start-methods").scene(2);
    let main = s.events[0]["pid"].as_i64().unwrap();
    let forked = spawn_of(&s, "forked")["pid"].as_i64().unwrap();
    let spawned = spawn_of(&s, "spawned")["pid"].as_i64().unwrap();
    assert_eq!(s.lines_of("main"), [format!("start-up code runs in {main}")]);
    assert_eq!(s.lines_of("forked"), [format!("{forked} sees SETTING = 42")]);
    assert_eq!(
        s.lines_of("spawned"),
        [format!("start-up code runs in {spawned}"), format!("{spawned} sees SETTING = 0")]
    );
}

#[test]
fn the_child_forked_while_a_lock_was_held_is_caught_stuck_and_killed() {
    let s = lesson("start-methods").scene(3);
    let taking = s.said("forked", "taking the lock...");
    let stuck = s.pos("the watchdog's warning", |e| {
        e["kind"] == "warn" && e["text"].as_str().unwrap().starts_with("watchdog: forked")
    });
    assert!(taking < stuck);
    // holder prints nothing, as in the Python: its release is a state of its lane.
    assert!(s.lines_of("holder").is_empty());
    let released = s.pos("holder's release", |e| {
        e["kind"] == "state" && e["lane"] == "holder" && e["text"] == "released the lock"
    });
    assert!(released < stuck, "still stuck after the release");
    assert!(!s.ever_said("forked", "got the lock"));
    let (killed, exit) = s.exit_of("forked");
    assert!(stuck < killed);
    assert_eq!(exit["signal"], "SIGKILL");
    assert!(s.said("spawned", "got the lock") > killed);
    assert_eq!(s.exit_of("spawned").1["code"], 0);
}
