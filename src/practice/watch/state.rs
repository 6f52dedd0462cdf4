//! The watch screen's state, apart from any terminal: the exercise open, the
//! check under way or the last verdict, the hints shown, the list or the
//! reset question when one is up. Tests drive it key by key.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use crate::events::Event;

use super::super::cli::VerdictLine;
use super::super::{Exercise, EXERCISES};

/// What is up on the screen besides the exercise.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// The exercise, its run and its verdict.
    Main,
    /// "Reset this exercise?", waiting for y.
    ConfirmReset,
    /// Every exercise, one selected: Enter opens it.
    List(usize),
    /// The solution, once solved.
    Solution,
}

/// What the screen's owner must do after a key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    /// Nothing but draw again.
    Draw,
    /// Check the file again now.
    Check,
    /// Put the shipped program back (the learner's kept as a backup), and check it.
    Reset,
    /// Open this exercise.
    Open(&'static Exercise),
    /// Leave.
    Quit,
    /// Leave by Ctrl-C.
    Interrupt,
}

/// The watch screen.
pub struct Watch {
    /// The exercise open.
    pub exercise: &'static Exercise,
    /// How many hints are shown (0 to 3).
    pub hints: usize,
    /// What is up.
    pub mode: Mode,
    /// The check under way: the runs done and planned (0 done: started).
    pub checking: Option<(usize, usize)>,
    /// The deciding run of the last check.
    pub events: Vec<Event>,
    /// The last check's verdict.
    pub verdict: Option<VerdictLine>,
    /// Whether the progress file already had it solved.
    pub solved_before: bool,
    /// A line for the learner (English), until the next key.
    pub message: Option<String>,
    /// How many lines the run is scrolled up (down, when negative) from
    /// where it opens: its timeline.
    pub scroll: isize,
    /// Whether checks run on Enter rather than on each save.
    pub manual: bool,
}

impl Watch {
    /// The screen for `exercise`.
    pub fn new(exercise: &'static Exercise, solved_before: bool, manual: bool) -> Watch {
        Watch {
            exercise,
            hints: 0,
            mode: Mode::Main,
            checking: None,
            events: Vec::new(),
            verdict: None,
            solved_before,
            message: None,
            scroll: 0,
            manual,
        }
    }

    /// Whether the exercise is solved: by the last check, or before.
    pub fn solved(&self) -> bool {
        self.solved_before || self.verdict.as_ref().is_some_and(|v| v.solved)
    }

    /// A check has started.
    pub fn started(&mut self, planned: usize) {
        self.checking = Some((0, planned));
    }

    /// Run `run` of `of` of the check under way is over.
    pub fn ran(&mut self, run: usize, of: usize) {
        self.checking = Some((run, of));
    }

    /// The check is over: its deciding run and its verdict.
    pub fn judged(&mut self, events: Vec<Event>, verdict: VerdictLine) {
        self.checking = None;
        self.events = events;
        self.verdict = Some(verdict);
        self.scroll = 0;
    }

