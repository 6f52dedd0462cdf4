//! Which language the tutor speaks in this run: chosen once, at start-up, by
//! `--lang` or the locale, and read by whatever has words in two languages
//! (the catalogue, the localising sink, the pages).

use std::sync::OnceLock;

/// A language the tutor speaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Lang {
    /// English, the default.
    En,
    /// Simplified Chinese.
    Zh,
}

static LANG: OnceLock<Lang> = OnceLock::new();

/// Sets the language for the rest of the run; the first call wins.
pub fn set(lang: Lang) {
    let _ = LANG.set(lang);
}

/// The language in use: as set, else English.
pub fn lang() -> Lang {
    LANG.get().copied().unwrap_or(Lang::En)
}

/// The language the environment asks for: the first of `LC_ALL`, `LC_MESSAGES`
/// and `LANG` that is set decides (`zh_CN.UTF-8` asks for Chinese).
pub fn from_env() -> Lang {
    match locale(&["LC_ALL", "LC_MESSAGES", "LANG"]) {
        Some(locale) if locale.to_ascii_lowercase().starts_with("zh") => Lang::Zh,
        _ => Lang::En,
    }
}

/// The locale the first of `variables` that is set and not empty names (the
/// POSIX order: `LC_ALL`, then the category's own, then `LANG`).
pub fn locale(variables: &[&str]) -> Option<String> {
    variables.iter().filter_map(|name| std::env::var(name).ok()).find(|value| !value.is_empty())
}
