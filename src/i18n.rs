//! The tutor's words in the reader's language.
//!
//! English is written where it is used: in the lesson files and in the code,
//! as the format strings that compute each note from the run. Chinese lives in
//! `lessons/zh/`: one file per lesson (its title, summary, scene titles,
//! questions, and the notes its code writes) and `tutor.toml` for the words of
//! the Stage, the timeline, the menu and the pages. A note is translated by
//! its English pattern: `{}` in the pattern stands for a value computed by the
//! run, and the Chinese takes those values by number, `{1}`, `{2}`, …, so the
//! numbers stay this run's own. Whatever has no translation stays English.

use std::borrow::Cow;
use std::sync::OnceLock;

use unicode_width::UnicodeWidthStr;

use crate::catalogue;
use crate::events::{Event, Kind};

pub use crate::lang::{from_env, lang, locale, set, Lang};

/// `text` in the language in use; unchanged in English or when no pattern matches.
pub fn tr(text: &str) -> String {
    match lang() {
        Lang::En => text.to_string(),
        Lang::Zh => translate(text).unwrap_or_else(|| text.to_string()),
    }
}

/// `event` with its text in the language in use. What the demo itself prints
/// (`say`) stays as the program printed it; a scene's title comes from the
/// catalogue, already translated.
pub fn localise(event: &Event) -> Cow<'_, Event> {
    if lang() == Lang::En || matches!(event.kind, Kind::Say | Kind::Scene) || event.text.is_empty() {
        return Cow::Borrowed(event);
    }
    match translate(&event.text) {
        Some(text) => Cow::Owned(Event { text, ..event.clone() }),
        None => Cow::Borrowed(event),
    }
}

/// `text` in Chinese, if a pattern matches it.
pub fn translate(text: &str) -> Option<String> {
    patterns().iter().find_map(|pattern| pattern.apply(text))
}

/// Every pattern, the most specific first (see [`Pattern::anchor_len`]).
fn patterns() -> &'static [Pattern] {
    static PATTERNS: OnceLock<Vec<Pattern>> = OnceLock::new();
    PATTERNS.get_or_init(|| {
        let mut all: Vec<Pattern> = catalogue::translations()
            .map(|note| Pattern::new(&note.en, &note.zh))
            // A pattern of holes alone would match anything.
            .filter(|pattern| pattern.literal_len() > 0)
            .collect();
        all.sort_by_key(|p| std::cmp::Reverse((p.anchor_len(), p.literal_len())));
        all
    })
}

/// An English pattern split at its holes, and the Chinese to fill in.
struct Pattern {
    /// The literal pieces around the holes: one more than there are holes.
    pieces: Vec<String>,
    zh: String,
}

impl Pattern {
    fn new(en: &str, zh: &str) -> Pattern {
        let mut pieces = vec![String::new()];
        let mut chars = en.chars().peekable();
        while let Some(c) = chars.next() {
            match (c, chars.peek()) {
                ('{', Some('{')) | ('}', Some('}')) => {
                    chars.next();
                    pieces.last_mut().expect("never empty").push(c);
                }
                ('{', Some('}')) => {
                    chars.next();
                    pieces.push(String::new());
                }
                _ => pieces.last_mut().expect("never empty").push(c),
            }
        }
        Pattern { pieces, zh: zh.to_string() }
    }

    /// How much fixed text the pattern starts and ends with: a pattern that
    /// is pinned at both ends is more specific than one that floats.
    fn anchor_len(&self) -> usize {
        match self.pieces.as_slice() {
            [only] => only.len(),
            [first, .., last] => first.len() + last.len(),
            [] => 0,
        }
    }

    fn literal_len(&self) -> usize {
        self.pieces.iter().map(String::len).sum()
    }

