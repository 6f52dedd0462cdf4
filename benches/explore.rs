//! How fast every schedule of a program is counted: the notes' 5 + 5 adders
//! (155 117 520 schedules; goal: under 100 ms), and states visited per second,
//! there and on three adders (a graph a hundred times bigger).
//!
//! `cargo bench --bench explore`

mod support;

use std::process::{Command, Stdio};

use concur_tutor::explore::{builtin, explore, parse, stream::group, Exploration, Program};
use support::{median, row};

/// Three adders of 1, 2 and 3, three additions each, three steps an addition.
const THREE: &str = "v = 0
thread a:
    for _ in range(3):
        t = v
        t = t + 1
        v = t
thread b:
    for _ in range(3):
        t = v
        t = t + 2
        v = t
thread c:
    for _ in range(3):
        t = v
        t = t + 3
        v = t
";

/// The median time to explore `program` (of `runs`), in seconds, and what was found.
fn time(program: &Program, runs: usize) -> (f64, Exploration) {
    let mut found = None;
    let took = median(runs, || found = Some(explore(program).expect("countable")));
    (took.as_secs_f64(), found.expect("ran"))
}

fn main() {
    let (_, adders) = builtin("adders").expect("built in");
    let (took, found) = time(&adders, 31);
    let three = parse("three", THREE).expect("parses");
    let (took_three, found_three) = time(&three, 5);
    let command = median(11, || {
        let status = Command::new(env!("CARGO_BIN_EXE_concur-tutor"))
            .args(["explore", "adders", "--json"])
            .stdout(Stdio::null())
            .status()
            .expect("run");
        assert!(status.success());
    })
    .as_secs_f64();

    println!("{:<44} {:>14} {:<28} {:<24}", "measure (median)", "ours", "beside", "goal");
    row(
        "explore adders (5 + 5 additions)",
        took * 1e3,
        "ms",
        &format!("{} schedules", group(found.schedules)),
        "< 100 ms",
        took < 0.1,
    );
    row(
        "  states visited per second",
        found.states as f64 / took / 1e6,
        "M/s",
        &format!("{} states", group(found.states as u128)),
        "",
        true,
    );
    row(
        "explore three adders (3 + 3 + 3 additions)",
        took_three * 1e3,
        "ms",
        &format!("{:.3e} schedules", found_three.schedules as f64),
        "",
        true,
    );
    row(
        "  states visited per second",
        found_three.states as f64 / took_three / 1e6,
        "M/s",
        &format!("{} states", group(found_three.states as u128)),
        "",
        true,
    );
    row("concur-tutor explore adders --json, whole", command * 1e3, "ms", "start-up, count, print", "", true);
}
