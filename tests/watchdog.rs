//! The watchdog's detections, through the library: a child that is stopped, a
//! lock whose owner died holding it, a pool worker that died with its task.
//! Each is a wait that would never end by itself; each is named.

use std::sync::Arc;

use concur_tutor::events::{Event, Sink};
use concur_tutor::stage::{dead_owner, is_dead, is_stopped, Clock, Hopeless, Recorder, SharedLock, Stage};
use nix::sys::signal::{kill, Signal};
use nix::unistd::Pid;

/// Discards events: these tests ask the Stage directly.
struct Silent;

impl Sink for Silent {
    fn event(&mut self, _: &Event) -> std::io::Result<()> {
        Ok(())
    }
}

fn stage() -> Stage {
    Stage::new(Clock::start(100.0).expect("a clock"), Arc::new(Recorder::new(Box::new(Silent))))
}

/// Sleeps (reading the children's pipes) in small steps until `done` holds;
/// panics after 10 real seconds.
fn until(stage: &mut Stage, what: &str, done: impl Fn(&mut Stage) -> bool) {
    for _ in 0..1000 {
        if done(stage) {
            return;
        }
        stage.sleep(1.0);
    }
    panic!("never: {what}");
}

#[test]
fn a_stopped_child_is_named_and_a_running_one_is_not() {
    let mut stage = stage();
    let p = stage.process("p1", |lane| lane.sleep(10_000.0)).start().unwrap();
    assert_eq!(stage.stopped_child(&[p]), None);
    let pid = stage.pid_of(p);
    kill(Pid::from_raw(pid), Signal::SIGSTOP).unwrap();
    until(&mut stage, "p1 seen stopped", |stage| stage.stopped_child(&[p]).is_some());
    assert_eq!(stage.stopped_child(&[p]), Some(Hopeless::Stopped { name: "p1".into(), pid }));
    assert!(is_stopped(pid) && !is_dead(pid));
    kill(Pid::from_raw(pid), Signal::SIGCONT).unwrap();
    until(&mut stage, "p1 running again", |_| !is_stopped(pid));
    stage.kill(p);
    assert!(is_dead(pid));
}

#[test]
fn a_lock_whose_owner_died_holding_it_is_named() {
    let mut stage = stage();
    let lock = SharedLock::new().unwrap();
    assert_eq!(dead_owner(&lock), None);
    let l = &lock;
    let p = stage.process("p1", move |_| std::mem::forget(l.lock())).start().unwrap();
    let pid = stage.pid_of(p);
    stage.join(p);
    assert_eq!(dead_owner(&lock), Some(pid));
    assert_eq!(
        stage.lock_of_the_dead(&[("lock", &lock)]),
        Some(Hopeless::OwnerDied { lock: "lock".into(), pid })
    );
}

#[test]
fn a_worker_that_died_with_its_task_is_named() {
    let mut stage = stage();
    let mut pool = stage
        .pool(1, |_, die: bool| {
            if die {
                // SAFETY: raise(3) ends this forked worker, which is the point.
                unsafe { libc::raise(libc::SIGKILL) };
            }
            1
        })
        .unwrap();
    assert_eq!(pool.apply(&mut stage, false), 1);
    assert_eq!(stage.lost_task(), None, "a finished task is not lost");
    let result = pool.apply_async(&mut stage, true);
    until(&mut stage, "the worker's end seen", |stage| stage.active_children().is_empty());
    match stage.lost_task() {
        Some(Hopeless::TaskLost { worker, .. }) => assert_eq!(worker, "worker-1"),
        other => panic!("no lost task: {other:?}"),
    }
    assert!(result.done(&stage).is_none());
}

#[test]
fn each_detection_is_said_in_chinese_too() {
    let said = [
        Hopeless::Stopped { name: "p1".into(), pid: 7 },
        Hopeless::OwnerDied { lock: "lock".into(), pid: 7 },
        Hopeless::TaskLost { task: 3, worker: "worker-1".into(), pid: 7 },
    ];
    for hopeless in said {
        let warning = hopeless.warning().text;
        let zh = concur_tutor::i18n::translate(&warning);
        assert!(zh.is_some_and(|zh| zh.starts_with("看门狗")), "{warning}");
    }
}

/// Runs `lesson <id> --scene <scene> --json`, and the moment an event matches
/// `at`, sends `signal` to the pid of that event's lane. The run must end by
/// itself, with status 0 and nothing left; returns its events.
fn disturbed(
    id: &str,
    scene: &str,
    signal: Signal,
    at: impl Fn(&serde_json::Value) -> bool,
) -> Vec<serde_json::Value> {
    use std::io::{BufRead, BufReader};
    use std::os::unix::process::CommandExt;
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_concur-tutor"))
        .env("XDG_STATE_HOME", concat!(env!("CARGO_TARGET_TMPDIR"), "/state"))
        .args(["lesson", id, "--scene", scene, "--json", "--speed", "10"])
        .process_group(0)
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let group = child.id() as i32;
    let mut events = Vec::new();
    let mut sent = false;
    for line in BufReader::new(child.stdout.take().unwrap()).lines() {
        let event: serde_json::Value = serde_json::from_str(&line.unwrap()).unwrap();
        if !sent && at(&event) {
            kill(Pid::from_raw(event["pid"].as_i64().unwrap() as i32), signal).unwrap();
            sent = true;
        }
        events.push(event);
    }
    assert!(sent, "the moment never came");
    assert!(child.wait().unwrap().success());
    let left = std::fs::read_dir("/proc").unwrap().flatten().any(|entry| {
        let stat = std::fs::read_to_string(entry.path().join("stat")).unwrap_or_default();
        stat.rsplit_once(')').and_then(|(_, rest)| rest.split_whitespace().nth(2)?.parse::<i32>().ok())
            == Some(group)
    });
    assert!(!left, "a process of the run was left behind");
    events
}

fn warned(events: &[serde_json::Value], words: &str) -> bool {
    events.iter().any(|e| e["kind"] == "warn" && e["text"].as_str().unwrap().contains(words))
}

/// A child stopped while main joins it: named, the scene ended, the lesson done.
#[test]
fn a_stopped_child_ends_the_scene_with_its_name_instead_of_a_silent_hang() {
    let events = disturbed("join-daemon", "1", Signal::SIGSTOP, |e| e["kind"] == "say" && e["lane"] == "p1");
    assert!(warned(&events, "p1 (pid"), "no word of the stopped child");
    assert!(warned(&events, "is stopped"));
}

/// A pool worker killed in the middle of its task: its result will never come.
#[test]
fn a_pool_worker_killed_with_its_task_is_named() {
    let events =
        disturbed("pool-async", "1", Signal::SIGKILL, |e| e["kind"] == "say" && e["lane"] == "worker-1");
    assert!(warned(&events, "in the middle of task"), "no word of the lost task");
}

/// A process killed while it holds the shared lock, with another waiting for
/// it: the first to print holds it (each adds five times under the lock).
#[test]
fn a_lock_whose_owner_was_killed_is_named() {
    let adder = |e: &serde_json::Value| e["kind"] == "say" && (e["lane"] == "p1" || e["lane"] == "p2");
    let events = disturbed("locks", "2", Signal::SIGKILL, adder);
    assert!(warned(&events, "which has died"), "no word of the dead owner");
}
