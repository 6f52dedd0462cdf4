//! Progress bars for long measurements (indicatif), one per worker, so that a
//! learner sees the workers move together, or take turns. Drawn on stderr only
//! when a person watches a terminal; hidden under `--json` and in pipes.

use std::time::Duration;

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

use super::wait::Wait;
use super::{Proc, Stage};
use crate::events::Mark;
use crate::text;

/// A set of bars, one per worker.
pub struct Bars {
    multi: MultiProgress,
    bars: Vec<ProgressBar>,
}

impl Bars {
    /// Worker `i`'s bar: cheap to clone, safe to move into a thread.
    pub fn bar(&self, i: usize) -> ProgressBar {
        self.bars[i].clone()
    }

    /// Removes the bars from the screen.
    pub fn clear(self) {
        for bar in &self.bars {
            bar.finish_and_clear();
        }
        let _ = self.multi.clear();
    }
}

impl Stage {
    /// Where bars go: stderr when a person watches, nowhere otherwise.
    fn bar_target(&self) -> ProgressDrawTarget {
        if self.recorder.is_watched() {
            ProgressDrawTarget::stderr_with_hz(20)
        } else {
            ProgressDrawTarget::hidden()
        }
    }

    /// A spinner saying `what` is going on, for a wait with nothing to show.
    /// The waiting code turns it (`tick`): a spinner with a thread of its own
    /// could not start where the OS refuses threads, and would panic.
    pub(crate) fn spinner(&self, what: &str) -> ProgressBar {
        let spinner = ProgressBar::with_draw_target(None, self.bar_target())
            .with_style(spinner_style())
            .with_message(what.to_string());
        spinner.enable_steady_tick(Duration::from_millis(100));
        spinner
    }

    /// One bar per name, each `len` steps long.
    pub fn progress_bars(&self, names: &[String], len: u64) -> Bars {
        let multi = MultiProgress::with_draw_target(self.bar_target());
        let style = bar_style();
        let bars = names
            .iter()
            .map(|name| multi.add(ProgressBar::new(len).with_style(style.clone()).with_prefix(name.clone())))
            .collect();
        Bars { multi, bars }
    }

    /// Joins every child of `procs`, calling `tick` every `every` of real time
    /// meanwhile (to move progress bars, say).
    pub fn join_all_ticking(&mut self, procs: &[Proc], every: Duration, mut tick: impl FnMut()) {
        let wait =
            Wait::blocked("join() each").marked(Mark::Joined).looking_every(every).watching(procs.to_vec());
        let ticking = |_: &mut Stage| {
            tick();
            None
        };
        self.wait(wait, |stage| procs.iter().all(|p| !stage.children[p.0].is_alive()), ticking);
    }
}

/// A bar that fits the terminal (at most 40 cells), in block characters where
/// the terminal can show them, else in ASCII.
fn bar_style() -> ProgressStyle {
    // The prefix, the spaces and the percentage take 22 columns.
    let cells = text::width().saturating_sub(22).clamp(10, 40);
    let style = ProgressStyle::with_template(&format!("  {{prefix:>14}} {{bar:{cells}}} {{percent:>3}}%"))
        .expect("a valid template");
    if text::unicode() {
        style.progress_chars("█▉▊▋▌▍▎▏ ")
    } else {
        style.progress_chars("#>-")
    }
}

/// A spinner in braille dots, or in ASCII where the terminal cannot show them.
fn spinner_style() -> ProgressStyle {
    let style = ProgressStyle::with_template("  {spinner} {msg} {elapsed}").expect("a valid template");
    if text::unicode() {
        style
    } else {
        style.tick_chars("|/-\\ ")
    }
}
