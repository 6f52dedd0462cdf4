//! Helpers for the black-box tests: run the binary, parse its `--json` trace,
//! check that nothing it started is left behind.
#![allow(dead_code)] // each test binary uses a different part of this module

use std::collections::HashMap;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::{Mutex, OnceLock};

use serde_json::Value;

/// The speed tests run lessons at: fast, yet with gaps of 100 ms or more
/// between the events whose order a lesson guarantees.
pub const SPEED: &str = "10";

/// Where the tests' runs keep their progress, away from the user's own.
pub const STATE: &str = concat!(env!("CARGO_TARGET_TMPDIR"), "/state");

/// The binary under test.
pub fn bin() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_concur-tutor"));
    command.env("XDG_STATE_HOME", STATE);
    command
}

/// Whether python3 is here; if not, says that `what` cannot be tested.
pub fn python3(what: &str) -> bool {
    let here = Command::new("python3")
        .args(["-c", "pass"])
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !here {
        eprintln!("skipped: python3 is not installed, so {what} cannot be tested here");
    }
    here
}

/// The binary, with its cache (the compiled agent of `trace`) kept among the tests' files.
pub fn tutor() -> Command {
    let mut command = bin();
    command.env("XDG_CACHE_HOME", concat!(env!("CARGO_TARGET_TMPDIR"), "/cache"));
    command
}

/// A lesson's `--json` output, parsed.
pub struct Trace {
    pub events: Vec<Value>,
}

/// The whole trace of lesson `id` at `SPEED`, run once per test binary however
/// many tests read it.
pub fn lesson(id: &'static str) -> &'static Trace {
    lesson_at(id, SPEED)
}

/// [`lesson`] at `speed`.
pub fn lesson_at(id: &'static str, speed: &'static str) -> &'static Trace {
    type Runs = Mutex<HashMap<(&'static str, &'static str), &'static OnceLock<Trace>>>;
    static RUNS: OnceLock<Runs> = OnceLock::new();
    // The map only hands out each lesson's cell; lessons run outside its lock, in parallel.
    let cell = *RUNS
        .get_or_init(Default::default)
        .lock()
        .unwrap()
        .entry((id, speed))
        .or_insert_with(|| Box::leak(Box::new(OnceLock::new())));
    cell.get_or_init(|| run_lesson_at(id, speed, &[]))
}

/// Runs `lesson <id> --json --speed SPEED <extra…>`, which must succeed.
pub fn run_lesson(id: &str, extra: &[&str]) -> Trace {
    run_lesson_at(id, SPEED, extra)
}

/// Runs `lesson <id> --json --speed <speed> <extra…>`, which must succeed.
/// The tutor runs in a process group of its own, so that every process it
/// started, announced in the trace or not, can be found afterwards.
pub fn run_lesson_at(id: &str, speed: &str, extra: &[&str]) -> Trace {
    let child = bin()
        .args(["lesson", id, "--json", "--speed", speed])
        .args(extra)
        .process_group(0)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run");
    let group = child.id() as i32;
    let output = child.wait_with_output().expect("run");
    assert!(output.status.success(), "lesson {id} failed: {}", String::from_utf8_lossy(&output.stderr));
    let trace = Trace::parse(&output);
    trace.assert_nothing_left();
    assert_group_gone(group);
    trace
}

/// Scene `scene` of lesson `id`, from its shared run and then from up to
/// `runs - 1` fresh runs of that scene, until `shows` finds in it what a race
/// may take a few runs to show. `None` if no run did.
pub fn until_a_run_shows<T>(
    id: &'static str,
    scene: u64,
    runs: usize,
    shows: impl Fn(&Trace) -> Option<T>,
) -> Option<T> {
    (0..runs).find_map(|attempt| {
        let trace = if attempt == 0 {
            lesson(id).scene(scene)
        } else {
            run_lesson(id, &["--scene", &scene.to_string()]).scene(scene)
        };
        shows(&trace)
    })
}

