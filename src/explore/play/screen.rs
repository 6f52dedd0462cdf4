//! The game's screen as lines, from its state alone: the goal, each lane's
//! code with its next step marked, the shared things, the schedule so far,
//! what the last key did or how the run ended, and the keys. Pure, so tests
//! can read it without a terminal.

use crate::explore::program::Program;
use crate::explore::show::{self, Style};
use crate::explore::stream::{group, percent, steps};
use crate::i18n::tr;
use crate::render::Paint;
use crate::text::{columns, truncate};

use super::state::{Game, Status};

/// How a line is shown.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Look {
    /// As it is.
    Plain,
    /// Bold: the title, the goal, the lanes' headings.
    Strong,
    /// Reversed: a lane's next step.
    Current,
    /// Dim: what matters less (the keys).
    Dim,
    /// Green when colour is on: the goal reached.
    Good,
    /// Red when colour is on: a step refused, a run that missed the goal.
    Bad,
}

/// One line of the screen: pieces of text, each with its look.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Line {
    /// The pieces, left to right; together no wider than the screen.
    pub spans: Vec<(String, Look)>,
}

impl Line {
    /// Its text, without the looks.
    pub fn text(&self) -> String {
        self.spans.iter().map(|(text, _)| text.as_str()).collect()
    }

    /// The line cut to `width` columns.
    pub fn fit(self, width: usize) -> Line {
        let mut left = width;
        let spans = self
            .spans
            .into_iter()
            .map(|(text, look)| {
                let cut = truncate(&text, left);
                left -= columns(&cut);
                (cut, look)
            })
            .filter(|(text, _)| !text.is_empty())
            .collect();
        Line { spans }
    }
}

/// A line of one piece of text, with its look.
pub fn line(text: impl Into<String>, look: Look) -> Line {
    Line { spans: vec![(text.into(), look)] }
}

/// The narrowest a lane's column may be before the lanes go one under the other.
const LANE_COLUMN: usize = 30;

/// The screen for `game`, `width` × `height`: the keys always on the last row.
pub fn lines(game: &Game, id: &str, width: usize, height: usize, unicode: bool) -> Vec<Line> {
    let program = game.program();
    let mut top = vec![line(format!("concur-tutor explore {id} --play"), Look::Strong)];
    top.push(match &program.goal {
        Some(goal) => line(tr(&format!("Goal: {}", tr(&goal.text))), Look::Strong),
        None => line(tr("No goal (a `goal` line in the file sets one): step as you like."), Look::Strong),
    });
    top.push(line("", Look::Plain));
    let shared: Vec<String> = program.shared_lines(game.state()).iter().map(|l| tr(l)).collect();
    top.push(line(shared.join(" · "), Look::Plain));
    top.push(line("", Look::Plain));
    let mut body = lanes(game, width, unicode);
    body.push(line("", Look::Plain));
    body.push(line(tr(&format!("The schedule so far ({}):", steps(game.schedule().len()))), Look::Plain));
    let style = Style { paint: Paint::new(false), width, unicode };
    body.extend(show::lanes(program, game.schedule(), style).into_iter().map(|l| line(l, Look::Plain)));
    let mut bottom = vec![line("", Look::Plain)];
    bottom.extend(verdict(game));
    bottom.push(line("", Look::Plain));
    bottom.push(line(keys(program), Look::Dim));
    // What does not fit is cut from the middle: the goal and the keys stay.
    let room = height.saturating_sub(top.len() + bottom.len());
    body.truncate(room);
    let mut screen = top;
    screen.extend(body);
    screen.extend(bottom);
    screen.truncate(height.max(1));
    screen.into_iter().map(|l| l.fit(width)).collect()
}

/// The keys, for the footer.
fn keys(program: &Program) -> String {
    let n = program.threads.len();
    let lanes = if n == 1 { "1".to_string() } else { format!("1-{n}") };
    tr(&format!("{lanes}: step that lane · u: undo · r: restart · q: quit"))
}

