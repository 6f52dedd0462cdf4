//! process-basics: what a process is (notes 002, 003 and 004). Real children
//! with real pids: from a function, from a struct with `run()`, and two at
//! their own pace under a parent that does not wait for them.

use anyhow::Result;

use super::SceneFn;
use crate::stage::{Lane, Run, Stage};
use crate::text;

pub const SCENES: &[SceneFn] = &[who_is_who, struct_with_run, parent_does_not_wait];

/// The notes' `info(title)`: who am I, and who is my parent?
fn info(lane: &Lane, title: &str) {
    lane.say(title);
    lane.say(format!("parent process: {}", lane.ppid()));
    lane.say(format!("process id: {}", lane.pid()));
}

/// The number at the end of the first line of `lines` that starts with `prefix`.
fn number_after(lines: &[String], prefix: &str) -> Option<i32> {
    lines.iter().find_map(|line| line.strip_prefix(prefix)?.trim().parse().ok())
}

/// "1 child", "2 children".
fn children(n: usize) -> String {
    if n == 1 {
        "1 child".to_string()
    } else {
        format!("{n} children")
    }
}

/// The name CPython gives the one `Process` of scene 1, which names none.
const CHILD: &str = "Process-1";

/// `Process(target=f, args=('bob',))`: main and child print their pids; the
/// live children are listed while the child runs; the core count.
fn who_is_who(stage: &mut Stage) -> Result<()> {
    info(stage.main(), "main");
    let p = stage
        .process(CHILD, |lane| {
            info(lane, "function f");
            lane.say("hello bob");
            lane.sleep(1.0);
        })
        .start()?;
    let listed = stage.active_children();
    for (name, pid) in &listed {
        stage.say(format!("child process name: {name}  id: {pid}"));
    }
    stage.say("process end");
    stage.say(format!("CPU cores: {}", stage.cpu_count()));
    stage.join(p);

    let its_parent = number_after(&stage.lines_of(CHILD), "parent process:");
    let verdict = if its_parent == Some(stage.pid()) { "main's own pid" } else { "not main's pid" };
    stage.note(text!(
        "{CHILD} printed parent process {}: {verdict} ({}). fork made {CHILD} a copy of main, so main is \
         its parent; main's own parent is whatever started the tutor (a shell, a test runner).",
        its_parent.map_or("nothing".to_string(), |pid| pid.to_string()),
        stage.pid()
    ));
    let left = stage.active_children().len();
    stage.note(text!(
        "active_children() listed {} while {CHILD} ran, and {} after the join. The core count \
         comes from std::thread::available_parallelism, which also respects CPU limits put on this \
         process (affinity, cgroup quotas), as os.process_cpu_count() does in Python 3.13.",
        children(listed.len()),
        children(left)
    ));
    Ok(())
}

/// The notes' `class MyProcess(Process)` with its own `run()`.
struct MyProcess {
    name: String,
}

impl Run for MyProcess {
    fn run(self, lane: &Lane) {
        for n in 1..=3 {
            lane.say(format!("{n} custom process {}", self.name));
        }
    }
}

/// A `Process` subclass becomes a struct that implements `Run`: the data it
/// was built with moves into the child, and `run` is its body.
fn struct_with_run(stage: &mut Stage) -> Result<()> {
    let p = stage.process_from("Xiaoming", MyProcess { name: "Xiaoming".to_string() }).start()?;
    stage.join(p);
    stage.note(text!(
        "Xiaoming printed {} lines from MyProcess::run. Python calls run() when no target is given; here \
         process_from starts a child whose body is the struct's Run::run, which takes self: the value \
         moves into the child and is used up there.",
        stage.lines_of("Xiaoming").len()
    ));
    Ok(())
}

/// The notes' `task1`/`task2`: two children counting at their own periods.
fn task(lane: &Lane, period: f64, which: u32) {
    let mut count = 0;
    lane.sleep(2.0);
    loop {
        lane.sleep(period);
        if count == 4 {
            break;
        }
        count += 1;
        lane.say(format!("this is task {which} ....... {} {}", lane.pid(), lane.ppid()));
    }
}

/// Two children at their own pace, and a parent that prints its last line and
/// does not join: its lines come first, then the children's, interleaved.
fn parent_does_not_wait(stage: &mut Stage) -> Result<()> {
    stage.say(stage.pid().to_string());
    let main_ppid = stage.main().ppid();
    let _p1 = stage.process("task-1", |lane| task(lane, 1.0, 1)).start()?;
    stage.say(format!("task-1 {} {main_ppid}", stage.pid()));
    let _p2 = stage.process("task-2", |lane| task(lane, 2.0, 2)).start()?;
    stage.say(format!("task-2 {} {main_ppid}", stage.pid()));
    stage.note(text!(
        "main printed `p1.name, os.getpid(), os.getppid()`: that is task-1's name but main's own pid \
         ({}) and main's parent ({main_ppid}). os.getpid() always answers for the process that calls it. \
         main does not join: its code ends here, and what follows is the program waiting for its \
         children at exit.",
        stage.pid()
    ));
    Ok(())
}
