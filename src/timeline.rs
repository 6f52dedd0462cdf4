//! The timeline of a scene, read from its events: one row per lane, with the
//! spans where the lane ran, slept or waited, and its key moments (a join
//! returned, a timeout, a kill). The terminal and the SVG drawings both draw this.

use crate::events::{Event, Kind, LaneState, Mark, TUTOR};

/// One scene's timeline.
#[derive(Clone, Debug, PartialEq)]
pub struct Timeline {
    /// The scene's number, from 1 (0 when the events had no scene event).
    pub scene: usize,
    /// The scene's title.
    pub title: String,
    /// Lesson time of the scene's first event.
    pub start: f64,
    /// Lesson time of its last event (a little after `start` at least).
    pub end: f64,
    /// One row per lane, in the order the lanes first appeared; main first.
    pub rows: Vec<Row>,
}

/// One lane's row.
#[derive(Clone, Debug, PartialEq)]
pub struct Row {
    /// The lane's name.
    pub lane: String,
    /// The pid of the lane's process, as its last event said.
    pub pid: Option<i32>,
    /// Where the lane was alive, and doing what, in time order.
    pub spans: Vec<Span>,
    /// Its key moments, in time order.
    pub moments: Vec<Moment>,
}

/// A stretch of time in one state.
#[derive(Clone, Debug, PartialEq)]
pub struct Span {
    /// Lesson time it began.
    pub from: f64,
    /// Lesson time it ended.
    pub to: f64,
    /// What the lane did meanwhile.
    pub state: LaneState,
    /// On what, in words, when the event that began it said (`p1.join(6)`).
    pub what: String,
}

/// A key moment on a row.
#[derive(Clone, Debug, PartialEq)]
pub struct Moment {
    /// Lesson time.
    pub t: f64,
    /// What happened.
    pub what: Key,
    /// Words for it, from the event (`p1.join(6) returned`, `SIGTERM`).
    pub text: String,
}

/// The kinds of key moment, the gravest last.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Key {
    /// A join returned: the child had ended.
    Joined,
    /// A wait gave up at its timeout.
    Timeout,
    /// The lane's process was ended by a signal.
    Killed,
}

impl Key {
    /// Every kind, in the order legends list them.
    pub const ALL: [Key; 3] = [Key::Joined, Key::Timeout, Key::Killed];

    /// The lower-case name used in the SVG's classes.
    pub fn name(self) -> &'static str {
        match self {
            Key::Joined => "joined",
            Key::Timeout => "timeout",
            Key::Killed => "killed",
        }
    }

    /// What the legends call it, in English.
    pub fn words(self) -> &'static str {
        match self {
            Key::Joined => "join returned",
            Key::Timeout => "timed out",
            Key::Killed => "killed",
        }
    }
}

/// The step between an axis's ticks: the smallest of 1, 2, 5 × 10ⁿ seconds
/// that is at least `least`.
pub fn tick_step(least: f64) -> f64 {
    let power = 10f64.powf(least.max(1e-6).log10().floor());
    [1.0, 2.0, 5.0, 10.0].into_iter().map(|m| m * power).find(|s| *s >= least - 1e-12).unwrap_or(10.0 * power)
}

/// The first tick at or (by a hair) before `start`.
pub fn first_tick(start: f64, step: f64) -> f64 {
    ((start - 0.05 * step) / step).ceil() * step
}

/// A tick's label: `t` with as many decimals as `step` needs, and its unit.
pub fn tick_label(t: f64, step: f64) -> String {
    // As many decimals as the step has: 0.5 → 1, 0.02 → 2, 0.0005 → 4.
    let decimals = (-(step * 1.000_001).log10().floor()).max(0.0) as usize;
    // Not "-0 s" for a first tick a hair before zero.
    let t = if t.abs() < step * 1e-3 { 0.0 } else { t };
    format!("{t:.decimals$} s")
}

