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
//!
//! An event made with [`text!`](crate::text!) carries its pattern: it is
//! translated by that one pattern, found in a hash map, its values read back
//! out of its text. Text without one (a page's words, a run saved before
//! events carried patterns) is looked up as a pattern of its own, and
//! otherwise matched against every pattern, the most specific first: a guess,
//! as two patterns may match one text. A value that is itself words ("exited
//! with code 0") is translated the same way.

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::OnceLock;

use unicode_width::UnicodeWidthStr;

use crate::catalogue;
use crate::events::{pattern_key, Event, Kind};

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
///
/// An event that carries its pattern is translated by that pattern alone,
/// its values read back out of its text; one without is looked up as its own
/// pattern (a sentence with no values), and guessed only when it is not one
/// (see [`translate`]). A translated event keeps, or is given, the English
/// pattern it was translated by; a guessed one has none.
pub fn localise(event: &Event) -> Cow<'_, Event> {
    if lang() == Lang::En || matches!(event.kind, Kind::Say | Kind::Scene) || event.text.is_empty() {
        return Cow::Borrowed(event);
    }
    table().localise(event).map_or(Cow::Borrowed(event), Cow::Owned)
}

/// `text` in Chinese, if a pattern matches it: the pattern that is `text`
/// itself, or else the most specific that matches.
pub fn translate(text: &str) -> Option<String> {
    table().translate(text).map(|(zh, _)| zh)
}

/// Whether format string `pattern` (as [`text!`](crate::text!) keeps it,
/// `{name}` holes and all) has its Chinese.
pub fn knows(pattern: &str) -> bool {
    table().by_pattern(pattern).is_some()
}

/// Every English pattern with its Chinese.
struct Table {
    /// The most specific first: the order a guess tries them in.
    patterns: Vec<Pattern>,
    /// Where each is in `patterns`, by its [`pattern_key`]. The first of two with the
    /// same key wins (no two say different things: see the tests).
    by_key: HashMap<String, usize>,
}

impl Table {
    /// The patterns `(en, zh)`.
    fn new<'a>(notes: impl Iterator<Item = (&'a str, &'a str)>) -> Table {
        let mut patterns: Vec<Pattern> = notes
            .map(|(en, zh)| Pattern::new(en, zh))
            // A pattern of holes alone would match anything.
            .filter(|pattern| pattern.literal_len() > 0)
            .collect();
        // Stable: of two with one key, the first in the files stays first.
        patterns.sort_by_key(|p| std::cmp::Reverse((p.anchor_len(), p.literal_len())));
        let mut by_key = HashMap::with_capacity(patterns.len());
        for (at, pattern) in patterns.iter().enumerate() {
            by_key.entry(pattern.key.clone()).or_insert(at);
        }
        Table { patterns, by_key }
    }

    /// `event` in Chinese, if it has a translation (see [`localise`]).
    fn localise(&self, event: &Event) -> Option<Event> {
        let (text, pattern) = match &event.pattern {
            Some(pattern) => (self.by_pattern(pattern)?.apply(&event.text)?, event.pattern.clone()),
            None => {
                let (text, own) = self.translate(&event.text)?;
                (text, own.map(|own| Cow::Owned(own.key.clone())))
            }
        };
        Some(Event { text, pattern, ..event.clone() })
    }

    /// The entry for format string `pattern`, whatever its holes hold
    /// (`{name}`, `{:.2}`, `{}`).
    fn by_pattern(&self, pattern: &str) -> Option<&Pattern> {
        self.by_key.get(&pattern_key(pattern)).map(|&at| &self.patterns[at])
    }

    /// `text`, of no known pattern, in Chinese: exactly, by the pattern that
    /// is `text` itself (returned too), or else by a guess, the first pattern
    /// it matches (two may match one text).
    fn translate(&self, text: &str) -> Option<(String, Option<&Pattern>)> {
        match self.by_pattern(&escape(text)) {
            Some(own) => Some((own.zh_plain(), Some(own))),
            None => self.patterns.iter().find_map(|pattern| pattern.apply(text)).map(|zh| (zh, None)),
        }
    }
}

fn table() -> &'static Table {
    static TABLE: OnceLock<Table> = OnceLock::new();
    TABLE.get_or_init(|| {
        Table::new(catalogue::translations().map(|note| (note.en.as_str(), note.zh.as_str())))
    })
}

/// `text` as a pattern with no holes: its braces doubled.
fn escape(text: &str) -> Cow<'_, str> {
    if text.contains(['{', '}']) {
        Cow::Owned(text.replace('{', "{{").replace('}', "}}"))
    } else {
        Cow::Borrowed(text)
    }
}

/// An English pattern split at its holes, and the Chinese to fill in.
struct Pattern {
    /// The English, its holes written `{}` (see [`pattern_key`]).
    key: String,
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
        Pattern { key: pattern_key(en), pieces, zh: zh.to_string() }
    }

    /// The Chinese of a pattern without holes.
    fn zh_plain(&self) -> String {
        substitute(&self.zh, &[])
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

    fn note(text: &str, pattern: Option<&'static str>) -> Event {
        let mut event = Event::new(0.0, "tutor", 1, Kind::Note, text);
        event.pattern = pattern.map(Cow::Borrowed);
        event
    }

    #[test]
    fn a_tagged_event_is_translated_by_its_own_pattern_alone() {
        let table = Table::new(
            [("{} ended {}", "甲：{1}，{2}"), ("{} ended with code {}", "乙：{1} 以 {2} 结束")].into_iter(),
        );
        let text = "p1 ended with code 0";
        let guessed = table.localise(&note(text, None)).expect("a guess");
        assert_eq!(guessed.text, "乙：p1 以 0 结束", "untagged, the more specific pattern is guessed");
        assert_eq!(guessed.pattern, None, "a guess names no pattern");
        let tagged = table.localise(&note(text, Some("{name} ended {how}"))).expect("its own pattern");
        assert_eq!(tagged.text, "甲：p1，with code 0");
        assert_eq!(tagged.pattern.as_deref(), Some("{name} ended {how}"));
        assert_eq!(
            table.localise(&note(text, Some("{name} stopped {how}"))),
            None,
            "no guess for a tagged text"
        );
    }

    #[test]
    fn a_text_without_a_pattern_is_first_its_own() {
        let table = Table::new([("{} done", "{1} 完成"), ("{{x}} done", "{{x}} 做完了")].into_iter());
        let own = table.localise(&note("{x} done", None)).expect("its own pattern");
        assert_eq!((own.text.as_str(), own.pattern.as_deref()), ("{x} 做完了", Some("{{x}} done")));
        assert_eq!(table.localise(&note("y done", None)).expect("a guess").text, "y 完成");
    }

    #[test]
    fn values_that_are_words_are_translated_in_a_tagged_text() {
        let event = note(
            "p1.join(6) returned after 5.01 s, before its timeout: p1 exited with code 0.",
            Some("{call} returned after {waited:.2} s, before its timeout: {name} {status}."),
        );
        assert_eq!(
            table().localise(&event).expect("a translation").text,
            "p1.join(6) 在 5.01 秒后返回，没有等到超时：p1 以退出码 0 结束。"
        );
    }

    #[test]
    fn each_english_pattern_is_a_key_and_has_one_chinese() {
        let mut seen = HashMap::new();
        for note in catalogue::translations() {
            assert_eq!(pattern_key(&note.en), note.en, "holes are written {{}} in lessons/zh");
            if let Some(zh) = seen.insert(note.en.as_str(), note.zh.as_str()) {
                assert_eq!(zh, note.zh, "two Chinese for {:?}", note.en);
            }
        }
    }
}
