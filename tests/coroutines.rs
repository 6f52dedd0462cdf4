//! Lesson coroutines, on its `--json` trace (quick, at `SPEED`): gather's
//! coroutines overlap on one thread; blocking sleeps run one after another
//! while the heartbeat is kept waiting; both fixes overlap again; the cancelled
//! loser cleans up before the scene ends; and on a current-thread runtime no
//! two task lanes are ever running at once. Orders and counts only: the
//! figures are the lesson's output and the bench's job.
//!
//! `CONCUR_PYTHON=1 cargo test --test coroutines` also runs the Python each
//! scene shows in CPython and checks that it prints the lesson's lines.

mod common;

use std::process::Command;
use std::sync::OnceLock;

use common::{assert_skips_cpython_without_python3, run_lesson, Trace};
use concur_tutor::events::{Event, Sink};
use concur_tutor::stage::{Clock, Recorder, Stage};
use serde_json::Value;

/// The whole lesson, quick, run once for every test here.
fn lesson() -> &'static Trace {
    static TRACE: OnceLock<Trace> = OnceLock::new();
    TRACE.get_or_init(|| run_lesson("coroutines", &["--quick"]))
}

/// A task lane's life: when it was first polled, when it ended, how.
#[derive(Debug)]
struct Life {
    lane: String,
    first_poll: f64,
    end: f64,
    exit: Value,
}

/// Every task lane's lives in `scene`, in the order they ended. A task lane is
/// one whose `running` states name the thread (`tid`).
fn lives(scene: &Trace) -> Vec<Life> {
    let mut alive: Vec<(String, f64)> = Vec::new();
    let mut lives = Vec::new();
    for e in &scene.events {
        let lane = e["lane"].as_str().unwrap();
        if e["kind"] == "state" && e["state"] == "running" && e.get("tid").is_some() {
            if !alive.iter().any(|(l, _)| l == lane) {
                alive.push((lane.to_string(), e["t"].as_f64().unwrap()));
            }
        } else if e["kind"] == "exit" {
            if let Some(i) = alive.iter().position(|(l, _)| l == lane) {
                let (lane, first_poll) = alive.remove(i);
                lives.push(Life { lane, first_poll, end: e["t"].as_f64().unwrap(), exit: e.clone() });
            }
        }
    }
    assert!(alive.is_empty(), "task lanes that never ended: {alive:?}");
    lives
}

/// The lives of `lanes`, in that order, from the `nth` run of the scene (a
/// scene that runs its program twice has each lane twice).
fn of<'l>(lives: &'l [Life], lanes: &[&str], nth: usize) -> Vec<&'l Life> {
    lanes
        .iter()
        .map(|lane| {
            lives
                .iter()
                .filter(|l| l.lane == *lane)
                .nth(nth)
                .unwrap_or_else(|| panic!("no run {nth} of {lane}"))
        })
        .collect()
}

/// All of `lives` were under way at one moment.
fn overlapped(lives: &[&Life]) -> bool {
    let latest_start = lives.iter().map(|l| l.first_poll).fold(f64::MIN, f64::max);
    let earliest_end = lives.iter().map(|l| l.end).fold(f64::MAX, f64::min);
    latest_start < earliest_end
}

/// Each of `lives` was first polled only after the one before it had ended.
fn one_after_another(lives: &[&Life]) -> bool {
    lives.windows(2).all(|pair| pair[1].first_poll >= pair[0].end)
}

/// The threads that polled lane `lane` in `scene`.
fn threads_of(scene: &Trace, lane: &str) -> Vec<i64> {
    let mut threads: Vec<i64> = scene
        .events
        .iter()
        .filter(|e| e["lane"] == lane && e["state"] == "running")
        .filter_map(|e| e["tid"].as_i64())
        .collect();
    threads.sort();
    threads.dedup();
    threads
}

/// The most task lanes in `running` at once, read from the state and exit events.
fn most_running_at_once(events: &[Value]) -> usize {
    let mut running: Vec<&str> = Vec::new();
    let mut most = 0;
    for e in events {
        let lane = e["lane"].as_str().unwrap();
        if e["kind"] == "state" && e["state"] == "running" && e.get("tid").is_some() {
            if !running.contains(&lane) {
                running.push(lane);
            }
            most = most.max(running.len());
        } else if e["kind"] == "state" || e["kind"] == "exit" {
            running.retain(|l| *l != lane);
        }
    }
    most
}