/// The timelines of every scene in `events` (a whole run's log or trace).
pub fn of_scenes(events: &[Event]) -> Vec<Timeline> {
    let starts: Vec<usize> =
        events.iter().enumerate().filter(|(_, e)| e.kind == Kind::Scene).map(|(i, _)| i).collect();
    if starts.is_empty() {
        return if events.is_empty() { Vec::new() } else { vec![of_scene(events)] };
    }
    let ends = starts.iter().skip(1).copied().chain([events.len()]);
    starts.iter().zip(ends).map(|(&from, to)| of_scene(&events[from..to])).collect()
}

/// The timeline of one scene's events (the first may be its `scene` event).
pub fn of_scene(events: &[Event]) -> Timeline {
    let start = events.first().map_or(0.0, |e| e.t);
    let end = events.iter().map(|e| e.t).fold(start, f64::max).max(start + 0.001);
    let (scene, title) = match events.first() {
        Some(e) if e.kind == Kind::Scene => (e.scene.unwrap_or(0), e.text.clone()),
        _ => (0, String::new()),
    };
    let mut rows = vec![Building::new("main", start, None)];
    for event in events.iter().filter(|e| e.lane != TUTOR && e.kind != Kind::Scene) {
        let index = match rows.iter().position(|r| r.row.lane == event.lane) {
            Some(i) => i,
            None => {
                rows.push(Building::new(&event.lane, event.t, event.ppid.map(|_| event.pid)));
                rows.len() - 1
            }
        };
        let row = &mut rows[index];
        match event.kind {
            Kind::Spawn => {
                row.process = event.ppid.map(|_| event.pid);
                row.switch(event.t, Some(LaneState::Running));
            }
            Kind::State => {
                row.switch_to(event.t, event.state, &event.text);
                if let Some(mark) = event.mark {
                    let what = match mark {
                        Mark::Joined => Key::Joined,
                        Mark::Timeout => Key::Timeout,
                    };
                    row.row.moments.push(Moment { t: event.t, what, text: event.text.clone() });
                }
            }
            Kind::Exit => {
                row.switch(event.t, None);
                if let Some(signal) = &event.signal {
                    row.row.moments.push(Moment { t: event.t, what: Key::Killed, text: signal.clone() });
                }
                // A process's end is the end of every thread in it.
                if let Some(pid) = row.process {
                    for other in rows.iter_mut().filter(|r| r.pid == Some(pid)) {
                        other.switch(event.t, None);
                    }
                }
            }
            _ => {
                if row.current.is_none() {
                    row.switch(event.t, Some(LaneState::Running));
                }
            }
        }
        let row = &mut rows[index];
        row.pid = Some(event.pid);
        row.seen = true;
    }
    Timeline {
        scene,
        title,
        start,
        end,
        rows: rows
            .into_iter()
            // `main` comes first when there is one; a run without it (a
            // traced program) has no row for it.
            .filter(|r| r.seen)
            .map(|mut r| {
                r.switch(end, None);
                r.row.pid = r.pid;
                r.row
            })
            .collect(),
    }
}

/// A row being read: its finished spans, and the state it is in now.
struct Building {
    row: Row,
    current: Option<(f64, LaneState, String)>,
    /// The pid of the lane's process, as its last event said.
    pid: Option<i32>,
    /// Set when the lane is a process (its spawn named a parent): its pid.
    process: Option<i32>,
    /// Whether any event of the lane was read.
    seen: bool,
}

impl Building {
    fn new(lane: &str, t: f64, process: Option<i32>) -> Building {
        Building {
            row: Row { lane: lane.to_string(), pid: None, spans: Vec::new(), moments: Vec::new() },
            current: Some((t, LaneState::Running, String::new())),
            pid: None,
            process,
            seen: false,
        }
    }

    /// Ends the current span at `t` and begins `next` (or nothing: the lane ended).
    fn switch(&mut self, t: f64, next: Option<LaneState>) {
        self.switch_to(t, next, "");
    }

