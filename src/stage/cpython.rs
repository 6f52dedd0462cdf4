//! Real CPython beside our figures: runs a small script the project ships (its
//! text is built into the binary) with the `python3` on PATH, when there is one.

use std::os::unix::process::CommandExt;
use std::process::{Command, Stdio};

use nix::errno::Errno;
use nix::sys::signal::{killpg, Signal};
use nix::sys::wait::waitpid;
use nix::unistd::Pid;

use super::{cleanup, Stage};

/// What a script printed: one `name value` pair per line.
pub struct Figures {
    lines: Vec<(String, String)>,
}

impl Figures {
    /// The value printed as `name`, as text (`version` is `3.11.7`, say).
    pub fn text(&self, name: &str) -> Option<&str> {
        self.lines.iter().find(|(n, _)| n == name).map(|(_, value)| value.as_str())
    }

    /// The value printed as `name`, as a number.
    pub fn number(&self, name: &str) -> Option<f64> {
        self.text(name)?.parse().ok()
    }
}

impl Stage {
    /// Runs `script` with `python3 -c` and returns what it printed. The error
    /// says why there are no figures (no python3 on PATH, or the script failed),
    /// in words for the learner.
    ///
    /// CPython's multiprocessing leaves helpers behind for a moment after its
    /// main process exits (the forkserver, the resource tracker). So python3
    /// runs in a process group of its own, the tutor adopts the orphans of that
    /// group (a child subreaper), and ends and reaps the whole group before it
    /// goes on: nothing CPython started outlives this call.
    pub fn cpython(&mut self, script: &str, args: &[&str]) -> Result<Figures, String> {
        let waiting = self.spinner("python3 is running");
        let _ = nix::sys::prctl::set_child_subreaper(true);
        let result = run_in_own_group(script, args);
        let _ = nix::sys::prctl::set_child_subreaper(false);
        waiting.finish_and_clear();
        result
    }
}

fn run_in_own_group(script: &str, args: &[&str]) -> Result<Figures, String> {
    let child = Command::new("python3")
        .arg("-c")
        .arg(script)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0)
        .spawn()
        .map_err(|_| "python3 is not on PATH, so there are no CPython figures to compare".to_string())?;
    let group = Pid::from_raw(child.id() as i32);
    // On Ctrl-C the interrupt handler kills python3 itself; its helpers then see
    // their pipes close and exit.
    cleanup::register(group.as_raw());
    let output = child.wait_with_output();
    cleanup::unregister(group.as_raw());
    let _ = killpg(group, Signal::SIGKILL);
    while !matches!(waitpid(Pid::from_raw(-group.as_raw()), None), Err(Errno::ECHILD)) {}
    let output = output.map_err(|err| format!("python3 could not be run: {err}"))?;
    if !output.status.success() {
        let why = String::from_utf8_lossy(&output.stderr);
        return Err(format!("python3 failed: {}", why.lines().last().unwrap_or("no message")));
    }
    let lines = String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|line| line.split_once(' '))
        .map(|(name, value)| (name.to_string(), value.trim().to_string()))
        .collect();
    Ok(Figures { lines })
}
