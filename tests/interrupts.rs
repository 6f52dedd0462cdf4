//! Interrupted anywhere, a lesson leaves nothing behind: lessons that fork,
//! spawn, pool, queue, deadlock, catch signals, serve a manager and run CPython are sent a signal at a random
//! moment (the interrupts a user sends, SIGKILL, and the other signals whose
//! default ends a process). Each must exit with 128 + the signal for SIGINT,
//! SIGTERM and SIGHUP, die of the signal itself for the others (or exit 0, if it
//! finished first), and no process it started, directly or not, may be left:
//! every process of the run carries a mark in its environment, so CPython's
//! helpers and anything that left the tutor's process group are found too. Nor
//! may anything be left in its `TMPDIR` (CPython's `pymp-*` folders).
//!
//! A short run by default; `CONCUR_INTERRUPTS=200 cargo test --test interrupts`
//! and `CONCUR_CPYTHON_KILLS=50` for the long ones.

mod common;

use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::process::{Child, Output, Stdio};
use std::time::{Duration, Instant};

use nix::sys::signal::{kill, Signal};
use nix::unistd::Pid;

use common::{assert_group_gone, assert_nothing_marked_left, bin, entries, fresh_dir, mark, marked, Trace};

const LESSONS: [&str; 12] = [
    "process-basics",
    "start-methods",
    "join-daemon",
    "signals",
    "pool-async",
    "queue",
    "queue-deadlock",
    "managers",
    "locks",
    "deadlock",
    "semaphores",
    "gil",
];
const SIGNALS: [Signal; 7] = [
    Signal::SIGINT,
    Signal::SIGTERM,
    Signal::SIGHUP,
    Signal::SIGKILL,
    Signal::SIGQUIT,
    Signal::SIGUSR1,
    Signal::SIGALRM,
];

fn runs(variable: &str, default: usize) -> usize {
    std::env::var(variable).ok().and_then(|n| n.parse().ok()).unwrap_or(default)
}

/// Starts `lesson <id> --json --speed 10 --quick`, marked, in a group of its
/// own, with `tmp` as its TMPDIR and no core files (SIGQUIT dumps core).
fn start(lesson: &str, tmp: &std::path::Path) -> (Child, String) {
    let mut command = bin();
    command
        .args(["lesson", lesson, "--json", "--speed", "10", "--quick"])
        .env("TMPDIR", tmp)
        .process_group(0)
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    // SAFETY: setrlimit is async-signal-safe; this runs between fork and exec.
    unsafe {
        command.pre_exec(|| {
            let none = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
            libc::setrlimit(libc::RLIMIT_CORE, &none);
            Ok(())
        });
    }
    let run = mark(&mut command);
    (command.spawn().unwrap(), run)
}

/// The tutor's exit is the one `signal` calls for (or 0: it finished first).
fn assert_ended_by(signal: Signal, output: &Output, what: &str) {
    let by_itself = output.status.code() == Some(0);
    let killed = output.status.signal() == Some(signal as i32);
    let exit_status = output.status.code() == Some(128 + signal as i32);
    let interrupt = matches!(signal, Signal::SIGINT | Signal::SIGTERM | Signal::SIGHUP);
    // Before the tutor installs its handlers (its first milliseconds) the
    // signal's default action ends it, as it does for the others.
    assert!(by_itself || killed || (interrupt && exit_status), "{what}");
}

/// Every process of run `run` gone, and its TMPDIR `tmp` empty. Returns how
/// long the last process took to go.
///
/// The tutor handles every signal but SIGKILL: it ends only once all are gone.
/// A SIGKILLed tutor's children die of their death signal a moment later, and
/// CPython's keeper sweeps below it: they get a grace of 5 s. Then only init
/// can reap them, so a zombie whose parent is pid 1 is init's, not ours (this
/// sandbox's pid 1 reaps late).
fn assert_nothing_left(
    run: &str,
    tmp: &std::path::Path,
    output: Output,
    group: i32,
    signal: Signal,
) -> Duration {
    let killed = signal == Signal::SIGKILL;
    let grace = if killed { Duration::from_secs(5) } else { Duration::from_millis(100) };
    // The trace may end mid-line; every whole event names a pid to check.
    let text = String::from_utf8_lossy(&output.stdout);
    let whole: String = text.lines().filter(|l| l.ends_with('}')).map(|l| format!("{l}\n")).collect();
    let trace = Trace::parse(&Output { stdout: whole.into_bytes(), ..output });
    let took = assert_nothing_marked_left(run, grace);
    if killed {
        let start = Instant::now();
        loop {
            let left: Vec<String> = ours(group)
                .into_iter()
                .filter(|(state, ppid, _)| !(*state == 'Z' && *ppid == 1))
                .map(|(_, _, stat)| stat)
                .collect();
            if left.is_empty() {
                break;
            }
            assert!(start.elapsed() < grace, "left behind after {grace:?}:\n{}", left.join("\n"));
            std::thread::sleep(Duration::from_millis(10));
        }
    } else {
        trace.assert_nothing_left();
        assert_group_gone(group);
    }
    assert_eq!(entries(tmp), Vec::<String>::new(), "left in TMPDIR");
    took
}