/// Each lane: its number, name and what it is doing; its code with the next
/// step marked; its locals. Side by side when they fit, else one under another.
fn lanes(game: &Game, width: usize, unicode: bool) -> Vec<Line> {
    let program = game.program();
    let state = game.state();
    let per = width.saturating_sub(1) / program.threads.len().max(1);
    let side_by_side = per >= LANE_COLUMN;
    let column = if side_by_side { per - 1 } else { width };
    let blocks: Vec<Vec<Line>> = program
        .threads
        .iter()
        .enumerate()
        .map(|(t, thread)| {
            let mut block = vec![line(format!("{} · {}", t + 1, thread.name), Look::Strong)];
            let next = program.next_step(state, t);
            let marker = if unicode { "▶" } else { ">" };
            for (no, text) in &thread.lines[1..] {
                let here = next.is_some_and(|s| s.line == *no);
                let mark = if here { marker } else { " " };
                block.push(line(
                    format!("{no:>3} {mark} {text}"),
                    if here { Look::Current } else { Look::Plain },
                ));
            }
            let doing = match (next, program.waits_for(state, t)) {
                (None, _) => format!("{} has finished", thread.name),
                (Some(_), Some(why)) => why.text,
                (Some(step), None) => {
                    let round = step.round.map_or(String::new(), |(r, n)| format!(" (round {r} of {n})"));
                    format!("next: {}{round}", step.describe())
                }
            };
            for part in textwrap::wrap(&tr(&doing), column) {
                block.push(line(part.into_owned(), Look::Plain));
            }
            let locals: Vec<String> = thread
                .locals
                .iter()
                .enumerate()
                .map(|(i, name)| format!("{name} = {}", program.local(state, t, i)))
                .collect();
            if !locals.is_empty() {
                block.push(line(tr(&format!("locals: {}", locals.join(", "))), Look::Plain));
            }
            block
        })
        .collect();
    if !side_by_side {
        let mut lines = Vec::new();
        for (i, block) in blocks.into_iter().enumerate() {
            if i > 0 {
                lines.push(line("", Look::Plain));
            }
            lines.extend(block);
        }
        return lines;
    }
    // Side by side: each row of the screen holds each lane's line of that row.
    let rows = blocks.iter().map(Vec::len).max().unwrap_or(0);
    (0..rows)
        .map(|r| {
            let mut spans = Vec::new();
            for (i, block) in blocks.iter().enumerate() {
                let last = i + 1 == blocks.len();
                match block.get(r) {
                    Some(cell) => {
                        let (text, look) = &cell.spans[0];
                        let text = truncate(text, per - 1);
                        let gap = if last { 0 } else { per - columns(&text) };
                        spans.push((text, *look));
                        spans.push((" ".repeat(gap), Look::Plain));
                    }
                    None if !last => spans.push((" ".repeat(per), Look::Plain)),
                    None => {}
                }
            }
            Line { spans }
        })
        .collect()
}

/// What the last key did, or how the run stands now.
fn verdict(game: &Game) -> Vec<Line> {
    let program = game.program();
    let mut lines = Vec::new();
    if let Some(message) = game.message() {
        lines.push(line(tr(message), Look::Bad));
    }
    let share = |(part, whole): (u128, u128)| {
        tr(&format!("{} of {} schedules ({})", group(part), group(whole), percent(part, whole)))
    };
    match game.status() {
        Status::Playing => {
            if lines.is_empty() {
                lines.push(line(tr("Press a lane's number to run its next step."), Look::Plain));
            }
        }
        Status::Won => {
            lines.push(line(tr(&format!("Goal reached in {}.", steps(game.schedule().len()))), Look::Good));
            if let Some((part, whole)) = game.goal_share() {
                lines.push(line(
                    tr(&format!(
                        "{} of all {} schedules ({}) reach this goal.",
                        group(part),
                        group(whole),
                        percent(part, whole)
                    )),
                    Look::Plain,
                ));
            }
        }
        Status::Ended(outcome) => {
            let name = tr(&program.outcome_name(&outcome));
            let ended = match &program.goal {
                Some(_) => tr(&format!("The run ended: {name}. Not the goal: u undoes, r starts again.")),
                None => tr(&format!("The run ended: {name}.")),
            };
            lines.push(line(ended, if program.goal.is_some() { Look::Bad } else { Look::Plain }));
            if let Some((part, whole)) = game.ending_share(&outcome) {
                lines.push(line(tr(&format!("This ending: {}.", share((part, whole)))), Look::Plain));
            }
            match game.goal_share() {
                Some((0, _)) => lines.push(line(tr("The goal: no schedule at all reaches it."), Look::Plain)),
                Some(counts) => {
                    lines.push(line(tr(&format!("The goal: {} reach it.", share(counts))), Look::Plain))
                }
                None => {}
            }
        }
    }
    if let Err(why) = game.counted() {
        lines.push(line(tr(&format!("(The schedules cannot be counted: {why}.)")), Look::Dim));
    }
    lines
}

