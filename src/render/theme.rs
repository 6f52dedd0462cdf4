//! Colours that stay readable on the terminal in use: a dark background (the
//! bright colours), a light one, a projector's washed-out white (the dark
//! colours), or one we cannot tell (colours that read on both, and notes in
//! the terminal's own foreground).
//!
//! `--theme auto` (the default) asks: `COLORFGBG` when the terminal sets it,
//! else the terminal itself (an OSC 11 query for its background, answered
//! within milliseconds by the terminals that can, skipped at once by those
//! that cannot). Only a coloured run asks.

use std::sync::OnceLock;
use std::time::Duration;

use clap::ValueEnum;
use crossterm::style::Color;

use crate::events::LaneState;

/// The background the colours are chosen for (`--theme`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Theme {
    /// Ask the terminal (`COLORFGBG`, or an OSC 11 query); if it does not say,
    /// colours readable on either.
    Auto,
    /// A dark background: bright colours.
    Dark,
    /// A light background, or a projector: dark colours.
    Light,
}

/// What a piece of text is, for its colour.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ink {
    /// The tutor's explanation.
    Note,
    /// The mark before it.
    Marker,
    /// A measured figure.
    Measure,
    /// A warning.
    Warn,
    /// A lane ended by a signal.
    Killed,
    /// A mark of something done (`✓`).
    Done,
    /// A key moment's letter on a timeline (J, T).
    Moment,
    /// The n-th lane to appear (main has none).
    Lane(usize),
    /// A timeline's cell.
    State(LaneState),
}

/// A colour for each [`Ink`]; `None` is the terminal's own foreground.
struct Palette {
    note: Option<Color>,
    /// The `▸` before a note.
    marker: Color,
    measure: Color,
    warn: Color,
    moment: Color,
    lanes: [Color; 6],
    running: Color,
    sleeping: Color,
    blocked: Color,
}

/// Bright on black.
const DARK: Palette = Palette {
    note: Some(Color::Yellow),
    marker: Color::Yellow,
    measure: Color::Cyan,
    warn: Color::Red,
    moment: Color::Yellow,
    lanes: [Color::Cyan, Color::Green, Color::Magenta, Color::Blue, Color::Yellow, Color::Red],
    running: Color::Green,
    sleeping: Color::Blue,
    blocked: Color::Red,
};

/// Dark on white: notes, measures and warnings in colours with a contrast of
/// 4.5 or more there in xterm's, Tango's and VGA's palettes; lane names and
/// cells 2 or more. No bright yellow, cyan or green (1.1 to 1.6 there).
const LIGHT: Palette = Palette {
    note: Some(Color::DarkBlue),
    marker: Color::DarkBlue,
    measure: Color::DarkMagenta,
    warn: Color::DarkRed,
    moment: Color::DarkMagenta,
    lanes: [
        Color::DarkMagenta,
        Color::DarkBlue,
        Color::DarkRed,
        Color::DarkGreen,
        Color::DarkCyan,
        Color::Blue,
    ],
    running: Color::DarkGreen,
    sleeping: Color::Blue,
    blocked: Color::DarkRed,
};

/// Background unknown: colours with a contrast of about 3 or more on black
/// and on white in xterm's, Tango's and VGA's palettes (red, blue, dark
/// magenta); notes in the terminal's own foreground, the most readable of all.
const EITHER: Palette = Palette {
    note: None,
    marker: Color::DarkMagenta,
    measure: Color::Blue,
    warn: Color::Red,
    moment: Color::DarkMagenta,
    lanes: [Color::Blue, Color::DarkMagenta, Color::Red, Color::Magenta, Color::DarkGreen, Color::DarkCyan],
    running: Color::DarkGreen,
    sleeping: Color::Blue,
    blocked: Color::Red,
};

static CHOSEN: OnceLock<Theme> = OnceLock::new();

/// Chooses the theme for the rest of the run; the first call wins. Nothing is
/// asked of the terminal until a colour is first needed.
pub fn set(theme: Theme) {
    let _ = CHOSEN.set(theme);
}

/// The colour of `ink` in the theme chosen (asking the terminal, the first
/// time, under `auto`); `None` for the terminal's own foreground.
pub fn color(ink: Ink) -> Option<Color> {
    static PALETTE: OnceLock<&'static Palette> = OnceLock::new();
    let palette = PALETTE.get_or_init(|| match CHOSEN.get().copied().unwrap_or(Theme::Auto) {
        Theme::Dark => &DARK,
        Theme::Light => &LIGHT,
        Theme::Auto => match detect() {
            Some(Theme::Dark) => &DARK,
            Some(Theme::Light) => &LIGHT,
            _ => &EITHER,
        },
    });
    Some(match ink {
        Ink::Note => return palette.note,
        Ink::Marker => palette.marker,
        Ink::Measure => palette.measure,
        Ink::Warn | Ink::Killed => palette.warn,
        Ink::Done => palette.running,
        Ink::Moment => palette.moment,
        Ink::Lane(n) => palette.lanes[n % palette.lanes.len()],
        Ink::State(LaneState::Running) => palette.running,
        Ink::State(LaneState::Sleeping) => palette.sleeping,
        Ink::State(LaneState::Blocked) => palette.blocked,
    })
}

/// The terminal's background, if it says: `COLORFGBG` first (rxvt, Konsole,
/// …: `15;0` is white on black), else an OSC 11 query of the terminal.
fn detect() -> Option<Theme> {
    if let Some(theme) = std::env::var("COLORFGBG").ok().as_deref().and_then(from_colorfgbg) {
        return Some(theme);
    }
    let mut options = terminal_colorsaurus::QueryOptions::default();
    // A local terminal answers in a few milliseconds; one that cannot answer
    // is found out at once (it answers the device-attributes query sent along).
    options.timeout = Duration::from_millis(150);
    match terminal_colorsaurus::theme_mode(options).ok()? {
        terminal_colorsaurus::ThemeMode::Dark => Some(Theme::Dark),
        terminal_colorsaurus::ThemeMode::Light => Some(Theme::Light),
    }
}

/// The theme `COLORFGBG` (`fg;bg` or `fg;default;bg`, ANSI colour numbers)
/// names: the background's number 0–6 or 8 is dark, 7 or 9–15 light.
fn from_colorfgbg(value: &str) -> Option<Theme> {
    let background: u8 = value.rsplit(';').next()?.trim().parse().ok()?;
    match background {
        0..=6 | 8 => Some(Theme::Dark),
        7 | 9..=15 => Some(Theme::Light),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colorfgbg_names_the_background() {
        assert_eq!(from_colorfgbg("15;0"), Some(Theme::Dark));
        assert_eq!(from_colorfgbg("0;15"), Some(Theme::Light));
        assert_eq!(from_colorfgbg("0;default;15"), Some(Theme::Light));
        assert_eq!(from_colorfgbg("12;8"), Some(Theme::Dark));
        assert_eq!(from_colorfgbg("default"), None);
        assert_eq!(from_colorfgbg(""), None);
    }

    #[test]
    fn no_bright_colour_is_used_on_white() {
        let bright = [Color::Yellow, Color::Cyan, Color::Green, Color::White, Color::Grey];
        let inks = [LIGHT.measure, LIGHT.warn, LIGHT.moment, LIGHT.running, LIGHT.blocked];
        for color in LIGHT.lanes.iter().chain(&inks).chain(LIGHT.note.as_ref()) {
            assert!(!bright.contains(color), "{color:?}");
        }
    }
}
