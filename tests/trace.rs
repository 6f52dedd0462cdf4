//! `concur-tutor trace`: Python programs of our own (tests/trace/), traced
//! with `--json`; the assertions read the lanes, who printed what, the exits
//! and the hang explanations, never times. Every run must leave no process
//! and no file behind. Skipped, saying so, when python3 is absent.

mod common;

use std::io::{BufRead, BufReader};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{assert_group_gone, bin, tutor, Trace};
use serde_json::Value;

const PROGRAMS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/trace");
/// The examples `--example` writes: the queue hang is one of them.
const EXAMPLES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/src/trace/examples");

/// Whether python3 is here; if not, says the test is skipped.
fn python() -> bool {
    common::python3("trace")
}

/// A private TMPDIR for one run, which must be empty after it.
fn tmpdir(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("trace-{name}"));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A finished trace: its events and the tutor's exit status.
struct Run {
    trace: Trace,
    code: i32,
}

/// `concur-tutor trace --json --hang-after 0.5 <args>`, run in a process group
/// of its own; checks that nothing it started is left.
fn trace(name: &str, args: &[&str]) -> Run {
    trace_in(name, args, Path::new(PROGRAMS))
}

fn trace_in(name: &str, args: &[&str], dir: &Path) -> Run {
    let tmp = tmpdir(name);
    let output = tutor()
        .current_dir(dir)
        .env("TMPDIR", &tmp)
        .args(["trace", "--json", "--hang-after", "0.5"])
        .args(args)
        .process_group(0)
        .stdin(Stdio::null())
        .output()
        .expect("run");
    let trace = Trace::parse(&output);
    let run = Run { code: output.status.code().unwrap_or(-1), trace };
    run.assert_nothing_left(&tmp);
    run
}

impl Run {
    fn events(&self) -> &[Value] {
        &self.trace.events
    }

    /// The pids of the program's processes.
    fn pids(&self) -> Vec<i32> {
        self.trace.spawned_pids()
    }

    fn assert_nothing_left(&self, tmp: &Path) {
        for pid in self.pids() {
            if let Ok(cmdline) = std::fs::read(format!("/proc/{pid}/cmdline")) {
                let cmdline = String::from_utf8_lossy(&cmdline);
                assert!(!cmdline.contains("python"), "process {pid} was left behind: {cmdline}");
            }
            assert_group_gone(pid);
        }
        let left: Vec<_> = std::fs::read_dir(tmp).unwrap().flatten().map(|e| e.path()).collect();
        assert!(left.is_empty(), "files left behind: {left:?}");
    }

    fn lanes(&self, kind: &str) -> Vec<String> {
        self.events()
            .iter()
            .filter(|e| e["kind"] == kind)
            .map(|e| e["lane"].as_str().unwrap().to_string())
            .collect()
    }

    /// The texts of the tutor's notes and warnings.
    fn told(&self) -> Vec<String> {
        self.events()
            .iter()
            .filter(|e| e["lane"] == "tutor" && (e["kind"] == "note" || e["kind"] == "warn"))
            .map(|e| e["text"].as_str().unwrap().to_string())
            .collect()
    }

    /// The one note or warning that contains every one of `words`.
    fn told_with(&self, words: &[&str]) -> String {
        let told = self.told();
        told.iter()
            .find(|t| words.iter().all(|w| t.contains(w)))
            .unwrap_or_else(|| panic!("nothing told with {words:?}:\n{}", told.join("\n")))
            .clone()
    }

    /// Where some lane said `text`.
    fn pos_said(&self, text: &str) -> usize {
        self.trace.pos(text, |e| e["kind"] == "say" && e["text"] == text)
    }

    fn exit(&self, lane: &str) -> &Value {
        self.trace.exit_of(lane).1
    }
}

