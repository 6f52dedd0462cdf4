//! Every lesson in both languages: the lesson data has its Chinese, and every
//! line the tutor writes in a run of each lesson comes out in Chinese.

mod common;

use std::path::Path;
use std::process::Stdio;
use std::sync::OnceLock;

use common::{bin, rust_files};
use concur_tutor::{catalogue, i18n};
use serde_json::Value;
use unicode_width::UnicodeWidthStr;

#[test]
fn every_lesson_s_data_has_its_chinese() {
    let mut missing = Vec::new();
    for lesson in catalogue::all() {
        let Some(zh) = catalogue::chinese(&lesson.id) else {
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

/// Every lesson's trace with `--lang zh --json` (quick, and fast: only the
/// words are checked here), run once, all at the same time.
fn chinese_runs() -> &'static [(String, Vec<Value>)] {
    static RUNS: OnceLock<Vec<(String, Vec<Value>)>> = OnceLock::new();
    RUNS.get_or_init(|| {
        let children: Vec<_> = catalogue::all()
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
        children
            .into_iter()
            .map(|(id, child)| {
                let output = child.wait_with_output().expect("run");
                assert!(output.status.success(), "{id}: {}", String::from_utf8_lossy(&output.stderr));
                let text = String::from_utf8(output.stdout).expect("utf-8");
                (id, text.lines().map(|line| serde_json::from_str(line).expect("json")).collect())
            })
            .collect()
    })
}

/// Lists each line of the tutor's that stayed English. What the demos print
/// (`say`) stays as the program printed it, and a bare piece of code (no
/// space: `q.get()`, `sleep(0.5)`) or a row of figures needs no translation.
#[test]
fn every_line_the_tutor_writes_has_its_chinese() {
    let mut english = Vec::new();
    for (id, events) in chinese_runs() {
        for event in events {
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

/// Whether `event` (of a run in Chinese) was translated by a guess: every
/// line is translated by the pattern it was written from (`text!` in the
/// code, which `--json` carries as `pattern`), or by its own text when it has
/// no values. A guess, trying every pattern against the text, may pick
/// another pattern that happens to match it too.
fn guessed(event: &Value) -> bool {
    !["say", "scene"].contains(&event["kind"].as_str().unwrap_or_default())
        && has_chinese(event["text"].as_str().unwrap_or_default())
        && event["pattern"].is_null()
}

/// Lists each line of the tutor's that was translated by a guess.
#[test]
fn every_line_is_translated_by_its_own_pattern() {
    let mut guesses: Vec<String> = chinese_runs()
        .iter()
        .flat_map(|(id, events)| events.iter().filter(|e| guessed(e)).map(move |e| format!("{id} {e}")))
        .collect();
    guesses.sort();
    guesses.dedup();
    assert!(guesses.is_empty(), "{} lines translated by a guess:\n  {}", guesses.len(), guesses.join("\n  "));
}

/// A run saved in English and replayed in Chinese is translated by the
/// patterns it carries; a run saved before events carried them still comes
/// out in Chinese, by guesses.
#[test]
fn a_saved_run_is_replayed_in_chinese_by_its_patterns() {
    let run = bin()
        .args(["--lang", "en", "lesson", "join-daemon", "--scene", "1", "--json", "--speed", "20"])
        .output();
    let saved = String::from_utf8(run.unwrap().stdout).unwrap();
    let old: String = saved
        .lines()
        .map(|line| {
            let mut event: Value = serde_json::from_str(line).unwrap();
            event.as_object_mut().unwrap().remove("pattern");
            format!("{event}\n")
        })
        .collect();
    for (name, run) in [("patterns.ndjson", &saved), ("old.ndjson", &old)] {
        let path = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
        std::fs::write(&path, run).unwrap();
        let output =
            bin().args(["--lang", "zh", "replay", "--no-wait", "--json"]).arg(&path).output().unwrap();
        assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
        let events: Vec<Value> = String::from_utf8(output.stdout)
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        let notes: Vec<&Value> = events.iter().filter(|e| e["kind"] == "note").collect();
        assert!(
            notes.len() >= 3 && notes.iter().all(|e| has_chinese(e["text"].as_str().unwrap())),
            "{notes:#?}"
        );
        let guesses = events.iter().filter(|e| guessed(e)).count();
        match name {
            "patterns.ndjson" => assert_eq!(guesses, 0, "{events:#?}"),
            _ => assert!(guesses >= notes.len(), "{events:#?}"),
        }
    }
}

/// Every pattern the code writes a line from (`text!("…")` anywhere in
/// `src/`) has its Chinese, whether or not a run above reached that line (a
/// busy machine's note, a failure's warning).
#[test]
fn every_pattern_in_the_code_has_its_chinese() {
    let mut missing = Vec::new();
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    for file in rust_files(&src) {
        let code = std::fs::read_to_string(&file).unwrap();
        for (at, _) in code.match_indices("text!(") {
            // `text!(` in prose (this crate's docs) is not followed by a literal.
            let Some(pattern) = string_literal(code[at + "text!(".len()..].trim_start()) else { continue };
            if !i18n::knows(&pattern) {
                let line = code[..at].lines().count();
                missing.push(format!("{}:{line}: {pattern}", file.strip_prefix(&src).unwrap().display()));
            }
        }
    }
    assert!(missing.is_empty(), "{} patterns without Chinese:\n  {}", missing.len(), missing.join("\n  "));
}

/// The value of the Rust string literal `code` starts with, if it starts with one.
fn string_literal(code: &str) -> Option<String> {
    let mut chars = code.strip_prefix('"')?.chars();
    let mut value = String::new();
    while let Some(c) = chars.next() {
        match c {
            '"' => return Some(value),
            '\\' => match chars.next()? {
                'n' => value.push('\n'),
                't' => value.push('\t'),
                // A line continued: the newline and the next line's indent are not in the string.
                '\n' => {
                    let rest = chars.as_str().trim_start();
                    chars = rest.chars();
                }
                other => value.push(other),
            },
            c => value.push(c),
        }
    }
    None
}

/// The display column where `needle` starts in `line` (a Chinese character is two).
fn column_of(line: &str, needle: &str) -> usize {
    line[..line.find(needle).unwrap_or_else(|| panic!("no {needle:?} in {line:?}"))].width()
}

#[test]
fn table_columns_line_up_in_chinese() {
    let (_, gil) = chinese_runs().iter().find(|(id, _)| id == "gil").unwrap();
    let rows: Vec<&str> = gil
        .iter()
        .filter(|e| e["kind"] == "measure" && e["text"].as_str().unwrap().contains("占"))
        .map(|e| e["text"].as_str().unwrap())
        .collect();
    assert_eq!(rows.len(), 5, "{rows:?}");
    let columns: Vec<usize> = rows.iter().map(|row| column_of(row, " 秒")).collect();
    assert!(columns.windows(2).all(|w| w[0] == w[1]), "{rows:#?}");
    assert!(rows.iter().any(|row| row.ends_with("串行（连跑两遍）")), "{rows:#?}");
}

#[test]
fn the_list_lines_up_in_chinese() {
    let output = bin().args(["--lang", "zh", "list", "--color", "never"]).output().unwrap();
    let text = String::from_utf8(output.stdout).unwrap();
    let mut titles = 0;
    for lesson in catalogue::all() {
        let line = text.lines().find(|l| l.split_whitespace().any(|word| word == lesson.id));
        let line = line.unwrap_or_else(|| panic!("no line for {}:\n{text}", lesson.id));
        let zh = catalogue::chinese(&lesson.id).unwrap().title.clone().unwrap();
        assert_eq!(column_of(line, &lesson.id), 2, "{line}");
        assert_eq!(column_of(line, &zh), 21, "{line}");
        titles += 1;
    }
    assert_eq!(titles, 19);
}

#[test]
fn lang_comes_from_the_environment_and_the_flag_wins() {
    let run = |env: &[(&str, &str)], args: &[&str]| {
        let output = bin().envs(env.iter().copied()).args(args).args(["list", "--json"]).output().unwrap();
        let first: Value =
            serde_json::from_str(String::from_utf8(output.stdout).unwrap().lines().next().unwrap()).unwrap();
        first["title"].as_str().unwrap().to_string()
    };
    let english = catalogue::find("process-basics").unwrap().title.clone();
    let chinese = catalogue::chinese("process-basics").unwrap().title.clone().unwrap();
    let unset = [("LC_ALL", ""), ("LC_MESSAGES", "")];
    assert_eq!(run(&[unset[0], unset[1], ("LANG", "zh_CN.UTF-8")], &[]), chinese);
    assert_eq!(run(&[("LC_ALL", "zh_TW.UTF-8")], &[]), chinese);
    assert_eq!(run(&[unset[0], unset[1], ("LANG", "en_GB.UTF-8")], &[]), english);
    assert_eq!(run(&[unset[0], unset[1], ("LANG", "zh_CN.UTF-8")], &["--lang", "en"]), english);
    assert_eq!(run(&[unset[0], unset[1], ("LANG", "C")], &["--lang", "zh"]), chinese);
}

/// The explorer in Chinese: every event it sends (but what the programs
/// print), each by its own pattern, and every line of its page from the count on (the code above it
/// is code), for every program of the notes.
#[test]
fn every_line_the_explorer_writes_has_its_chinese() {
    let mut english = Vec::new();
    for builtin in concur_tutor::explore::BUILTINS {
        let output = bin().args(["--lang", "zh", "explore", builtin.id, "--json"]).output().expect("run");
        assert!(output.status.success());
        for line in String::from_utf8(output.stdout).unwrap().lines() {
            let event: Value = serde_json::from_str(line).expect("json");
            let text = event["text"].as_str().unwrap_or_default();
            if event["kind"] != "say" && text.contains(' ') && has_english(text) && !has_chinese(text) {
                english.push(format!("{} {}: {text}", builtin.id, event["kind"]));
            }
            if guessed(&event) {
                english.push(format!("{} {}, by a guess: {text}", builtin.id, event["kind"]));
            }
        }
        let (_, program) = concur_tutor::explore::builtin(builtin.id).unwrap();
        let output =
            bin().args(["--lang", "zh", "explore", builtin.id, "--color", "never"]).output().expect("run");
        let page = String::from_utf8(output.stdout).unwrap();
        let counted = page.lines().position(|l| l.contains("种调度（")).expect("the count");
        for line in page.lines().skip(counted) {
            // A lane's row is its name and the letters of its steps; a bar of
            // the histogram, an outcome (values by name) and figures.
            let lane_row =
                program.threads.iter().any(|t| line.trim_start().starts_with(&format!("{}  ", t.name)));
            let bar = line.ends_with(" %");
            if !lane_row && !bar && has_english(line) && !has_chinese(line) {
                english.push(format!("{} page: {line}", builtin.id));
            }
        }
    }
    assert!(english.is_empty(), "{} lines without Chinese:\n  {}", english.len(), english.join("\n  "));
}

/// The tutor's own words in Chinese use the full-width colon, its error lines
/// included; a lane is an 执行流.
#[test]
fn one_colon_style_in_chinese() {
    let output = bin().args(["--lang", "zh", "lesson", "no-such-lesson"]).output().unwrap();
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(stderr.starts_with("错误：没有 'no-such-lesson' 这一课"), "{stderr}");
    let output = bin()
        .args(["--lang", "zh", "lesson", "globals", "--scene", "1", "--color", "never"])
        .output()
        .unwrap();
    let text = String::from_utf8(output.stdout).unwrap();
    assert!(text.contains("第 1 场的时间线："), "{text}");
    assert!(text.contains("执行流") && !text.contains("执行线"), "{text}");
    let cjk = |c: char| ('\u{4e00}'..='\u{9fff}').contains(&c);
    for line in text.lines() {
        let chars: Vec<char> = line.chars().collect();
        for (i, c) in chars.iter().enumerate() {
            let near = |j: Option<usize>| j.and_then(|j| chars.get(j)).is_some_and(|&c| cjk(c));
            if *c == ':' {
                assert!(!near(i.checked_sub(1)) && !near(Some(i + 2)), "an ASCII colon in Chinese: {line}");
            }
        }
    }
}
