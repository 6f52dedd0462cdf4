//! `concur-tutor practice`: every exercise judged from its runs, on `practice
//! check --json`. For each exercise the program as shipped fails its goal,
//! the solution meets it, and a plausible wrong fix (tests/practice/) fails
//! for the right reason. The checks run at the same time, a few at once, the
//! ones that measure a speed-up last and alone. Races are judged in 2 runs
//! here; `CONCUR_PRACTICE_LONG=1` makes each goal's own count (20 for the
//! deadlock). Every run must leave no process and no file behind. Skipped,
//! saying so, when python3 is absent.

mod common;

use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::Mutex;

use common::{assert_group_gone, fresh_dir, tutor};
use concur_tutor::practice::{Runs, EXERCISES};
use serde_json::Value;

const LESSONS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/lessons/practice");
const WRONG: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/practice");

/// Whether python3 is here; if not, says the test is skipped.
fn python() -> bool {
    common::python3("practice")
}

/// A check's outcome: its exit status, its per-run lines, and its verdict.
#[derive(Debug)]
struct Checked {
    code: i32,
    runs: Vec<Value>,
    verdict: Value,
}

impl Checked {
    /// The finding whose need starts with `need`.
    fn finding(&self, need: &str) -> &Value {
        let findings = self.verdict["findings"].as_array().expect("findings");
        findings
            .iter()
            .find(|f| f["need"].as_str().unwrap().starts_with(need))
            .unwrap_or_else(|| panic!("no finding {need:?} in {:#}", self.verdict))
    }

    /// Asserts the finding `need` failed, and that what it saw (or its
    /// detail) says `why`.
    fn failed(&self, need: &str, why: &str) {
        let f = self.finding(need);
        assert_eq!(f["ok"], false, "{need} should fail: {:#}", self.verdict);
        let said = format!("{} {}", f["saw"], f["detail"]);
        assert!(said.contains(why), "{need}: {why:?} not in {said}\n{:#}", self.verdict);
    }
}

/// `practice check ID FILE --json [extra]`, in a process group and a TMPDIR
/// of its own, which must both be empty after it.
fn check(id: &str, file: &Path, extra: &[&str]) -> Checked {
    // Short: the trace's socket lives in it, and a socket's path has room for 107 bytes.
    static RUNS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let tmp = fresh_dir(&format!("pr{}", RUNS.fetch_add(1, std::sync::atomic::Ordering::SeqCst)));
    let output = tutor()
        .env("TMPDIR", &tmp)
        .args(["practice", "check", id])
        .arg(file)
        .args(extra)
        .arg("--json")
        .process_group(0)
        .stdin(Stdio::null())
        .output()
        .expect("run");
    let text = String::from_utf8(output.stdout).expect("utf-8");
    let lines: Vec<Value> =
        text.lines().map(|l| serde_json::from_str(l).expect("each line is JSON")).collect();
    for line in &lines {
        for field in ["t", "lane", "pid", "kind", "text"] {
            assert!(line.get(field).is_some(), "a line without {field}: {line}");
        }
    }
    let verdict = lines
        .last()
        .cloned()
        .unwrap_or_else(|| panic!("{id}: no verdict; stderr: {}", String::from_utf8_lossy(&output.stderr)));
    assert_eq!(verdict["kind"], "verdict", "{id}: the last line is the verdict");
    for pid in lines.iter().filter(|l| l["kind"] == "spawn").map(|l| l["pid"].as_i64().unwrap() as i32) {
        assert_group_gone(pid);
    }
    let left: Vec<_> = std::fs::read_dir(&tmp).unwrap().flatten().map(|e| e.path()).collect();
    assert!(left.is_empty(), "{id}: files left behind: {left:?}");
    let runs = lines.iter().filter(|l| l["kind"] == "run").cloned().collect();
    Checked { code: output.status.code().unwrap_or(-1), runs, verdict }
}

fn has_chinese(text: &str) -> bool {
    text.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))
}

fn has_english(text: &str) -> bool {
    text.split(|c: char| !c.is_ascii_alphabetic())
        .any(|word| word.len() >= 3 && word.bytes().all(|b| b.is_ascii_lowercase()))
}

/// Every text of a verdict: what a Chinese reader sees must be Chinese.
fn english_left(verdict: &Value) -> Vec<String> {
    let mut texts = vec![verdict["text"].clone(), verdict["goal"].clone(), verdict["why_runs"].clone()];
    for f in verdict["findings"].as_array().unwrap() {
        texts.push(f["need"].clone());
        texts.push(f["saw"].clone());
        texts.extend(f["detail"].as_array().unwrap().iter().cloned());
    }
    texts
        .iter()
        .map(|t| t.as_str().unwrap().to_string())
        .filter(|t| has_english(t) && !has_chinese(t))
        .collect()
}

