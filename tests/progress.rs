//! Progress is never lost: tutors finishing at once each add their part, a
//! link planted where the tutor writes is not followed, a relative
//! `XDG_STATE_HOME` is ignored, and a file too big to be ours is left alone.
//!
//! A few trials by default; `CONCUR_PROGRESS_TRIALS=50 cargo test --test
//! progress` for the long form.

mod common;

use std::io::Write;
use std::os::unix::fs::FileTypeExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};

use common::{bin, fresh_dir};
use serde_json::Value;

/// Tutors at once in each trial.
const TUTORS: usize = 8;

/// Starts `lesson globals --predict` (answering 1 to every question) with
/// its progress in `state`: it completes the lesson and counts its questions.
fn predict_globals(state: &Path) -> Child {
    let mut child = bin()
        .env("XDG_STATE_HOME", state)
        .args(["lesson", "globals", "--speed", "100", "--predict", "--no-timeline"])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(b"1111").unwrap();
    child
}

fn progress_in(state: &Path) -> Value {
    let text = std::fs::read_to_string(state.join("concur-tutor/progress.json")).expect("a progress file");
    serde_json::from_str(&text).expect("a whole progress file")
}

/// Waits for `child`; it must succeed without a word on stderr.
fn succeeds_quietly(child: Child) {
    let output = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success() && err.is_empty(), "{:?}: {err}", output.status);
}

#[test]
fn tutors_finishing_at_once_lose_no_update() {
    let trials: usize =
        std::env::var("CONCUR_PROGRESS_TRIALS").ok().and_then(|n| n.parse().ok()).unwrap_or(3);
    // How many questions one run counts.
    let solo = fresh_dir("progress-solo");
    succeeds_quietly(predict_globals(&solo));
    let per_run = progress_in(&solo)["quizzes"]["globals"]["asked"].as_u64().unwrap();
    assert!(per_run > 0);
    for trial in 0..trials {
        let state = fresh_dir("progress-at-once");
        let tutors: Vec<Child> = (0..TUTORS).map(|_| predict_globals(&state)).collect();
        tutors.into_iter().for_each(succeeds_quietly);
        let progress = progress_in(&state);
        assert_eq!(
            progress["quizzes"]["globals"]["asked"].as_u64(),
            Some(per_run * TUTORS as u64),
            "trial {trial}: updates lost: {progress}"
        );
        assert_eq!(progress["completed"], serde_json::json!(["globals"]), "trial {trial}");
        let mut left: Vec<String> = common::entries(&state.join("concur-tutor"));
        left.sort();
        assert_eq!(left, ["progress.json", "progress.lock"], "trial {trial}: temporary files left");
    }
    eprintln!("{trials} trials of {TUTORS} tutors at once: progress lost 0 times");
}

#[test]
fn links_planted_where_the_tutor_writes_are_not_followed() {
    let state = fresh_dir("progress-links");
    let dir = state.join("concur-tutor");
    std::fs::create_dir_all(&dir).unwrap();
    let victim = state.join("victim");
    std::fs::write(&victim, "precious").unwrap();
    // The temporary name every writer used to share.
    std::os::unix::fs::symlink(&victim, dir.join("progress.json.new")).unwrap();
    succeeds_quietly(predict_globals(&state));
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious");
    assert_eq!(progress_in(&state)["completed"], serde_json::json!(["globals"]));

    // A lock that is a link: the tutor refuses to open it, says so, and saves nothing.
    std::fs::remove_file(dir.join("progress.lock")).unwrap();
    std::os::unix::fs::symlink(&victim, dir.join("progress.lock")).unwrap();
    let output = predict_globals(&state).wait_with_output().unwrap();
    assert!(output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("could not save progress"));
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious");
}

#[test]
fn a_relative_xdg_state_home_is_ignored() {
    let home = fresh_dir("progress-home");
    let cwd = fresh_dir("progress-cwd");
    let output = bin()
        .env("XDG_STATE_HOME", "relative/state")
        .env("HOME", &home)
        .current_dir(&cwd)
        .args(["lesson", "globals", "--speed", "100", "--json"])
        .output()
        .unwrap();
    assert!(output.status.success());
    assert!(common::entries(&cwd).is_empty(), "a relative XDG_STATE_HOME was used");
    assert!(home.join(".local/state/concur-tutor/progress.json").is_file());
}

#[test]
fn a_fifo_in_place_of_the_progress_file_neither_hangs_nor_is_replaced() {
    let state = fresh_dir("progress-fifo");
    let file: PathBuf = state.join("concur-tutor/progress.json");
    std::fs::create_dir_all(file.parent().unwrap()).unwrap();
    nix::unistd::mkfifo(&file, nix::sys::stat::Mode::S_IRWXU).unwrap();
    let output = predict_globals(&state).wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{err}");
    assert!(err.contains("is not a file; it is left as it is"), "{err}");
    assert!(std::fs::symlink_metadata(&file).unwrap().file_type().is_fifo());
}

#[test]
fn a_progress_file_far_too_big_is_left_alone() {
    let state = fresh_dir("progress-big");
    let file: PathBuf = state.join("concur-tutor/progress.json");
    std::fs::create_dir_all(file.parent().unwrap()).unwrap();
    std::fs::write(&file, vec![b' '; 2 << 20]).unwrap();
    let output = predict_globals(&state).wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{err}");
    assert!(err.contains("bigger than 1024 KiB") && err.contains("left as it is"), "{err}");
    assert_eq!(std::fs::metadata(&file).unwrap().len(), 2 << 20);
}

/// A solved exercise goes into the same file under the same lock: a lesson
/// finishing while an exercise is judged solved loses neither, and what a
/// newer tutor wrote there (a field this one does not know) is kept.
#[test]
fn a_solve_and_a_lesson_at_once_lose_nothing_and_unknown_fields_are_kept() {
    if !common::python3("practice") {
        return;
    }
    let root = fresh_dir("progress-practice");
    let state = root.join("state");
    std::fs::create_dir_all(state.join("concur-tutor")).unwrap();
    std::fs::write(
        state.join("concur-tutor/progress.json"),
        r#"{"completed": [], "solved": ["spawn-safe"], "from_a_newer_tutor": {"kept": true}}"#,
    )
    .unwrap();
    let init =
        bin().current_dir(&root).env("XDG_STATE_HOME", &state).args(["practice", "init"]).output().unwrap();
    assert!(init.status.success());
    let dir = root.join("concur-practice");
    let solution = concat!(env!("CARGO_MANIFEST_DIR"), "/lessons/practice/join-before-get.solution.py");
    std::fs::copy(solution, dir.join("join-before-get.py")).unwrap();
    let check = common::tutor()
        .current_dir(&dir)
        .env("XDG_STATE_HOME", &state)
        .args(["practice", "check", "join-before-get", "--json"])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let lesson = predict_globals(&state);
    succeeds_quietly(lesson);
    assert!(check.wait_with_output().unwrap().status.success());
    let progress = progress_in(&state);
    assert_eq!(progress["completed"], serde_json::json!(["globals"]));
    assert_eq!(progress["solved"], serde_json::json!(["join-before-get", "spawn-safe"]));
    assert_eq!(progress["from_a_newer_tutor"], serde_json::json!({"kept": true}));
}
