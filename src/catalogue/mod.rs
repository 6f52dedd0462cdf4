//! The lesson catalogue: every lesson's data (title, summary, scenes, the Python
//! idiom of each scene, questions, further reading, the code that runs) and its
//! Chinese. `build.rs` reads and checks `lessons/` at build time; the program
//! reads the result from its own binary, so an installed binary needs no files
//! and a start pays no parsing.

mod data;

use std::sync::OnceLock;

use crate::lang::{self, Lang};

pub use data::{Catalogue, Check, Chinese, Lesson, LessonText, Link, Note, Question, Scene, SceneText};

/// What build.rs read, checked and packed.
fn catalogue() -> &'static Catalogue {
    static CATALOGUE: OnceLock<Catalogue> = OnceLock::new();
    CATALOGUE.get_or_init(|| {
        postcard::from_bytes(include_bytes!(concat!(env!("OUT_DIR"), "/catalogue.bin")))
            .expect("build.rs packs the catalogue in the format this binary reads")
    })
}

/// The Chinese of the catalogue and of the tutor.
fn chinese_texts() -> &'static Chinese {
    static CHINESE: OnceLock<Chinese> = OnceLock::new();
    CHINESE.get_or_init(|| {
        postcard::from_bytes(include_bytes!(concat!(env!("OUT_DIR"), "/chinese.bin")))
            .expect("build.rs packs the Chinese in the format this binary reads")
    })
}

/// Every lesson, in catalogue order, in the language in use.
pub fn all() -> &'static [Lesson] {
    static CHINESE: OnceLock<Vec<Lesson>> = OnceLock::new();
    let english = &catalogue().lessons;
    match lang::lang() {
        Lang::En => english,
        Lang::Zh => CHINESE.get_or_init(|| {
            english
                .iter()
                .zip(&chinese_texts().lessons)
                .map(|(lesson, text)| {
                    let mut lesson = lesson.clone();
                    lesson.translate(text);
                    lesson
                })
                .collect()
        }),
    }
}

/// The chapters' names, in English, in order (chapter numbers count from 1).
pub fn chapters() -> &'static [String] {
    &catalogue().chapters
}

/// The Chinese of lesson `id`, as `lessons/zh/<id>.toml` gives it.
pub fn chinese(id: &str) -> Option<&'static LessonText> {
    let at = catalogue().lessons.iter().position(|lesson| lesson.id == id)?;
    chinese_texts().lessons.get(at)
}

/// Every English pattern with its Chinese: the tutor's, then each lesson's notes.
pub fn translations() -> impl Iterator<Item = &'static Note> {
    chinese_texts().tutor.iter().chain(chinese_texts().lessons.iter().flat_map(|text| &text.notes))
}

include!(concat!(env!("OUT_DIR"), "/sources.rs"));

impl Lesson {
    /// The text of the file its code is written in ([`Lesson::path`]): exactly
    /// the code that runs.
    pub fn source(&self) -> &'static str {
        SOURCES.iter().find(|(id, _)| *id == self.id).map_or("", |(_, source)| source)
    }

    /// The chapter's name, in English (the localising layer translates it).
    pub fn chapter_name(&self) -> &'static str {
        &chapters()[self.chapter - 1]
    }
}

/// The answer to "which lesson is `id`?".
#[derive(Debug)]
pub struct UnknownLesson {
    /// What the user typed.
    pub id: String,
    /// The closest real id, when one is close enough to be a typo.
    pub suggestion: Option<&'static str>,
}

impl std::fmt::Display for UnknownLesson {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let hint = match self.suggestion {
            Some(near) => format!("(did you mean '{near}'?)"),
            None => "(see 'concur-tutor list')".to_string(),
        };
        write!(f, "no lesson '{}' {hint}", self.id)
    }
}

/// Finds a lesson by id, suggesting the nearest id on a typo.
pub fn find(id: &str) -> Result<&'static Lesson, UnknownLesson> {
    if let Some(lesson) = all().iter().find(|l| l.id == id) {
        return Ok(lesson);
    }
    let suggestion = crate::text::nearest(id, all().iter().map(|l| l.id.as_str()));
    Err(UnknownLesson { id: id.to_string(), suggestion })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_catalogue_unpacks() {
        assert!(all().len() >= 15);
        assert!(all().iter().all(|lesson| (1..=chapters().len()).contains(&lesson.chapter)));
        assert!(all().iter().all(|lesson| lesson.source().contains("SCENES")));
    }

    #[test]
    fn a_typo_gets_a_suggestion() {
        assert_eq!(find("pool-asink").unwrap_err().suggestion, Some("pool-async"));
        assert_eq!(find("zzzz").unwrap_err().suggestion, None);
        assert_eq!(find("JOIN-DAEMON").unwrap_err().suggestion, Some("join-daemon"));
    }
}
