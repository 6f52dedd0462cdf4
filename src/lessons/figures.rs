//! Reading measured figures honestly, for the lessons that measure (start
//! costs, costs, gil). A figure is the median of several runs, kept with its
//! fastest and slowest; two figures are compared only when their runs can be
//! told apart, and a busy machine is named as the reason a figure says little.

use std::time::Instant;

use crate::stage::Stage;

/// Seconds per operation over several runs: the fastest, the median, the slowest.
#[derive(Clone, Copy, Debug)]
pub struct Spread {
    pub fastest: f64,
    pub median: f64,
    pub slowest: f64,
}

impl Spread {
    /// The spread of `samples` (seconds; at least one).
    pub fn of(mut samples: Vec<f64>) -> Spread {
        samples.sort_by(f64::total_cmp);
        Spread {
            fastest: samples[0],
            median: samples[samples.len() / 2],
            slowest: samples[samples.len() - 1],
        }
    }

    /// A figure printed by a CPython script as `median fastest slowest`.
    pub fn parse(text: &str) -> Option<Spread> {
        let mut numbers = text.split_whitespace().map(|n| n.parse::<f64>().ok());
        let median = numbers.next()??;
        let fastest = numbers.next().flatten().unwrap_or(median);
        let slowest = numbers.next().flatten().unwrap_or(median);
        Some(Spread { fastest, median, slowest })
    }

    /// This spread with every figure divided by `n` (per message of a round trip, say).
    pub fn divided_by(self, n: f64) -> Spread {
        Spread { fastest: self.fastest / n, median: self.median / n, slowest: self.slowest / n }
    }

    /// Whether every run of one was faster than every run of the other: only
    /// then does the ratio of their medians say which is dearer, and by how much.
    pub fn apart_from(&self, other: &Spread) -> bool {
        self.slowest < other.fastest || other.slowest < self.fastest
    }
}

/// Times `runs` runs of `run`, quietly (no lines for the children it starts),
/// each divided by `ops`, the operations one run does; `load` looks at the
/// machine before each run.
pub fn sample(
    stage: &mut Stage,
    load: &mut Load,
    runs: usize,
    ops: usize,
    mut run: impl FnMut(&mut Stage) -> anyhow::Result<()>,
) -> anyhow::Result<Spread> {
    let mut times = Vec::with_capacity(runs);
    stage.quietly(|stage| {
        for _ in 0..runs {
            load.look();
            let start = Instant::now();
            run(stage)?;
            times.push(start.elapsed().as_secs_f64() / ops as f64);
        }
        Ok::<_, anyhow::Error>(())
    })?;
    Ok(Spread::of(times))
}

/// How busy the machine is while a lesson measures: at each look, how many
/// tasks besides the one looking wanted a CPU (`procs_running` in /proc/stat),
/// against the cores this process may use. A look is now, not an average over
/// the last minute, which would still count work that has ended.
pub struct Load {
    others: Vec<u32>,
    pub cores: usize,
}

impl Load {
    /// A watch on the machine's load, with a first look.
    pub fn new(stage: &Stage) -> Load {
        let mut load = Load { others: Vec::new(), cores: stage.cpu_count() };
        load.look();
        load
    }

    /// Looks at the machine now (nothing where /proc/stat says nothing).
    pub fn look(&mut self) {
        if let Some(running) = crate::procfs::running_tasks() {
            self.others.push(running.saturating_sub(1));
        }
    }

    /// The tasks that wanted a CPU besides this lesson, at the median look.
    pub fn others(&self) -> u32 {
        let mut others = self.others.clone();
        others.sort_unstable();
        others.get(others.len() / 2).copied().unwrap_or(0)
    }

    /// Whether other work wanted every core: a start or a job may then wait for
    /// a core as long as it works, and its time says more about the machine.
    pub fn busy(&self) -> bool {
        self.others() as usize >= self.cores
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_spread_keeps_its_ends_and_its_middle() {
        let spread = Spread::of(vec![3.0, 1.0, 2.0, 9.0, 4.0]);
        assert_eq!((spread.fastest, spread.median, spread.slowest), (1.0, 3.0, 9.0));
        let parsed = Spread::parse("0.5 0.25 2").unwrap();
        assert_eq!((parsed.fastest, parsed.median, parsed.slowest), (0.25, 0.5, 2.0));
        assert_eq!(Spread::parse("0.5").unwrap().slowest, 0.5);
        assert!(Spread::parse("fast").is_none());
    }

    #[test]
    fn figures_are_compared_only_when_their_runs_do_not_overlap() {
        let fork = Spread::of(vec![3.9e-3, 4.0e-3, 4.1e-3]);
        let spawn = Spread::of(vec![4.0e-3, 4.0e-3, 7.6e-3]);
        let thread = Spread::of(vec![2.0e-5, 3.0e-5, 9.0e-5]);
        assert!(!fork.apart_from(&spawn), "4 ms against 4 ms says nothing");
        assert!(fork.apart_from(&thread) && thread.apart_from(&fork));
    }
}
