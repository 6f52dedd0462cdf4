//! The gil lesson's own figures, as medians of five runs, against the goals:
//! threads and processes ≥ 1.8× serial on 2 cores, the emulated GIL between
//! 0.9× and 1.1×, rayon within 10 % of hand-made threads, and our serial job
//! within 1.5× of the same job in C (compiled here with `cc -O2`, when present).
//!
//! `cargo bench --bench gil`

mod support;

use std::collections::HashMap;
use std::process::Command;

use support::{lesson_measures, row};

/// The serial pair in C, in seconds, for `n` iterations per job; `None` without a C compiler.
fn c_serial(n: u64) -> Option<f64> {
    let dir = env!("CARGO_TARGET_TMPDIR");
    let exe = format!("{dir}/job_c");
    let source = concat!(env!("CARGO_MANIFEST_DIR"), "/benches/c/job.c");
    Command::new("cc").args(["-O2", "-o", &exe, source]).status().ok()?.success().then_some(())?;
    let output = Command::new(&exe).arg(n.to_string()).output().ok()?;
    String::from_utf8_lossy(&output.stdout).lines().find_map(|l| l.strip_prefix("serial ")?.parse().ok())
}

fn main() {
    let runs: Vec<HashMap<String, f64>> =
        (0..5).map(|_| lesson_measures(&["lesson", "gil", "--scene", "1", "--json"])).collect();
    let median = |name: &str| {
        let mut values: Vec<f64> = runs.iter().map(|r| r[name]).collect();
        values.sort_by(f64::total_cmp);
        values[values.len() / 2]
    };
    let speedup = |name: &str| median("serial") / median(name);
    // The lesson states its job size in its first measure: n vs n/2.
    let n = 1600 * (1 << 16);

    println!("{:<44} {:>14} {:<28} {:<24}", "measure (median of 5 runs)", "ours", "beside", "goal");
    for (name, what) in [("threads", "2 threads"), ("processes", "2 processes")] {
        let s = speedup(name);
        row(&format!("{what}, speedup over serial"), s, "×", "", "≥ 1.8× on 2 cores", s >= 1.8);
    }
    let gil = speedup("emulated_gil");
    row("emulated GIL, speedup over serial", gil, "×", "", "0.9× to 1.1×", (0.9..=1.1).contains(&gil));
    let rayon = median("rayon") / median("threads");
    row("rayon, time over hand-made threads", rayon, "×", "", "≤ 1.1×", rayon <= 1.1);
    match c_serial(n) {
        Some(c) => {
            let ours = median("serial");
            row(
                "serial pair, over C's",
                ours / c,
                "×",
                &format!("ours {ours:.3} s, C {c:.3} s"),
                "≤ 1.5×",
                ours <= 1.5 * c,
            )
        }
        None => println!("serial pair, over C's: no C compiler (cc) here"),
    }
}
