//! A check: the learner's program run under `trace` as many times as its goal
//! needs, each run judged, and the verdict: what the goal needed, what the
//! deciding run showed.

use std::io;
use std::path::Path;

use crate::events::{Event, Kind, Sink};
use crate::trace::{self, Outcome, Python};

use super::judge::{self, Machine};
use super::run::Run;
use super::{Exercise, Runs};

/// Seconds without progress before a wait is judged a hang. The exercises'
/// own waits end in well under a second.
const HANG_AFTER: f64 = 1.0;

/// One part of a goal, and what a run showed for it (in English; shown
/// translated).
#[derive(Clone, Debug, PartialEq)]
pub struct Finding {
    /// The part of the goal (`nothing hangs`).
    pub need: String,
    /// Whether the run showed it.
    pub ok: bool,
    /// What the run showed (`still hangs: MainProcess waits in p.join() …`).
    pub saw: String,
    /// More of what it showed: the hang's steps, the waits, the lines.
    pub detail: Vec<String>,
    /// Whether a busy machine alone could have made it fail (a speed-up, a pace).
    pub timing: bool,
}

impl Finding {
    /// The run showed it.
    pub fn yes(saw: impl Into<String>) -> Finding {
        Finding { need: String::new(), ok: true, saw: saw.into(), detail: Vec::new(), timing: false }
    }

    /// The run did not show it.
    pub fn no(saw: impl Into<String>) -> Finding {
        Finding { ok: false, ..Finding::yes(saw) }
    }

    /// For the part of the goal `need`.
    pub fn need(mut self, need: impl Into<String>) -> Finding {
        self.need = need.into();
        self
    }

    /// With these lines of detail.
    pub fn with(mut self, detail: Vec<String>) -> Finding {
        self.detail = detail;
        self
    }

    /// Marked as a failure a busy machine could cause, when `timing`.
    pub fn timing(mut self, timing: bool) -> Finding {
        self.timing = timing && !self.ok;
        self
    }
}

/// How a check came out.
#[derive(Clone, Debug)]
pub struct Verdict {
    /// The exercise.
    pub exercise: &'static str,
    /// Whether the goal was met in every run it needs.
    pub solved: bool,
    /// The runs made.
    pub made: usize,
    /// The runs the check was to make (the goal's count, or `--runs`).
    pub planned: usize,
    /// Why that many, in a sentence.
    pub why: String,
    /// The run that decided (from 1): the first that failed, else the last.
    pub deciding: usize,
    /// What the deciding run showed, part by part.
    pub findings: Vec<Finding>,
    /// The deciding run's events.
    pub events: Vec<Event>,
}

impl Verdict {
    /// The verdict in a line (English): solved, or the first part the run missed.
    pub fn headline(&self) -> String {
        if self.solved {
            return match self.made {
                1 => "solved: the run showed everything the goal needs".to_string(),
                n => format!("solved: each of {n} runs showed everything the goal needs"),
            };
        }
        let missed = self.findings.iter().find(|f| !f.ok).map_or(String::new(), |f| f.saw.clone());
        match self.planned {
            1 => format!("not yet: {missed}"),
            n => format!("not yet, run {} of {n}: {missed}", self.deciding),
        }
    }
}

/// Why a check makes `planned` runs of `exercise` (`asked`: --runs set it).
pub fn why_runs(exercise: &Exercise, planned: usize, asked: bool) -> String {
    if asked {
        return format!("{planned} runs, as --runs asks (the goal's own count is {})", exercise.runs.most());
    }
    match exercise.runs {
        Runs::Once => "one run: nothing in this goal depends on timing".to_string(),
        Runs::Race { runs, why } => format!("{runs} runs: {why}"),
        Runs::Timed { tries } => format!(
            "up to {tries} runs: a busy machine can slow one run down, so one run that shows the goal is enough"
        ),
    }
}

/// Gathers a run's events.
#[derive(Default)]
struct Gather(Vec<Event>);

impl Sink for Gather {
    fn event(&mut self, event: &Event) -> io::Result<()> {
        self.0.push(event.clone());
        Ok(())
    }
}

/// Checks `file` against `exercise`'s goal, in up to `planned` runs (a race:
/// all of them, unless one fails first). `each` hears of every run as it is
/// judged: its number, whether it showed the goal, its findings.
///
/// Must be called while the tutor is single-threaded (see [`trace::run`]).
///
/// # Errors
/// A run could not be made; or a signal (Ctrl-C, SIGTERM) interrupted it:
/// then the error is an [`Interrupted`], with the signal.
pub fn check(
    exercise: &'static Exercise,
    file: &Path,
    python: &Python,
    planned: usize,
    why: String,
    each: &mut dyn FnMut(usize, bool, &[Finding]),
) -> anyhow::Result<Verdict> {
    let options = trace::Options {
        target: trace::Target::Script(file.to_path_buf()),
        args: Vec::new(),
        python: python.clone(),
        hang_after: HANG_AFTER,
        keep_waiting: false,
        stdin: false,
        every_lock: exercise.every_lock,
        limit: Some(exercise.limit),
    };
    let mut verdict = Verdict {
        exercise: exercise.id,
        solved: false,
        made: 0,
        planned,
        why,
        deciding: 0,
        findings: Vec::new(),
        events: Vec::new(),
    };
    for number in 1..=planned {
        let mut gathered = Gather::default();
        let machine = Machine::here();
        let outcome = trace::run(&options, &mut gathered)?;
        let machine = machine.looked_again();
        if let Outcome::Interrupted(signal) = outcome {
            return Err(Interrupted(signal).into());
        }
        // The trace's own fix for a hang would give the last hint first:
        // hints come one by one.
        let events = gathered
            .0
            .into_iter()
            .filter(|e| !(e.kind == Kind::Note && e.text.starts_with("Fix: ")))
            .collect();
        let run = Run { events, outcome };
        let mut findings = judge::common(&run, exercise.limit);
        findings.extend((exercise.judge)(&run, &machine));
        let ok = findings.iter().all(|f| f.ok);
        each(number, ok, &findings);
        verdict.made = number;
        verdict.deciding = number;
        verdict.findings = findings;
        verdict.events = run.events;
        let only_timing = verdict.findings.iter().filter(|f| !f.ok).all(|f| f.timing);
        let decided = match exercise.runs {
            Runs::Timed { .. } => ok || !only_timing,
            Runs::Once | Runs::Race { .. } => !ok,
        };
        if decided {
            verdict.solved = ok;
            return Ok(verdict);
        }
    }
    verdict.solved = !matches!(exercise.runs, Runs::Timed { .. });
    Ok(verdict)
}

/// A check ended by a signal (Ctrl-C, SIGTERM): the signal.
#[derive(Debug)]
pub struct Interrupted(pub i32);

impl std::fmt::Display for Interrupted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "interrupted by signal {}", self.0)
    }
}

impl std::error::Error for Interrupted {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_headline_names_the_first_part_missed_and_the_run() {
        let mut v = Verdict {
            exercise: "lost-updates",
            solved: false,
            made: 2,
            planned: 5,
            why: String::new(),
            deciding: 2,
            findings: vec![
                Finding::yes("nothing hung").need("nothing hangs"),
                Finding::no("10000 of 80000 additions were lost (MainProcess printed total: 70000)")
                    .need("the total is exactly 80000"),
            ],
            events: Vec::new(),
        };
        assert_eq!(
            v.headline(),
            "not yet, run 2 of 5: 10000 of 80000 additions were lost (MainProcess printed total: 70000)"
        );
        v.solved = true;
        assert_eq!(v.headline(), "solved: each of 2 runs showed everything the goal needs");
    }
}
