//! Text for a terminal: the columns a string takes (a Chinese character takes
//! two), padding and truncating by those columns, and the width to wrap at.

use std::borrow::Cow;
use std::io::IsTerminal;
use std::sync::OnceLock;

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
    // Decided on the text as written: a space is where ASCII text may break.
    let ascii = text.is_ascii();
    let glued = glue_units(text);
    let text = glued.as_str();
    let separator = if ascii {
        textwrap::WordSeparator::AsciiSpace
    } else {
        textwrap::WordSeparator::UnicodeBreakProperties
    };
    let options =
        textwrap::Options::new(width).initial_indent(first).subsequent_indent(rest).word_separator(separator);
    textwrap::fill(text, options).replace(NO_BREAK, " ")
}

/// A space no line breaks at, put between a number and its unit while wrapping.
const NO_BREAK: char = '\u{a0}';

/// `text` with the space between a number and its unit (`5.06 s`, `64 KiB`)
/// made one that no line breaks at.
fn glue_units(text: &str) -> String {
    const UNITS: [&str; 9] = ["s", "ms", "µs", "ns", "bytes", "KiB", "MiB", "MB", "GB"];
    let mut out = String::with_capacity(text.len());
    let mut previous = ' ';
    for (i, c) in text.char_indices() {
        let unit = || {
            let after = &text[i + 1..];
            let word = after.split(|c: char| !c.is_alphanumeric() && c != 'µ').next().unwrap_or("");
            UNITS.contains(&word)
        };
        out.push(if c == ' ' && previous.is_ascii_digit() && unit() { NO_BREAK } else { c });
        previous = c;
    }
    out
}

/// The one of `names` nearest to what was typed, if one is near enough to be
/// a typo of it: for the "did you mean" of every unknown name. Case is no part
/// of a typo: JOIN-DAEMON is as near to join-daemon as Join-Daemon.
pub fn nearest<'n>(typed: &str, names: impl IntoIterator<Item = &'n str>) -> Option<&'n str> {
    let typed = typed.to_lowercase();
    names
        .into_iter()
        .map(|name| (strsim::jaro_winkler(&typed, name), name))
        .filter(|(score, _)| *score > 0.7)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, name)| name)
}

/// The columns to wrap at: the terminal's width when stdout is one, else
/// `COLUMNS` when it is set (a piped or redirected run can be told its width),
/// else the width of the terminal the command was typed in (`| less`: stderr
/// is still that terminal), else 100. Never under 40 nor over 400.
pub fn width() -> usize {
    let terminal = || crossterm::terminal::size().ok().map(|(cols, _)| usize::from(cols)).filter(|&c| c > 0);
    let columns = || std::env::var("COLUMNS").ok().and_then(|c| c.trim().parse::<usize>().ok());
    let chosen = if std::io::stdout().is_terminal() {
        terminal()
    } else {
        columns().or_else(|| std::io::stderr().is_terminal().then(terminal).flatten())
    };
    chosen.map_or(100, |c| c.clamp(40, 400))
}

/// Whether the terminal can show the tutor's symbols (box drawing, blocks,
/// `▸`, `×`, `✓`…): not when `TERM` is `dumb`, nor when the locale names a
/// charset other than UTF-8 (`LANG=C`, `en_US.ISO-8859-1`). Read once.
pub fn unicode() -> bool {
    static UNICODE: OnceLock<bool> = OnceLock::new();
    *UNICODE.get_or_init(|| {
        if std::env::var("TERM").is_ok_and(|t| t == "dumb") {
            return false;
        }
        crate::lang::locale(&["LC_ALL", "LC_CTYPE", "LANG"]).is_none_or(|l| {
            let l = l.to_ascii_lowercase();
            l.contains("utf-8") || l.contains("utf8")
        })
    })
}

/// Every symbol the tutor draws, and its ASCII form for a terminal that
/// cannot show it ([`unicode`] is false).
const ASCII_FORMS: &[(char, &str)] = &[
    ('━', "="),
    ('─', "-"),
    ('│', "|"),
    ('┬', "+"),
    ('┴', "+"),
    ('▸', ">"),
    ('·', "-"),
    ('×', "x"),
    ('✓', "*"),
    ('✗', "x"),
    ('≡', "="),
    ('⏸', "||"),
    ('…', "..."),
    ('→', "->"),
    ('–', "-"),
    ('—', "-"),
    ('µ', "u"),
    ('›', ">"),
    ('↑', "^"),
    ('↓', "v"),
    ('▏', "|"),
    ('█', "#"),
    ('▉', "#"),
    ('▊', "#"),
    ('▋', "#"),
    ('▌', "#"),
    ('▍', "#"),
    ('▎', "#"),
    ('░', "."),
    ('▒', "="),
];

/// `text` with every symbol of the tutor's in its ASCII form (see
/// [`ASCII_FORMS`]); letters of any script are left as they are.
pub fn ascii(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match ASCII_FORMS.iter().find(|(symbol, _)| *symbol == c) {
            Some((_, form)) => out.push_str(form),
            None => out.push(c),
        }
    }
    out
}

/// `text` as this terminal can show it: unchanged where [`unicode`] holds,
/// else in [`ascii`].
pub fn glyphs(text: &str) -> Cow<'_, str> {
    if unicode() || text.is_ascii() {
        Cow::Borrowed(text)
    } else {
        Cow::Owned(ascii(text))
    }
}

/// A writer that passes on what is written to it as [`glyphs`] would: in
/// ASCII where the terminal cannot show the tutor's symbols. For pages written
/// piece by piece (each piece a whole `str`).
pub struct Glyphs<W>(pub W);

impl<W: std::io::Write> std::io::Write for Glyphs<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match std::str::from_utf8(buf) {
            Ok(text) if !unicode() && !text.is_ascii() => {
                self.0.write_all(ascii(text).as_bytes())?;
                Ok(buf.len())
            }
            _ => self.0.write(buf),
        }
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.0.flush()
    }
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

    #[test]
    fn a_number_keeps_its_unit() {
        let wrapped = fill("p1.join(6) returned after 5.06 s, before its timeout", 30, "", "");
        assert!(wrapped.contains("5.06 s"), "{wrapped}");
        assert_eq!(fill("2 sleeps", 80, "", ""), "2 sleeps");
        assert!(!fill("join-daemon runs in 5 s", 12, "", "").contains("join-\n"), "no break at a hyphen");
    }

    #[test]
    fn every_symbol_has_an_ascii_form() {
        assert_eq!(ascii("━━ Scene 1/2 · p1 ┴ 2× faster ✓ ≡ ▸ …"), "== Scene 1/2 - p1 + 2x faster * = > ...");
        assert_eq!(ascii("进程 █░▒"), "进程 #.=");
        assert!(ASCII_FORMS.iter().all(|(_, form)| form.is_ascii()));
    }
}
