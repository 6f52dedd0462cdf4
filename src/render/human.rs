//! Human output: one line per event, lesson time right-aligned, each lane in its
//! own colour, the tutor's notes set apart and wrapped to the terminal.

use std::io::{self, IsTerminal, Write};

use unicode_width::UnicodeWidthStr;

use super::theme::Ink;
use super::{timeline, Paint};
use crate::events::{Event, Kind, Sink};
use crate::i18n::tr;
use crate::text;

/// Where a line's parts go: the columns of its time and lane, and whether the
/// pid has a column. Below [`NARROW`] columns the pid gives its room to the text.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Layout {
    /// Columns of the time (`   5.004`).
    time: usize,
    /// Spaces after the time.
    gap: usize,
    /// Columns a lane's name is padded to.
    lane: usize,
    /// Whether the pid has a column.
    pid: bool,
}

/// Terminals narrower than this get [`Layout::NARROW`].
pub const NARROW: usize = 72;

impl Layout {
    /// `   5.004  p1          4101  test...`
    const WIDE: Layout = Layout { time: 8, gap: 2, lane: 11, pid: true };
    /// `  5.004 p1         test...`
    const NARROW: Layout = Layout { time: 7, gap: 1, lane: 10, pid: false };

    fn of(width: usize) -> Layout {
        if width < NARROW {
            Layout::NARROW
        } else {
            Layout::WIDE
        }
    }

    /// The column where a lane's own text starts.
    fn text_column(self) -> usize {
        self.time + self.gap + self.lane + 1 + if self.pid { 7 + 2 } else { 0 }
    }
}

/// Draws events as aligned, coloured lines.
pub struct Human {
    paint: Paint,
    width: usize,
    layout: Layout,
    lanes: Vec<String>,
    /// The step-mode prompt on show below the last event, if any.
    prompt: Option<String>,
    /// Whether stdout is a terminal, where the prompt can be redrawn in place.
    terminal: bool,
    /// How to draw a timeline after each scene, if at all.
    timeline: Option<Timelines>,
    /// Whether a note's detail is shown under its headline.
    details: bool,
    /// The current scene's events, for its timeline.
    scene: Vec<Event>,
}

/// How a renderer draws timelines.
#[derive(Clone, Copy, Debug)]
pub struct Timelines {
    /// Block characters (else ASCII).
    pub unicode: bool,
}

impl Human {
    /// A renderer that colours when `color`, wraps at `width` columns, draws
    /// a timeline after each scene when `timeline` says how, and shows the
    /// notes' details under their headlines when `details`.
    pub fn new(color: bool, width: usize, timeline: Option<Timelines>, details: bool) -> Human {
        let terminal = io::stdout().is_terminal();
        Human {
            paint: Paint::new(color),
            width,
            layout: Layout::of(width),
            lanes: Vec::new(),
            prompt: None,
            terminal,
            timeline,
            details,
            scene: Vec::new(),
        }
    }

    /// The timeline of the scene that just ended, if one is drawn.
    fn scene_timeline(&mut self) -> Option<String> {
        let style = self.timeline?;
        let events = std::mem::take(&mut self.scene);
        if !events.first().is_some_and(|e| e.kind == Kind::Scene) {
            return None;
        }
        let drawn =
            timeline::draw(&crate::timeline::of_scene(&events), self.width, self.paint, style.unicode);
        Some(drawn)
    }

    /// Writes `text` as a line, keeping the step-mode prompt last.
    fn write_line(&self, text: &str) -> io::Result<()> {
        let mut out = io::stdout().lock();
        // A line that arrives during a pause goes above the prompt, which stays last.
        if self.prompt.is_some() {
            write!(out, "\r\x1b[2K")?;
        }
        writeln!(out, "{}", text::glyphs(text))?;
        if let Some(prompt) = &self.prompt {
            write!(out, "{}", text::glyphs(prompt))?;
        }
        out.flush()
    }

    fn lane_ink(&mut self, lane: &str) -> Option<Ink> {
        if lane == "main" {
            return None;
        }
        let index = match self.lanes.iter().position(|l| l == lane) {
            Some(i) => i,
            None => {
                self.lanes.push(lane.to_string());
                self.lanes.len() - 1
            }
        };
        Some(Ink::Lane(index))
    }