/// Runs scene `scene` of lesson `id` (quick, at `SPEED`) with no python3 on
/// PATH: it must succeed, say why there are no CPython figures, have none, and
/// leave nothing behind.
pub fn assert_skips_cpython_without_python3(id: &str, scene: &str) {
    let output = bin()
        .args(["lesson", id, "--quick", "--json", "--speed", SPEED, "--scene", scene])
        .env("PATH", "")
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let s = Trace::parse(&output);
    assert!(s
        .events
        .iter()
        .any(|e| e["kind"] == "note" && e["text"].as_str().unwrap().starts_with("python3 is not on PATH")));
    assert!(!s.events.iter().any(|e| e["name"].as_str().is_some_and(|n| n.starts_with("cpython_"))));
    s.assert_nothing_left();
}

impl Trace {
    /// Parses NDJSON; every line must be an event with the contract's fields.
    pub fn parse(output: &Output) -> Trace {
        let text = String::from_utf8(output.stdout.clone()).expect("utf-8 stdout");
        let events: Vec<Value> =
            text.lines().map(|line| serde_json::from_str(line).expect("each line is JSON")).collect();
        for e in &events {
            for field in ["t", "lane", "pid", "kind", "text"] {
                assert!(e.get(field).is_some(), "event without {field}: {e}");
            }
        }
        Trace { events }
    }

    /// The events of scene `n` (from its `scene` event to the next).
    pub fn scene(&self, n: u64) -> Trace {
        let mut inside = false;
        let mut events = Vec::new();
        for e in &self.events {
            if e["kind"] == "scene" {
                inside = e["scene"] == n;
            } else if inside {
                events.push(e.clone());
            }
        }
        assert!(!events.is_empty(), "scene {n} is missing");
        Trace { events }
    }

    /// Position of the first event matching `pred`; panics with `what` if none.
    pub fn pos(&self, what: &str, pred: impl Fn(&Value) -> bool) -> usize {
        self.events.iter().position(pred).unwrap_or_else(|| panic!("no event: {what}\n{}", self.dump()))
    }

    /// Position of the first `say` of `text` by `lane`.
    pub fn said(&self, lane: &str, text: &str) -> usize {
        self.pos(&format!("{lane} says {text:?}"), |e| {
            e["kind"] == "say" && e["lane"] == lane && e["text"] == text
        })
    }

    /// Whether `lane` ever said `text`.
    pub fn ever_said(&self, lane: &str, text: &str) -> bool {
        self.events.iter().any(|e| e["kind"] == "say" && e["lane"] == lane && e["text"] == text)
    }

    /// The `exit` event of `lane`, and its position.
    pub fn exit_of(&self, lane: &str) -> (usize, &Value) {
        let i = self.pos(&format!("{lane} exits"), |e| e["kind"] == "exit" && e["lane"] == lane);
        (i, &self.events[i])
    }

    /// The positions of the events matching `pred`, in order.
    pub fn positions(&self, pred: impl Fn(&Value) -> bool) -> Vec<usize> {
        self.events.iter().enumerate().filter(|(_, e)| pred(e)).map(|(i, _)| i).collect()
    }

    /// Every `say` text of `lane`.
    pub fn lines_of(&self, lane: &str) -> Vec<String> {
        self.events
            .iter()
            .filter(|e| e["kind"] == "say" && e["lane"] == lane)
            .map(|e| e["text"].as_str().unwrap().to_string())
            .collect()
    }

    /// The value of the `measure` event named `name`.
    pub fn measure(&self, name: &str) -> f64 {
        let i = self.pos(name, |e| e["kind"] == "measure" && e["name"] == name);
        self.events[i]["value"].as_f64().expect("a measure has a value")
    }

    /// Every pid the trace announced with a `spawn` event.
    pub fn spawned_pids(&self) -> Vec<i32> {
        self.events
            .iter()
            .filter(|e| e["kind"] == "spawn")
            .map(|e| e["pid"].as_i64().unwrap() as i32)
            .collect()
    }

    /// No process the trace announced is alive or a zombie.
    pub fn assert_nothing_left(&self) {
        for pid in self.spawned_pids() {
            assert_gone(pid);
        }
    }

    fn dump(&self) -> String {
        self.events.iter().map(|e| e.to_string()).collect::<Vec<_>>().join("\n")
    }
}

