//! Human output: one line per event, lesson time right-aligned, each lane in its
//! own colour, the tutor's notes set apart and wrapped to the terminal.

use std::io::{self, IsTerminal, Write};

use crossterm::style::Color;
use unicode_width::UnicodeWidthStr;

use super::{timeline, Paint};
use crate::events::{Event, Kind, Sink};
use crate::i18n::tr;
use crate::text;

/// Colours handed to lanes in the order they first appear (main stays plain).
const LANE_COLORS: [Color; 6] =
    [Color::Cyan, Color::Green, Color::Magenta, Color::Blue, Color::Yellow, Color::Red];
const LANE_WIDTH: usize = 11;
/// `   5.004  p1        4101  ` : where the lane's own text starts.
const TEXT_COLUMN: usize = 8 + 2 + LANE_WIDTH + 1 + 7 + 2;

/// Draws events as aligned, coloured lines.
pub struct Human {
    paint: Paint,
    width: usize,
    lanes: Vec<String>,
    /// The step-mode prompt on show below the last event, if any.
    prompt: Option<String>,
    /// Whether stdout is a terminal, where the prompt can be redrawn in place.
    terminal: bool,
    /// How to draw a timeline after each scene, if at all.
    timeline: Option<Timelines>,
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
    /// A renderer that colours when `color`, wraps at `width` columns, and
    /// draws a timeline after each scene when `timeline` says how.
    pub fn new(color: bool, width: usize, timeline: Option<Timelines>) -> Human {
        let terminal = io::stdout().is_terminal();
        Human {
            paint: Paint::new(color),
            width,
            lanes: Vec::new(),
            prompt: None,
            terminal,
            timeline,
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
        writeln!(out, "{text}")?;
        if let Some(prompt) = &self.prompt {
            write!(out, "{prompt}")?;
        }
        out.flush()
    }

    fn lane_color(&mut self, lane: &str) -> Option<Color> {
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
        Some(LANE_COLORS[index % LANE_COLORS.len()])
    }

    /// `   5.004  p1        4101  `
    fn lane_prefix(&mut self, event: &Event) -> String {
        let pad = LANE_WIDTH.saturating_sub(event.lane.width());
        let name = format!("{}{}", event.lane, " ".repeat(pad));
        let name = match self.lane_color(&event.lane) {
            Some(color) => self.paint.color(&name, color),
            None => self.paint.bold(&name),
        };
        format!("{:>8.3}  {name} {:>7}  ", event.t, self.paint.dim(&event.pid.to_string()))
    }

    /// The tutor's lines: time, a marker, text wrapped under itself.
    fn tutor_line(&self, event: &Event, marker: &str, color: Color) -> String {
        let lead = format!("{:>8.3}  {marker} ", event.t);
        let indent = " ".repeat(lead.width());
        let wrapped = text::fill(&event.text, self.width.max(TEXT_COLUMN + 20), &lead, &indent);
        // Colour the text, not the time.
        let body = wrapped.strip_prefix(&lead).unwrap_or(&wrapped);
        format!("{:>8.3}  {}", event.t, self.paint.color(&format!("{marker} {body}"), color))
    }
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
                writeln!(out, "{prompt}")?;
            }
            return out.flush();
        }
        if self.prompt.is_some() {
            write!(out, "\r\x1b[2K")?;
        }
        self.prompt = prompt.map(|p| self.paint.bold(p));
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
            Kind::Scene => {
                let head = format!(
                    "━━ {} · {} ",
                    tr(&format!("Scene {}/{}", event.scene.unwrap_or(0), event.scenes.unwrap_or(0))),
                    event.text
                );
                let rule = "━".repeat(self.width.saturating_sub(head.width()).min(60));
                let mut block = format!("\n{}\n", self.paint.bold(&format!("{head}{rule}")));
                if let Some(python) = &event.python {
                    for line in python.trim_matches('\n').lines() {
                        block.push_str(&self.paint.dim(&format!("   py │ {line}")));
                        block.push('\n');
                    }
                }
                block
            }
            Kind::Say => format!("{}{}", self.lane_prefix(event), event.text),
            Kind::Spawn => {
                format!("{}{}", self.lane_prefix(event), self.paint.dim(&format!("┬ {}", event.text)))
            }
            Kind::Exit => {
                let line = format!("┴ {}", event.text);
                let line = if event.signal.is_some() {
                    self.paint.color(&line, Color::Red)
                } else {
                    self.paint.dim(&line)
                };
                format!("{}{line}", self.lane_prefix(event))
            }
            Kind::Note => self.tutor_line(event, "▸", Color::Yellow),
            Kind::Measure => self.tutor_line(event, "≡", Color::Cyan),
            Kind::Warn => self.tutor_line(event, "!", Color::Red),
            // Drawn in the timeline, after the scene.
            Kind::State => return Ok(()),
        };
        self.write_line(&text)
    }
}