    /// `   5.004  p1          4101  ` (wide) or `  5.004 p1         ` (narrow).
    fn lane_prefix(&mut self, event: &Event) -> String {
        // A longer name (`ForkPoolWorker-3`, a traced program's thread) widens
        // the column for the lines after it, up to a quarter of the width.
        let widest = (self.width / 4).max(Layout::of(self.width).lane);
        self.layout.lane = self.layout.lane.max(event.lane.width().min(widest));
        let layout = self.layout;
        let pad = layout.lane.saturating_sub(event.lane.width());
        let name = format!("{}{}", event.lane, " ".repeat(pad));
        let name = match self.lane_ink(&event.lane) {
            Some(ink) => self.paint.ink(&name, ink),
            None => self.paint.bold(&name),
        };
        let time = format!("{:>w$.3}{}", event.t, " ".repeat(layout.gap), w = layout.time);
        if layout.pid {
            format!("{time}{name} {:>7}  ", self.paint.dim(&event.pid.to_string()))
        } else {
            format!("{time}{name} ")
        }
    }

    /// A lane's line: its prefix, then `body` wrapped under itself, each line
    /// styled by `style`. A name longer than its column pushes the text right.
    fn lane_line(&mut self, event: &Event, body: &str, style: impl Fn(&str) -> String) -> String {
        let prefix = self.lane_prefix(event);
        let column =
            self.layout.text_column().max(self.layout.time + self.layout.gap + event.lane.width() + 1);
        let lines = wrap(body, self.width.saturating_sub(column));
        let indent = " ".repeat(column);
        let mut out = String::new();
        for (i, line) in lines.iter().enumerate() {
            if i > 0 {
                out.push('\n');
                out.push_str(&indent);
            } else {
                out.push_str(&prefix);
            }
            out.push_str(&style(line));
        }
        out
    }

    /// The tutor's lines: time, a marker, the headline wrapped under itself
    /// in `ink`; then the detail (what follows the headline's newline), dim
    /// and indented further, unless details are left out.
    fn tutor_line(&self, event: &Event, marker: &str, ink: Ink) -> String {
        let time = format!("{:>w$.3}{}", event.t, " ".repeat(self.layout.gap), w = self.layout.time);
        let lead = format!("{time}{marker} ");
        let indent = " ".repeat(lead.width());
        let (headline, detail) = match event.text.split_once('\n') {
            Some((headline, detail)) => (headline, Some(detail)),
            None => (event.text.as_str(), None),
        };
        // Colour the text, not the time.
        let body = wrap(headline, self.width.saturating_sub(lead.width())).join(&format!("\n{indent}"));
        let marker = self.paint.ink(marker, if ink == Ink::Note { Ink::Marker } else { ink });
        let mut out = format!("{time}{marker} {}", self.paint.ink(&body, ink));
        if let (Some(detail), true) = (detail, self.details) {
            let indent = format!("{indent}  ");
            for line in wrap(detail, self.width.saturating_sub(indent.width())) {
                out.push('\n');
                out.push_str(&indent);
                out.push_str(&self.paint.dim(&line));
            }
        }
        out
    }

    /// A scene's heading, a rule after it when there is room, and its Python.
    fn scene_block(&self, event: &Event) -> String {
        let head = format!(
            "{} · {}",
            tr(&format!("Scene {}/{}", event.scene.unwrap_or(0), event.scenes.unwrap_or(0))),
            event.text
        );
        let mut heading = text::fill(&head, self.width, "━━ ", "   ");
        let last = heading.lines().last().map_or(0, UnicodeWidthStr::width);
        let rule = self.width.saturating_sub(last + 1).min(60);
        if rule >= 2 {
            heading.push(' ');
            heading.push_str(&"━".repeat(rule));
        }
        let mut block = format!("\n{}\n", self.paint.bold(&heading));
        if let Some(python) = &event.python {
            for line in python.trim_matches('\n').lines() {
                block.push_str(&self.paint.dim(&code_line(line, self.width)));
                block.push('\n');
            }
        }
        block
    }
}

