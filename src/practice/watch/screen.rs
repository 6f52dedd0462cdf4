//! The watch screen as lines, from its state alone: the exercise and its
//! goal, the deciding run's lanes and timeline (scrollable), the verdict,
//! the hints asked for, and the keys on the last rows. Pure, so tests can
//! read it without a terminal.

use std::sync::{Arc, Mutex};

use crate::events::Sink;
use crate::explore::play::screen::{line, Line, Look};
use crate::i18n::tr;
use crate::menu::footer_rows;
use crate::render::{Human, Localised, Timelines};
use crate::text::fill;

use super::super::cli::verdict_lines;
use super::super::EXERCISES;
use super::state::{Mode, Watch};

/// The run's events as the lanes and the timeline draw them, `width` wide.
pub fn run_lines(watch: &Watch, width: usize, unicode: bool) -> Vec<String> {
    if watch.events.is_empty() {
        return Vec::new();
    }
    let buffer = Arc::new(Mutex::new(Vec::new()));
    let human = Human::new(false, width, Some(Timelines { unicode }), true).into_buffer(buffer.clone());
    let mut sink = Localised::new(human);
    for event in &watch.events {
        let _ = sink.event(event);
    }
    let _ = sink.finish();
    let bytes = buffer.lock().map(|b| b.clone()).unwrap_or_default();
    String::from_utf8_lossy(&bytes).lines().map(str::to_string).collect()
}

/// `text` wrapped to `width`, each piece a line of `look`.
fn wrapped(text: &str, width: usize, look: Look) -> Vec<Line> {
    fill(text, width.max(10), "", "  ").lines().map(|l| line(l, look)).collect()
}

/// The keys, for the footer.
fn keys(watch: &Watch) -> String {
    match watch.mode {
        Mode::ConfirmReset => tr("y: yes, reset it · any other key: no"),
        Mode::List(_) => tr("↑/↓ move · Enter open · Esc back · q quit"),
        Mode::Solution => tr("s or Esc: back · q quit"),
        Mode::Main => {
            let check = if watch.manual { "Enter check" } else { "Enter check now" };
            tr(&format!("h hint · r reset · l list · n next · s solution · ↑/↓ scroll · {check} · q quit"))
        }
    }
}

