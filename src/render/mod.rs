//! Drawing for a reader: events as coloured, aligned lines or as NDJSON, and the
//! `list` and `show` pages.

pub mod chrome;
mod file;
mod human;
mod json;
mod localised;
mod pages;
pub mod svg;
mod timeline;

use std::io::IsTerminal;

use clap::ValueEnum;
use crossterm::style::{Color, Stylize};

pub use file::FileAtEnd;
pub use human::{Human, Timelines};
pub use json::{Json, NdjsonFile};
pub use localised::Localised;
pub use pages::{print_header, print_list, print_list_json, print_progress, print_reading, print_show};

/// When to use colour (`--color`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    /// Colour when stdout is a terminal, `NO_COLOR` is unset and `TERM` is not `dumb`.
    Auto,
    /// Always colour.
    Always,
    /// Never colour.
    Never,
}

impl ColorChoice {
    /// Whether to colour stdout.
    pub fn enabled(self) -> bool {
        match self {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => {
                std::io::stdout().is_terminal()
                    && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                    && std::env::var("TERM").map_or(true, |t| t != "dumb")
            }
        }
    }
}

/// Whether the terminal can show block and box-drawing characters: not when
/// `TERM` is `dumb`, nor when the locale names a charset other than UTF-8.
pub fn unicode() -> bool {
    if std::env::var("TERM").is_ok_and(|t| t == "dumb") {
        return false;
    }
    crate::i18n::locale(&["LC_ALL", "LC_CTYPE", "LANG"]).is_none_or(|l| {
        let l = l.to_ascii_lowercase();
        l.contains("utf-8") || l.contains("utf8")
    })
}

/// Applies styles only when colour is on.
#[derive(Clone, Copy)]
pub struct Paint {
    on: bool,
}

impl Paint {
    /// A painter that colours when `on`.
    pub fn new(on: bool) -> Paint {
        Paint { on }
    }

    /// Whether colour is on.
    pub fn is_on(self) -> bool {
        self.on
    }

    fn with(self, text: &str, style: impl FnOnce(&str) -> String) -> String {
        if self.on {
            style(text)
        } else {
            text.to_string()
        }
    }

    /// Bold.
    pub fn bold(self, text: &str) -> String {
        self.with(text, |t| t.bold().to_string())
    }

    /// Dim, for what matters less.
    pub fn dim(self, text: &str) -> String {
        self.with(text, |t| t.dim().to_string())
    }

    /// In a colour.
    pub fn color(self, text: &str, color: Color) -> String {
        self.with(text, |t| t.with(color).to_string())
    }
}