    /// Applies one key.
    pub fn key(&mut self, key: KeyEvent) -> Action {
        self.message = None;
        if key.code == KeyCode::Char('c') && key.modifiers.contains(KeyModifiers::CONTROL) {
            return Action::Interrupt;
        }
        match self.mode {
            Mode::ConfirmReset => {
                self.mode = Mode::Main;
                if matches!(key.code, KeyCode::Char('y' | 'Y')) {
                    return Action::Reset;
                }
                self.message = Some("Reset cancelled: your file is as it was.".to_string());
                Action::Draw
            }
            Mode::List(at) => match key.code {
                KeyCode::Up | KeyCode::Char('k') => {
                    self.mode = Mode::List(at.saturating_sub(1));
                    Action::Draw
                }
                KeyCode::Down | KeyCode::Char('j') => {
                    self.mode = Mode::List((at + 1).min(EXERCISES.len() - 1));
                    Action::Draw
                }
                KeyCode::Enter => {
                    self.mode = Mode::Main;
                    Action::Open(&EXERCISES[at])
                }
                KeyCode::Char('q') => Action::Quit,
                _ => {
                    self.mode = Mode::Main;
                    Action::Draw
                }
            },
            Mode::Main | Mode::Solution => match key.code {
                KeyCode::Char('q') => Action::Quit,
                KeyCode::Esc if self.mode == Mode::Main => Action::Quit,
                KeyCode::Esc | KeyCode::Char('s') if self.mode == Mode::Solution => {
                    self.mode = Mode::Main;
                    Action::Draw
                }
                KeyCode::Char('h') => {
                    match self.hints {
                        3 => {
                            self.message =
                                Some("That was the last hint: the third says what to change.".into())
                        }
                        _ => self.hints += 1,
                    }
                    Action::Draw
                }
                KeyCode::Char('r') => {
                    self.mode = Mode::ConfirmReset;
                    Action::Draw
                }
                KeyCode::Char('l') => {
                    let at = EXERCISES.iter().position(|e| e.id == self.exercise.id).unwrap_or(0);
                    self.mode = Mode::List(at);
                    Action::Draw
                }
                KeyCode::Char('n') => match (self.solved(), super::super::next_after(self.exercise.id)) {
                    (true, Some(next)) => Action::Open(next),
                    (true, None) => {
                        self.message = Some("This was the last exercise: l lists them all.".into());
                        Action::Draw
                    }
                    (false, _) => {
                        self.message =
                            Some("n goes on once this exercise is solved (l lists them all).".into());
                        Action::Draw
                    }
                },
                KeyCode::Char('s') => {
                    match self.solved() {
                        true => self.mode = Mode::Solution,
                        false => self.message = Some("The solution shows once you have solved it.".into()),
                    }
                    Action::Draw
                }
                KeyCode::Enter => Action::Check,
                KeyCode::Up | KeyCode::Char('k') => {
                    self.scroll += 1;
                    Action::Draw
                }
                KeyCode::Down | KeyCode::Char('j') => {
                    self.scroll -= 1;
                    Action::Draw
                }
                KeyCode::PageUp => {
                    self.scroll += 10;
                    Action::Draw
                }
                KeyCode::PageDown => {
                    self.scroll -= 10;
                    Action::Draw
                }
                _ => Action::Draw,
            },
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub(crate) fn press(w: &mut Watch, keys: &str) -> Action {
        let mut last = Action::Draw;
        for c in keys.chars() {
            let code = match c {
                '\n' => KeyCode::Enter,
                c => KeyCode::Char(c),
            };
            last = w.key(KeyEvent::new(code, KeyModifiers::NONE));
        }
        last
    }

    #[test]
    fn hints_come_one_by_one_and_stop_at_three() {
        let mut w = Watch::new(&EXERCISES[0], false, false);
        press(&mut w, "hhh");
        assert_eq!(w.hints, 3);
        press(&mut w, "h");
        assert!(w.message.as_deref().unwrap().starts_with("That was the last hint"));
    }

    #[test]
    fn reset_asks_first_and_next_waits_for_a_solve() {
        let mut w = Watch::new(&EXERCISES[0], false, false);
        assert_eq!(press(&mut w, "r"), Action::Draw);
        assert_eq!(w.mode, Mode::ConfirmReset);
        assert_eq!(press(&mut w, "x"), Action::Draw);
        assert_eq!(w.message.as_deref(), Some("Reset cancelled: your file is as it was."));
        assert_eq!(press(&mut w, "ry"), Action::Reset);
        assert_eq!(press(&mut w, "n"), Action::Draw);
        assert_eq!(press(&mut w, "s"), Action::Draw);
        assert_eq!(w.mode, Mode::Main, "no solution before a solve");
        w.solved_before = true;
        press(&mut w, "s");
        assert_eq!(w.mode, Mode::Solution);
        press(&mut w, "s");
        assert_eq!(w.mode, Mode::Main, "s again goes back");
        assert_eq!(press(&mut w, "n"), Action::Open(&EXERCISES[1]));
    }

    #[test]
    fn the_list_jumps_to_any_exercise() {
        let mut w = Watch::new(&EXERCISES[0], false, false);
        assert_eq!(press(&mut w, "ljjj\n"), Action::Open(&EXERCISES[3]));
        assert_eq!(press(&mut w, "q"), Action::Quit);
    }
}
