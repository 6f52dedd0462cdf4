//! Step mode (`lesson <id> --step`), for a class: the lesson's main program
//! stops before each explanation and at each scene start until a key is
//! pressed. While it waits, the Stage keeps reading its children's pipes and
//! its threads keep printing, so every line still appears when it happens, with
//! its true timestamp: the pause is main stopping at that line, like a
//! breakpoint, never the output being held back.

use std::io::Read;
use std::os::fd::AsFd;

use super::{cleanup, terminal, Stage};

/// What a key pressed at a pause asks for.
enum Key {
    GoOn,
    Quit,
    Other,
}

fn key(byte: u8) -> Key {
    match byte {
        b'\n' | b'\r' | b' ' => Key::GoOn,
        // q, Esc, and Ctrl-C (which arrives as a key while keys are read one by one).
        b'q' | b'Q' | 0x1b | 0x03 => Key::Quit,
        _ => Key::Other,
    }
}

impl Stage {
    /// Turns step mode on or off.
    pub fn set_step(&mut self, step: bool) {
        self.stepping = step;
    }

    /// In step mode, waits for a key with `next` (what comes next) on show.
    /// `q` ends the lesson at once: every child killed and reaped, the
    /// terminal restored.
    pub(crate) fn pause(&mut self, next: &str) {
        if !self.stepping {
            return;
        }
        let single_keys = terminal::keys_mode();
        let enter = if single_keys { "Enter or Space" } else { "Enter" };
        self.recorder.prompt(Some(&format!("⏸  {next} · {enter}: go on · q: quit")));
        let stdin = std::io::stdin();
        loop {
            self.pump(None, Some(stdin.as_fd()), |_| false);
            let mut byte = [0u8; 1];
            match stdin.lock().read(&mut byte) {
                // No more input: go on to the end without stopping again.
                Ok(0) | Err(_) => {
                    self.stepping = false;
                    break;
                }
                Ok(_) => match key(byte[0]) {
                    Key::GoOn => break,
                    Key::Quit => {
                        self.recorder.prompt(None);
                        eprintln!("concur-tutor: quit at a pause; every child process was killed and reaped");
                        cleanup::exit_quietly(0);
                    }
                    Key::Other => {}
                },
            }
        }
        self.recorder.prompt(None);
        terminal::restore();
    }
}