/// `pid` is neither running nor a zombie (as far as one of ours could be: a
/// reused pid running something else is not ours).
pub fn assert_gone(pid: i32) {
    if let Ok(cmdline) = std::fs::read(format!("/proc/{pid}/cmdline")) {
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
        let is_ours = cmdline.windows(12).any(|w| w == b"concur-tutor") || stat.contains("(concur-tutor)");
        assert!(!is_ours, "process {pid} was left behind: {stat}");
    }
}

/// No process is left in process group `group` (running or a zombie).
pub fn assert_group_gone(group: i32) {
    for entry in std::fs::read_dir("/proc").expect("/proc").flatten() {
        let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else { continue };
        // Fields after the command name: state, ppid, pgrp, …
        let Some((_, rest)) = stat.rsplit_once(')') else { continue };
        let pgrp: Option<i32> = rest.split_whitespace().nth(2).and_then(|f| f.parse().ok());
        assert_ne!(pgrp, Some(group), "a process of the lesson's group was left behind: {stat}");
    }
}

/// The variable the tests mark a run's environment with. Every process the
/// run starts inherits it (CPython's helpers, a `sleep &` of a fake python3,
/// processes that left the group or were orphaned), so it finds them all.
pub const MARK_VARIABLE: &str = "CONCUR_TEST_RUN";

/// Puts a mark unique to this run in `command`'s environment, and returns it.
pub fn mark(command: &mut Command) -> String {
    static RUNS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let run = RUNS.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    let mark = format!("{}-{run}", std::process::id());
    command.env(MARK_VARIABLE, &mark);
    mark
}

/// The living processes whose environment carries `mark`, with their `stat` line.
pub fn marked(mark: &str) -> Vec<String> {
    let wanted = format!("{MARK_VARIABLE}={mark}");
    std::fs::read_dir("/proc")
        .expect("/proc")
        .flatten()
        .filter(|entry| entry.file_name().to_str().is_some_and(|name| name.parse::<u32>().is_ok()))
        .filter(|entry| {
            std::fs::read(entry.path().join("environ"))
                .is_ok_and(|env| env.split(|&b| b == 0).any(|var| var == wanted.as_bytes()))
        })
        .filter_map(|entry| std::fs::read_to_string(entry.path().join("stat")).ok())
        .collect()
}

/// No process of the run marked `mark` is left, once `grace` has passed for
/// those that end by themselves (children the kernel kills when the tutor
/// dies, by their death signal, take a moment). Returns how long it took.
pub fn assert_nothing_marked_left(mark: &str, grace: std::time::Duration) -> std::time::Duration {
    let start = std::time::Instant::now();
    loop {
        let left = marked(mark);
        if left.is_empty() {
            return start.elapsed();
        }
        assert!(start.elapsed() < grace, "left behind after {grace:?}:\n{}", left.join("\n"));
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
}

/// A folder of its own for one test, emptied first: a run's `TMPDIR`, say.
pub fn fresh_dir(name: &str) -> std::path::PathBuf {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("a test folder");
    dir
}

/// What is in folder `dir` (names).
pub fn entries(dir: &std::path::Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .map(|d| d.flatten().map(|e| e.file_name().to_string_lossy().into_owned()).collect())
        .unwrap_or_default()
}

/// Every `.rs` file under `path` (or `path` itself, a file).
pub fn rust_files(path: &Path) -> Vec<PathBuf> {
    if path.is_file() {
        return vec![path.to_path_buf()];
    }
    std::fs::read_dir(path)
        .unwrap()
        .flatten()
        .flat_map(|entry| rust_files(&entry.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "rs"))
        .collect()
}

/// The pids of `parent`'s children, living or zombies, read from `/proc`.
pub fn children_of(parent: i32) -> Vec<i32> {
    std::fs::read_dir("/proc")
        .expect("/proc")
        .flatten()
        .filter_map(|entry| entry.file_name().to_str()?.parse::<i32>().ok())
        .filter(|pid| {
            let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
            stat.rsplit_once(')').and_then(|(_, rest)| rest.split_whitespace().nth(1)?.parse::<i32>().ok())
                == Some(parent)
        })
        .collect()
}
