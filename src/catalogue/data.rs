//! The shape of the lesson data, shared by the build script (which reads and
//! checks `lessons/` at build time) and the program (which reads the result).
//! It imports nothing from the crate, so that `build.rs` can include it.

use serde::{Deserialize, Serialize};

/// The lessons as the build script read and checked them, as the program gets
/// them (`catalogue.bin`).
#[derive(Serialize, Deserialize, Debug)]
pub struct Catalogue {
    /// The chapters' names, in English.
    pub chapters: Vec<String>,
    /// Every lesson, in English, in index order.
    pub lessons: Vec<Lesson>,
}

/// The Chinese of it all (`chinese.bin`), read only when the tutor speaks Chinese.
#[derive(Serialize, Deserialize, Debug)]
pub struct Chinese {
    /// Each lesson's Chinese, in catalogue order.
    pub lessons: Vec<LessonText>,
    /// The tutor's own Chinese (`lessons/zh/tutor.toml`).
    pub tutor: Vec<Note>,
}

/// One lesson's data.
#[derive(Serialize, Deserialize, Debug, Clone)]
#[serde(deny_unknown_fields)]
pub struct Lesson {
    /// The CLI name: `concur-tutor lesson <id>`.
    pub id: String,
    /// A short title.
    pub title: String,
    /// One line: what the learner will see happen.
    pub summary: String,
    /// The scenes, in order.
    #[serde(default)]
    pub scenes: Vec<Scene>,
    /// Where to read more: the Rust docs of what the lesson used, the Python docs it mirrors.
    #[serde(default)]
    pub reading: Vec<Link>,
    /// The chapter number, from 1: set from the index.
    #[serde(default)]
    pub chapter: usize,
    /// The file its code is written in (for `show`): set by the build script.
    #[serde(default)]
    pub path: String,
}

/// One scene: a Python idiom from the notes, and the Rust that runs in its place.
#[derive(Serialize, Deserialize, Debug, Clone)]
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
/// read from what the run did (see `crate::quiz`).
#[derive(Serialize, Deserialize, Debug, Clone)]
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
#[derive(Serialize, Deserialize, Debug, Clone)]
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
    /// Like `Measure`, for the number of lines containing `contains` that
    /// `lane` printed (every lane's, when no lane is given).
    Count {
        /// The lane; none: every lane.
        #[serde(default)]
        lane: Option<String>,
        /// Part of the line.
        contains: String,
        /// Upper bounds, one fewer than the choices.
        below: Vec<f64>,
    },
    /// Like `Measure`, for how many times the lane changed from one line to
    /// the next, among the lines of `lanes`: 1 when one lane printed all its
    /// lines and then the other, more when they took turns.
    Switches {
        /// The lanes whose lines count.
        lanes: Vec<String>,
        /// Upper bounds, one fewer than the choices.
        below: Vec<f64>,
    },
    /// Like `Measure`, for the most tasks under way at once, whatever lane
    /// printed them: a line containing `starts` opens one, a line containing
    /// `ends` closes one.
    AtOnce {
        /// Part of a line printed when a task starts.
        starts: String,
        /// Part of a line printed when a task ends.
        ends: String,
        /// Upper bounds, one fewer than the choices.
        below: Vec<f64>,
    },
    /// Like `Measure`, for the lesson seconds from the first line `from`
    /// (lane, start of the text) to the first line `to`.
    Gap {
        /// The earlier line: its lane and the start of its text.
        from: (String, String),
        /// The later line: its lane and the start of its text.
        to: (String, String),
        /// Upper bounds, in lesson seconds, one fewer than the choices.
        below: Vec<f64>,
    },
}

impl Check {
    /// How many choices this check picks between: what the question must offer.
    pub fn choices_needed(&self) -> usize {
        match self {
            Check::First(lines) => lines.len(),
            Check::Said { .. } | Check::Exit { .. } | Check::Warned => 2,
            // The bucketed ones: a choice below each bound, and one above them all.
            _ => self.bounds().len() + 1,
        }
    }

    /// The bounds a bucketed check sorts its value by (none for the others):
    /// they must rise, or a choice could never be the answer.
    pub fn bounds(&self) -> &[f64] {
        match self {
            Check::Measure { below, .. }
            | Check::Ratio { below, .. }
            | Check::Count { below, .. }
            | Check::Switches { below, .. }
            | Check::AtOnce { below, .. }
            | Check::Gap { below, .. } => below,
            Check::First(_) | Check::Said { .. } | Check::Exit { .. } | Check::Warned => &[],
        }
    }
}

/// A pointer to documentation.
#[derive(Serialize, Deserialize, Debug, Clone)]
#[serde(deny_unknown_fields)]
pub struct Link {
    /// What it is.
    pub title: String,
    /// Where it is.
    pub url: String,
}

/// One lesson's Chinese, as `lessons/zh/<id>.toml` gives it.
#[derive(Serialize, Deserialize, Debug, Default, Clone)]
#[serde(deny_unknown_fields)]
pub struct LessonText {
    /// The title.
    pub title: Option<String>,
    /// The summary.
    pub summary: Option<String>,
    /// The scenes, in the lesson's order.
    #[serde(default)]
    pub scenes: Vec<SceneText>,
    /// The notes its code writes.
    #[serde(default)]
    pub notes: Vec<Note>,
}

/// One scene's Chinese.
#[derive(Serialize, Deserialize, Debug, Default, Clone)]
#[serde(deny_unknown_fields)]
pub struct SceneText {
    /// The title.
    pub title: Option<String>,
    /// The question `--predict` asks.
    pub question: Option<QuestionText>,
}

/// A question's Chinese.
#[derive(Serialize, Deserialize, Debug, Clone)]
#[serde(deny_unknown_fields)]
pub struct QuestionText {
    /// The question.
    pub ask: String,
    /// The choices, in the English order.
    pub choices: Vec<String>,
    /// The explanation.
    pub explain: String,
}

/// An English pattern and its Chinese.
#[derive(Serialize, Deserialize, Debug, Clone)]
#[serde(deny_unknown_fields)]
pub struct Note {
    /// English, with `{}` for each value the run computes.
    pub en: String,
    /// Chinese, with `{1}`, `{2}`, … for those values (`{}` takes the next one).
    pub zh: String,
}

impl Lesson {
    /// Puts the words of `text` in place of the English ones it translates.
    pub fn translate(&mut self, text: &LessonText) {
        replace(&mut self.title, &text.title);
        replace(&mut self.summary, &text.summary);
        for (scene, words) in self.scenes.iter_mut().zip(&text.scenes) {
            replace(&mut scene.title, &words.title);
            if let (Some(question), Some(words)) = (&mut scene.question, &words.question) {
                // Choices are judged by their position, so only a full set can replace them.
                if words.choices.len() == question.choices.len() {
                    question.choices = words.choices.clone();
                }
                question.ask = words.ask.clone();
                question.explain = words.explain.clone();
            }
        }
    }
}

fn replace(english: &mut String, translated: &Option<String>) {
    if let Some(text) = translated {
        *english = text.clone();
    }
}