/// The screen for `watch`, `width` × `height`: the keys always on the last rows.
pub fn lines(watch: &Watch, file: &str, width: usize, height: usize, unicode: bool) -> Vec<Line> {
    let e = watch.exercise;
    let at = EXERCISES.iter().position(|x| x.id == e.id).unwrap_or(0) + 1;
    let mark = if watch.solved() { " ✓" } else { "" };
    let title = format!("concur-tutor practice · {} ({at}/{}) · lesson {}", e.id, EXERCISES.len(), e.lesson);
    let mut top = vec![line(format!("{}{mark}", tr(&title)), Look::Strong)];
    top.extend(wrapped(&tr(&format!("Goal: {}", tr(e.goal))), width, Look::Strong));
    let status = match (watch.checking, watch.manual) {
        (Some((0, n)), _) => tr(&format!("checking {file}: {n} runs to make…")),
        (Some((done, n)), _) => tr(&format!("checking {file}: run {done} of {n} done…")),
        (None, false) => tr(&format!("watching {file}: save it to check it again")),
        (None, true) => tr(&format!("{file}: press Enter to check it again")),
    };
    top.extend(wrapped(&status, width, Look::Dim));
    top.push(line("", Look::Plain));

    let mut bottom = vec![line("", Look::Plain)];
    if let Some(verdict) = &watch.verdict {
        for (text, ink) in verdict_lines(verdict, false) {
            let look = match ink {
                Some(crate::render::theme::Ink::Done) => Look::Good,
                Some(_) => Look::Bad,
                None => Look::Plain,
            };
            bottom.extend(wrapped(&text, width, look));
        }
    }
    for (i, hint) in e.hints.iter().take(watch.hints).enumerate() {
        bottom.extend(wrapped(&tr(&format!("Hint {}/3: {}", i + 1, tr(hint))), width, Look::Strong));
    }
    if watch.solved() {
        bottom.extend(wrapped(
            &tr(&format!(
                "Solved. The solution is beside yours: {}.solution.py (s shows it; n: the next exercise)",
                e.id
            )),
            width,
            Look::Good,
        ));
    }
    match watch.mode {
        Mode::ConfirmReset => bottom.extend(wrapped(
            &tr(&format!(
                "Reset {} to the program as shipped? Yours is kept beside it as {}.~N~.",
                e.file(),
                e.file()
            )),
            width,
            Look::Bad,
        )),
        _ => {
            if let Some(message) = &watch.message {
                bottom.extend(wrapped(&tr(message), width, Look::Bad));
            }
        }
    }
    let footer = keys(watch);
    bottom.extend(footer_rows(&footer, width).into_iter().map(|row| line(row, Look::Dim)));

    // The middle: the list, the solution, or the run; what does not fit is
    // cut from the verdict's detail first, then from the run.
    let middle: Vec<Line> = match watch.mode {
        Mode::List(selected) => EXERCISES
            .iter()
            .enumerate()
            .map(|(i, x)| {
                let pointer = if i == selected { "›" } else { " " };
                let text = format!("{pointer} {} {} · {}", crate::text::pad(x.id, 20), x.lesson, tr(x.title));
                line(text, if i == selected { Look::Current } else { Look::Plain })
            })
            .collect(),
        Mode::Solution => e.solution.lines().map(|l| line(l, Look::Plain)).collect(),
        _ => run_lines(watch, width, unicode).into_iter().map(|l| line(l, Look::Plain)).collect(),
    };
    let keep_bottom = bottom.len().min(height.saturating_sub(top.len().min(2) + 1));
    let bottom: Vec<Line> = bottom.split_off(bottom.len() - keep_bottom);
    let room = height.saturating_sub(top.len() + bottom.len());
    let middle: Vec<Line> = match watch.mode {
        // The list keeps its selection on screen.
        Mode::List(selected) => {
            let skip = (selected + 1).saturating_sub(room);
            middle.into_iter().skip(skip).take(room).collect()
        }
        // The run opens at its timeline (the lanes are above it, a key away).
        _ => {
            let anchor = middle.iter().position(|l| l.text().starts_with("── ")).unwrap_or(0) as isize;
            let last = middle.len().saturating_sub(room) as isize;
            let start = (anchor - watch.scroll).clamp(0, last) as usize;
            middle.into_iter().skip(start).take(room).collect()
        }
    };
    let mut screen = top;
    screen.truncate(height.saturating_sub(bottom.len()));
    screen.extend(middle);
    screen.extend(bottom);
    screen.truncate(height.max(1));
    screen.into_iter().map(|l| l.fit(width)).collect()
}

#[cfg(test)]
mod tests {
    use super::super::state::tests::press;
    use super::*;
    use crate::text::columns;

    #[test]
    fn the_screen_fits_and_keeps_the_goal_and_the_keys() {
        let mut w = Watch::new(&EXERCISES[7], false, false);
        press(&mut w, "hh");
        for (width, height) in [(80, 24), (40, 12), (120, 50), (10, 3)] {
            let screen = lines(&w, "join-before-get.py", width, height, true);
            assert!(screen.len() <= height, "{width}x{height}");
            assert!(screen.iter().all(|l| columns(&l.text()) <= width), "{width}x{height}");
            if height >= 12 {
                assert!(screen[1].text().starts_with("Goal: "), "{:?}", screen[1]);
                assert!(screen.last().unwrap().text().ends_with("q quit"), "{:?}", screen.last());
                assert!(screen.iter().any(|l| l.text().starts_with("Hint 2/3: ")));
            }
        }
        press(&mut w, "l");
        let screen = lines(&w, "join-before-get.py", 80, 24, true);
        assert!(screen.iter().any(|l| l
            .spans
            .iter()
            .any(|(t, look)| *look == Look::Current && t.contains("join-before-get"))));
    }
}
