//! Real CPython beside our figures: runs a small script the project ships (its
//! text is built into the binary) with the `python3` on PATH, when there is one.
//!
//! python3 does not run as the tutor's child but under a keeper (see
//! [`super::keeper`]) that answers for every process CPython starts, bounds the
//! run in time and in output, and outlives the tutor long enough to clean up
//! if the tutor is killed.

use std::io::{ErrorKind, Read};
use std::os::fd::AsFd;
use std::os::unix::process::CommandExt;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use nix::poll::{poll, PollFd, PollFlags, PollTimeout};

use super::keeper::{Ending, Order, Report, KEEPER_COMMAND};
use super::{cleanup, Stage};

/// How long python3 may run, in real seconds, unless `CONCUR_CPYTHON_TIMEOUT`
/// says otherwise. The slowest script the lessons ship (`costs`) takes about
/// 5 s on an idle machine.
const DEADLINE_SECS: f64 = 60.0;

/// The most python3 may print: the figures are a few dozen short lines.
const CAP: usize = 64 * 1024;

/// How long after its deadline the keeper must have answered before the tutor
/// stops waiting for it (it needs at most its grace and a moment to sweep).
const KEEPER_SLACK: Duration = Duration::from_secs(10);

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
    /// says why there are no figures (no python3 on PATH, the script failed,
    /// hung past its deadline, or printed far too much), in words for the
    /// learner. Whatever happens, nothing CPython started outlives this call.
    pub fn cpython(&mut self, script: &str, args: &[&str]) -> Result<Figures, String> {
        let deadline_secs = std::env::var("CONCUR_CPYTHON_TIMEOUT")
            .ok()
            .and_then(|secs| secs.parse::<f64>().ok())
            .filter(|secs| secs.is_finite() && *secs > 0.0)
            .unwrap_or(DEADLINE_SECS);
        let order = Order {
            script: script.to_string(),
            args: args.iter().map(|arg| arg.to_string()).collect(),
            deadline_secs,
            cap: CAP,
        };
        // A spinner ticked by this thread's own wait: no thread of its own to start.
        let waiting = self.spinner("python3 is running");
        let ending = run_under_keeper(&order, || waiting.tick());
        waiting.finish_and_clear();
        match ending {
            Ending::Printed { stdout } => Ok(Figures {
                lines: stdout
                    .lines()
                    .filter_map(|line| line.split_once(' '))
                    .map(|(name, value)| (name.to_string(), value.trim().to_string()))
                    .collect(),
            }),
            Ending::NotFound => Err("python3 is not on PATH, so there are no CPython figures to compare".into()),
            Ending::CouldNotStart { why } => Err(format!("python3 could not be run: {why}")),
            Ending::Failed { how, last_line } if last_line.is_empty() => Err(format!("python3 failed: {how}")),
            Ending::Failed { last_line, .. } => Err(format!("python3 failed: {last_line}")),
            Ending::TimedOut { secs } => Err(format!(
                "python3 was still running after {secs:.0} s of real time, so the tutor ended it and everything it started"
            )),
            Ending::Flooded { cap } => Err(format!(
                "python3 printed more than {} KiB where a few lines of figures were expected, so the tutor \
                 ended it and everything it started",
                cap / 1024
            )),
            Ending::Stopped => Err("python3 was stopped before it finished".into()),
        }
    }
}

/// Starts the keeper with `order`, calls `tick` every 100 ms while it works,
/// and returns how python3's run ended. The keeper is in a process group of its
/// own: a Ctrl-C at the terminal reaches the tutor, whose handler asks the
/// keeper to clean up and waits for it (see [`cleanup`]).
fn run_under_keeper(order: &Order, mut tick: impl FnMut()) -> Ending {
    let order_json = serde_json::to_string(order).expect("an order always serialises");
    let held = cleanup::hold_interrupts();
    // /proc/self/exe is this very program, even if its file has been replaced since.
    let spawned = Command::new("/proc/self/exe")
        .arg(KEEPER_COMMAND)
        .arg(order_json)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .process_group(0)
        .spawn();
    let mut keeper = match spawned {
        Ok(keeper) => keeper,
        Err(err) => {
            let hint = err
                .raw_os_error()
                .map_or("", |n| super::children::limit_hint(nix::errno::Errno::from_raw(n)));
            return Ending::CouldNotStart { why: format!("{err}{hint}") };
        }
    };
    cleanup::set_keeper(keeper.id() as i32);
    drop(held);
    // Held, never written: the keeper reads its closing as the tutor's end.
    let _tutor_alive = keeper.stdin.take();
    let mut reports = keeper.stdout.take().expect("asked for as a pipe");
    let give_up = Instant::now() + Duration::from_secs_f64(order.deadline_secs) + KEEPER_SLACK;
    let mut text = Vec::new();
    let mut buf = [0u8; 4096];
    let ending = loop {
        if let Some(ending) = ending_in(&text) {
            break ending;
        }
        if let Some(pgid) = started_in(&text) {
            cleanup::set_cpython_group(pgid);
        }
        if Instant::now() >= give_up || text.len() > 2 * order.cap {
            break Ending::CouldNotStart { why: "its keeper did not answer in time".into() };
        }
        let mut fds = [PollFd::new(reports.as_fd(), PollFlags::POLLIN)];
        if !matches!(poll(&mut fds, PollTimeout::from(100u8)), Ok(n) if n > 0) {
            tick();
            continue;
        }
        match reports.read(&mut buf) {
            Ok(0) => break Ending::CouldNotStart { why: "its keeper ended without a word".into() },
            Ok(n) => text.extend_from_slice(&buf[..n]),
            Err(err) if err.kind() == ErrorKind::Interrupted => {}
            Err(err) => break Ending::CouldNotStart { why: format!("its keeper could not be read: {err}") },
        }
    };
    // Done or not, the keeper ends now: asked to (it cleans up first), then waited for.
    cleanup::stop_keeper();
    ending
}

/// The keeper's reports in `text` (JSON lines), the whole ones.
fn reports_in(text: &[u8]) -> impl Iterator<Item = Report> + '_ {
    text.split(|&b| b == b'\n').filter_map(|line| serde_json::from_slice(line).ok())
}

/// The ending the keeper reported in `text`, if it has.
fn ending_in(text: &[u8]) -> Option<Ending> {
    reports_in(text).find_map(|report| match report {
        Report::Ended(ending) => Some(ending),
        Report::Started { .. } => None,
    })
}

/// python3's process group, once the keeper has reported it started.
fn started_in(text: &[u8]) -> Option<i32> {
    reports_in(text).find_map(|report| match report {
        Report::Started { pid } => Some(pid),
        Report::Ended(_) => None,
    })
}
