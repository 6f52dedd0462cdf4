//! CPython's run is ours to bound and to clean up, whatever `python3` is: one
//! that leaves a child behind, one that hangs, one that floods its output.
//! Each is a fake `python3` on PATH; the lesson must end, say what happened,
//! and leave no process (found by the mark every process of the run inherits)
//! and nothing in its TMPDIR.

mod common;

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Output, Stdio};
use std::time::{Duration, Instant};

use common::{assert_nothing_marked_left, bin, entries, fresh_dir, mark, Trace};

/// A folder holding a `python3` that runs `body` (a shell script).
fn fake_python(name: &str, body: &str) -> PathBuf {
    let dir = fresh_dir(name);
    let python = dir.join("python3");
    std::fs::write(&python, format!("#!/bin/sh\n{body}\n")).unwrap();
    std::fs::set_permissions(&python, std::fs::Permissions::from_mode(0o755)).unwrap();
    dir
}

/// Runs gil's first scene with `python3` from `dir` (and a CPython deadline
/// of `timeout` s), ending it if it is still running after 30 s. Returns its
/// output; asserts that nothing of the run is left, in /proc or in its TMPDIR.
fn gil_with(dir: &Path, timeout: &str) -> Output {
    let tmp = fresh_dir(&format!("{}-tmp", dir.file_name().unwrap().to_string_lossy()));
    let path = format!("{}:{}", dir.display(), std::env::var("PATH").unwrap_or_default());
    let mut command = bin();
    command
        .args(["lesson", "gil", "--scene", "1", "--quick", "--json", "--speed", "10"])
        .env("PATH", path)
        .env("TMPDIR", &tmp)
        .env("CONCUR_CPYTHON_TIMEOUT", timeout)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let run = mark(&mut command);
    let mut child = command.spawn().unwrap();
    let give_up = Instant::now() + Duration::from_secs(30);
    while child.try_wait().unwrap().is_none() {
        if Instant::now() > give_up {
            let _ = child.kill();
            panic!("the lesson hangs");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    assert_nothing_marked_left(&run, Duration::from_millis(100));
    assert_eq!(entries(&tmp), Vec::<String>::new(), "left in TMPDIR");
    output
}

/// The note the lesson wrote about CPython's run.
fn cpython_note(output: &Output) -> String {
    let trace = Trace::parse(output);
    let i = trace.pos("the CPython note", |e| {
        e["kind"] == "note"
            && e["text"].as_str().is_some_and(|t| t.contains("Rust figures above stand alone"))
    });
    trace.events[i]["text"].as_str().unwrap().to_string()
}

#[test]
fn a_python3_that_leaves_a_child_behind_neither_hangs_the_lesson_nor_leaves_it() {
    // The repro: this child holds python3's stdout open for 1000 s.
    let dir = fake_python("python-leaves-a-child", "sleep 1000 &\necho version 3.99");
    gil_with(&dir, "60");
}

#[test]
fn a_python3_that_hangs_is_ended_at_its_deadline_and_said_so() {
    let dir = fake_python("python-hangs", "echo version 3.99\nsleep 1000");
    let note = cpython_note(&gil_with(&dir, "1"));
    assert!(note.contains("still running after 1 s of real time"), "{note}");
}

#[test]
fn a_python3_that_floods_its_output_is_ended_and_said_so() {
    let dir = fake_python("python-floods", "exec yes figures");
    let output = gil_with(&dir, "20");
    let note = cpython_note(&output);
    assert!(note.contains("printed more than 64 KiB"), "{note}");
    // The tutor read no more than its cap (an unbounded read grew it to GBs).
    // SAFETY: getrusage only writes the struct it is given.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    unsafe { libc::getrusage(libc::RUSAGE_CHILDREN, &mut usage) };
    assert!(usage.ru_maxrss < 200 * 1024, "a child of this test grew to {} KiB", usage.ru_maxrss);
}

#[test]
fn a_python3_that_fails_is_said_with_its_last_line() {
    let dir = fake_python(
        "python-fails",
        "echo 'Traceback (most recent call last):' >&2\necho 'OSError: no' >&2\nexit 1",
    );
    let note = cpython_note(&gil_with(&dir, "60"));
    assert!(note.starts_with("python3 failed: OSError: no;"), "{note}");
}

#[test]
fn the_tutor_killed_while_python3_runs_leaves_nothing_even_what_left_its_group() {
    // Children in python3's group, one in a session (and group) of its own, and python3 hanging.
    let dir =
        fake_python("python-escapes", "sleep 1000 &\nsetsid sleep 1000 &\necho version 3.99\nsleep 1000");
    let path = format!("{}:{}", dir.display(), std::env::var("PATH").unwrap_or_default());
    for signal in [libc::SIGKILL, libc::SIGTERM, libc::SIGINT] {
        let tmp = fresh_dir("python-escapes-tmp");
        let mut command = bin();
        command
            .args(["lesson", "gil", "--scene", "1", "--quick", "--json", "--speed", "10"])
            .env("PATH", &path)
            .env("TMPDIR", &tmp)
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        let run = mark(&mut command);
        let child = command.spawn().unwrap();
        // Wait for both sleeps of the fake python3 to be running.
        let give_up = Instant::now() + Duration::from_secs(30);
        while common::marked(&run).iter().filter(|stat| stat.contains("(sleep)")).count() < 3 {
            assert!(Instant::now() < give_up, "the fake python3 never ran");
            std::thread::sleep(Duration::from_millis(10));
        }
        // SAFETY: kill(2) on our own child.
        unsafe { libc::kill(child.id() as i32, signal) };
        child.wait_with_output().unwrap();
        let took = assert_nothing_marked_left(&run, Duration::from_secs(5));
        assert_eq!(entries(&tmp), Vec::<String>::new(), "left in TMPDIR");
        eprintln!("signal {signal}: the last process was gone {took:?} after the tutor");
    }
}