#[test]
fn children_of_each_start_method_are_lanes_that_say_their_own_lines() {
    if !python() {
        return;
    }
    for (method, prefix) in
        [("fork", "ForkProcess"), ("spawn", "SpawnProcess"), ("forkserver", "ForkServerProcess")]
    {
        // A short name: forkserver's socket lives under it, and a socket's path has 107 bytes.
        let run = trace(&format!("c-{method}"), &["children.py", method]);
        assert_eq!(run.code, 0, "{method}");
        let main = run.events().iter().find(|e| e["kind"] == "spawn").unwrap();
        assert_eq!(main["lane"], "MainProcess");
        for n in [1, 2] {
            let lane = format!("{prefix}-{n}");
            let said = run.trace.said(&lane, &format!("child {n} says hello"));
            let (exit, event) = run.trace.exit_of(&lane);
            assert!(said < exit, "{lane} says before it exits");
            assert_eq!(event["code"], 0);
            let spawn = run.events().iter().find(|e| e["kind"] == "spawn" && e["lane"] == lane).unwrap();
            assert!(spawn["text"].as_str().unwrap().contains(&format!("with {method}")), "{spawn}");
            assert!(exit < run.trace.said("MainProcess", "parent done"), "joined before the end");
        }
        assert_eq!(run.exit("MainProcess")["code"], 0);
    }
}

#[test]
fn a_pool_of_each_method_has_its_workers_print() {
    if !python() {
        return;
    }
    for (method, prefix) in
        [("fork", "ForkPoolWorker"), ("spawn", "SpawnPoolWorker"), ("forkserver", "ForkServerPoolWorker")]
    {
        let run = trace(&format!("pool-{method}"), &["pool.py", method]);
        assert_eq!(run.code, 0, "{method}");
        let workers: Vec<&Value> = run
            .events()
            .iter()
            .filter(|e| e["kind"] == "say" && e["text"].as_str().unwrap().starts_with("square of"))
            .collect();
        assert_eq!(workers.len(), 4, "{method}");
        assert!(workers.iter().all(|e| e["lane"].as_str().unwrap().starts_with(prefix)), "{workers:?}");
        run.trace.said("MainProcess", "[0, 1, 4, 9]");
    }
}

#[test]
fn a_grandchild_is_followed_and_output_is_as_without_trace() {
    if !python() {
        return;
    }
    let run = trace("grandchild", &["grandchild.py"]);
    let child =
        run.events().iter().find(|e| e["kind"] == "spawn" && e["lane"] == "Process-1").unwrap().clone();
    let grandchild =
        run.events().iter().find(|e| e["kind"] == "spawn" && e["lane"] == "Process-1:1").unwrap();
    assert_eq!(grandchild["ppid"], child["pid"]);
    run.trace.said("Process-1:1", "grandchild here");
    let said: Vec<&str> =
        run.events().iter().filter(|e| e["kind"] == "say").map(|e| e["text"].as_str().unwrap()).collect();
    let plain = Command::new("python3").arg("grandchild.py").current_dir(PROGRAMS).output().unwrap();
    let plain: Vec<&str> = std::str::from_utf8(&plain.stdout).unwrap().lines().collect();
    assert_eq!(said, plain, "the same lines in the same order");
}

#[test]
fn a_daemon_child_is_terminated_when_main_ends() {
    if !python() {
        return;
    }
    let run = trace("daemon", &["daemon.py"]);
    assert_eq!(run.code, 0);
    let (exit, event) = run.trace.exit_of("Process-1");
    assert_eq!(event["signal"], "SIGTERM");
    assert!(run.trace.said("MainProcess", "main ends") < exit);
    assert!(!run.trace.ever_said("Process-1", "daemon never gets here"));
}

#[test]
fn the_queue_hang_is_explained_as_a_cycle_and_ended() {
    if !python() {
        return;
    }
    let run = trace_in("queue-hang", &["queue_deadlock.py"], Path::new(EXAMPLES));
    assert_eq!(run.code, 1, "a hang ended by the tutor");
    run.told_with(&["hang:", "MainProcess", "Process-1", "QueueFeederThread"]);
    run.told_with(&["MainProcess waits in p.join() (queue_deadlock.py:15) for Process-1"]);
    run.told_with(&["Process-1 cannot exit until its QueueFeederThread"]);
    run.told_with(&["QueueFeederThread waits to write", "pipe:[", "read only by MainProcess"]);
    run.told_with(&["cycle"]);
    run.told_with(&["Fix: get() before join()"]);
    for lane in ["MainProcess", "Process-1"] {
        assert_eq!(run.exit(lane)["signal"], "SIGKILL", "{lane}");
    }
}

