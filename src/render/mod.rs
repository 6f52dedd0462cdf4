//! Drawing for a reader: events as coloured, aligned lines or as NDJSON, and the
//! `list` and `show` pages.

pub mod chrome;
mod file;
mod human;
mod json;
mod localised;
mod pages;
pub mod svg;
pub mod theme;
mod timeline;

use std::io::IsTerminal;

use clap::ValueEnum;
use crossterm::style::Stylize;

use theme::Ink;

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

    /// In the colour the theme gives `ink` (the terminal's own foreground
    /// where it gives none).
    pub fn ink(self, text: &str, ink: Ink) -> String {
        self.with(text, |t| match theme::color(ink) {
            Some(color) => t.with(color).to_string(),
            None => t.to_string(),
        })
    }
}
