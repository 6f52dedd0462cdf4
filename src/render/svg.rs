//! The timeline as a standalone SVG, for slides: a panel per scene with its
//! lanes, bars, key moments and time axis, and one legend.

use std::fmt::Write;
use std::io;

use super::file::FileAtEnd;
use crate::events::{Event, LaneState, Sink};
use crate::i18n::tr;
use crate::timeline::{self, first_tick, tick_label, tick_step, Key, Timeline};

const WIDTH: f64 = 960.0;
const MARGIN: f64 = 16.0;
const LABEL: f64 = 110.0;
const ROW: f64 = 24.0;
const BAR: f64 = 14.0;
const HEADING: f64 = 30.0;
const AXIS: f64 = 34.0;
const LEGEND: f64 = 40.0;
const FONT: &str = "DejaVu Sans, Noto Sans CJK SC, Noto Sans SC, Microsoft YaHei, sans-serif";

fn fill(state: LaneState) -> &'static str {
    match state {
        LaneState::Running => "#2e9d4f",
        LaneState::Sleeping => "#9cc3e6",
        LaneState::Blocked => "#d9534f",
    }
}

/// `--svg FILE`: gathers the stream, and at its end writes every scene's
/// timeline to FILE as one SVG document.
pub struct SvgFile {
    file: FileAtEnd,
    title: String,
    events: Vec<Event>,
}

impl SvgFile {
    /// A sink that will write to `file`, headed by `title`.
    pub fn new(file: FileAtEnd, title: String) -> SvgFile {
        SvgFile { file, title, events: Vec::new() }
    }
}

impl Sink for SvgFile {
    fn event(&mut self, event: &Event) -> io::Result<()> {
        self.events.push(event.clone());
        Ok(())
    }

    fn finish(&mut self) -> io::Result<()> {
        let svg = document(&self.title, &timeline::of_scenes(&self.events));
        self.file.commit(svg.as_bytes()).map_err(|err| {
            io::Error::new(err.kind(), format!("cannot write --svg {}: {err}", self.file.path().display()))
        })
    }
}

/// The SVG document of `timelines`, headed by `title`.
pub fn document(title: &str, timelines: &[Timeline]) -> String {
    let panels: f64 = timelines.iter().map(|t| HEADING + t.rows.len() as f64 * ROW + AXIS).sum();
    let height = MARGIN * 2.0 + HEADING + LEGEND + panels;
    let mut svg = String::new();
    let _ = writeln!(
        svg,
        r#"<?xml version="1.0" encoding="UTF-8"?>
<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" viewBox="0 0 {WIDTH} {height}" font-family="{FONT}" font-size="13">
<title>{}</title>
<rect width="100%" height="100%" fill="white"/>
<text x="{MARGIN}" y="{}" font-size="18" font-weight="bold">{}</text>"#,
        escape(title),
        MARGIN + 18.0,
        escape(title)
    );
    let mut y = MARGIN + HEADING;
    legend(&mut svg, y);
    y += LEGEND;
    for timeline in timelines {
        y = panel(&mut svg, timeline, y);
    }
    svg.push_str("</svg>\n");
    svg
}

