//! `concur-tutor explore`: every interleaving of a small program, and the
//! learner as the scheduler.
//!
//! A real run shows one interleaving. Here a program from the notes (or one
//! the learner writes, in the steps format of [`parse`]) is cut into its atomic
//! steps, and every order they can run in is counted ([`count`]): a histogram
//! of how the schedules end, with the shortest schedule to each ending drawn
//! as lanes ([`show`]), or sent as events ([`stream`]) for the sinks to draw
//! like a run. With `--play` the learner picks each step ([`play`]).
//!
//! The parts stand apart as rustlings' do: the programs' data
//! (`lessons/explore/`, listed in [`BUILTINS`]), the model ([`program`]), the
//! game's pure state ([`play::Game`]) and its terminal screen.

pub mod cli;
pub mod count;
pub mod parse;
pub mod play;
pub mod program;
pub mod show;
pub mod stream;

pub use cli::{command, Args, Failure, LONG_ABOUT};
pub use count::{explore, Ending, Exploration, Unbounded};
pub use parse::{parse, ParseError, FORMAT};
pub use program::{Outcome, Program, State};

/// A program of the notes, as steps, with the Python it comes from.
pub struct Builtin {
    /// Its id: `concur-tutor explore <id>`.
    pub id: &'static str,
    /// What it is, in a few words.
    pub title: &'static str,
    /// Which note it comes from.
    pub source: &'static str,
    /// How the Python became these steps.
    pub about: &'static str,
    /// The Python, as the notes write it (CPython runs it as it is).
    pub python: &'static str,
    /// The steps, in the steps format.
    pub steps: &'static str,
}

macro_rules! builtin {
    ($id:literal, $title:literal, $source:literal, $about:literal) => {
        Builtin {
            id: $id,
            title: $title,
            source: $source,
            about: $about,
            python: include_str!(concat!("../../lessons/explore/", $id, ".py")),
            steps: include_str!(concat!("../../lessons/explore/", $id, ".steps")),
        }
    };
}

/// The programs of the notes, in the order `explore --list` shows them.
pub const BUILTINS: &[Builtin] = &[
    builtin!(
        "adders",
        "two processes add to one shared Value, without a lock",
        "note 002",
        "CPython runs v.value += num as three steps: it reads v.value under the Value's own lock, adds, \
         and writes v.value under the lock again. time.sleep and print change nothing shared, so they are \
         left out: any order of the steps can happen, however long the sleeps."
    ),
    builtin!(
        "adders-locked",
        "the same two adders, with a lock around the loop",
        "note 002",
        "The same three steps per addition, inside l.acquire() and l.release(): while one process holds \
         the lock, the other cannot take its first step."
    ),
    builtin!(
        "two-locks",
        "two threads take two locks in opposite orders",
        "note 004",
        "Each thread takes one lock, prints, then waits for the other lock. time.sleep(0.1) only makes \
         the bad order likely; here every order is counted."
    ),
    builtin!(
        "check-then-act",
        "two threads check that a queue is not full, then put",
        "note 004",
        "q.full() and q.put(x) are two steps: between them, the other thread can fill the queue. \
         Queue(maxsize=1) holds one item, and put() waits while it is full."
    ),
    builtin!(
        "missed-notify",
        "a condition wait without a loop misses its notify",
        "note 003",
        "cond.wait() lets go of the lock and sleeps until a notify; waking, it takes the lock back: two \
         steps. A notify sent before the wait reaches nobody. item = 0 stands for None."
    ),
    builtin!(
        "notify-loop",
        "the same wait, in a loop that tests first",
        "note 003",
        "while item is None: cond.wait(). The test runs under the lock, so the notify cannot slip in \
         between the test and the wait. item = 0 stands for None."
    ),
];

/// The built-in program `id`, parsed.
///
/// # Errors
/// No built-in has that id: the message suggests the nearest.
pub fn builtin(id: &str) -> Result<(&'static Builtin, Program), String> {
    match BUILTINS.iter().find(|b| b.id == id) {
        Some(b) => {
            Ok((b, parse(b.id, b.steps).unwrap_or_else(|e| panic!("lessons/explore/{}.steps: {e}", b.id))))
        }
        None => Err(match crate::text::nearest(id, BUILTINS.iter().map(|b| b.id)) {
            Some(near) => format!("no program '{id}' (did you mean '{near}'?)"),
            None => format!("no program '{id}' (see 'concur-tutor explore --list')"),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_mistake_of_the_format_has_its_chinese() {
        for (text, _) in parse::tests::MISTAKES {
            let message = parse("mine", text).map(|_| ()).unwrap_err().to_string();
            let zh = crate::i18n::translate(&message);
            assert!(
                zh.is_some_and(|zh| zh.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))),
                "{message}"
            );
        }
    }

    #[test]
    fn every_builtin_parses_and_has_its_goal() {
        for b in BUILTINS {
            let (_, program) = builtin(b.id).unwrap();
            assert!(program.goal.is_some(), "{}", b.id);
        }
    }
}
