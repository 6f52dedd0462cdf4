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
/// each divided by `ops`, the operations one run does.
pub fn sample(
    stage: &mut Stage,
    runs: usize,
    ops: usize,
    mut run: impl FnMut(&mut Stage) -> anyhow::Result<()>,
) -> anyhow::Result<Spread> {
    let mut times = Vec::with_capacity(runs);
    stage.quietly(|stage| {
        for _ in 0..runs {
            let start = Instant::now();
            run(stage)?;
            times.push(start.elapsed().as_secs_f64() / ops as f64);
        }
        Ok::<_, anyhow::Error>(())
    })?;
    Ok(Spread::of(times))
}

/// How busy the machine is: the load average over the last minute (runnable
/// tasks, on average) against the cores this process may use.
#[derive(Clone, Copy, Debug)]
pub struct Load {
    pub average: f64,
    pub cores: usize,
}

impl Load {
    /// The load now, from /proc/loadavg (0 where there is none).
    pub fn now(stage: &Stage) -> Load {
        let average = std::fs::read_to_string("/proc/loadavg")
            .ok()
            .and_then(|text| text.split_whitespace().next()?.parse().ok())
            .unwrap_or(0.0);
        Load { average, cores: stage.cpu_count() }
    }

    /// Whether other work wanted every core: a start or a job then waits for a
    /// core as long as it works, and its time says more about the machine.
    pub fn busy(&self) -> bool {
        self.average >= self.cores as f64
    }
}