/// What the plausible wrong fix of `id` must be failed for: a finding, and
/// words of what it saw. `None`: the exercise has no wrong fix to test.
fn wrong_reason(id: &str) -> Option<&'static [(&'static str, &'static str)]> {
    Some(match id {
        "join-before-get" => &[
            ("every process ends by itself", "the tutor had to end the program"),
            ("no wait gives up", "p.join(timeout=1)"),
            ("the parent prints 1000000", "did not arrive"),
        ],
        "two-locks" => &[
            ("the locks are always taken in one order", "waited for lockA while holding lockB"),
            ("both threads get both locks", "never got lockA"),
        ],
        "lost-updates" => &[("the total is exactly 80000", "additions were lost")],
        "torn-records" => &[("every record is whole", "records were torn")],
        "reader-sentinel" => &[("every process ends by itself", "was killed by SIGTERM")],
        "endless-consumer" => &[
            (
                "every thread the program starts ends by itself",
                "daemon thread Thread-2 (consumer) never finished",
            ),
            ("every item produced is consumed exactly once", "never consumed"),
        ],
        "daemon-child" => &[("the program ends as soon as main", "join() at exit")],
        "get-in-the-loop" => &[("the five tasks run at the same time", "at most 1 of the five")],
        "responsive" => &[("ten ticks", "job.join()")],
        "spawn-safe" => &[("the worker process is started with spawn", "was started with fork")],
        "gil-threads" => &[("the job runs in two processes", "threads of one process")],
        _ => return None,
    })
}

/// Which program of an exercise a check runs.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Variant {
    /// As shipped, judged in Chinese.
    Shipped,
    Solution,
    /// Its plausible wrong fix.
    Wrong,
}

/// Checks one program of exercise `id`, saying what is wrong in `failures`.
fn judge(id: &'static str, variant: Variant, failures: &Mutex<Vec<String>>) {
    let e = EXERCISES.iter().find(|e| e.id == id).unwrap();
    let fail = |message: String| failures.lock().unwrap().push(message);
    match variant {
        Variant::Shipped => {
            let shipped = check(id, &Path::new(LESSONS).join(format!("{id}.py")), &["--lang", "zh"]);
            if shipped.code != 1 || shipped.verdict["solved"] != false {
                fail(format!("{id}: the program as shipped passed: {:#}", shipped.verdict));
            }
            let english = english_left(&shipped.verdict);
            if !english.is_empty() {
                fail(format!("{id}: verdict lines without Chinese: {english:#?}"));
            }
        }
        Variant::Solution => {
            // Races: 2 runs here, the goal's own count in the long form.
            let long = std::env::var_os("CONCUR_PRACTICE_LONG").is_some();
            let race = matches!(e.runs, Runs::Race { .. });
            let runs: &[&str] = if race && !long { &["--runs", "2"] } else { &[] };
            let solved = check(id, &Path::new(LESSONS).join(format!("{id}.solution.py")), runs);
            if solved.code != 0 || solved.verdict["solved"] != true {
                fail(format!("{id}: the solution did not pass: {:#}", solved.verdict));
            }
            let planned = solved.verdict["planned"].as_u64().unwrap() as usize;
            if race && (solved.runs.len() != planned || solved.verdict["runs"] != planned) {
                fail(format!("{id}: a solved race makes every run it plans: {:#}", solved.verdict));
            }
        }
        Variant::Wrong => {
            let Some(reasons) = wrong_reason(id) else { return };
            let wrong = check(id, &Path::new(WRONG).join(format!("{id}.wrong.py")), &[]);
            if wrong.code != 1 {
                fail(format!("{id}: the wrong fix passed: {:#}", wrong.verdict));
                return;
            }
            for (need, why) in reasons {
                if let Err(panic) = std::panic::catch_unwind(|| wrong.failed(need, why)) {
                    let message = panic.downcast_ref::<String>().cloned().unwrap_or_default();
                    fail(format!("{id}, the wrong fix: {message}"));
                }
            }
        }
    }
}

#[test]
fn every_exercise_fails_as_shipped_passes_solved_and_fails_a_wrong_fix_for_its_reason() {
    if !python() {
        return;
    }
    // Every check a few at once, but the solutions that must show a
    // speed-up: those run last, with nothing else of ours.
    let timed = ["gil-threads", "divide-and-conquer"];
    let failures = Mutex::new(Vec::new());
    let mut jobs: Vec<(&str, Variant)> = Vec::new();
    for e in EXERCISES {
        jobs.push((e.id, Variant::Shipped));
        jobs.push((e.id, Variant::Wrong));
        if !timed.contains(&e.id) {
            jobs.push((e.id, Variant::Solution));
        }
    }
    let queue = Mutex::new(jobs);
    std::thread::scope(|scope| {
        for _ in 0..6 {
            scope.spawn(|| loop {
                let Some((id, variant)) = queue.lock().unwrap().pop() else { return };
                judge(id, variant, &failures);
            });
        }
    });
    for id in timed {
        judge(id, Variant::Solution, &failures);
    }
    let failures = failures.into_inner().unwrap();
    assert!(failures.is_empty(), "{} failures:\n{}", failures.len(), failures.join("\n\n"));
}

