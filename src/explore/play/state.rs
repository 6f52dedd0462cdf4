//! The game's state, apart from any terminal: the program, the states the
//! learner's schedule has passed through, and what the last key did. Tests
//! drive it key by key.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use crate::explore::count::{Exploration, Unbounded};
use crate::explore::program::{Blocked, Outcome, Program, State};

/// Where the game stands.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Status {
    /// Lanes can still step, and the goal is not reached.
    Playing,
    /// The state is one the goal asks for.
    Won,
    /// The run ended without reaching the goal.
    Ended(Outcome),
}

/// What the game loop does after a key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Flow {
    /// Draw again and wait for the next key.
    Go,
    /// Leave the game.
    Quit,
}

/// The learner's game: every state so far, the start first.
pub struct Game {
    program: Program,
    states: Vec<State>,
    lanes: Vec<usize>,
    /// Why the last key did nothing, in English (the screen translates).
    message: Option<String>,
    /// Every schedule of the program, counted, when it can be.
    counted: Result<Exploration, Unbounded>,
}

impl Game {
    /// A game of `program`, at its start; `counted` is its exploration, for
    /// the share of schedules that reach the goal.
    pub fn new(program: Program, counted: Result<Exploration, Unbounded>) -> Game {
        let start = program.start();
        Game { program, states: vec![start], lanes: Vec::new(), message: None, counted }
    }

    /// The program.
    pub fn program(&self) -> &Program {
        &self.program
    }

    /// The state now.
    pub fn state(&self) -> &State {
        self.states.last().expect("never empty")
    }

    /// The states so far, the start first.
    pub fn states(&self) -> &[State] {
        &self.states
    }

    /// The lane of each step taken so far.
    pub fn schedule(&self) -> &[usize] {
        &self.lanes
    }

    /// Why the last key did nothing, if it did nothing.
    pub fn message(&self) -> Option<&str> {
        self.message.as_deref()
    }

    /// Every schedule, counted (or why they cannot be).
    pub fn counted(&self) -> &Result<Exploration, Unbounded> {
        &self.counted
    }

    /// Where the game stands.
    pub fn status(&self) -> Status {
        let now = self.state();
        if self.program.goal_holds(now) {
            return Status::Won;
        }
        match self.program.outcome(now) {
            Some(outcome) => Status::Ended(outcome),
            None => Status::Playing,
        }
    }

    /// Applies one key: a lane's number steps it, `u` undoes, `r` restarts,
    /// `q`, Esc or Ctrl-C leave.
    pub fn key(&mut self, key: KeyEvent) -> Flow {
        self.message = None;
        match key.code {
            KeyCode::Char('c') if key.modifiers.contains(KeyModifiers::CONTROL) => return Flow::Quit,
            KeyCode::Char('q') | KeyCode::Esc => return Flow::Quit,
            KeyCode::Char(digit @ '1'..='9') => {
                let lane = digit as usize - '1' as usize;
                if let Err(why) = self.step(lane) {
                    self.message = Some(why);
                }
            }
            KeyCode::Char('u') | KeyCode::Backspace => {
                self.message = (!self.undo()).then(|| "Nothing to undo: this is the start.".to_string())
            }
            KeyCode::Char('r') => self.restart(),
            _ => {}
        }
        Flow::Go
    }

    /// Runs lane `lane`'s next step.
    ///
    /// # Errors
    /// Why the lane cannot step (in English), and nothing changes.
    pub fn step(&mut self, lane: usize) -> Result<(), String> {
        let count = self.program.threads.len();
        if lane >= count {
            return Err(format!("There is no lane {}: the lanes are 1 to {count}.", lane + 1));
        }
        if self.status() != Status::Playing {
            return Err("The run is over: u undoes the last step, r starts again.".to_string());
        }
        let now = self.state();
        let name = &self.program.threads[lane].name;
        match self.program.blocked(now, lane) {
            None => {
                let next = self.program.step(now, lane);
                self.states.push(next);
                self.lanes.push(lane);
                Ok(())
            }
            Some(Blocked::Done) => Err(format!("{name} has finished: step another lane.")),
            Some(_) => Err(format!(
                "Lane {} cannot step: {}.",
                lane + 1,
                self.program.waits_for(now, lane).map(|why| why.text).unwrap_or_default()
            )),
        }
    }

    /// Takes back the last step; false at the start.
    pub fn undo(&mut self) -> bool {
        if self.lanes.pop().is_none() {
            return false;
        }
        self.states.pop();
        true
    }

    /// Back to the start.
    pub fn restart(&mut self) {
        self.states.truncate(1);
        self.lanes.clear();
    }

    /// How many schedules reach the goal, and how many there are, when counted.
    pub fn goal_share(&self) -> Option<(u128, u128)> {
        let counted = self.counted.as_ref().ok()?;
        Some((counted.reach_goal?, counted.schedules))
    }

    /// How many schedules end as `outcome`, and how many there are, when counted.
    pub fn ending_share(&self, outcome: &Outcome) -> Option<(u128, u128)> {
        let counted = self.counted.as_ref().ok()?;
        let count = counted.endings.iter().find(|e| &e.outcome == outcome).map_or(0, |e| e.count);
        Some((count, counted.schedules))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::explore::play::played;

    fn game(id: &str) -> Game {
        played(id, "")
    }

    fn press(game: &mut Game, keys: &str) {
        for c in keys.chars() {
            assert_eq!(game.key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE)), Flow::Go);
        }
    }

    #[test]
    fn both_threads_stuck_is_won_by_any_schedule_that_gets_there() {
        for keys in ["1122", "2211", "1212", "2121"] {
            let mut g = game("two-locks");
            press(&mut g, keys);
            assert_eq!(g.status(), Status::Won, "{keys}");
        }
        let mut g = game("two-locks");
        press(&mut g, "1111");
        assert_eq!(g.status(), Status::Playing);
        press(&mut g, "2");
        assert_eq!(g.message(), Some("Lane 2 cannot step: Thread-2 waits for lockB, held by Thread-1."));
        assert_eq!(g.goal_share(), Some((6, 12)));
    }

    #[test]
    fn undo_and_restart_go_back() {
        let mut g = game("adders");
        press(&mut g, "112");
        assert_eq!(g.schedule(), [0, 0, 1]);
        press(&mut g, "u");
        assert_eq!(g.schedule(), [0, 0]);
        press(&mut g, "r");
        assert!(g.schedule().is_empty());
        press(&mut g, "u");
        assert_eq!(g.message(), Some("Nothing to undo: this is the start."));
        press(&mut g, "7");
        assert_eq!(g.message(), Some("There is no lane 7: the lanes are 1 to 2."));
    }

    #[test]
    fn a_lost_update_reaches_the_adders_goal() {
        let mut g = game("adders");
        // p1 reads 0; p2 runs all five additions; p1 writes 1 over 15, then finishes.
        press(&mut g, "1");
        press(&mut g, &"2".repeat(15));
        press(&mut g, &"1".repeat(14));
        assert_eq!(g.status(), Status::Won);
        assert_eq!(g.program().value(g.state(), 0), 5);
        press(&mut g, "1");
        assert_eq!(g.message(), Some("The run is over: u undoes the last step, r starts again."));
    }
}