#[test]
fn the_notes_coroutine_runs_only_when_polled() {
    let s = lesson().scene(1);
    assert_eq!(s.lines_of("coroutine"), ["Coroutine is running", "Coroutine is done"]);
    let life = &lives(&s)[0];
    assert_eq!(life.exit["code"], 0);
    // Running, then asleep in the timer, then ready, then running again.
    let states: Vec<&str> = s
        .events
        .iter()
        .filter(|e| e["lane"] == "coroutine" && e["kind"] == "state")
        .map(|e| e["state"].as_str().unwrap())
        .collect();
    assert_eq!(states, ["blocked", "running", "sleeping", "blocked", "running"]);
}

#[test]
fn gathered_coroutines_overlap_on_one_thread() {
    let s = lesson().scene(2);
    let lives = lives(&s);
    assert!(overlapped(&of(&lives, &["coro-1", "coro-2", "coro-3"], 0)), "{lives:#?}");
    let threads: Vec<Vec<i64>> = ["coro-1", "coro-2", "coro-3"].iter().map(|l| threads_of(&s, l)).collect();
    assert_eq!(threads[0].len(), 1, "{threads:?}");
    assert!(threads.iter().all(|t| *t == threads[0]), "{threads:?}");
    // The thread each says it runs on is the one its polls reported, main's own.
    let main_pid = s.events.iter().find(|e| e["lane"] == "main").unwrap()["pid"].as_i64().unwrap();
    assert_eq!(threads[0], [main_pid]);
    for n in 1..=3 {
        s.said(&format!("coro-{n}"), &format!("coroutine {n} is running on thread {main_pid}"));
    }
    // All three start before any is done, and they finish in the Python's order.
    let last_start = s.said("coro-3", &format!("coroutine 3 is running on thread {main_pid}"));
    assert!(last_start < s.said("coro-1", "coroutine 1 is done"));
    assert!(s.said("coro-1", "coroutine 1 is done") < s.said("coro-2", "coroutine 2 is done"));
    assert!(s.said("coro-2", "coroutine 2 is done") < s.said("coro-3", "coroutine 3 is done"));
}

#[test]
fn awaiting_in_a_loop_is_serial_and_spawning_first_is_not() {
    let s = lesson().scene(3);
    let lives = lives(&s);
    assert!(one_after_another(&of(&lives, &["coro-1", "coro-2", "coro-3"], 0)), "{lives:#?}");
    assert!(overlapped(&of(&lives, &["task-1", "task-2", "task-3"], 0)), "{lives:#?}");
    // Three 1 s sleeps in a row: never less than 3 s of lesson time.
    assert!(s.measure("await_in_a_loop") >= 2.9);
    assert!(s.measure("spawn_first") > 0.0);
}

#[test]
fn a_blocking_sleep_serialises_the_tasks_and_keeps_the_heartbeat_waiting() {
    let s = lesson().scene(4);
    let lives = lives(&s);
    let tasks = of(&lives, &["task-1", "task-2", "task-3"], 0);
    assert!(one_after_another(&tasks), "{lives:#?}");
    // Blocking sleeps are never shorter than asked: three of 1 s, back to back,
    // while the heartbeat's first tick was due 0.1 s in.
    assert!(s.measure("blocking") >= 2.9, "{}", s.measure("blocking"));
    assert!(s.measure("heartbeat_late_blocking") >= 2.5, "{}", s.measure("heartbeat_late_blocking"));
    // The heartbeat was polled before the first task blocked the thread, and
    // not again until the last one had let go of it.
    let beat = threads_of(&s, "heartbeat");
    assert_eq!(beat.len(), 1);
    let polls: Vec<f64> = s
        .events
        .iter()
        .filter(|e| e["lane"] == "heartbeat" && e["state"] == "running")
        .map(|e| e["t"].as_f64().unwrap())
        .collect();
    assert!(polls[0] <= tasks[0].first_poll && polls[1] >= tasks[2].end, "{polls:?}");
}

