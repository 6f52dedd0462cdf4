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
    from_zero: bool,
    events: Vec<Event>,
}

impl SvgFile {
    /// A sink that will write to `file`, headed by `title`; each scene timed
    /// from its own start when `from_zero`.
    pub fn new(file: FileAtEnd, title: String, from_zero: bool) -> SvgFile {
        SvgFile { file, title, from_zero, events: Vec::new() }
    }
}

impl Sink for SvgFile {
    fn event(&mut self, event: &Event) -> io::Result<()> {
        self.events.push(event.clone());
        Ok(())
    }

    fn finish(&mut self) -> io::Result<()> {
        let svg = document(&self.title, &timeline::of_scenes(&self.events), self.from_zero);
        self.file.commit(svg.as_bytes()).map_err(|err| {
            io::Error::new(err.kind(), format!("cannot write --svg {}: {err}", self.file.path().display()))
        })
    }
}

/// The SVG document of `timelines`, headed by `title`. Each panel's axis reads
/// lesson time, or, when `from_zero`, the time since its scene began (a slide
/// per scene, each from 0 s).
pub fn document(title: &str, timelines: &[Timeline], from_zero: bool) -> String {
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
    // The legend lists the marks that some panel draws, and no other.
    let drawn: Vec<Key> = Key::ALL
        .into_iter()
        .filter(|key| {
            timelines.iter().any(|t| t.rows.iter().any(|r| r.moments.iter().any(|m| m.what == *key)))
        })
        .collect();
    legend(&mut svg, y, &drawn);
    y += LEGEND;
    for timeline in timelines {
        let origin = if from_zero { timeline.start } else { 0.0 };
        y = panel(&mut svg, timeline, y, origin);
    }
    svg.push_str("</svg>\n");
    svg
}

/// The legend: what each colour means, and each of the `marks` drawn.
fn legend(svg: &mut String, y: f64, marks: &[Key]) {
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
    for &key in marks {
        let words = tr(key.words());
        mark(svg, key, x + 7.0, y + BAR / 2.0, None);
        let _ = writeln!(svg, r#"<text x="{}" y="{}">{}</text>"#, x + 20.0, y + 11.0, escape(&words));
        x += 36.0 + 8.0 * words.chars().count() as f64 + 16.0;
    }
}

/// One scene's panel, from `y` down, its times read from `origin` (0, or
/// the scene's start); returns where the next one starts.
fn panel(svg: &mut String, timeline: &Timeline, mut y: f64, origin: f64) -> f64 {
    let heading = tr(&format!("Scene {}: {}", timeline.scene, timeline.title));
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
                s.from - origin,
                s.to - origin
            );
        }
        // A ring is hollow and drawn first, a diamond over it, a cross last:
        // marks at the same moment all show, one inside the other.
        let mut moments: Vec<_> = row.moments.iter().collect();
        moments.sort_by_key(|m| match m.what {
            Key::Timeout => 0,
            Key::Joined => 1,
            Key::Killed => 2,
        });
        for m in moments {
            let tip = format!("{:.3} s: {}", m.t - origin, m.text);
            mark(svg, m.what, x_of(m.t), y + 1.0 + BAR / 2.0, Some(&tip));
        }
        svg.push_str("</g>\n");
        y += ROW;
    }
    axis(svg, timeline, y, left, right, origin);
    svg.push_str("</g>\n");
    y + AXIS
}

/// The time axis under a panel: a line, ticks, and their times, read from
/// `origin`.
fn axis(svg: &mut String, timeline: &Timeline, y: f64, left: f64, right: f64, origin: f64) {
    let span = (timeline.end - timeline.start).max(1e-9);
    let step = tick_step(span / 8.0);
    let _ = writeln!(svg, r##"<line x1="{left}" y1="{y}" x2="{right}" y2="{y}" stroke="#555"/>"##);
    // Ticks fall on round times of the axis as it reads.
    let mut t = first_tick(timeline.start - origin, step);
    while t <= timeline.end - origin + 1e-9 {
        let x = (left + (t + origin - timeline.start) / span * (right - left)).max(left);
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

/// A key moment's mark, centred on (x, y): a diamond for a join, a hollow
/// ring around it for a timeout, a red cross for a kill.
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
            r##"<circle class="mark {class}" cx="{x:.1}" cy="{y:.1}" r="8" fill="none" stroke="#e0a000" stroke-width="3">{tip}</circle>"##
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::timeline::{Moment, Row, Span};

    /// A scene from 12 s to 14 s: main joins at 13.5 s and, at that very
    /// moment, a second join times out.
    fn scene() -> Timeline {
        let moment = |what, text: &str| Moment { t: 13.5, what, text: text.to_string() };
        Timeline {
            scene: 2,
            title: "two marks at once".to_string(),
            start: 12.0,
            end: 14.0,
            rows: vec![Row {
                lane: "main".to_string(),
                pid: Some(1),
                spans: vec![Span { from: 12.0, to: 14.0, state: LaneState::Blocked, what: String::new() }],
                moments: vec![
                    moment(Key::Joined, "p1.join() returned"),
                    moment(Key::Timeout, "p2.join(1) timed out"),
                ],
            }],
        }
    }

    #[test]
    fn a_ring_and_a_diamond_at_one_moment_both_show() {
        let svg = document("t", &[scene()], false);
        let ring = svg.find("mark timeout").expect("a ring");
        let diamond = svg.rfind("mark joined").expect("a diamond");
        assert!(ring < diamond, "the hollow ring is drawn first, the diamond over it");
        assert!(
            svg[ring..].starts_with(r#"mark timeout" cx="#) && svg[ring..diamond].contains(r#"fill="none""#)
        );
    }

    #[test]
    fn the_legend_lists_only_the_marks_drawn() {
        let svg = document("t", &[scene()], false);
        assert_eq!(svg.matches("mark killed").count(), 0, "no kill drawn, none in the legend");
        assert_eq!(svg.matches("mark joined").count(), 2, "the legend's and the panel's");
    }

    #[test]
    fn a_scene_can_be_timed_from_zero() {
        let ticks = |svg: &str| -> Vec<String> {
            svg.split(r#"class="tick""#)
                .skip(1)
                .map(|t| t[t.find('>').unwrap() + 1..t.find('<').unwrap()].to_string())
                .collect()
        };
        let lesson_time = ticks(&document("t", &[scene()], false));
        let from_zero = ticks(&document("t", &[scene()], true));
        assert_eq!(lesson_time.first().map(String::as_str), Some("12.0 s"), "{lesson_time:?}");
        assert_eq!(from_zero.first().map(String::as_str), Some("0.0 s"), "{from_zero:?}");
        assert_eq!(from_zero.last().map(String::as_str), Some("2.0 s"), "{from_zero:?}");
        assert_eq!(lesson_time.len(), from_zero.len());
    }
}
