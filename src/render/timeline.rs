//! The timeline in the terminal: one row per lane, lesson time across the
//! width, a character per column for what the lane did then.

use unicode_width::UnicodeWidthStr;

use super::theme::Ink;
use super::Paint;
use crate::events::LaneState;
use crate::i18n::tr;
use crate::text::{fill, pad};
use crate::timeline::{first_tick, tick_label, tick_step, Key, Moment, Row, Timeline};

/// The characters a timeline is drawn with.
struct Glyphs {
    running: char,
    sleeping: char,
    blocked: char,
    rule: char,
    tick: char,
}

const BLOCKS: Glyphs = Glyphs { running: '█', sleeping: '░', blocked: '▒', rule: '─', tick: '┬' };
const ASCII: Glyphs = Glyphs { running: '#', sleeping: '.', blocked: '=', rule: '-', tick: '+' };

/// How many key moments are listed under a diagram before "and N more".
const MOMENTS_LISTED: usize = 6;

impl Glyphs {
    fn of(&self, state: LaneState) -> char {
        match state {
            LaneState::Running => self.running,
            LaneState::Sleeping => self.sleeping,
            LaneState::Blocked => self.blocked,
        }
    }
}

/// The letter that marks a key moment.
fn letter(key: Key) -> char {
    match key {
        Key::Joined => 'J',
        Key::Timeout => 'T',
        Key::Killed => 'K',
    }
}

/// `timeline` drawn in `width` columns: block characters when `unicode`,
/// plain ASCII otherwise.
pub fn draw(timeline: &Timeline, width: usize, paint: Paint, unicode: bool) -> String {
    let glyphs = if unicode { &BLOCKS } else { &ASCII };
    let label = timeline.rows.iter().map(|r| r.lane.width()).max().unwrap_or(4).clamp(4, 14) + 2;
    let cells = width.saturating_sub(label + 2).max(20);
    let scale = Scale { start: timeline.start, step: (timeline.end - timeline.start) / cells as f64, cells };

    let heading = tr(&format!("timeline of scene {}: {}", timeline.scene, timeline.title));
    let rule = glyphs.rule.to_string().repeat(2);
    let heading = fill(&heading, width, &format!("{rule} "), "   ");
    let mut out = vec![String::new(), paint.bold(&heading)];
    for row in &timeline.rows {
        out.push(format!("  {}{}", pad(&row.lane, label), bar(row, &scale, glyphs, paint)));
    }
    let (rule, labels) = axis(&scale, glyphs);
    let margin = " ".repeat(label + 2);
    out.push(format!("{margin}{}", paint.dim(&rule)));
    out.push(format!("{margin}{}", paint.dim(&labels)));
    out.extend(
        legend(timeline, glyphs, paint, width.saturating_sub(label + 2))
            .iter()
            .map(|l| format!("{margin}{l}")),
    );
    out.extend(moments(timeline, label, width, paint));
    out.join("\n")
}

/// Which column a lesson time falls in.
struct Scale {
    start: f64,
    step: f64,
    cells: usize,
}

impl Scale {
    fn column(&self, t: f64) -> usize {
        (((t - self.start) / self.step).floor().max(0.0) as usize).min(self.cells - 1)
    }
}

/// One lane's row: in each column, the state it spent most of that column in;
/// a key moment's letter over it.
fn bar(row: &Row, scale: &Scale, glyphs: &Glyphs, paint: Paint) -> String {
    let mut cells: Vec<Option<LaneState>> = vec![None; scale.cells];
    let mut longest = vec![0.0_f64; scale.cells];
    for span in &row.spans {
        for column in scale.column(span.from)..=scale.column(span.to) {
            let a = scale.start + column as f64 * scale.step;
            let covered = span.to.min(a + scale.step) - span.from.max(a);
            // A span shorter than a column still shows, in the column it starts in.
            if covered > longest[column] || cells[column].is_none() {
                longest[column] = covered.max(longest[column]);
                cells[column] = Some(span.state);
            }
        }
    }
    // Where two moments share a column, the graver one shows.
    let mut marks: Vec<Option<Key>> = vec![None; scale.cells];
    for moment in &row.moments {
        let column = &mut marks[scale.column(moment.t)];
        *column = (*column).max(Some(moment.what));
    }
    let mut out = String::new();
    for (cell, mark) in cells.iter().zip(&marks) {
        out.push_str(&match (mark, cell) {
            (Some(key), _) => {
                let ink = if *key == Key::Killed { Ink::Killed } else { Ink::Moment };
                paint.bold(&paint.ink(&letter(*key).to_string(), ink))
            }
            (None, Some(state)) => paint.ink(&glyphs.of(*state).to_string(), Ink::State(*state)),
            (None, None) => " ".to_string(),
        });
    }
    out.trim_end().to_string()
}