#[test]
fn both_fixes_overlap_the_three_again() {
    let s = lesson().scene(5);
    let lives = lives(&s);
    for fix in 0..2 {
        assert!(overlapped(&of(&lives, &["task-1", "task-2", "task-3"], fix)), "fix {}: {lives:#?}", fix + 1);
    }
    // Fix 2's tasks wait for the blocking pool's threads, blocked, not asleep.
    let waits = s.events.iter().filter(|e| e["lane"] == "task-1" && e["text"] == "spawn_blocking").count();
    assert_eq!(waits, 1);
    assert!(s.measure("fix_sleep") > 0.0 && s.measure("fix_spawn_blocking") > 0.0);
}

#[test]
fn the_timeout_and_the_race_cancel_slow_and_its_cleanup_runs_before_the_scene_ends() {
    let s = lesson().scene(6);
    let lives = lives(&s);
    let slow: Vec<&Life> = lives.iter().filter(|l| l.lane == "slow").collect();
    assert_eq!(slow.len(), 2);
    for life in &slow {
        assert_eq!(life.exit["signal"], "cancelled", "{life:?}");
    }
    let fast = lives.iter().find(|l| l.lane == "fast").unwrap();
    assert_eq!(fast.exit["code"], 0);
    assert!(!s.ever_said("slow", "slow: finished"));
    let said: Vec<(&str, &str)> = s
        .events
        .iter()
        .filter(|e| e["kind"] == "say")
        .map(|e| (e["lane"].as_str().unwrap(), e["text"].as_str().unwrap()))
        .collect();
    assert_eq!(
        said,
        [
            ("slow", "slow: started"),
            ("slow", "slow: cleaning up"),
            ("main", "wait_for: timed out after 1 s"),
            ("slow", "slow: started"),
            ("fast", "fast: finished"),
            ("slow", "slow: cleaning up"),
            ("main", "race over"),
        ]
    );
    // Each cleanup line comes before the exit that reports the cancellation.
    let cleanups = s.positions(|e| e["kind"] == "say" && e["text"] == "slow: cleaning up");
    let exits = s.positions(|e| e["kind"] == "exit" && e["lane"] == "slow");
    assert!(cleanups.iter().zip(&exits).all(|(c, x)| c < x), "{cleanups:?} {exits:?}");
}

#[test]
fn the_scale_scene_measures_tasks_and_threads() {
    let s = lesson().scene(7);
    for name in
        ["tasks_start", "tasks_memory", "threads_start", "threads_memory", "tasks_done", "threads_done"]
    {
        assert!(s.measure(name) > 0.0, "{name}");
    }
    // Quick: a thousand of each.
    assert!(s.events.iter().any(|e| e["text"].as_str().unwrap().starts_with("1000 tasks: all started")));
}

#[test]
fn on_a_current_thread_runtime_no_two_task_lanes_run_at_once() {
    let trace = lesson();
    for n in [1, 2, 3, 4, 5, 6, 9] {
        let s = trace.scene(n);
        assert_eq!(most_running_at_once(&s.events), 1, "scene {n}");
    }
    // Scene 8 runs its tasks on a multi-thread runtime, then on a current-thread one.
    let s = trace.scene(8);
    let second = s.positions(|e| e["lane"] == "main" && e["text"] == "block_on")[1];
    let current_thread = &s.events[second..];
    assert_eq!(most_running_at_once(current_thread), 1);
    let mut threads: Vec<i64> = current_thread.iter().filter_map(|e| e["tid"].as_i64()).collect();
    threads.dedup();
    assert_eq!(threads.len(), 1, "{threads:?}");
}

#[test]
fn a_cpu_bound_job_inline_keeps_the_heartbeat_from_its_polls() {
    let s = lesson().scene(9);
    assert_eq!(s.lines_of("crunch"), ["job done (inline)", "job done (thread)", "job done (cores)"]);
    // Inline: the poll that runs the job lasts until the lane's end, and the
    // heartbeat is not polled meanwhile.
    let first_exit = s.exit_of("crunch").0;
    let job_poll = s.events[..first_exit]
        .iter()
        .rposition(|e| e["lane"] == "crunch" && e["state"] == "running")
        .unwrap();
    assert!(!s.events[job_poll..first_exit].iter().any(|e| e["kind"] == "state" && e["lane"] != "crunch"));
    // Elsewhere, the lane waits for the job: on a blocking-pool thread, then on rayon's channel.
    for wait in ["spawn_blocking", "a channel"] {
        assert!(s.events.iter().any(|e| e["lane"] == "crunch" && e["text"] == wait), "{wait}");
    }
    for name in ["cpu_inline", "cpu_spawn_blocking", "cpu_rayon"] {
        assert!(s.measure(name) >= 0.0, "{name}");
    }
}

