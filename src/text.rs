//! Text for a terminal: the columns a string takes (a Chinese character takes
//! two), padding and truncating by those columns, and the width to wrap at.

use std::io::IsTerminal;

use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

/// The terminal columns `text` takes.
pub fn columns(text: &str) -> usize {
    text.width()
}

/// `text` padded with spaces to `columns` terminal columns.
pub fn pad(text: &str, columns: usize) -> String {
    format!("{text}{}", " ".repeat(columns.saturating_sub(text.width())))
}

/// The start of `text` that fits in `columns` terminal columns.
pub fn truncate(text: &str, columns: usize) -> String {
    let mut used = 0;
    text.chars()
        .take_while(|c| {
            used += c.width().unwrap_or(0);
            used <= columns
        })
        .collect()
}

/// `text` wrapped to `width` columns, its first line after `first`, the others
/// after `rest`, no word broken. ASCII text breaks at spaces; other text (Chinese
/// has none between words) where Unicode's line-breaking rules allow.
pub fn fill(text: &str, width: usize, first: &str, rest: &str) -> String {
    let separator = if text.is_ascii() {
        textwrap::WordSeparator::AsciiSpace
    } else {
        textwrap::WordSeparator::UnicodeBreakProperties
    };
    let options =
        textwrap::Options::new(width).initial_indent(first).subsequent_indent(rest).word_separator(separator);
    textwrap::fill(text, options)
}

/// The columns to wrap at: the terminal's width, else `COLUMNS` when it is set
/// (a piped run can be told its width), else 100.
pub fn width() -> usize {
    if std::io::stdout().is_terminal() {
        if let Ok((cols, _)) = crossterm::terminal::size() {
            return usize::from(cols).clamp(40, 400);
        }
    }
    std::env::var("COLUMNS").ok().and_then(|c| c.parse::<usize>().ok()).map_or(100, |c| c.clamp(40, 400))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chinese_characters_take_two_columns() {
        assert_eq!(pad("进程", 6), "进程  ");
        assert_eq!(pad("p1", 6), "p1    ");
        assert_eq!(truncate("共享内存", 5), "共享");
        assert_eq!(truncate("abc", 5), "abc");
        assert_eq!(columns("进程p1"), 6);
    }
}
