//! Predict-the-output: the right answer to a scene's question is read from
//! the events of this very run, never from a stored answer, so a surprising
//! run is judged by what it did.

use crate::catalogue::Check;
use crate::events::{Event, Kind};

/// The index of the right choice, given a scene's events; `None` when the run
/// did not show what the question is about (a lane that never spoke, say).
pub fn answer(check: &Check, events: &[Event]) -> Option<usize> {
    let lines = || events.iter().filter(|e| e.kind == Kind::Say);
    let said =
        |lane: &str, text: &dyn Fn(&str) -> bool| lines().position(|e| e.lane == lane && text(&e.text));
    let line_starting = |(lane, start): &(String, String)| {
        lines().find(|e| e.lane == *lane && e.text.starts_with(start.as_str())).map(|e| e.t)
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
        Check::Count { lane, contains, below } => {
            let mine = |e: &&Event| lane.as_ref().is_none_or(|lane| e.lane == *lane);
            let count = lines().filter(mine).filter(|e| e.text.contains(contains.as_str())).count();
            Some(bucket(count as f64, below))
        }
        Check::Switches { lanes, below } => {
            let speakers: Vec<&str> =
                lines().filter(|e| lanes.contains(&e.lane)).map(|e| e.lane.as_str()).collect();
            if speakers.is_empty() {
                return None;
            }
            let switches = speakers.windows(2).filter(|pair| pair[0] != pair[1]).count();
            Some(bucket(switches as f64, below))
        }
        Check::AtOnce { starts, ends, below } => {
            let (mut under_way, mut most) = (0_i64, 0_i64);
            for e in lines() {
                if e.text.contains(starts.as_str()) {
                    under_way += 1;
                    most = most.max(under_way);
                } else if e.text.contains(ends.as_str()) {
                    under_way -= 1;
                }
            }
            // No task started: the run did not show what the question is about.
            (most > 0).then(|| bucket(most as f64, below))
        }
        Check::Gap { from, to, below } => Some(bucket(line_starting(to)? - line_starting(from)?, below)),
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

    #[test]
    fn count_takes_one_lane_or_every_lane() {
        let events = [say("a", "tick 1"), say("a", "tick 2"), say("b", "tick 1"), say("a", "done")];
        let count = |lane: Option<&str>, below: Vec<f64>| Check::Count {
            lane: lane.map(str::to_string),
            contains: "tick".into(),
            below,
        };
        assert_eq!(answer(&count(Some("a"), vec![2.5]), &events), Some(0));
        assert_eq!(answer(&count(None, vec![2.5]), &events), Some(1));
        assert_eq!(answer(&count(Some("c"), vec![0.5, 2.5]), &events), Some(0), "none is a count too");
    }

    #[test]
    fn switches_count_the_changes_of_lane() {
        let check = Check::Switches { lanes: vec!["p1".into(), "p2".into()], below: vec![1.5] };
        let in_turn = [say("p1", "1|"), say("main", "x"), say("p1", "2|"), say("p2", "5|"), say("p2", "8|")];
        assert_eq!(answer(&check, &in_turn), Some(0), "one switch: main's line does not count");
        let mixed = [say("p1", "1|"), say("p2", "4|"), say("p1", "5|")];
        assert_eq!(answer(&check, &mixed), Some(1));
        assert_eq!(answer(&check, &[say("main", "x")]), None);
    }

    #[test]
    fn at_once_is_the_most_tasks_under_way() {
        let check = Check::AtOnce { starts: "starts".into(), ends: "done".into(), below: vec![2.5] };
        let waves = [
            say("w1", "square(1) starts"),
            say("w2", "square(2) starts"),
            say("w1", "square(1) done"),
            say("w1", "square(3) starts"),
            say("w2", "square(2) done"),
            say("w1", "square(3) done"),
        ];
        assert_eq!(answer(&check, &waves), Some(0));
        let all = [say("w1", "a starts"), say("w2", "b starts"), say("w3", "c starts")];
        assert_eq!(answer(&check, &all), Some(1));
        assert_eq!(answer(&check, &[say("w1", "nothing")]), None);
    }

    #[test]
    fn gap_is_the_lesson_time_between_two_lines() {
        let at = |t: f64, lane: &str, text: &str| Event::new(t, lane, 1, Kind::Say, text);
        let check = Check::Gap {
            from: ("consumer".into(), "Consumed item 4".into()),
            to: ("main".into(), "all items done".into()),
            below: vec![0.5],
        };
        let events = [at(3.0, "consumer", "Consumed item 4"), at(4.0, "main", "all items done")];
        assert_eq!(answer(&check, &events), Some(1));
        let events = [at(3.0, "consumer", "Consumed item 4"), at(3.1, "main", "all items done")];
        assert_eq!(answer(&check, &events), Some(0));
        assert_eq!(answer(&check, &events[..1]), None, "a line missing: no answer");
    }
}
