//! The command line: listing, showing, bad input, closed pipes, interrupts.

mod common;

use std::io::{BufRead, BufReader, Write};
use std::process::Stdio;

use common::{assert_gone, bin, Trace};
use serde_json::Value;

const IDS: [&str; 19] = [
    "process-basics",
    "start-methods",
    "join-daemon",
    "globals",
    "signals",
    "pool-async",
    "queue",
    "pipe",
    "queue-deadlock",
    "shared-memory",
    "managers",
    "locks",
    "deadlock",
    "semaphores",
    "threads",
    "producer-consumer",
    "gil",
    "costs",
    "coroutines",
];

/// Runs the binary; returns (exit code, stdout, stderr).
fn run(args: &[&str]) -> (i32, String, String) {
    let out = bin().args(args).output().expect("run");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn list_shows_every_lesson() {
    let (code, out, _) = run(&["list", "--color", "never"]);
    assert_eq!(code, 0);
    for id in IDS {
        assert!(out.contains(id), "{id} missing from list");
    }
    assert!(out.starts_with(&format!("{} lessons, ", IDS.len())), "{out}");
}

#[test]
fn list_json_has_one_object_per_lesson_in_order() {
    let (code, out, _) = run(&["list", "--json"]);
    assert_eq!(code, 0);
    let ids: Vec<String> = out
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap()["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(ids, IDS);
}

#[test]
fn show_prints_the_python_and_the_rust_that_runs() {
    let (code, out, _) = run(&["show", "join-daemon", "--color", "never"]);
    assert_eq!(code, 0);
    assert!(out.contains("p1.join(6)"));
    assert!(out.contains("fn join_with_timeout(stage: &mut Stage)"));
}

#[test]
fn an_unknown_lesson_gets_a_suggestion_and_status_2() {
    let (code, out, err) = run(&["lesson", "pool-asink"]);
    assert_eq!(code, 2);
    assert!(out.is_empty());
    assert_eq!(err, "error: no lesson 'pool-asink' (did you mean 'pool-async'?)\n");
}

#[test]
fn bad_flag_values_get_one_line_and_status_2() {
    let bad: [&[&str]; 18] = [
        &["lesson", "join-daemon", "--speed", "0"],
        &["lesson", "join-daemon", "--speed", "1e-300"],
        &["lesson", "join-daemon", "--speed", "1000"],
        &["lesson", "join-daemon", "--speed", "-1"],
        &["lesson", "join-daemon", "--speed", "NaN"],
        &["lesson", "join-daemon", "--speed", "inf"],
        &["lesson", "join-daemon", "--speed", "fast"],
        &["lesson", "join-daemon", "--scene", "0"],
        &["lesson", "join-daemon", "--scene", "99"],
        &["lesson", "join-daemon", "--scene", "two"],
        &["lesson", "join-daemon", "--color", "sometimes"],
        &["lesson"],
        &["lesso", "join-daemon"],
        &["show", "nothing-like-it"],
        &["spawned"],
        &["__spawned", "{not an order}"],
        &["__keeper", "{not an order}"],
        &["completions", "tcsh"],
    ];
    for args in bad {
        let (code, out, err) = run(args);
        assert_eq!(code, 2, "{args:?}");
        assert!(out.is_empty(), "{args:?}");
        assert_eq!(err.lines().count(), 1, "{args:?}: {err}");
        assert!(err.starts_with("error: "), "{args:?}: {err}");
        assert!(!err.contains("panicked"), "{args:?}: {err}");
        assert!(!err.contains("'__spawned'?"), "never suggest the hidden command: {err}");
    }
}

#[test]
fn a_closed_stdout_ends_quietly_and_leaves_nothing() {
    for extra in [&["--json"][..], &["--color", "always"][..]] {
        let mut child = bin()
            .args(["lesson", "join-daemon", "--speed", "10"])
            .args(extra)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut first = String::new();
        BufReader::new(child.stdout.take().unwrap()).read_line(&mut first).unwrap();
        // The reader is gone now, as with `| head -1`.
        let out = child.wait_with_output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.is_empty(), "stderr: {err}");
        assert!(out.status.code().is_some(), "ended by a signal: {:?}", out.status);
    }
}

/// Starts join-daemon, waits until both children exist, sends `signal`.
fn interrupt_with(signal: nix::sys::signal::Signal) -> (i32, Vec<i32>) {
    let mut child = bin()
        .args(["lesson", "join-daemon", "--json", "--speed", "2"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut pids = Vec::new();
    while pids.len() < 2 {
        let line = lines.next().expect("the lesson ended early").unwrap();
        let event: Value = serde_json::from_str(&line).unwrap();
        if event["kind"] == "spawn" {
            pids.push(event["pid"].as_i64().unwrap() as i32);
        }
    }
    nix::sys::signal::kill(nix::unistd::Pid::from_raw(child.id() as i32), signal).unwrap();
    let status = child.wait().unwrap();
    (status.code().expect("exits, not killed"), pids)
}

#[test]
fn ctrl_c_kills_and_reaps_every_child_and_exits_130() {
    let (code, pids) = interrupt_with(nix::sys::signal::Signal::SIGINT);
    assert_eq!(code, 130);
    pids.into_iter().for_each(assert_gone);
}

#[test]
fn sigterm_kills_and_reaps_every_child_and_exits_143() {
    let (code, pids) = interrupt_with(nix::sys::signal::Signal::SIGTERM);
    assert_eq!(code, 143);
    pids.into_iter().for_each(assert_gone);
}

#[test]
fn one_scene_runs_alone() {
    let out =
        bin().args(["lesson", "join-daemon", "--json", "--speed", "10", "--scene", "3"]).output().unwrap();
    assert!(out.status.success());
    let trace = Trace::parse(&out);
    let scenes: Vec<&Value> = trace.events.iter().filter(|e| e["kind"] == "scene").collect();
    assert_eq!(scenes.len(), 1);
    assert_eq!(scenes[0]["scene"], 3);
    trace.assert_nothing_left();
}

#[test]
fn progress_is_remembered_and_a_damaged_file_is_replaced() {
    let state = format!("{}/progress-test", env!("CARGO_TARGET_TMPDIR"));
    let _ = std::fs::remove_dir_all(&state);
    let run = |args: &[&str]| bin().env("XDG_STATE_HOME", &state).args(args).output().unwrap();
    assert!(run(&["lesson", "globals", "--speed", "10", "--json"]).status.success());
    let listed = String::from_utf8(run(&["list", "--color", "never"]).stdout).unwrap();
    assert!(listed.lines().any(|l| l.starts_with("✓ globals")), "{listed}");
    assert!(String::from_utf8(run(&["progress"]).stdout).unwrap().starts_with("1 of 19 lessons"));

    std::fs::write(format!("{state}/concur-tutor/progress.json"), "not json").unwrap();
    let damaged = run(&["progress"]);
    assert!(damaged.status.success());
    assert!(String::from_utf8_lossy(&damaged.stderr).contains("starting afresh"));
    assert!(run(&["lesson", "globals", "--speed", "10", "--json"]).status.success());
    assert!(String::from_utf8(run(&["progress"]).stdout).unwrap().starts_with("1 of 19 lessons"));

    assert!(run(&["progress", "--reset"]).status.success());
    assert!(String::from_utf8(run(&["progress"]).stdout).unwrap().starts_with("0 of 19 lessons"));
}

#[test]
fn a_prediction_is_judged_by_what_the_run_did() {
    let state = format!("{}/predict-test", env!("CARGO_TARGET_TMPDIR"));
    let _ = std::fs::remove_dir_all(&state);
    let predict = |key: &str| {
        let mut child = bin()
            .env("XDG_STATE_HOME", &state)
            .args(["lesson", "globals", "--predict", "--speed", "10", "--color", "never"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        child.stdin.take().unwrap().write_all(key.as_bytes()).unwrap();
        let output = child.wait_with_output().unwrap();
        assert!(output.status.success());
        String::from_utf8(output.stdout).unwrap()
    };
    // The parent prints num: 100 after its child's num += 1: choice 2.
    assert!(predict("1").contains("✗ You said \"num: 101\"; this run: num: 100."));
    assert!(predict("2").contains("✓ Right: num: 100."));
    let progress = bin().env("XDG_STATE_HOME", &state).arg("progress").output().unwrap();
    assert!(String::from_utf8(progress.stdout).unwrap().contains("globals            1 / 2"));
}

#[test]
fn completions_and_the_man_page_leave_out_the_hidden_entry() {
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let (code, out, _) = run(&["completions", shell]);
        assert_eq!(code, 0, "{shell}");
        assert!(out.contains("lesson") && !out.contains("__spawned"), "{shell}");
    }
    let (code, out, _) = run(&["man"]);
    assert_eq!(code, 0);
    assert!(out.contains(".TH CONCUR-TUTOR 1") && !out.contains("__spawned"));
}

#[test]
fn output_that_cannot_be_written_is_one_error_line_and_status_1() {
    for args in [
        &["--help"][..],
        &["--version"],
        &["list"],
        &["lesson", "globals", "--json", "--speed", "10"],
        &["lesson", "globals", "--speed", "10"],
    ] {
        let full = std::fs::OpenOptions::new().write(true).open("/dev/full").unwrap();
        let output = bin().args(args).stdout(full).output().unwrap();
        let err = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(1), "{args:?}: {err}");
        assert_eq!(err.lines().count(), 1, "{args:?}: {err}");
        assert!(err.starts_with("error: cannot write output:"), "{args:?}: {err}");
    }
}
