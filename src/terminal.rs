//! The terminal's modes, and the promise to give them back: whoever changes
//! them (step mode's single-key prompts, the full-screen menu and game) says so here
//! first, and every way out (the end, an error, a panic, Ctrl-C, SIGTERM,
//! SIGHUP) restores what the user had. The restore is async-signal-safe: the
//! saved modes are read without a lock, and restored with `tcsetattr(3)` and
//! `write(2)` only.

use std::io::{IsTerminal, Read};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::OnceLock;

/// The modes the terminal had before the tutor first changed them.
static SAVED: OnceLock<libc::termios> = OnceLock::new();
/// Whether the modes are changed now.
static CHANGED: AtomicBool = AtomicBool::new(false);
/// Whether the alternate screen (the menu) is shown now.
static ALTERNATE_SCREEN: AtomicBool = AtomicBool::new(false);

/// Whether standard input is a terminal the tutor may take keys from.
pub fn is_interactive() -> bool {
    std::io::stdin().is_terminal()
}

/// Remembers the modes as they are, before anything changes them. Returns
/// false when standard input is not a terminal.
fn save() -> bool {
    if SAVED.get().is_some() {
        return true;
    }
    // SAFETY: tcgetattr only writes the struct it is given.
    let mut modes: libc::termios = unsafe { std::mem::zeroed() };
    if unsafe { libc::tcgetattr(0, &mut modes) } != 0 {
        return false;
    }
    let _ = SAVED.set(modes);
    true
}

/// Single keys without Enter and without echo, Ctrl-C arriving as a key;
/// output still turns `\n` into a new line. Returns false when standard input
/// is not a terminal (then nothing changes).
pub fn keys_mode() -> bool {
    if !save() {
        return false;
    }
    let mut modes = *SAVED.get().expect("saved above");
    modes.c_lflag &= !(libc::ICANON | libc::ECHO | libc::ISIG);
    modes.c_cc[libc::VMIN] = 1;
    modes.c_cc[libc::VTIME] = 0;
    CHANGED.store(true, Ordering::SeqCst);
    // SAFETY: tcsetattr reads the struct it is given.
    unsafe { libc::tcsetattr(0, libc::TCSANOW, &modes) == 0 }
}

/// While a lesson runs between pauses: keys typed are not echoed into the
/// lesson's output (they are thrown away at the next pause), and Ctrl-C still
/// interrupts. Returns false when standard input is not a terminal.
pub fn quiet_mode() -> bool {
    if !save() {
        return false;
    }
    let mut modes = *SAVED.get().expect("saved above");
    modes.c_lflag &= !libc::ECHO;
    CHANGED.store(true, Ordering::SeqCst);
    // SAFETY: tcsetattr reads the struct it is given.
    unsafe { libc::tcsetattr(0, libc::TCSANOW, &modes) == 0 }
}

/// Throws away what was typed and not yet read: a key pressed while a lesson
/// ran must not answer the next prompt.
pub fn discard_typed_ahead() {
    // SAFETY: tcflush on standard input; harmless when it is not a terminal.
    unsafe { libc::tcflush(0, libc::TCIFLUSH) };
}

/// The terminal, taken for a full-screen page (the menu, the explorer's
/// game): raw mode, the alternate screen, no cursor, until dropped; every
/// other way out (a panic, a signal) gives it back through [`restore`].
pub struct FullScreen;

impl FullScreen {
    /// Takes the terminal.
    ///
    /// # Errors
    /// The terminal's modes could not be set, or the screen written.
    pub fn take() -> std::io::Result<FullScreen> {
        save();
        CHANGED.store(true, Ordering::SeqCst);
        ALTERNATE_SCREEN.store(true, Ordering::SeqCst);
        crossterm::terminal::enable_raw_mode()?;
        crossterm::execute!(
            std::io::stdout(),
            crossterm::terminal::EnterAlternateScreen,
            crossterm::cursor::Hide
        )?;
        Ok(FullScreen)
    }
}

impl Drop for FullScreen {
    fn drop(&mut self) {
        use crossterm::{cursor, execute, terminal};
        let _ = execute!(std::io::stdout(), cursor::Show, terminal::LeaveAlternateScreen);
        let _ = terminal::disable_raw_mode();
        restore();
    }
}

/// Puts back the modes and the screen the user had. Async-signal-safe.
/// Each flag is cleared only after its restore is done, so that a signal
/// arriving in the middle of a restore finds it still to do, and does it again.
pub fn restore() {
    if ALTERNATE_SCREEN.load(Ordering::SeqCst) {
        // Leave the alternate screen, show the cursor.
        let leave = b"\x1b[?1049l\x1b[?25h";
        // SAFETY: write(2) is async-signal-safe.
        unsafe { libc::write(1, leave.as_ptr().cast(), leave.len()) };
        ALTERNATE_SCREEN.store(false, Ordering::SeqCst);
    }
    if CHANGED.load(Ordering::SeqCst) {
        if let Some(modes) = SAVED.get() {
            // SAFETY: tcsetattr(3) is async-signal-safe and reads the saved struct.
            unsafe { libc::tcsetattr(0, libc::TCSANOW, modes) };
        }
        CHANGED.store(false, Ordering::SeqCst);
    }
}

/// Reads one key from standard input (in [`keys_mode`]); `None` when input
/// has run out or cannot be read.
pub fn read_key() -> Option<u8> {
    let mut byte = [0u8; 1];
    match std::io::stdin().lock().read(&mut byte) {
        Ok(1) => Some(byte[0]),
        _ => None,
    }
}

/// Keys that end a run at any pause: q, Esc, and Ctrl-C (which arrives as a
/// key while keys are read one by one).
pub fn quit_key(byte: u8) -> Option<Quit> {
    match byte {
        b'q' | b'Q' | 0x1b => Some(Quit { interrupted: false }),
        0x03 => Some(Quit { interrupted: true }),
        _ => None,
    }
}

/// The learner quit at a pause. A lesson unwinds with this as its payload (no
/// panic message: the panic hook does not run for `resume_unwind`), every
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
