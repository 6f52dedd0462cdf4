//! Every lesson in both languages: the lesson data has its Chinese, and every
//! line the tutor writes in a run of each lesson comes out in Chinese.

mod common;

use std::process::Stdio;

use common::bin;
use concur_tutor::{catalogue, i18n};
use serde_json::Value;

#[test]
fn every_lesson_s_data_has_its_chinese() {
    let mut missing = Vec::new();
    for lesson in catalogue::all() {
        let Some(zh) = i18n::lesson_text(&lesson.id) else {
            missing.push(format!("{}: no lessons/zh/{}.toml", lesson.id, lesson.id));
            continue;
        };
        if zh.title.is_none() {
            missing.push(format!("{}: title", lesson.id));
        }
        if zh.summary.is_none() {
            missing.push(format!("{}: summary", lesson.id));
        }
        for (i, scene) in lesson.scenes.iter().enumerate() {
            let words = zh.scenes.get(i);
            if words.and_then(|w| w.title.as_ref()).is_none() {
                missing.push(format!("{}: scene {} title", lesson.id, i + 1));
            }
            if let Some(question) = &scene.question {
                match words.and_then(|w| w.question.as_ref()) {
                    None => missing.push(format!("{}: scene {} question", lesson.id, i + 1)),
                    Some(q) if q.choices.len() != question.choices.len() => {
                        missing.push(format!("{}: scene {} question's choices", lesson.id, i + 1))
                    }
                    Some(_) => {}
                }
            }
        }
        if zh.scenes.len() > lesson.scenes.len() {
            missing.push(format!("{}: more Chinese scenes than scenes", lesson.id));
        }
    }
    assert!(missing.is_empty(), "missing Chinese:\n  {}", missing.join("\n  "));
}

fn has_chinese(text: &str) -> bool {
    text.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))
}

/// Whether `text` has an English word in it (three lower-case letters or
/// more): a table row of names and figures ("CPython  4.1 ms") has none.
fn has_english(text: &str) -> bool {
    text.split(|c: char| !c.is_ascii_alphabetic())
        .any(|word| word.len() >= 3 && word.bytes().all(|b| b.is_ascii_lowercase()))
}

/// Runs every lesson with `--lang zh --json` (quick, and fast: only the words
/// are checked here) and lists each line of the tutor's that stayed English.
/// What the demos print (`say`) stays as the program printed it, and a bare
/// piece of code (no space: `q.get()`, `sleep(0.5)`) or a row of figures
/// needs no translation.
#[test]
fn every_line_the_tutor_writes_has_its_chinese() {
    let runs: Vec<_> = catalogue::all()
        .iter()
        .map(|lesson| {
            let child = bin()
                .args(["--lang", "zh", "lesson", &lesson.id, "--json", "--quick", "--speed", "20"])
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .expect("run");
            (lesson.id.clone(), child)
        })
        .collect();
    let mut english = Vec::new();
    for (id, child) in runs {
        let output = child.wait_with_output().expect("run");
        assert!(output.status.success(), "{id}: {}", String::from_utf8_lossy(&output.stderr));
        for line in String::from_utf8(output.stdout).expect("utf-8").lines() {
            let event: Value = serde_json::from_str(line).expect("json");
            let text = event["text"].as_str().unwrap_or_default();
            if event["kind"] != "say" && text.contains(' ') && has_english(text) && !has_chinese(text) {
                english.push(format!("{id} {}: {text}", event["kind"]));
            }
        }
    }
    english.sort();
    english.dedup();
    assert!(english.is_empty(), "{} lines without Chinese:\n  {}", english.len(), english.join("\n  "));
}
