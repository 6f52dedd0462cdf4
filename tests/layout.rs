//! The human output on any terminal: every line within the width it is given
//! (`COLUMNS` when piped), no word broken, the timeline's axis and legend inside
//! the right edge, and ASCII only where the terminal cannot show more.
//!
//! A run is recorded once (`--json`) and shown again with `replay --no-wait` at
//! each width, so every width draws the very same events.

mod common;

use std::sync::OnceLock;

use common::bin;
use unicode_width::UnicodeWidthStr;

/// join-daemon's scene 2 (joins, a timeout, a kill: every mark) and
/// queue-deadlock's scene 1 (a watchdog's warning and a long note), saved.
fn saved_runs() -> &'static [String] {
    static RUNS: OnceLock<Vec<String>> = OnceLock::new();
    RUNS.get_or_init(|| {
        [("join-daemon", "2"), ("queue-deadlock", "1")]
            .iter()
            .map(|(id, scene)| {
                let path = format!("{}/layout-{id}.ndjson", env!("CARGO_TARGET_TMPDIR"));
                let output = bin()
                    .args(["lesson", id, "--scene", scene, "--speed", "20", "--json"])
                    .output()
                    .expect("run");
                assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
                std::fs::write(&path, &output.stdout).unwrap();
                path
            })
            .collect()
    })
}

/// A saved run drawn for a pipe told it has `columns` columns.
fn shown(path: &str, columns: usize, env: &[(&str, &str)]) -> String {
    let output = bin()
        .env("COLUMNS", columns.to_string())
        .envs(env.iter().copied())
        .args(["replay", path, "--no-wait", "--color", "never"])
        .output()
        .expect("replay");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8(output.stdout).expect("utf-8")
}

#[test]
fn every_line_fits_the_width_it_is_given() {
    for path in saved_runs() {
        for columns in [40, 60, 80, 120] {
            let text = shown(path, columns, &[]);
            for line in text.lines() {
                // Only a link, which cannot be broken, may pass the edge.
                let link = line.trim_start().starts_with("https://");
                assert!(line.width() <= columns || link, "{columns} columns, {}: {line:?}", line.width());
            }
        }
    }
}

#[test]
fn no_word_is_broken_and_the_axis_labels_are_whole() {
    let text = shown(&saved_runs()[0], 40, &[]);
    // The words of the notes, wherever they were wrapped, are the trace's words.
    let trace = std::fs::read_to_string(&saved_runs()[0]).unwrap();
    let note = trace
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .find(|e| e["kind"] == "note" && e["text"].as_str().unwrap().contains("SIGTERM"))
        .unwrap();
    let words: Vec<&str> = note["text"].as_str().unwrap().split_whitespace().collect();
    let at = text.find(words[0]).expect("the note is shown");
    let shown: Vec<&str> = text[at..].split_whitespace().take(words.len()).collect();
    assert_eq!(shown, words, "{text}");
    // Every tick label is a number and its unit, on one line.
    let labels = text.lines().skip_while(|l| !l.contains("┬─")).nth(1).expect("the axis");
    let tokens: Vec<&str> = labels.split_whitespace().collect();
    assert!(tokens.len() >= 4 && tokens.chunks(2).all(|p| p.len() == 2 && p[1] == "s"), "{labels:?}");
}

#[test]
fn a_terminal_that_cannot_show_unicode_gets_ascii() {
    for env in [[("TERM", "dumb"), ("LC_ALL", "")], [("TERM", "xterm"), ("LC_ALL", "C")]] {
        for path in saved_runs() {
            let text = shown(path, 80, &env);
            let odd: String = text.chars().filter(|c| !c.is_ascii()).collect();
            assert!(odd.is_empty(), "{env:?}: {odd:?} in\n{text}");
            assert!(text.contains("== Scene") && text.contains("+----"), "{text}");
        }
    }
}

/// The longest headline a note may have, in words: what a projector shows
/// and a class reads in a breath. What is longer goes after a newline, as the
/// note's detail.
const HEADLINE_WORDS: usize = 60;

#[test]
fn every_note_s_headline_is_short_enough_for_a_projector() {
    let children: Vec<_> = concur_tutor::catalogue::all()
        .iter()
        .map(|lesson| {
            let child = bin()
                .args(["lesson", &lesson.id, "--json", "--quick", "--speed", "20"])
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .expect("run");
            (lesson.id.clone(), child)
        })
        .collect();
    let mut long = Vec::new();
    for (id, child) in children {
        let output = child.wait_with_output().expect("run");
        assert!(output.status.success(), "{id}: {}", String::from_utf8_lossy(&output.stderr));
        for line in String::from_utf8(output.stdout).unwrap().lines() {
            let event: serde_json::Value = serde_json::from_str(line).unwrap();
            let text = event["text"].as_str().unwrap_or_default();
            let headline = text.split('\n').next().unwrap_or_default();
            let words = headline.split_whitespace().count();
            if event["kind"] != "say" && words > HEADLINE_WORDS {
                long.push(format!("{id} ({words} words): {headline}"));
            }
        }
    }
    assert!(long.is_empty(), "headlines over {HEADLINE_WORDS} words:\n  {}", long.join("\n  "));
}