/// A workspace of its own, in a fresh folder, with its own progress file.
fn workspace(name: &str) -> (PathBuf, PathBuf) {
    let root = fresh_dir(name);
    let state = root.join("state");
    let output =
        tutor().current_dir(&root).env("XDG_STATE_HOME", &state).args(["practice", "init"]).output().unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    (root.join("concur-practice"), state)
}

#[test]
fn init_never_overwrites_a_learners_file_and_a_solve_is_kept_with_the_progress() {
    if !python() {
        return;
    }
    let (dir, state) = workspace("practice-workspace");
    assert!(dir.join("README.md").is_file());
    for e in EXERCISES {
        assert_eq!(std::fs::read_to_string(dir.join(format!("{}.py", e.id))).unwrap(), e.code);
    }
    // The learner fixes one; init again keeps the fix.
    let solution = std::fs::read_to_string(Path::new(LESSONS).join("join-before-get.solution.py")).unwrap();
    std::fs::write(dir.join("join-before-get.py"), &solution).unwrap();
    let again = tutor()
        .current_dir(dir.parent().unwrap())
        .env("XDG_STATE_HOME", &state)
        .args(["practice", "init"])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&again.stdout).contains("0 files written"), "{again:?}");
    assert_eq!(std::fs::read_to_string(dir.join("join-before-get.py")).unwrap(), solution);
    assert!(!dir.join("join-before-get.solution.py").exists(), "no solution before a solve");

    // Checked in the workspace, without a terminal: solved, recorded, and the solution written beside.
    let output = tutor()
        .current_dir(&dir)
        .env("XDG_STATE_HOME", &state)
        .args(["practice", "check", "join-before-get", "--color", "never"])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(0), "{text}");
    assert!(text.contains("solved: the run showed everything the goal needs"), "{text}");
    assert!(text.contains("MainProcess"), "the run's lanes are shown: {text}");
    assert!(dir.join("join-before-get.solution.py").is_file());
    let progress =
        tutor().env("XDG_STATE_HOME", &state).args(["progress", "--color", "never"]).output().unwrap();
    let progress = String::from_utf8_lossy(&progress.stdout);
    assert!(progress.contains(&format!("1 of {} practice exercises solved", EXERCISES.len())), "{progress}");
    let list = tutor().env("XDG_STATE_HOME", &state).args(["list", "--json"]).output().unwrap();
    let lesson: Value = String::from_utf8_lossy(&list.stdout)
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .find(|l| l["id"] == "queue-deadlock")
        .unwrap();
    assert_eq!(lesson["practice"], serde_json::json!([{"id": "join-before-get", "solved": true}]));
    let practice =
        tutor().env("XDG_STATE_HOME", &state).args(["practice", "list", "--json"]).output().unwrap();
    let solved: Vec<Value> = String::from_utf8_lossy(&practice.stdout)
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .filter(|l| l["solved"] == true)
        .collect();
    assert_eq!(solved.len(), 1);

    // `practice` without a terminal checks the current exercise once.
    let output = tutor()
        .current_dir(&dir)
        .env("XDG_STATE_HOME", &state)
        .args(["practice", "spawn-safe", "--color", "never"])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stdout)
        .contains("not yet: the worker printed worker sees name = None"));
}

#[test]
fn usage_errors_are_one_line_and_status_2() {
    if !python() {
        return;
    }
    let root = fresh_dir("practice-usage");
    for (args, wanted) in [
        (&["practice", "check", "two-lock"][..], "error: no exercise 'two-lock' (did you mean 'two-locks'?)\n"),
        (&["practice", "check", "two-locks"][..], "error: no practice folder here: make one with concur-tutor practice init, or name the file: concur-tutor practice check two-locks FILE\n"),
        (&["practice", "check", "two-locks", "nowhere.py"][..], "error: no such file: nowhere.py\n"),
        (&["practice"][..], "error: no practice folder here: make one with concur-tutor practice init (it creates ./concur-practice/)\n"),
    ] {
        let output = tutor().current_dir(&root).args(args).stdin(Stdio::null()).output().unwrap();
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        assert_eq!(String::from_utf8_lossy(&output.stderr), wanted, "{args:?}");
        assert!(output.stdout.is_empty());
    }
}
