//! `concur-tutor practice` on a terminal: the exercise, re-checked on each
//! save, with its lanes, its timeline and its verdict; `h` a hint, `r` a
//! reset, `l` the list, `n` the next once solved, `s` the solution once
//! solved, `q` to leave.
//!
//! [`Watch`] is the pure state, [`screen`] draws it as lines, and [`ui`] is
//! the only part that touches the terminal, the file watcher and the checks.

pub mod screen;
mod state;
pub mod ui;

pub use state::{Action, Mode, Watch};