/// A prompt (`what comes next · key: action · …`) in at most `columns`
/// columns: what comes next is shortened first, so that the keys stay on show.
fn one_row(prompt: &str, columns: usize) -> String {
    if prompt.width() <= columns {
        return prompt.to_string();
    }
    let (first, keys) = prompt.split_once(" · ").unwrap_or((prompt, ""));
    let keys = format!(" · {keys}");
    match columns.checked_sub(keys.width() + 1) {
        Some(room) if room >= 8 => format!("{}…{keys}", text::truncate(first, room)),
        _ => text::truncate(prompt, columns),
    }
}

/// `text` in lines of at most `columns` columns (at least 16), no word broken.
fn wrap(text: &str, columns: usize) -> Vec<String> {
    text::fill(text, columns.max(16), "", "").lines().map(str::to_string).collect()
}

/// A line of the Python a scene mirrors, after `   py │ `; a line too long
/// for the terminal goes on under itself, indented by its own indent and 4.
fn code_line(line: &str, width: usize) -> String {
    const GUTTER: &str = "   py │ ";
    if GUTTER.width() + line.width() <= width {
        return format!("{GUTTER}{line}");
    }
    let code = line.trim_start();
    let indent = &line[..line.len() - code.len()];
    text::fill(code, width, &format!("{GUTTER}{indent}"), &format!("{GUTTER}{indent}    "))
}

impl Sink for Human {
    fn is_watched(&self) -> bool {
        true
    }

    fn prompt(&mut self, prompt: Option<&str>) -> io::Result<()> {
        let mut out = io::stdout().lock();
        if !self.terminal {
            // Not a screen to redraw: the prompt is a line like any other.
            if let Some(prompt) = prompt {
                writeln!(out, "{}", text::glyphs(prompt))?;
            }
            return out.flush();
        }
        if self.prompt.is_some() {
            write!(out, "\r\x1b[2K")?;
        }
        // One row, so that `\r` and a clear take it all back.
        self.prompt =
            prompt.map(|p| self.paint.bold(&one_row(&text::glyphs(p), self.width.saturating_sub(1))));
        if let Some(prompt) = &self.prompt {
            write!(out, "{prompt}")?;
        }
        out.flush()
    }

    fn finish(&mut self) -> io::Result<()> {
        match self.scene_timeline() {
            Some(drawn) => self.write_line(&drawn),
            None => Ok(()),
        }
    }

    fn event(&mut self, event: &Event) -> io::Result<()> {
        if event.kind == Kind::Scene {
            if let Some(drawn) = self.scene_timeline() {
                self.write_line(&drawn)?;
            }
        }
        if self.timeline.is_some() {
            self.scene.push(event.clone());
        }
        let text = match event.kind {
            Kind::Scene => self.scene_block(event),
            Kind::Say => self.lane_line(event, &event.text, str::to_string),
            Kind::Spawn => {
                let paint = self.paint;
                self.lane_line(event, &format!("┬ {}", event.text), |line| paint.dim(line))
            }
            Kind::Exit => {
                let paint = self.paint;
                let killed = event.signal.is_some();
                self.lane_line(event, &format!("┴ {}", event.text), |line| {
                    if killed {
                        paint.ink(line, Ink::Killed)
                    } else {
                        paint.dim(line)
                    }
                })
            }
            Kind::Note => self.tutor_line(event, "▸", Ink::Note),
            Kind::Measure => self.tutor_line(event, "≡", Ink::Measure),
            Kind::Warn => self.tutor_line(event, "!", Ink::Warn),
            // Drawn in the timeline, after the scene.
            Kind::State => return Ok(()),
        };
        self.write_line(&text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_prompt_keeps_its_keys_on_one_row() {
        let prompt = "⏸  scene 2 is about to run · Enter: go on · q: quit";
        assert_eq!(one_row(prompt, 80), prompt);
        let short = one_row(prompt, 39);
        assert!(short.width() <= 39 && short.ends_with(" · Enter: go on · q: quit"), "{short}");
        assert!(one_row(prompt, 20).width() <= 20);
    }
}
