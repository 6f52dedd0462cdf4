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
    let spawn = spawn_of(&s, "p");
    assert_eq!(number_after(&s.lines_of("p"), "parent process:"), main_pid);
    assert_eq!(number_after(&s.lines_of("p"), "process id:"), spawn["pid"].as_i64().unwrap());
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
    let p = spawn_of(&s, "p")["pid"].as_i64().unwrap();
    assert!(s.ever_said("main", &format!("child process name: p  id: {p}")));
    assert!(s.said("main", "process end") < s.exit_of("p").0);
}

#[test]
fn a_struct_with_run_is_a_process_body() {
    let s = lesson("process-basics").scene(2);
    let lines: Vec<String> = (1..=3).map(|n| format!("{n} custom process Xiaoming")).collect();
    assert_eq!(s.lines_of("xiaoming"), lines);
    assert_eq!(s.exit_of("xiaoming").1["code"], 0);
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
    let child = &s.lines_of("child")[1];
    let parent = s.lines_of("main").pop().unwrap();
    assert!(child.starts_with("child num: 101 (at 0x"), "{child}");
    assert!(parent.starts_with("parent ends. num: 100 (at 0x"), "{parent}");
    let address = |line: &str| line.split_once("(at ").unwrap().1.to_string();
    assert_eq!(address(child), address(&parent), "the same address in both processes");
}

#[test]
fn a_thread_changes_the_one_global() {
    let s = lesson("globals").scene(2);
    assert!(s.lines_of("thread")[0].starts_with("thread num: 101 "));
    let main = s.lines_of("main").pop().unwrap();
    assert!(main.starts_with("main ends. num: 101 ") && main.ends_with("local: 101"), "{main}");
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
    assert_eq!(
        s.lines_of("forked"),
        [format!("pid {forked}: start-up code ran in pid {main}; SETTING = 42")]
    );
    assert_eq!(
        s.lines_of("spawned"),
        [format!("pid {spawned}: start-up code ran in pid {spawned}; SETTING = 0")]
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
    assert!(s.said("holder", "releases the lock") < stuck, "still stuck after the release");
    assert!(!s.ever_said("forked", "got the lock"));
    let (killed, exit) = s.exit_of("forked");
    assert!(stuck < killed);
    assert_eq!(exit["signal"], "SIGKILL");
    assert!(s.said("spawned", "got the lock") > killed);
    assert_eq!(s.exit_of("spawned").1["code"], 0);
}
