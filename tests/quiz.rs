//! `--predict` as a class uses it: answers typed on stdin, and every question
//! judged by what its run did. A few whole lessons and one scene for each kind
//! of check, run at once: each question must end in a ✓ or a ✗, never in
//! "This run did not show the answer" (a check that looks for a line, a lane
//! or a measure the run does not produce).

mod common;

use std::io::Write;
use std::process::Stdio;

use common::{bin, SPEED};

/// What to run: a lesson, one of its scenes or all of them, and how many
/// questions that asks.
const RUNS: &[(&str, Option<u32>, usize)] = &[
    ("globals", None, 2),
    ("pipe", None, 3),
    ("shared-memory", None, 2),
    ("threads", None, 4),
    ("deadlock", None, 5),
    // One scene for each check the lessons above do not use.
    ("join-daemon", Some(5), 1),       // count, of one lane
    ("producer-consumer", Some(4), 1), // count, of every lane
    ("locks", Some(2), 1),             // switches
    ("pool-async", Some(5), 1),        // at_once
    ("producer-consumer", Some(3), 1), // gap
    ("pool-async", Some(3), 1),        // measure
];

/// The tutor's verdicts on `lesson <id> [--scene N] --predict`, with answer 1
/// typed for every question: one line per question it judged or could not.
fn verdicts(id: &str, scene: Option<u32>) -> Vec<String> {
    let mut command = bin();
    command
        .args(["lesson", id, "--predict", "--speed", SPEED, "--color", "never", "--lang", "en"])
        .args(["--brief", "--no-timeline"])
        // One line per note, in UTF-8, whatever the machine running the tests uses.
        .env("COLUMNS", "1000")
        .env("LC_ALL", "C.UTF-8")
        .env("TERM", "xterm")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if let Some(scene) = scene {
        command.args(["--scene", &scene.to_string()]);
    }
    let mut child = command.spawn().expect("run");
    child.stdin.take().unwrap().write_all(b"1111111111").unwrap();
    let output = child.wait_with_output().expect("run");
    let out = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(output.status.success(), "{id}: {}\n{out}", String::from_utf8_lossy(&output.stderr));
    out.lines()
        .filter_map(|line| line.split_once("▸ ").map(|(_, note)| note))
        .filter(|note| {
            ["✓ Right", "✗ You said", "This run did not show", "No answer was given"]
                .iter()
                .any(|verdict| note.starts_with(verdict))
        })
        .map(str::to_string)
        .collect()
}

#[test]
fn every_question_is_judged_by_its_run() {
    let results: Vec<_> = std::thread::scope(|scope| {
        let runs: Vec<_> = RUNS
            .iter()
            .map(|&(id, scene, questions)| (id, scene, questions, scope.spawn(move || verdicts(id, scene))))
            .collect();
        runs.into_iter()
            .map(|(id, scene, questions, run)| (id, scene, questions, run.join().unwrap()))
            .collect()
    });
    for (id, scene, questions, verdicts) in results {
        let what = format!("{id} scene {scene:?}");
        assert_eq!(verdicts.len(), questions, "{what}: {verdicts:#?}");
        for verdict in &verdicts {
            assert!(verdict.starts_with("✓ Right") || verdict.starts_with("✗ You said"), "{what}: {verdict}");
        }
    }
}
