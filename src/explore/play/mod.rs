//! `explore <id> --play`: the learner is the scheduler. A number key runs that
//! lane's next step, `u` undoes, `r` restarts, `q` leaves; the goal is a
//! property of the state, so any schedule that reaches such a state wins.
//!
//! [`Game`] is the pure state, [`screen`] draws it as lines, and [`ui`] is the
//! only part that touches the terminal.

pub mod screen;
mod state;
pub mod ui;

pub use state::{Flow, Game, Status};

/// A game of the built-in program `id`, after `keys`: for the tests.
#[cfg(test)]
fn played(id: &str, keys: &str) -> Game {
    use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
    let (_, program) = crate::explore::builtin(id).unwrap();
    let counted = crate::explore::explore(&program);
    let mut game = Game::new(program, counted);
    for c in keys.chars() {
        assert_eq!(game.key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE)), Flow::Go);
    }
    game
}
