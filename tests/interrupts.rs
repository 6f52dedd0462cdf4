//! Interrupted anywhere, a lesson leaves nothing behind: lessons that fork,
//! spawn, pool, queue, deadlock, catch signals and serve a manager are sent
//! SIGINT, SIGTERM or SIGHUP at a random moment; each must exit with 128 + the
//! signal (or 0, if it finished first), and no process of its group may be
//! left, running or a zombie.
//!
//! A short run by default; `CONCUR_INTERRUPTS=200 cargo test --test interrupts`
//! for the long one.

mod common;

use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::process::Stdio;
use std::time::Duration;

use nix::sys::signal::{kill, Signal};
use nix::unistd::Pid;

use common::{assert_group_gone, bin, Trace};

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
const SIGNALS: [Signal; 3] = [Signal::SIGINT, Signal::SIGTERM, Signal::SIGHUP];

#[test]
fn interrupted_at_random_moments_every_lesson_cleans_up() {
    let runs: usize = std::env::var("CONCUR_INTERRUPTS").ok().and_then(|n| n.parse().ok()).unwrap_or(12);
    let mut rng =
        fastrand::Rng::with_seed(std::env::var("CONCUR_SEED").map_or(7, |s| s.parse().unwrap_or(7)));
    let (mut interrupted, mut finished) = (0, 0);
    for run in 0..runs {
        let lesson = LESSONS[rng.usize(..LESSONS.len())];
        let signal = SIGNALS[rng.usize(..SIGNALS.len())];
        let delay = Duration::from_millis(rng.u64(20..600));
        let child = bin()
            .args(["lesson", lesson, "--json", "--speed", "10", "--quick"])
            .process_group(0)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let group = child.id() as i32;
        std::thread::sleep(delay);
        let _ = kill(Pid::from_raw(group), signal);
        let output = child.wait_with_output().unwrap();
        let code = output.status.code();
        let what = format!("run {run}: {lesson}, {signal:?} after {delay:?}: {:?}", output.status);
        // Before the tutor installs its handlers (its first milliseconds) the signal's
        // default action ends it: the shell shows 128 + signal for that too.
        let killed_outright = output.status.signal() == Some(signal as i32);
        assert!(code == Some(128 + signal as i32) || code == Some(0) || killed_outright, "{what}");
        if code == Some(0) {
            finished += 1;
        } else {
            interrupted += 1;
        }
        // The trace may end mid-line; every whole event names a pid to check.
        let text = String::from_utf8_lossy(&output.stdout);
        let whole: String = text.lines().filter(|l| l.ends_with('}')).map(|l| format!("{l}\n")).collect();
        let trace = Trace::parse(&std::process::Output { stdout: whole.into_bytes(), ..output });
        trace.assert_nothing_left();
        assert_group_gone(group);
    }
    eprintln!("{runs} runs: {interrupted} interrupted, {finished} finished first; processes left: 0");
}