    /// [`Building::switch`], saying what the next span is on.
    fn switch_to(&mut self, t: f64, next: Option<LaneState>, what: &str) {
        if let Some((from, state, what)) = self.current.take() {
            if t > from {
                self.row.spans.push(Span { from, to: t, state, what });
            }
        }
        self.current = next.map(|state| (t, state, what.to_string()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(t: f64, lane: &str, kind: Kind) -> Event {
        Event::new(t, lane, 100, kind, "")
    }

    fn state(t: f64, lane: &str, state: LaneState, mark: Option<Mark>) -> Event {
        let mut e = event(t, lane, Kind::State);
        e.state = Some(state);
        e.mark = mark;
        e
    }

    #[test]
    fn a_child_that_sleeps_and_is_killed() {
        let mut spawn = event(1.0, "p2", Kind::Spawn);
        spawn.ppid = Some(100);
        spawn.pid = 200;
        let mut sleeping = state(1.5, "p2", LaneState::Sleeping, None);
        sleeping.pid = 200;
        let mut exit = event(4.0, "p2", Kind::Exit);
        exit.signal = Some("SIGTERM".to_string());
        exit.pid = 200;
        let events = vec![
            event(0.0, TUTOR, Kind::Scene),
            spawn,
            sleeping,
            state(2.0, "main", LaneState::Blocked, None),
            state(3.0, "main", LaneState::Running, Some(Mark::Timeout)),
            exit,
            event(5.0, "main", Kind::Say),
        ];
        let timeline = of_scene(&events);
        assert_eq!(timeline.rows.len(), 2);
        let main = &timeline.rows[0];
        let states: Vec<LaneState> = main.spans.iter().map(|s| s.state).collect();
        assert_eq!(states, [LaneState::Running, LaneState::Blocked, LaneState::Running]);
        assert_eq!(main.spans.last().unwrap().to, 5.0);
        assert_eq!(main.moments[0].what, Key::Timeout);
        let p2 = &timeline.rows[1];
        assert_eq!((p2.spans[0].from, p2.spans[0].to, p2.spans[0].state), (1.0, 1.5, LaneState::Running));
        assert_eq!((p2.spans[1].from, p2.spans[1].to, p2.spans[1].state), (1.5, 4.0, LaneState::Sleeping));
        assert_eq!(p2.moments[0].what, Key::Killed);
    }

    #[test]
    fn ticks_are_one_two_or_five_times_a_power_of_ten() {
        assert_eq!(tick_step(0.7), 1.0);
        assert_eq!(tick_step(1.2), 2.0);
        assert_eq!(tick_step(3.0), 5.0);
        assert_eq!(tick_step(6.0), 10.0);
        assert!((tick_step(0.013) - 0.02).abs() < 1e-12);
        assert_eq!(tick_label(2.5, 0.5), "2.5 s");
        assert_eq!(tick_label(12.3405, 0.0005), "12.3405 s");
        assert_eq!(tick_label(20.0, 5.0), "20 s");
        assert_eq!(tick_label(0.3, 0.1), "0.3 s");
    }

    #[test]
    fn a_thread_ends_with_its_process() {
        let mut spawn = event(0.0, "prog", Kind::Spawn);
        spawn.ppid = Some(1);
        spawn.pid = 7;
        let mut ticker = event(0.1, "ticker", Kind::Spawn);
        ticker.pid = 7;
        let mut exit = event(2.0, "prog", Kind::Exit);
        exit.pid = 7;
        let events = vec![spawn, ticker, exit, event(3.0, "main", Kind::Say)];
        let timeline = of_scene(&events);
        let ticker = timeline.rows.iter().find(|r| r.lane == "ticker").unwrap();
        assert_eq!(ticker.spans.last().unwrap().to, 2.0);
    }

    #[test]
    fn scenes_are_split_at_their_scene_events() {
        let mut first = event(0.0, TUTOR, Kind::Scene);
        first.scene = Some(1);
        let mut second = event(2.0, TUTOR, Kind::Scene);
        second.scene = Some(2);
        let events = vec![first, event(1.0, "main", Kind::Say), second, event(3.0, "main", Kind::Say)];
        let scenes = of_scenes(&events);
        assert_eq!(scenes.iter().map(|t| t.scene).collect::<Vec<_>>(), [1, 2]);
        assert_eq!((scenes[1].start, scenes[1].end), (2.0, 3.0));
    }
}
