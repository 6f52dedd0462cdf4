//! Predict-the-output: the right answer to a scene's question is read from
//! the events of this very run, never from a stored answer, so a surprising
//! run is judged by what it did.

use crate::catalogue::Check;
use crate::events::{Event, Kind};

/// The index of the right choice, given a scene's events; `None` when the run
/// did not show what the question is about (a lane that never spoke, say).
pub fn answer(check: &Check, events: &[Event]) -> Option<usize> {
    let said = |lane: &str, text: &dyn Fn(&str) -> bool| {
        events.iter().position(|e| e.kind == Kind::Say && e.lane == lane && text(&e.text))
    };
    let measure = |name: &str| {
        events
            .iter()
            .find(|e| e.kind == Kind::Measure && e.name.as_deref() == Some(name))
            .and_then(|e| e.value)
    };
    let bucket =
        |value: f64, below: &[f64]| below.iter().position(|&bound| value < bound).unwrap_or(below.len());
    match check {
        Check::First(lines) => lines
            .iter()
            .enumerate()
            .filter_map(|(i, (lane, start))| Some((said(lane, &|t| t.starts_with(start.as_str()))?, i)))
            .min()
            .map(|(_, i)| i),
        Check::Said { lane, contains } => {
            Some(if said(lane, &|t| t.contains(contains.as_str())).is_some() { 0 } else { 1 })
        }
        Check::Exit { lane } => events.iter().find(|e| e.kind == Kind::Exit && e.lane == *lane).map(|e| {
            if e.signal.is_some() {
                1
            } else {
                0
            }
        }),
        Check::Warned => Some(if events.iter().any(|e| e.kind == Kind::Warn) { 0 } else { 1 }),
        Check::Measure { name, below } => measure(name).map(|v| bucket(v, below)),
        Check::Ratio { of, to, below } => Some(bucket(measure(of)? / measure(to)?, below)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn say(lane: &str, text: &str) -> Event {
        Event::new(0.0, lane, 1, Kind::Say, text)
    }

    #[test]
    fn the_answer_comes_from_the_events() {
        let check =
            Check::First(vec![("main".into(), "Main process end.".into()), ("p2".into(), "test".into())]);
        let events = [say("p2", "test..."), say("main", "Main process end.")];
        assert_eq!(answer(&check, &events), Some(1));
        assert_eq!(answer(&check, &events[1..]), Some(0));
        let said = Check::Said { lane: "p2".into(), contains: "test".into() };
        assert_eq!(answer(&said, &events), Some(0));
        assert_eq!(answer(&said, &events[1..]), Some(1));
    }
}