#[test]
fn two_threads_deadlocked_on_two_locks_name_both_lines() {
    if !python() {
        return;
    }
    let run = trace("thread-locks", &["thread_locks.py"]);
    assert_eq!(run.code, 1);
    run.told_with(&[
        "waits in with lockB (thread_locks.py:12) for lockB, which Thread-2",
        "took at thread_locks.py:17",
    ]);
    run.told_with(&[
        "waits in with lockA (thread_locks.py:19) for lockA, which Thread-1",
        "took at thread_locks.py:10",
    ]);
    run.told_with(&["cycle"]);
    run.told_with(&["Fix: take the locks in the same order"]);
}

#[test]
fn two_processes_deadlocked_on_two_multiprocessing_locks() {
    if !python() {
        return;
    }
    for method in ["fork", "spawn"] {
        let run = trace(&format!("process-locks-{method}"), &["process_locks.py", method]);
        assert_eq!(run.code, 1, "{method}");
        let prefix = if method == "fork" { "ForkProcess" } else { "SpawnProcess" };
        run.told_with(&[
            &format!("{prefix}-1 waits in with second (process_locks.py:10) for lockB"),
            "took at process_locks.py:7",
        ]);
        run.told_with(&[
            &format!("{prefix}-2 waits in with second (process_locks.py:10) for lockA"),
            "took at process_locks.py:7",
        ]);
        run.told_with(&["cycle"]);
    }
}

#[test]
fn a_timeout_breaks_the_cycle_and_exit_waits_for_the_threads() {
    if !python() {
        return;
    }
    let run = trace("exit-join", &["exit_join.py"]);
    assert_eq!(run.code, 0);
    assert!(run.told().is_empty(), "no hang, no traceback: {:?}", run.told());
    let gave_up = run.pos_said("second gave up on lock A");
    assert!(gave_up < run.pos_said("first got both"));
    let timeout = run.events().iter().find(|e| e["mark"] == "timeout").expect("the acquire timed out");
    assert!(
        timeout["text"].as_str().unwrap().contains("lockA.acquire(timeout=0.3) (exit_join.py:20)"),
        "{timeout}"
    );
    let main_waits: Vec<&str> = run
        .events()
        .iter()
        .filter(|e| e["lane"] == "MainProcess" && e["state"] == "blocked")
        .map(|e| e["text"].as_str().unwrap())
        .collect();
    assert!(main_waits.iter().any(|w| w.starts_with("join() at exit waits for Thread-1")), "{main_waits:?}");
}

#[test]
fn a_get_nobody_feeds_is_a_wait_nobody_can_end() {
    if !python() {
        return;
    }
    let run = trace("nobody-feeds", &["nobody_feeds.py"]);
    assert_eq!(run.code, 1);
    run.told_with(&["MainProcess waits in q.get() (nobody_feeds.py:7)", "only MainProcess could write"]);
    run.told_with(&["Nobody can end this wait"]);
    assert_eq!(run.exit("MainProcess")["signal"], "SIGKILL");
}

#[test]
fn a_crash_is_a_warning_with_the_line_that_raised() {
    if !python() {
        return;
    }
    let run = trace("crash", &["crash.py"]);
    assert_eq!(run.code, 1, "the program's own status");
    let warns: Vec<&Value> = run.events().iter().filter(|e| e["kind"] == "warn").collect();
    let child = warns.iter().find(|e| e["lane"] == "Process-1").expect("the child's traceback");
    let text = child["text"].as_str().unwrap();
    assert!(text.contains("ZeroDivisionError") && text.contains("crash.py:6"), "{text}");
    assert!(!text.contains("sitecustomize"), "the agent stays out of tracebacks: {text}");
    let main = warns.iter().find(|e| e["lane"] == "MainProcess").expect("main's traceback");
    assert!(main["text"].as_str().unwrap().contains("crash.py:14"), "{main}");
    assert_eq!(run.exit("Process-1")["code"], 1);
    run.trace.said("MainProcess", "child exit code 1");
}