/// What the game came to, for the terminal once the game is left: the
/// schedule played, how it stands, and the share of all schedules that reach
/// the goal.
pub fn summary(game: &Game) -> Vec<String> {
    let program = game.program();
    let played: Vec<String> = game.schedule().iter().map(|lane| (lane + 1).to_string()).collect();
    let taken = game.schedule().len();
    let mut lines = vec![match game.status() {
        Status::Won => tr(&format!("Goal reached in {}, lanes {}.", steps(taken), played.join(" "))),
        Status::Ended(outcome) => tr(&format!(
            "The run ended ({}) after {}, lanes {}.",
            tr(&program.outcome_name(&outcome)),
            steps(taken),
            played.join(" ")
        )),
        Status::Playing => tr(&format!("Left after {}.", steps(taken))),
    }];
    if let (Some(goal), Some((part, whole))) = (&program.goal, game.goal_share()) {
        lines.push(tr(&format!(
            "The goal, \"{}\": {} of {} schedules ({}) reach it.",
            tr(&goal.text),
            group(part),
            group(whole),
            percent(part, whole)
        )));
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::explore::play::played;

    #[test]
    fn the_screen_fits_80_columns_and_keeps_the_keys_last() {
        let g = played("adders", "1222");
        for (width, height) in [(80, 24), (40, 12), (200, 60)] {
            let screen = lines(&g, "adders", width, height, true);
            assert!(screen.len() <= height);
            assert!(screen.iter().all(|l| columns(&l.text()) <= width), "{width}");
            assert!(screen.last().unwrap().text().starts_with("1-2: step"), "{:?}", screen.last());
            assert_eq!(screen[1].text(), "Goal: make v end below 20");
        }
        let screen = lines(&g, "adders", 80, 40, true);
        let current: Vec<String> = screen
            .iter()
            .flat_map(|l| {
                l.spans.iter().filter(|(_, look)| *look == Look::Current).map(|(t, _)| t.trim().to_string())
            })
            .collect();
        assert_eq!(
            current,
            ["11 ▶         t = v", "6 ▶         t = t + 1"],
            "each lane's next step is marked"
        );
        assert!(screen.iter().any(|l| l.text() == "v = 3"), "{screen:#?}");
    }

    #[test]
    fn a_tiny_terminal_gets_what_fits_and_no_panic() {
        let g = played("missed-notify", "11");
        for width in 0..12 {
            for height in 0..6 {
                let screen = lines(&g, "missed-notify", width, height, false);
                assert!(screen.len() <= height.max(1));
                assert!(screen.iter().all(|l| columns(&l.text()) <= width));
            }
        }
    }

    #[test]
    fn a_won_game_says_how_many_schedules_win() {
        let g = played("two-locks", "1212");
        let screen = lines(&g, "two-locks", 80, 40, true);
        let text: Vec<String> = screen.iter().map(Line::text).collect();
        assert!(text.contains(&"Goal reached in 4 steps.".to_string()), "{text:#?}");
        assert!(text.contains(&"6 of all 12 schedules (50.0 %) reach this goal.".to_string()));
        assert!(text.iter().any(|l| l.contains("the cycle: Thread-1 → lockB → Thread-2 → lockA → Thread-1")));
    }
}