    /// The Chinese for `text`, if `text` is this pattern with its holes filled.
    fn apply(&self, text: &str) -> Option<String> {
        let (first, last) = (&self.pieces[0], self.pieces.last().expect("never empty"));
        if !text.starts_with(first.as_str()) || !text.ends_with(last.as_str()) {
            return None;
        }
        let mut values = Vec::with_capacity(self.pieces.len() - 1);
        if !fill(&self.pieces[1..], &text[first.len()..], &mut values) {
            return None;
        }
        // A value may itself be words with a pattern ("exited with code 0" in
        // "p1 exited with code 0 after 5.02 s"); each is shorter than `text`.
        let values: Vec<String> = values.iter().map(|v| translate_value(v)).collect();
        Some(substitute(&self.zh, &values))
    }
}

/// A value that filled a hole, translated if it is words with a pattern. A
/// value padded to a table's column (`{:<27}`) is padded again to the same
/// columns, which a Chinese character counts two of.
fn translate_value(value: &str) -> String {
    let words = value.trim_end();
    match translate(words) {
        Some(zh) if words.len() < value.len() => crate::text::pad(&zh, value.width()),
        Some(zh) => zh,
        None => value.to_string(),
    }
}

/// Matches `text` against holes, each followed by one of `pieces`, collecting
/// what fills each hole. The last piece must end the text; a hole takes the
/// shortest text that lets the rest match.
fn fill<'t>(pieces: &[String], text: &'t str, values: &mut Vec<&'t str>) -> bool {
    let Some((piece, rest)) = pieces.split_first() else {
        return text.is_empty();
    };
    if rest.is_empty() {
        return match text.len().checked_sub(piece.len()) {
            Some(at) if text.is_char_boundary(at) && text[at..] == **piece => {
                values.push(&text[..at]);
                true
            }
            _ => false,
        };
    }
    let mut from = 0;
    while let Some(found) = text[from..].find(piece.as_str()).map(|i| i + from) {
        values.push(&text[..found]);
        if fill(rest, &text[found + piece.len()..], values) {
            return true;
        }
        values.pop();
        from = found + text[found..].chars().next().map_or(1, char::len_utf8);
    }
    false
}

/// `zh` with `{1}`, `{2}`, … (or `{}`, the next) replaced by `values`.
fn substitute(zh: &str, values: &[String]) -> String {
    let mut out = String::with_capacity(zh.len() + 16);
    let mut next = 0;
    let mut rest = zh;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open].replace("}}", "}"));
        let after = &rest[open + 1..];
        if let Some(after_brace) = after.strip_prefix('{') {
            out.push('{');
            rest = after_brace;
            continue;
        }
        let close = after.find('}').unwrap_or(after.len());
        let index = match after[..close].parse::<usize>() {
            Ok(n) => n.saturating_sub(1),
            Err(_) => next,
        };
        next = index + 1;
        out.push_str(values.get(index).map_or("", String::as_str));
        rest = after.get(close + 1..).unwrap_or("");
    }
    out.push_str(&rest.replace("}}", "}"));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pattern_takes_the_run_s_values() {
        let p = Pattern::new("{} returned after {} s: {} {}.", "{1} 在 {2} 秒后返回：{3} {4}。");
        assert_eq!(
            p.apply("p1.join(6) returned after 5.01 s: p1 exited with code 0.").as_deref(),
            Some("p1.join(6) 在 5.01 秒后返回：p1 以退出码 0 结束。"),
            "values are translated in turn"
        );
        assert_eq!(p.apply("something else"), None);
    }

    #[test]
    fn values_can_be_reordered_and_braces_kept() {
        let p = Pattern::new("{} of {{x}} is {}", "{2} 是 {{x}} 中的 {1}");
        assert_eq!(p.apply("3 of {x} is 4").as_deref(), Some("4 是 {x} 中的 3"));
    }

    #[test]
    fn a_hole_backtracks_past_an_early_match() {
        let p = Pattern::new("{} ends. {} ends.", "{1}|{2}");
        assert_eq!(p.apply("a ends. b ends. c ends.").as_deref(), Some("a|b ends. c"));
    }
}