#[test]
fn a_child_of_os_fork_is_a_lane_with_its_exit_code() {
    if !python() {
        return;
    }
    let run = trace("os-fork", &["os_fork.py"]);
    assert_eq!(run.code, 0);
    run.trace.said("MainProcess#2", "in the forked child");
    assert_eq!(run.exit("MainProcess#2")["code"], 3);
    let spawn = run.events().iter().find(|e| e["kind"] == "spawn" && e["lane"] == "MainProcess#2").unwrap();
    assert!(spawn["text"].as_str().unwrap().contains("os.fork()"));
    run.trace.said("MainProcess", "parent done");
}

#[test]
fn an_example_is_written_once_and_its_threads_print_in_their_lanes() {
    if !python() {
        return;
    }
    let dir = tmpdir("example-folder");
    let write =
        || bin().current_dir(&dir).args(["trace", "--example", "producer-consumer"]).output().unwrap();
    assert!(write().status.success());
    let again = write();
    assert_eq!(again.status.code(), Some(2), "never overwrites");
    let run = trace_in("example", &["producer_consumer.py"], &dir);
    assert_eq!(run.code, 0);
    let says: Vec<(String, String)> = run
        .events()
        .iter()
        .filter(|e| e["kind"] == "say")
        .map(|e| (e["lane"].as_str().unwrap().to_string(), e["text"].as_str().unwrap().to_string()))
        .collect();
    assert_eq!(says.len(), 12, "{says:?}");
    for (lane, text) in &says {
        let who = if text.starts_with("produced") { "Thread-1" } else { "Thread-2" };
        assert!(lane.starts_with(who), "{lane}: {text}");
    }
    assert!(run.lanes("spawn").iter().any(|l| l.starts_with("Thread-1")));
}

#[test]
fn a_module_runs_with_dash_m() {
    if !python() {
        return;
    }
    let run = trace("module", &["-m", "children", "fork"]);
    assert_eq!(run.code, 0);
    run.trace.said("MainProcess", "parent done");
}

#[test]
fn a_swapped_stdout_behaves_as_without_trace_and_writes_past_it_are_seen() {
    if !python() {
        return;
    }
    let run = trace("swapped-stdout", &["replaced_stdout.py"]);
    assert_eq!(run.trace.lines_of("MainProcess"), ["before", "captured: hidden", "after"]);
    assert_eq!(run.trace.lines_of("stdout"), ["raw write"]);
}

#[test]
fn the_learner_s_own_sitecustomize_still_runs() {
    if !python() {
        return;
    }
    let tmp = tmpdir("own-site");
    let output = tutor()
        .current_dir(PROGRAMS)
        .env("TMPDIR", &tmp)
        .env("PYTHONPATH", Path::new(PROGRAMS).join("own_site"))
        .args(["trace", "--json", "os_fork.py"])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let run = Trace::parse(&output);
    // Once in the program; the forked child does not run it again.
    assert_eq!(
        run.lines_of("MainProcess").first().map(String::as_str),
        Some("the learner's sitecustomize ran")
    );
    run.said("MainProcess#2", "in the forked child");
}