/// The time axis: a rule with ticks, and the times under them.
fn axis(scale: &Scale, glyphs: &Glyphs) -> (String, String) {
    let span = scale.step * scale.cells as f64;
    // At least 10 columns between ticks, so that the labels fit.
    let step = tick_step(span * 10.0 / scale.cells as f64);
    let mut rule: Vec<char> = vec![glyphs.rule; scale.cells];
    let mut labels = String::new();
    let mut t = first_tick(scale.start, step);
    while t <= scale.start + span + 1e-9 {
        let column = scale.column(t);
        rule[column] = glyphs.tick;
        let text = tick_label(t, step);
        // A label that would pass the right edge ends at it instead, if the
        // one before leaves it room.
        let at = column.min(scale.cells.saturating_sub(text.width()));
        if at >= labels.width() {
            labels.push_str(&" ".repeat(at - labels.width()));
            labels.push_str(&text);
            labels.push(' ');
        }
        t += step;
    }
    (rule.into_iter().collect(), labels.trim_end().to_string())
}

/// What the characters mean: the states always, the marks that this diagram
/// has; as many to a line as fit in `width` columns.
fn legend(timeline: &Timeline, glyphs: &Glyphs, paint: Paint, width: usize) -> Vec<String> {
    let mut parts: Vec<(String, usize)> = LaneState::ALL
        .into_iter()
        .map(|state| {
            let words = format!("{} {}", glyphs.of(state), tr(state.name()));
            let glyph = paint.ink(&glyphs.of(state).to_string(), Ink::State(state));
            (format!("{glyph} {}", tr(state.name())), words.width())
        })
        .collect();
    for key in Key::ALL {
        if timeline.rows.iter().any(|r| r.moments.iter().any(|m| m.what == key)) {
            let words = format!("{} {}", letter(key), tr(key.words()));
            parts.push((
                format!("{} {}", paint.bold(&letter(key).to_string()), tr(key.words())),
                words.width(),
            ));
        }
    }
    const GAP: &str = "   ";
    let mut lines: Vec<(String, usize)> = Vec::new();
    for (part, columns) in parts {
        match lines.last_mut() {
            Some((line, used)) if *used + GAP.len() + columns <= width => {
                line.push_str(GAP);
                line.push_str(&part);
                *used += GAP.len() + columns;
            }
            _ => lines.push((part, columns)),
        }
    }
    lines.into_iter().map(|(line, _)| line).collect()
}

/// The key moments, listed in time order under the diagram, each wrapped to
/// `width` columns under its own text.
fn moments(timeline: &Timeline, label: usize, width: usize, paint: Paint) -> Vec<String> {
    let mut all: Vec<(&Row, &Moment)> =
        timeline.rows.iter().flat_map(|r| r.moments.iter().map(move |m| (r, m))).collect();
    all.sort_by(|a, b| a.1.t.total_cmp(&b.1.t));
    // On a narrow terminal the list starts at the left edge, to leave its text room.
    let margin = if width >= super::human::NARROW { label + 2 } else { 2 };
    let mut out: Vec<String> = all
        .iter()
        .take(MOMENTS_LISTED)
        .map(|(row, m)| {
            let lead =
                format!("{}{} {:>8.3}  {}  ", " ".repeat(margin), letter(m.what), m.t, pad(&row.lane, label));
            // Where a long lane name leaves the text too little room, the text goes under the lead.
            if lead.width() + 16 > width {
                let indent = " ".repeat(margin + 2);
                let text = fill(&m.text, width.max(indent.width() + 16), &indent, &indent);
                return paint.dim(&format!("{}\n{text}", lead.trim_end()));
            }
            let indent = " ".repeat(lead.width());
            paint.dim(&fill(&m.text, width, &lead, &indent))
        })
        .collect();
    if all.len() > MOMENTS_LISTED {
        let more = all.len() - MOMENTS_LISTED;
        out.push(paint.dim(&format!("{}{}", " ".repeat(margin), tr(&format!("… and {more} more")))));
    }
    out
}
