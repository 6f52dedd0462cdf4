//! The classroom's pauses. Step mode (`lesson <id> --step`): the lesson's main
//! program stops before each explanation and at each scene start until a key
//! is pressed. Predict mode (`--predict`): before a scene runs, a question,
//! answered with a number key.
//!
//! While main waits, the Stage keeps reading its children's pipes and its
//! threads keep printing, so every line still appears when it happens, with
//! its true timestamp: a pause is main stopping at that line, like a
//! breakpoint, never the output being held back.

use std::os::fd::AsFd;

use super::Stage;
use crate::events::Kind;
use crate::terminal::{self, quit_key};
use crate::text;

impl Stage {
    /// Turns step mode on or off. While it is on, keys typed between pauses
    /// are not echoed into the lesson's output.
    pub fn set_step(&mut self, step: bool) {
        self.stepping = step;
        if step {
            terminal::quiet_mode();
        }
    }

    /// Turns predict mode on or off (keys typed between questions are not echoed).
    pub fn set_predict(&mut self, predict: bool) {
        self.predicting = predict;
        if predict {
            terminal::quiet_mode();
        }
    }

    /// Whether the learner is asked to predict each scene.
    pub fn predicting(&self) -> bool {
        self.predicting
    }

    /// In step mode, waits for Enter or Space with `next` (what comes next) on show.
    pub(crate) fn pause(&mut self, next: &str) {
        if let Some(pause) = test_pause() {
            // The tests' stand-in for a teacher who talks at every stop.
            self.clock.paused(|| std::thread::sleep(pause));
        }
        if self.stepping {
            let go_on = |byte: u8| matches!(byte, b'\n' | b'\r' | b' ').then_some(());
            if self.wait_for_key(&format!("⏸  {next} · Enter: go on · q: quit"), go_on).is_none() {
                // No more input: go on to the end without stopping again.
                self.stepping = false;
            }
        }
    }

    /// Asks `question`, shows the numbered `choices`, and returns the index of
    /// the one picked with a number key; `None` when no answer can be had
    /// (input ran out).
    pub fn ask(&mut self, question: &str, choices: &[String]) -> Option<usize> {
        let listed: Vec<String> =
            choices.iter().enumerate().map(|(i, c)| format!("{}) {c}", i + 1)).collect();
        self.tutor.emit(Kind::Note, text!("Predict: {question}  {}", listed.join("   ")));
        let pick = |byte: u8| {
            let digit = (byte as char).to_digit(10)? as usize;
            (1..=choices.len()).contains(&digit).then(|| digit - 1)
        };
        self.wait_for_key(&format!("your answer, 1 to {} · q: quit", choices.len()), pick)
    }

    /// Shows `prompt` and reads keys until `accept` takes one; `None` when input
    /// runs out. A quit key ends the lesson at once (see [`Quit`]). The lesson
    /// is paused meanwhile: no lesson time passes for any lane. Keys typed
    /// before the prompt showed are thrown away, not taken as the answer.
    fn wait_for_key<T>(&mut self, prompt: &str, accept: impl Fn(u8) -> Option<T>) -> Option<T> {
        self.clock.pause();
        terminal::keys_mode();
        terminal::discard_typed_ahead();
        self.recorder.prompt(Some(prompt));
        let stdin = std::io::stdin();
        let accepted = loop {
            while !self.pump_once(None, Some(stdin.as_fd())) {}
            match terminal::read_key() {
                None => break None,
                Some(key) => {
                    if let Some(quit) = quit_key(key) {
                        self.recorder.prompt(None);
                        terminal::restore();
                        self.kill_all();
                        self.clock.resume();
                        std::panic::resume_unwind(Box::new(quit));
                    }
                    if let Some(value) = accept(key) {
                        break Some(value);
                    }
                    let shown = if key.is_ascii_graphic() {
                        (key as char).to_string()
                    } else {
                        format!("{key:#04x}")
                    };
                    self.recorder.prompt(Some(&format!("{prompt} · not a choice: {shown}")));
                }
            }
        };
        self.recorder.prompt(None);
        terminal::quiet_mode();
        self.clock.resume();
        accepted
    }
}

/// `CONCUR_TEST_PAUSE=SECS`: pause SECS of real time at every stop, as a
/// teacher in step mode would, without a terminal. For the tests that check
/// that a paused lesson tells the same story.
fn test_pause() -> Option<std::time::Duration> {
    let secs: f64 = std::env::var("CONCUR_TEST_PAUSE").ok()?.parse().ok()?;
    std::time::Duration::try_from_secs_f64(secs).ok()
}
