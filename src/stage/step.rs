//! The classroom's pauses. Step mode (`lesson <id> --step`): the lesson's main
//! program stops before each explanation and at each scene start until a key
//! is pressed. Predict mode (`--predict`): before a scene runs, a question,
//! answered with a number key.
//!
//! While main waits, the Stage keeps reading its children's pipes and its
//! threads keep printing, so every line still appears when it happens, with
//! its true timestamp: a pause is main stopping at that line, like a
//! breakpoint, never the output being held back.

use std::io::Read;
use std::os::fd::AsFd;

use super::{terminal, Stage};
use crate::events::Kind;

/// Keys that end the lesson at any pause: q, Esc, and Ctrl-C (which arrives
/// as a key while keys are read one by one).
fn quit_key(byte: u8) -> Option<Quit> {
    match byte {
        b'q' | b'Q' | 0x1b => Some(Quit { interrupted: false }),
        0x03 => Some(Quit { interrupted: true }),
        _ => None,
    }
}

/// The learner quit at a pause. The lesson unwinds with this as its payload
/// (no panic message: the panic hook does not run for `resume_unwind`), every
/// child killed and reaped on the way; [`crate::lessons::run`] catches it.
#[derive(Debug, Clone, Copy)]
pub struct Quit {
    /// By Ctrl-C (exit status 130 from the shell), not by q or Esc.
    pub interrupted: bool,
}

impl std::fmt::Display for Quit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("quit at a pause; every child process was killed and reaped")
    }
}

impl std::error::Error for Quit {}

impl Stage {
    /// Turns step mode on or off.
    pub fn set_step(&mut self, step: bool) {
        self.stepping = step;
    }

    /// Turns predict mode on or off.
    pub fn set_predict(&mut self, predict: bool) {
        self.predicting = predict;
    }

    /// Whether the learner is asked to predict each scene.
    pub fn predicting(&self) -> bool {
        self.predicting
    }

    /// In step mode, waits for Enter or Space with `next` (what comes next) on show.
    pub(crate) fn pause(&mut self, next: &str) {
        if self.stepping {
            let go_on = |byte: u8| matches!(byte, b'\n' | b'\r' | b' ').then_some(());
            if self.wait_for_key(&format!("⏸  {next} · Enter: go on · q: quit"), go_on).is_none() {
                // No more input: go on to the end without stopping again.
                self.stepping = false;
            }
        }
    }

    /// Asks `question`, shows the numbered `choices`, and returns the index of
    /// the one picked with a number key (0 if input runs out).
    pub fn ask(&mut self, question: &str, choices: &[String]) -> usize {
        let listed: Vec<String> =
            choices.iter().enumerate().map(|(i, c)| format!("{}) {c}", i + 1)).collect();
        self.tutor.emit(Kind::Note, format!("Predict: {question}  {}", listed.join("   ")));
        let pick = |byte: u8| {
            let digit = (byte as char).to_digit(10)? as usize;
            (1..=choices.len()).contains(&digit).then(|| digit - 1)
        };
        self.wait_for_key(&format!("your answer, 1 to {} · q: quit", choices.len()), pick).unwrap_or(0)
    }

    /// Shows `prompt` and reads keys until `accept` takes one; `None` when input
    /// runs out. A quit key ends the lesson at once (see [`Quit`]).
    fn wait_for_key<T>(&mut self, prompt: &str, accept: impl Fn(u8) -> Option<T>) -> Option<T> {
        terminal::keys_mode();
        self.recorder.prompt(Some(prompt));
        let stdin = std::io::stdin();
        let accepted = loop {
            while !self.pump_once(None, Some(stdin.as_fd())) {}
            let mut byte = [0u8; 1];
            match stdin.lock().read(&mut byte) {
                Ok(0) | Err(_) => break None,
                Ok(_) => {
                    if let Some(quit) = quit_key(byte[0]) {
                        self.recorder.prompt(None);
                        terminal::restore();
                        self.kill_all();
                        std::panic::resume_unwind(Box::new(quit));
                    }
                    if let Some(value) = accept(byte[0]) {
                        break Some(value);
                    }
                }
            }
        };
        self.recorder.prompt(None);
        terminal::restore();
        accepted
    }
}
