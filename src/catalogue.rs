//! The lesson catalogue: every lesson's data (title, summary, scenes, the Python
//! idiom of each scene, further reading), read from `lessons/<id>.toml`, which is
//! embedded in the binary at build time, so an installed binary needs no files.

use std::sync::OnceLock;

use serde::Deserialize;

use crate::i18n::{self, Lang};

/// The chapters of LESSONS.md, in order; a lesson's `chapter` indexes this from 1.
pub const CHAPTERS: [&str; 6] =
    ["Processes", "Pools", "Communication", "Synchronisation", "Threads and patterns", "Performance"];

/// The lesson data files, in catalogue order.
const SOURCES: [(&str, &str); 18] = [
    ("process-basics", include_str!("../lessons/process-basics.toml")),
    ("start-methods", include_str!("../lessons/start-methods.toml")),
    ("join-daemon", include_str!("../lessons/join-daemon.toml")),
    ("globals", include_str!("../lessons/globals.toml")),
    ("signals", include_str!("../lessons/signals.toml")),
    ("pool-async", include_str!("../lessons/pool-async.toml")),
    ("queue", include_str!("../lessons/queue.toml")),
    ("pipe", include_str!("../lessons/pipe.toml")),
    ("queue-deadlock", include_str!("../lessons/queue-deadlock.toml")),
    ("shared-memory", include_str!("../lessons/shared-memory.toml")),
    ("managers", include_str!("../lessons/managers.toml")),
    ("locks", include_str!("../lessons/locks.toml")),
    ("deadlock", include_str!("../lessons/deadlock.toml")),
    ("semaphores", include_str!("../lessons/semaphores.toml")),
    ("threads", include_str!("../lessons/threads.toml")),
    ("producer-consumer", include_str!("../lessons/producer-consumer.toml")),
    ("gil", include_str!("../lessons/gil.toml")),
    ("costs", include_str!("../lessons/costs.toml")),
];

/// One lesson's data.
#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
pub struct Lesson {
    /// The CLI name: `concur-tutor lesson <id>`.
    pub id: String,
    /// The chapter number, from 1 (see [`CHAPTERS`]).
    pub chapter: usize,
    /// A short title.
    pub title: String,
    /// One line: what the learner will see happen.
    pub summary: String,
    /// The scenes, in order; empty for a lesson not built yet.
    #[serde(default)]
    pub scenes: Vec<Scene>,
    /// Where to read more: the Rust docs of what the lesson used, the Python docs it mirrors.
    #[serde(default)]
    pub reading: Vec<Link>,
}

/// One scene: a Python idiom from the notes, and the Rust that runs in its place.
#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
pub struct Scene {
    /// What the scene shows.
    pub title: String,
    /// The Python it mirrors, as the notes write it.
    pub python: String,
    /// What `--predict` asks before the scene runs.
    #[serde(default)]
    pub question: Option<Question>,
}

/// A prediction to make before a scene runs. Its answer is not stored: it is
/// read from what the run did (see [`crate::quiz`]).
#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
pub struct Question {
    /// The question.
    pub ask: String,
    /// The choices, in the order the check numbers them.
    pub choices: Vec<String>,
    /// Why the answer is what it is, shown after the scene.
    pub explain: String,
    /// How this run's answer is found.
    pub check: Check,
}

/// How the right choice is read from a run's events.
#[derive(Deserialize, Debug)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Check {
    /// The choice whose line (lane, start of the text) came first.
    First(Vec<(String, String)>),
    /// Choice 0 if `lane` printed a line containing `contains`, else 1.
    Said {
        /// The lane.
        lane: String,
        /// Part of the line.
        contains: String,
    },
    /// Choice 0 if `lane` ended by itself, 1 if a signal ended it.
    Exit {
        /// The lane.
        lane: String,
    },
    /// Choice 0 if the tutor warned (a hang or a deadlock caught), else 1.
    Warned,
    /// The index of the first bound the measure `name` is below, else the last choice.
    Measure {
        /// The measure.
        name: String,
        /// Upper bounds, one fewer than the choices.
        below: Vec<f64>,
    },
    /// Like `Measure`, for the ratio of measure `of` to measure `to`.
    Ratio {
        /// The numerator's measure.
        of: String,
        /// The denominator's measure.
        to: String,
        /// Upper bounds, one fewer than the choices.
        below: Vec<f64>,
    },
}