/// The processes in `group` (the tutor's, where its children stay): (state,
/// parent, the stat line).
fn ours(group: i32) -> Vec<(char, i32, String)> {
    std::fs::read_dir("/proc")
        .unwrap()
        .flatten()
        .filter_map(|entry| {
            entry.file_name().to_str()?.parse::<i32>().ok()?;
            let stat = std::fs::read_to_string(entry.path().join("stat")).ok()?;
            let mut fields = stat.rsplit_once(')')?.1.split_whitespace();
            let state = fields.next()?.chars().next()?;
            let ppid: i32 = fields.next()?.parse().ok()?;
            let pgrp: i32 = fields.next()?.parse().ok()?;
            (pgrp == group).then_some((state, ppid, stat))
        })
        .collect()
}

#[test]
fn interrupted_at_random_moments_every_lesson_cleans_up() {
    let runs = runs("CONCUR_INTERRUPTS", 14);
    let mut rng =
        fastrand::Rng::with_seed(std::env::var("CONCUR_SEED").map_or(7, |s| s.parse().unwrap_or(7)));
    let tmp = fresh_dir("interrupts-tmp");
    let (mut interrupted, mut finished) = (0, 0);
    for n in 0..runs {
        let lesson = LESSONS[rng.usize(..LESSONS.len())];
        let signal = SIGNALS[rng.usize(..SIGNALS.len())];
        let delay = Duration::from_millis(rng.u64(20..600));
        let (child, run) = start(lesson, &tmp);
        let group = child.id() as i32;
        std::thread::sleep(delay);
        let _ = kill(Pid::from_raw(group), signal);
        let output = child.wait_with_output().unwrap();
        let what = format!("run {n}: {lesson}, {signal:?} after {delay:?}: {:?}", output.status);
        assert_ended_by(signal, &output, &what);
        if output.status.code() == Some(0) {
            finished += 1;
        } else {
            interrupted += 1;
        }
        assert_nothing_left(&run, &tmp, output, group, signal);
    }
    eprintln!("{runs} runs: {interrupted} interrupted, {finished} finished first; processes left: 0");
}

/// Whether a python3 of run `run` is running now.
fn cpython_runs(run: &str) -> bool {
    marked(run).iter().any(|stat| stat.contains("(python3)"))
}

#[test]
fn killed_while_cpython_runs_nothing_of_cpython_is_left() {
    if std::process::Command::new("python3").arg("--version").output().is_err() {
        eprintln!("skipped: no python3 on PATH");
        return;
    }
    let runs = runs("CONCUR_CPYTHON_KILLS", 6);
    let mut rng = fastrand::Rng::with_seed(11);
    let tmp = fresh_dir("cpython-kills-tmp");
    let signals = [Signal::SIGKILL, Signal::SIGTERM, Signal::SIGINT];
    let mut caught = 0;
    let mut slowest = Duration::ZERO;
    for n in 0..runs {
        let lesson = ["start-methods", "gil", "costs"][n % 3];
        let signal = signals[(n / 3) % signals.len()];
        let (child, run) = start(lesson, &tmp);
        let group = child.id() as i32;
        let give_up = Instant::now() + Duration::from_secs(60);
        while !cpython_runs(&run) && Instant::now() < give_up {
            std::thread::sleep(Duration::from_millis(5));
        }
        // Somewhere in CPython's run: at its start, among its helpers, or at its end.
        std::thread::sleep(Duration::from_millis(rng.u64(0..100)));
        caught += usize::from(cpython_runs(&run));
        let _ = kill(Pid::from_raw(group), signal);
        let output = child.wait_with_output().unwrap();
        let what = format!("run {n}: {lesson}, {signal:?}: {:?}", output.status);
        assert_ended_by(signal, &output, &what);
        slowest = slowest.max(assert_nothing_left(&run, &tmp, output, group, signal));
    }
    eprintln!(
        "{runs} runs killed while CPython ran ({caught} with python3 alive at the signal); left: 0; \
         the last process gone at most {slowest:?} after the tutor"
    );
}

#[test]
fn an_interrupted_svg_run_leaves_neither_the_file_nor_a_temporary_one() {
    let dir = fresh_dir("svg-interrupted");
    for signal in [Signal::SIGINT, Signal::SIGKILL, Signal::SIGQUIT] {
        let child = bin()
            .args(["lesson", "join-daemon", "--json", "--speed", "10", "--svg"])
            .arg(dir.join("t.svg"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(200));
        let _ = kill(Pid::from_raw(child.id() as i32), signal);
        child.wait_with_output().unwrap();
        assert_eq!(entries(&dir), Vec::<String>::new(), "{signal:?}");
    }
    let done = bin()
        .args(["lesson", "globals", "--json", "--speed", "10", "--svg"])
        .arg(dir.join("t.svg"))
        .output()
        .unwrap();
    assert!(done.status.success());
    assert_eq!(entries(&dir), ["t.svg"]);
}
