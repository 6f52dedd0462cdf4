//! The words of an event, with the pattern they were written from.
//!
//! A source writes English: `text!("{name} returned after {waited:.2} s")` is
//! `format!` that also keeps its literal, so a sink that translates (see
//! `render::Localised`) looks the Chinese up by that one pattern and reads the
//! values back out of the text, instead of guessing which of every known
//! pattern the text was made from. A plain `String` or `&str` has no pattern:
//! the translator then takes the text as its own pattern, or else guesses.

use std::borrow::Cow;

/// English text for an event, and the format string it was made from, if it
/// was made by [`text!`](crate::text!).
#[derive(Clone, Debug, PartialEq)]
pub struct Text {
    /// The format string as written in the code, holes and all
    /// (`"{name} returned after {waited:.2} s"`).
    pub pattern: Option<&'static str>,
    /// The text, its holes filled with this run's values.
    pub text: String,
}

impl Text {
    /// `text`, made from format string `pattern` (what [`text!`](crate::text!) expands to).
    pub fn new(pattern: &'static str, text: String) -> Text {
        Text { pattern: Some(pattern), text }
    }

    /// The pattern as the event carries it.
    pub(crate) fn pattern(&self) -> Option<Cow<'static, str>> {
        self.pattern.map(Cow::Borrowed)
    }
}

impl From<String> for Text {
    fn from(text: String) -> Text {
        Text { pattern: None, text }
    }
}

impl From<&str> for Text {
    fn from(text: &str) -> Text {
        Text { pattern: None, text: text.to_string() }
    }
}

impl From<&String> for Text {
    fn from(text: &String) -> Text {
        Text { pattern: None, text: text.clone() }
    }
}

impl std::fmt::Display for Text {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.text)
    }
}

/// Format string `pattern` with every hole written `{}` (`{name}`, `{:.2}`,
/// `{0:>5}` alike), and `{{` and `}}` kept: what the pattern says, without
/// how the code fills it in. The form `--json` writes a pattern in, and
/// `lessons/zh/` its English, by which the Chinese is found.
pub fn pattern_key(pattern: &str) -> String {
    let mut out = String::with_capacity(pattern.len());
    let mut chars = pattern.chars();
    while let Some(c) = chars.next() {
        out.push(c);
        match c {
            '{' => match chars.next() {
                Some('{') => out.push('{'),
                // What the hole says of its value (a name, a width) is not the pattern's.
                Some(c) => {
                    if c != '}' {
                        chars.by_ref().find(|&c| c == '}');
                    }
                    out.push('}');
                }
                None => {}
            },
            '}' => out.extend(chars.next()),
            _ => {}
        }
    }
    out
}

/// `format!` that keeps its format string: a [`Text`] for an event, whose
/// translation is looked up by that string. Takes what `format!` takes, the
/// format string a literal.
///
/// ```
/// let (name, waited) = ("p1", 5.012);
/// let text = concur_tutor::text!("{name} returned after {waited:.2} s");
/// assert_eq!(text.text, "p1 returned after 5.01 s");
/// assert_eq!(text.pattern, Some("{name} returned after {waited:.2} s"));
/// ```
#[macro_export]
macro_rules! text {
    ($pattern:literal $($args:tt)*) => {
        $crate::events::Text::new($pattern, ::std::format!($pattern $($args)*))
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pattern_s_key_writes_every_hole_alike() {
        assert_eq!(pattern_key("{name} took {:.2} s ({{x}}) {0:>5} {}"), "{} took {} s ({{x}}) {} {}");
    }
}