#[test]
fn no_python_an_old_one_or_no_script_is_one_error_line_and_status_2() {
    let old = tmpdir("old-python").join("python3.7");
    std::fs::write(&old, "#!/bin/sh\necho 3 7\necho /usr/bin/python3.7\n").unwrap();
    std::fs::set_permissions(&old, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let old = old.to_str().unwrap();
    let runs: [&[&str]; 3] = [
        &["trace", "--python", "/nonexistent/python3", "x.py"],
        &["trace", "no-such-script.py"],
        &["trace", "--python", old, "os_fork.py"],
    ];
    for args in runs {
        let output = tutor().current_dir(PROGRAMS).args(args).output().unwrap();
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8(output.stderr).unwrap();
        assert!(err.starts_with("error: ") && err.lines().count() == 1, "{err}");
        if args.contains(&old) {
            assert!(err.contains("Python 3.7: trace needs 3.8 or newer"), "{err}");
        }
    }
}

#[test]
fn every_word_the_tutor_adds_has_its_chinese() {
    if !python() {
        return;
    }
    let tmp = tmpdir("zh");
    let output = tutor()
        .current_dir(EXAMPLES)
        .env("TMPDIR", &tmp)
        .args(["--lang", "zh", "trace", "--json", "--hang-after", "0.5", "queue_deadlock.py"])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let run = Trace::parse(&output);
    let tutor_s = run.events.iter().filter(|e| e["kind"] != "say" && e["kind"] != "scene");
    let english: Vec<String> = tutor_s
        .clone()
        .map(|e| e["text"].as_str().unwrap().to_string())
        .filter(|t| !t.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)))
        .collect();
    assert!(english.is_empty(), "without Chinese:\n{}", english.join("\n"));
    // Each by the pattern it was written from, not by a guess (see tests/i18n.rs).
    let guessed: Vec<&Value> = tutor_s.filter(|e| e["pattern"].is_null()).collect();
    assert!(guessed.is_empty(), "translated by a guess:\n{guessed:#?}");
}

/// Starts a trace whose stdout is read line by line, until `until` is among them.
fn start_until(name: &str, args: &[&str], until: &str) -> (std::process::Child, PathBuf, Vec<Value>) {
    let tmp = tmpdir(name);
    let mut child = tutor()
        .current_dir(EXAMPLES)
        .env("TMPDIR", &tmp)
        .args(["trace", "--json", "--hang-after", "0.5"])
        .args(args)
        .process_group(0)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut seen = Vec::new();
    for line in lines.by_ref() {
        let event: Value = serde_json::from_str(&line.unwrap()).unwrap();
        let found = event["text"].as_str().unwrap_or("").contains(until);
        seen.push(event);
        if found {
            break;
        }
    }
    std::thread::spawn(move || lines.for_each(drop));
    (child, tmp, seen)
}

/// Waits until no process of `pids` is left, or panics after a while.
fn all_gone(pids: &[i32]) {
    let deadline = Instant::now() + Duration::from_secs(10);
    for &pid in pids {
        while Path::new(&format!("/proc/{pid}")).exists() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(20));
        }
        assert!(!Path::new(&format!("/proc/{pid}")).exists(), "process {pid} was left behind");
    }
}

#[test]
fn ctrl_c_while_it_hangs_ends_everything() {
    if !python() {
        return;
    }
    let (mut child, tmp, seen) = start_until("ctrl-c", &["--keep-waiting", "queue_deadlock.py"], "hang:");
    let pids: Vec<i32> =
        seen.iter().filter(|e| e["kind"] == "spawn").map(|e| e["pid"].as_i64().unwrap() as i32).collect();
    nix::sys::signal::kill(nix::unistd::Pid::from_raw(child.id() as i32), nix::sys::signal::Signal::SIGINT)
        .unwrap();
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(130));
    all_gone(&pids);
    assert!(std::fs::read_dir(&tmp).unwrap().next().is_none(), "files left behind");
}

#[test]
fn a_killed_tutor_leaves_nothing_behind() {
    if !python() {
        return;
    }
    let (mut child, tmp, seen) = start_until("killed", &["--keep-waiting", "queue_deadlock.py"], "hang:");
    let pids: Vec<i32> =
        seen.iter().filter(|e| e["kind"] == "spawn").map(|e| e["pid"].as_i64().unwrap() as i32).collect();
    child.kill().unwrap();
    child.wait().unwrap();
    all_gone(&pids);
    let deadline = Instant::now() + Duration::from_secs(5);
    while std::fs::read_dir(&tmp).unwrap().next().is_some() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(std::fs::read_dir(&tmp).unwrap().next().is_none(), "files left behind");
}