/// The legend: what each colour and mark means.
fn legend(svg: &mut String, y: f64) {
    let mut x = MARGIN;
    for state in LaneState::ALL {
        let words = tr(state.name());
        let _ = writeln!(
            svg,
            r#"<rect class="legend {}" x="{x}" y="{}" width="22" height="{BAR}" fill="{}"/><text x="{}" y="{}">{}</text>"#,
            state.name(),
            y,
            fill(state),
            x + 28.0,
            y + 11.0,
            escape(&words)
        );
        x += 40.0 + 8.0 * words.chars().count() as f64 + 24.0;
    }
    for key in Key::ALL {
        let words = tr(key.words());
        mark(svg, key, x + 7.0, y + BAR / 2.0, None);
        let _ = writeln!(svg, r#"<text x="{}" y="{}">{}</text>"#, x + 20.0, y + 11.0, escape(&words));
        x += 36.0 + 8.0 * words.chars().count() as f64 + 16.0;
    }
}

/// One scene's panel, from `y` down; returns where the next one starts.
fn panel(svg: &mut String, timeline: &Timeline, mut y: f64) -> f64 {
    let heading = format!("{}: {}", tr(&format!("Scene {}", timeline.scene)), timeline.title);
    let _ = writeln!(
        svg,
        r#"<g class="scene" data-scene="{}"><text x="{MARGIN}" y="{}" font-size="15" font-weight="bold">{}</text>"#,
        timeline.scene,
        y + 18.0,
        escape(&heading)
    );
    y += HEADING;
    let left = MARGIN + LABEL;
    // Room for a mark on the last moment.
    let right = WIDTH - MARGIN - 10.0;
    let span = (timeline.end - timeline.start).max(1e-9);
    let x_of = |t: f64| left + (t - timeline.start) / span * (right - left);
    for row in &timeline.rows {
        let _ = writeln!(
            svg,
            r#"<g class="lane" data-lane="{}"><text x="{MARGIN}" y="{}" font-family="DejaVu Sans Mono, monospace">{}</text>"#,
            escape(&row.lane),
            y + 12.0,
            escape(&row.lane)
        );
        for s in &row.spans {
            let width = (x_of(s.to) - x_of(s.from)).max(1.0);
            let _ = writeln!(
                svg,
                r#"<rect class="{}" x="{:.1}" y="{}" width="{width:.1}" height="{BAR}" fill="{}"><title>{} {:.3}–{:.3} s</title></rect>"#,
                s.state.name(),
                x_of(s.from),
                y + 1.0,
                fill(s.state),
                escape(&tr(s.state.name())),
                s.from,
                s.to
            );
        }
        for m in &row.moments {
            mark(svg, m.what, x_of(m.t), y + 1.0 + BAR / 2.0, Some(&format!("{:.3} s: {}", m.t, m.text)));
        }
        svg.push_str("</g>\n");
        y += ROW;
    }
    axis(svg, timeline, y, left, right);
    svg.push_str("</g>\n");
    y + AXIS
}

/// The time axis under a panel: a line, ticks, and their times.
fn axis(svg: &mut String, timeline: &Timeline, y: f64, left: f64, right: f64) {
    let span = (timeline.end - timeline.start).max(1e-9);
    let step = tick_step(span / 8.0);
    let _ = writeln!(svg, r##"<line x1="{left}" y1="{y}" x2="{right}" y2="{y}" stroke="#555"/>"##);
    let mut t = first_tick(timeline.start, step);
    while t <= timeline.end + 1e-9 {
        let x = (left + (t - timeline.start) / span * (right - left)).max(left);
        let _ = writeln!(
            svg,
            r##"<line x1="{x:.1}" y1="{y}" x2="{x:.1}" y2="{}" stroke="#555"/><text class="tick" x="{x:.1}" y="{}" text-anchor="middle" font-size="11" fill="#333">{}</text>"##,
            y + 5.0,
            y + 17.0,
            tick_label(t, step)
        );
        t += step;
    }
}

/// A key moment's mark, centred on (x, y): a diamond for a join, a ring for a
/// timeout, a red cross for a kill.
fn mark(svg: &mut String, key: Key, x: f64, y: f64, tip: Option<&str>) {
    let tip = tip.map(|t| format!("<title>{}</title>", escape(t))).unwrap_or_default();
    let class = key.name();
    let _ = match key {
        Key::Joined => writeln!(
            svg,
            r##"<polygon class="mark {class}" points="{x:.1},{:.1} {:.1},{y:.1} {x:.1},{:.1} {:.1},{y:.1}" fill="#222" stroke="white">{tip}</polygon>"##,
            y - 7.0,
            x + 7.0,
            y + 7.0,
            x - 7.0
        ),
        Key::Timeout => writeln!(
            svg,
            r##"<circle class="mark {class}" cx="{x:.1}" cy="{y:.1}" r="6" fill="white" stroke="#e0a000" stroke-width="3">{tip}</circle>"##
        ),
        Key::Killed => writeln!(
            svg,
            r##"<path class="mark {class}" d="M{:.1},{:.1} L{:.1},{:.1} M{:.1},{:.1} L{:.1},{:.1}" stroke="#b00000" stroke-width="3">{tip}</path>"##,
            x - 6.0,
            y - 6.0,
            x + 6.0,
            y + 6.0,
            x - 6.0,
            y + 6.0,
            x + 6.0,
            y - 6.0
        ),
    };
}

/// `text` safe inside XML text and attributes.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // XML 1.0 allows no other control characters.
            c if (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') => out.push(' '),
            c => out.push(c),
        }
    }
    out
}