/// A pointer to documentation.
#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
pub struct Link {
    /// What it is.
    pub title: String,
    /// Where it is.
    pub url: String,
}

impl Lesson {
    /// The chapter's name, in the language in use.
    pub fn chapter_name(&self) -> String {
        i18n::tr(CHAPTERS[self.chapter - 1])
    }

    /// Puts the words of `text` in place of the English ones it translates.
    fn translate(&mut self, text: i18n::LessonText) {
        replace(&mut self.title, text.title);
        replace(&mut self.summary, text.summary);
        for (scene, words) in self.scenes.iter_mut().zip(text.scenes) {
            replace(&mut scene.title, words.title);
            if let (Some(question), Some(words)) = (&mut scene.question, words.question) {
                // Choices are judged by their position, so only a full set can replace them.
                if words.choices.len() == question.choices.len() {
                    question.choices = words.choices;
                }
                question.ask = words.ask;
                question.explain = words.explain;
            }
        }
    }
}

fn replace(english: &mut String, translated: Option<String>) {
    if let Some(text) = translated {
        *english = text;
    }
}

/// Every lesson, in catalogue order, in the language in use.
pub fn all() -> &'static [Lesson] {
    static LESSONS: OnceLock<Vec<Lesson>> = OnceLock::new();
    LESSONS.get_or_init(|| {
        SOURCES
            .iter()
            .map(|(file, text)| {
                let mut lesson = parse(file, text).unwrap_or_else(|err| panic!("lessons/{file}.toml: {err}"));
                if i18n::lang() == Lang::Zh {
                    lesson.translate(i18n::lesson_text(file).unwrap_or_default());
                }
                lesson
            })
            .collect()
    })
}

/// Parses and checks one lesson file.
pub fn parse(file: &str, text: &str) -> Result<Lesson, String> {
    let lesson: Lesson = toml::from_str(text).map_err(|err| err.to_string())?;
    if lesson.id != file {
        return Err(format!("id '{}' does not match the file name", lesson.id));
    }
    if !(1..=CHAPTERS.len()).contains(&lesson.chapter) {
        return Err(format!("chapter {} is not between 1 and {}", lesson.chapter, CHAPTERS.len()));
    }
    Ok(lesson)
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
        write!(f, "{}", i18n::tr(&format!("no lesson '{}' {hint}", self.id)))
    }
}

/// Finds a lesson by id, suggesting the nearest id on a typo.
pub fn find(id: &str) -> Result<&'static Lesson, UnknownLesson> {
    if let Some(lesson) = all().iter().find(|l| l.id == id) {
        return Ok(lesson);
    }
    let suggestion = all()
        .iter()
        .map(|l| (strsim::jaro_winkler(id, &l.id), l.id.as_str()))
        .filter(|(score, _)| *score > 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, id)| id);
    Err(UnknownLesson { id: id.to_string(), suggestion })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_lesson_file_parses() {
        assert_eq!(all().len(), 18);
    }

    /// A property test of the loader: damaged lesson files (lines dropped,
    /// doubled or cut, bytes changed) are refused with a message, never a panic.
    #[test]
    fn damaged_lesson_files_are_refused_not_fatal() {
        let mut rng = fastrand::Rng::with_seed(3);
        for (file, text) in SOURCES {
            for _ in 0..100 {
                let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
                let at = rng.usize(..lines.len());
                match rng.u8(..4) {
                    0 => drop(lines.remove(at)),
                    1 => lines.insert(at, lines[at].clone()),
                    2 => lines.truncate(at),
                    _ => {
                        let mut chars: Vec<char> = lines[at].chars().collect();
                        if !chars.is_empty() {
                            let i = rng.usize(..chars.len());
                            chars[i] = ['"', '[', ']', '=', '\\', '\'', '\n', '\u{0}', 'x'][rng.usize(..9)];
                        }
                        lines[at] = chars.into_iter().collect();
                    }
                }
                if let Err(message) = parse(file, &lines.join("\n")) {
                    assert!(!message.is_empty());
                }
            }
        }
    }

    #[test]
    fn a_typo_gets_a_suggestion() {
        assert_eq!(find("pool-asink").unwrap_err().suggestion, Some("pool-async"));
        assert_eq!(find("zzzz").unwrap_err().suggestion, None);
    }
}