/// Discards events: the next test looks at threads, not at what was said.
struct Silent;

impl Sink for Silent {
    fn event(&mut self, _: &Event) -> std::io::Result<()> {
        Ok(())
    }
}

/// The names of this process's threads that a tokio runtime started.
fn runtime_threads() -> Vec<String> {
    std::fs::read_dir("/proc/self/task")
        .unwrap()
        .flatten()
        .filter_map(|task| std::fs::read_to_string(task.path().join("comm")).ok())
        .filter(|name| name.starts_with("tokio-"))
        .collect()
}

/// block_on returns only once its runtime is gone, worker and blocking
/// threads included: nothing of it is left when the next scene forks.
#[test]
fn a_runtime_leaves_no_thread_behind() {
    let mut stage =
        Stage::new(Clock::start(10.0).unwrap(), std::sync::Arc::new(Recorder::new(Box::new(Silent))));
    let slept = stage
        .block_on_workers(2, |tasks| async move {
            let lane = tasks.lane("t", |t| async move { t.spawn_blocking(|t| t.block_sleep(0.1)).await });
            tokio::spawn(lane).await.unwrap();
            runtime_threads().len()
        })
        .unwrap();
    assert!(slept >= 2, "the runtime's threads were there: {slept}");
    assert_eq!(runtime_threads(), Vec::<String>::new());
    stage.block_on(|tasks| tasks.lane("u", |t| async move { t.spawn_blocking(|_| ()).await })).unwrap();
    assert_eq!(runtime_threads(), Vec::<String>::new());
}

fn python3() -> bool {
    Command::new("python3").arg("--version").output().is_ok_and(|o| o.status.success())
}

#[test]
fn cpython_stands_beside_when_present_and_is_skipped_cleanly_when_not() {
    if python3() {
        let trace = lesson();
        for (scene, name) in [(2, "cpython_gather"), (4, "cpython_blocking"), (7, "cpython_coroutines_start")]
        {
            assert!(trace.scene(scene).measure(name) > 0.0, "{name}");
        }
        assert!(trace.scene(4).measure("cpython_blocking") >= 2.9);
    }
    assert_skips_cpython_without_python3("coroutines", "2");
}

/// `text` with every number in it replaced by `N`: thread ids differ from run to run.
fn masked(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars() {
        if !c.is_ascii_digit() {
            out.push(c);
        } else if !out.ends_with('N') {
            out.push('N');
        }
    }
    out
}

/// The long form (`CONCUR_PYTHON=1`): every scene's Python, as `show` displays
/// it, run in CPython, prints the lines the lesson's lanes say, in the same
/// order (a multi-thread runtime may order one step's lines differently).
#[test]
fn the_python_each_scene_shows_prints_the_lesson_s_lines() {
    if std::env::var_os("CONCUR_PYTHON").is_none() || !python3() {
        return;
    }
    let data = concur_tutor::catalogue::find("coroutines").unwrap();
    let runs: Vec<_> = data
        .scenes
        .iter()
        .map(|scene| {
            Command::new("python3")
                .args(["-c", &scene.python])
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::null())
                .spawn()
                .expect("python3 runs")
        })
        .collect();
    for (n, run) in runs.into_iter().enumerate() {
        let output = run.wait_with_output().unwrap();
        assert!(output.status.success(), "scene {}", n + 1);
        let mut python: Vec<String> = String::from_utf8(output.stdout).unwrap().lines().map(masked).collect();
        let mut ours: Vec<String> = lesson()
            .scene(n as u64 + 1)
            .events
            .iter()
            .filter(|e| e["kind"] == "say")
            .map(|e| masked(e["text"].as_str().unwrap()))
            .collect();
        if n + 1 == 8 {
            python.sort();
            ours.sort();
        }
        assert_eq!(ours, python, "scene {}", n + 1);
    }
}
