//! What tracing costs: the wall time of demos traced against the same demos
//! untraced (goal: within 5 % or 20 ms), the cost of one traced event (goal:
//! under 20 µs), and VizTracer's overhead on the same demos when it is installed.
//!
//! `cargo bench --bench trace` (CONCUR_BENCH_RUNS=N for more runs than 5)

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// The median wall time of `runs` runs of `command` (built anew each run).
fn median(runs: usize, command: impl Fn() -> Command) -> Duration {
    let mut times: Vec<Duration> = (0..runs)
        .map(|_| {
            let mut c = command();
            c.stdin(Stdio::null()).stdout(Stdio::null()).stderr(Stdio::null());
            let start = Instant::now();
            let status = c.status().expect("run");
            let took = start.elapsed();
            assert!(status.success() || status.code() == Some(1), "{c:?}: {status}");
            took
        })
        .collect();
    times.sort();
    times[runs / 2]
}

/// The interpreter itself (`sys.executable`), not a launcher in front of it
/// (pyenv's shim adds tens of milliseconds), for every side of the comparison.
fn interpreter() -> String {
    let out =
        Command::new("python3").args(["-c", "import sys; print(sys.executable)"]).output().expect("python3");
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

fn python(script: &str, args: &[&str]) -> Command {
    let mut c = Command::new(interpreter());
    c.current_dir(Path::new(script).parent().unwrap()).arg(script).args(args);
    c
}

fn traced(script: &str, args: &[&str]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_concur-tutor"));
    c.current_dir(Path::new(script).parent().unwrap())
        .args(["trace", "--json", "--python", &interpreter(), script])
        .args(args);
    c
}

fn viztracer(script: &str, args: &[&str], out: &Path) -> Command {
    let mut c = Command::new(interpreter());
    c.current_dir(Path::new(script).parent().unwrap())
        .args(["-m", "viztracer", "--quiet", "-o"])
        .arg(out)
        .arg(script)
        .args(args);
    c
}

fn main() {
    let here = Command::new("python3").arg("-c").arg("pass").status().is_ok_and(|s| s.success());
    if !here {
        println!("trace: no python3 here, nothing to measure");
        return;
    }
    let runs: usize = std::env::var("CONCUR_BENCH_RUNS").ok().and_then(|r| r.parse().ok()).unwrap_or(5);
    let viz = Command::new("python3")
        .args(["-c", "import viztracer"])
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    let out = std::env::temp_dir().join(format!("concur-viz-{}.json", std::process::id()));
    let demos: [(&str, &str, &[&str]); 6] = [
        ("children, fork", "tests/trace/children.py", &["fork"]),
        ("children, spawn", "tests/trace/children.py", &["spawn"]),
        ("Pool(2).map, fork", "tests/trace/pool.py", &["fork"]),
        ("apply vs apply_async", "src/trace/examples/apply_async.py", &[]),
        ("producer-consumer", "src/trace/examples/producer_consumer.py", &[]),
        ("the GIL job", "src/trace/examples/gil.py", &[]),
    ];
    println!("trace: wall time, median of {runs} runs (goal: traced within 5 % or 20 ms)");
    println!("  {:<22} {:>10} {:>10} {:>18} {:>20}", "demo", "python3", "traced", "overhead", "VizTracer");
    for (name, script, args) in demos {
        let script = format!("{ROOT}/{script}");
        let plain = median(runs, || python(&script, args)).as_secs_f64();
        let ours = median(runs, || traced(&script, args)).as_secs_f64();
        let theirs = if viz {
            let t = median(runs, || viztracer(&script, args, &out)).as_secs_f64();
            format!("{:.3} s ({:+.0} %)", t, (t / plain - 1.0) * 100.0)
        } else {
            "not installed".to_string()
        };
        println!(
            "  {name:<22} {plain:>8.3} s {ours:>8.3} s {:>+8.1} ms {:>+5.1} % {theirs:>20}",
            (ours - plain) * 1e3,
            (ours / plain - 1.0) * 100.0
        );
    }
    let _ = std::fs::remove_file(&out);
    let n = 20_000;
    let script = format!("{ROOT}/benches/python/trace_events.py");
    let count = n.to_string();
    let plain = median(runs, || python(&script, &[&count])).as_secs_f64();
    let ours = median(runs, || traced(&script, &[&count])).as_secs_f64();
    let events = 3.0 * n as f64;
    println!(
        "trace: one traced event costs {:.1} µs (goal: under 20 µs): {} events in {:.3} s traced, {:.3} s not",
        (ours - plain) / events * 1e6,
        3 * n,
        ours,
        plain
    );
}
