//! Shared by the benches: a silent stage, medians, CPython runs, and the table.
#![allow(dead_code)] // each bench uses a different part

use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

use concur_tutor::events::{Event, Sink};
use concur_tutor::stage::{Clock, Recorder, Stage};

/// Discards events: a bench measures the machinery, not the terminal.
struct Silent;

impl Sink for Silent {
    fn event(&mut self, _: &Event) -> std::io::Result<()> {
        Ok(())
    }
}

/// A stage at real speed whose events go nowhere.
pub fn silent_stage() -> Stage {
    Stage::new(Clock::start(1.0).expect("a clock"), Arc::new(Recorder::new(Box::new(Silent))))
}

/// The median of `runs` timings of `f`.
pub fn median(runs: usize, mut f: impl FnMut()) -> Duration {
    let mut times: Vec<Duration> = (0..runs)
        .map(|_| {
            let start = Instant::now();
            f();
            start.elapsed()
        })
        .collect();
    times.sort();
    times[runs / 2]
}

/// Runs `benches/python/<script>` with `python3`; its `name seconds` lines, or
/// `None` when there is no python3.
pub fn cpython(script: &str, args: &[&str]) -> Option<Vec<(String, f64)>> {
    let path = format!("{}/benches/python/{script}", env!("CARGO_MANIFEST_DIR"));
    let output = Command::new("python3").arg(path).args(args).output().ok()?;
    if !output.status.success() {
        eprintln!("python3 {script} failed: {}", String::from_utf8_lossy(&output.stderr));
        return None;
    }
    Some(
        String::from_utf8_lossy(&output.stdout)
            .lines()
            .filter_map(|line| {
                let (name, secs) = line.split_once(' ')?;
                Some((name.to_string(), secs.parse().ok()?))
            })
            .collect(),
    )
}

/// The figure `name` from a CPython run.
pub fn figure(cpython: &Option<Vec<(String, f64)>>, name: &str) -> Option<f64> {
    cpython.as_ref()?.iter().find(|(n, _)| n == name).map(|(_, s)| *s)
}

/// One row: what, ours, the reference, the goal and whether it is met.
pub fn row(what: &str, ours: f64, unit: &str, reference: &str, goal: &str, met: bool) {
    println!(
        "{what:<44} {ours:>10.3} {unit:<3} {reference:<28} {goal:<24} {}",
        if met { "ok" } else { "MISSED" }
    );
}

/// fork + _exit + waitpid, nothing else: what C pays.
fn bare_fork() {
    // SAFETY: the child only calls _exit.
    unsafe {
        let pid = libc::fork();
        if pid == 0 {
            libc::_exit(0);
        }
        libc::waitpid(pid, std::ptr::null_mut(), 0);
    }
}

/// Median seconds to start + reap a forked lane, and a bare C fork, in this process.
pub fn fork_costs(stage: &mut Stage) -> (f64, f64) {
    let lane = median(500, || {
        let p = stage.process("p", |_| {}).start().expect("fork");
        stage.join(p);
    });
    (lane.as_secs_f64(), median(500, bare_fork).as_secs_f64())
}

/// The `measure` events of one run of the tutor with `args` (which should
/// include `--json`), by name.
pub fn lesson_measures(args: &[&str]) -> std::collections::HashMap<String, f64> {
    let output = Command::new(env!("CARGO_BIN_EXE_concur-tutor")).args(args).output().expect("run the tutor");
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .filter(|e| e["kind"] == "measure")
        .map(|e| {
            (e["name"].as_str().unwrap_or_default().to_string(), e["value"].as_f64().unwrap_or(f64::NAN))
        })
        .collect()
}
