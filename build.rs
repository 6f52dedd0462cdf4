//! Reads and checks the lesson catalogue at build time (`lessons/index.toml`,
//! every lesson's data, its Chinese, the tutor's Chinese, and the code file
//! each lesson runs), and hands the program two files in `OUT_DIR`:
//!
//! - `catalogue.bin`: the lessons, parsed, as postcard bytes the program reads
//!   in microseconds at start-up (parsing the TOML at every start cost more
//!   than the rest of `concur-tutor list`), and `chinese.bin`, their Chinese,
//!   read only in Chinese;
//! - `programs.rs`: the table from each lesson id to its scene functions;
//! - `sources.rs`: each lesson's code as text, for `show`, kept out of the
//!   catalogue so that a start does not copy it.
//!
//! A lesson missing a file, or with a damaged one, fails the build with the
//! file's name and what is wrong, never a learner's run.

#[path = "src/catalogue/data.rs"]
#[allow(dead_code)]
mod data;

use std::fmt::Write as _;
use std::fs;
use std::path::Path;

use data::{Catalogue, Chinese};
use serde::Deserialize;

/// `lessons/index.toml`: the one declaration of every lesson, in the order
/// `list` shows them, chapter by chapter.
#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
pub struct Index {
    /// The chapters, in order; chapter numbers count from 1.
    pub chapters: Vec<Chapter>,
}

/// One chapter of the index.
#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
pub struct Chapter {
    /// Its name, in English.
    pub name: String,
    /// Its lesson ids, in order. Each id finds the lesson's data in
    /// `lessons/<id>.toml`, its Chinese in `lessons/zh/<id>.toml` and its
    /// code in `src/lessons/<id, with _ for ->.rs`.
    pub lessons: Vec<String>,
}

fn main() {
    println!("cargo:rerun-if-changed=lessons");
    println!("cargo:rerun-if-changed=src/lessons");
    println!("cargo:rerun-if-changed=src/catalogue/data.rs");
    if let Err(message) = build() {
        eprintln!("error: {message}");
        std::process::exit(1);
    }
}

fn build() -> Result<(), String> {
    let index: Index =
        toml::from_str(&read("lessons/index.toml")?).map_err(|err| at("lessons/index.toml", err))?;
    let mut catalogue = Catalogue { chapters: Vec::new(), lessons: Vec::new() };
    let mut chinese = Chinese { lessons: Vec::new(), tutor: Vec::new() };
    let mut sources = String::from(
        "/// Every lesson's code, by id: exactly the file that runs, for `show` (made by build.rs).\n\
         const SOURCES: &[(&str, &str)] = &[\n",
    );
    let mut programs = String::from(
        "/// Every lesson's scene functions, by id, in catalogue order (made by build.rs from\n\
         /// lessons/index.toml).\n\
         pub const PROGRAMS: &[(&str, &[SceneFn])] = &[\n",
    );
    for (number, chapter) in index.chapters.iter().enumerate() {
        catalogue.chapters.push(chapter.name.clone());
        for id in &chapter.lessons {
            if catalogue.lessons.iter().any(|lesson| lesson.id == *id) {
                return Err(format!("lessons/index.toml: '{id}' is listed twice"));
            }
            let file = format!("lessons/{id}.toml");
            let mut lesson = parse_lesson(id, &read(&file)?).map_err(|err| at(&file, err))?;
            let module = id.replace('-', "_");
            lesson.chapter = number + 1;
            lesson.path = format!("src/lessons/{module}.rs");
            read(&lesson.path)?;
            let path = Path::new(&std::env::var("CARGO_MANIFEST_DIR").map_err(|err| err.to_string())?)
                .join(&lesson.path);
            let _ = writeln!(sources, "    ({id:?}, include_str!({:?})),", path.display().to_string());
            let file = format!("lessons/zh/{id}.toml");
            chinese.lessons.push(parse_text(&read(&file)?).map_err(|err| at(&file, err))?);
            catalogue.lessons.push(lesson);
            let _ = writeln!(programs, "    ({id:?}, {module}::SCENES),");
        }
    }
    programs.push_str("];\n");
    sources.push_str("];\n");
    // The tutor's own words, the explorer's (concur-tutor explore), the
    // tracer's (concur-tutor trace) and the practice's (concur-tutor practice).
    for file in [
        "lessons/zh/tutor.toml",
        "lessons/zh/explore.toml",
        "lessons/zh/trace.toml",
        "lessons/zh/practice.toml",
    ] {
        chinese.tutor.extend(parse_text(&read(file)?).map_err(|err| at(file, err))?.notes);
    }
    for file in fs::read_dir("lessons").map_err(|err| at("lessons", err))?.flatten() {
        let name = file.file_name().to_string_lossy().into_owned();
        if let Some(id) = name.strip_suffix(".toml") {
            if id != "index" && !catalogue.lessons.iter().any(|lesson| lesson.id == id) {
                return Err(format!("lessons/{name} is not in lessons/index.toml"));
            }
        }
    }
    let out = std::env::var("OUT_DIR").map_err(|err| err.to_string())?;
    let bytes = postcard::to_stdvec(&catalogue).map_err(|err| err.to_string())?;
    fs::write(Path::new(&out).join("catalogue.bin"), bytes).map_err(|err| err.to_string())?;
    let bytes = postcard::to_stdvec(&chinese).map_err(|err| err.to_string())?;
    fs::write(Path::new(&out).join("chinese.bin"), bytes).map_err(|err| err.to_string())?;
    fs::write(Path::new(&out).join("sources.rs"), sources).map_err(|err| err.to_string())?;
    fs::write(Path::new(&out).join("programs.rs"), programs).map_err(|err| err.to_string())
}

/// Parses and checks the data file of lesson `id`.
///
/// # Errors
/// The file is not valid TOML of a lesson, or its id is not `id`.
pub fn parse_lesson(id: &str, text: &str) -> Result<data::Lesson, String> {
    let lesson: data::Lesson = toml::from_str(text).map_err(|err| err.to_string())?;
    if lesson.id != id {
        return Err(format!("id '{}' does not match the file name", lesson.id));
    }
    if lesson.scenes.is_empty() {
        return Err("a lesson needs at least one scene".to_string());
    }
    if lesson.scenes.iter().all(|scene| scene.question.is_none()) {
        return Err("a lesson needs at least one question, for --predict".to_string());
    }
    let questions = lesson.scenes.iter().enumerate().filter_map(|(i, s)| Some((i + 1, s.question.as_ref()?)));
    for (number, question) in questions {
        if question.choices.len() != question.check.choices_needed() {
            return Err(format!(
                "scene {number}: its question offers {} choices, and its check picks between {}",
                question.choices.len(),
                question.check.choices_needed()
            ));
        }
        if !question.check.bounds().windows(2).all(|pair| pair[0] < pair[1]) {
            return Err(format!("scene {number}: its check's bounds do not rise"));
        }
    }
    Ok(lesson)
}

/// Parses the Chinese of lesson `id` (or of the tutor).
///
/// # Errors
/// The file is not valid TOML of a translation.
pub fn parse_text(text: &str) -> Result<data::LessonText, String> {
    toml::from_str(text).map_err(|err| err.to_string())
}

fn read(path: &str) -> Result<String, String> {
    fs::read_to_string(path).map_err(|err| at(path, err))
}

fn at(path: &str, err: impl std::fmt::Display) -> String {
    format!("{path}: {err}")
}
