//! An exploration as events (`explore <id> --json`), so that every sink draws
//! it: first a scene with one `measure` per outcome (its `outcome` and
//! `count`), then a scene per outcome with its shortest schedule, told like a
//! run: a `spawn` per lane, a `state` per step (`running` for the lane that
//! steps, `blocked` for the others, with what each waits for), a `say` for
//! each print, an `exit` for each lane that finishes, and how it ended.
//!
//! Time is counted in steps: one step lasts one unit of `t`. Each scene starts
//! one unit after the last one ended, so `t` only grows along the stream.

use crate::events::{Event, Kind, LaneState, Tally, Text, TUTOR};
use crate::text;

use super::count::Exploration;
use super::program::{Outcome, Program, State};

/// The lanes run in no process of their own: their events carry pid 0.
const PID: i32 = 0;

/// The lane that starts the threads and waits for them, as a Python program's main does.
const MAIN: &str = "main";

/// The whole stream: the outcomes, then each one's shortest schedule.
pub fn events(program: &Program, exploration: &Exploration) -> Vec<Event> {
    let scenes = 1 + exploration.endings.len();
    let mut out = vec![scene(0.0, 1, scenes, format!("every schedule of {}", program.name))];
    out.push(Event::new(
        0.0,
        TUTOR,
        PID,
        Kind::Note,
        text!(
            "{} schedules, through {} states, {}",
            group(exploration.schedules),
            group(exploration.states as u128),
            ways(exploration.endings.len())
        ),
    ));
    for ending in &exploration.endings {
        let name = program.outcome_name(&ending.outcome);
        let mut event = Event::new(
            0.0,
            TUTOR,
            PID,
            Kind::Measure,
            text!(
                "{name}: {} of {} schedules ({})",
                group(ending.count),
                group(exploration.schedules),
                percent(ending.count, exploration.schedules)
            ),
        );
        event.name = Some("schedules".to_string());
        event.value = Some(ending.count as f64);
        event.unit = Some("schedules".to_string());
        event.tally =
            Some(Box::new(Tally { outcome: program.outcome_json(&ending.outcome), count: ending.count }));
        out.push(event);
    }
    let mut t = 1.0;
    for (i, ending) in exploration.endings.iter().enumerate() {
        let title = format!(
            "the shortest schedule to {} ({})",
            program.outcome_name(&ending.outcome),
            steps(ending.shortest.len())
        );
        out.push(scene(t, i + 2, scenes, title));
        let told = schedule(program, &ending.shortest, t);
        t = told.last().map_or(t, |e| e.t) + 1.0;
        out.extend(told);
    }
    out
}

fn scene(t: f64, number: usize, scenes: usize, title: String) -> Event {
    let mut event = Event::new(t, TUTOR, PID, Kind::Scene, title);
    event.scene = Some(number);
    event.scenes = Some(scenes);
    event
}

/// `schedule` told as a run starting at `t0`: one unit of time per step.
pub fn schedule(program: &Program, schedule: &[usize], t0: f64) -> Vec<Event> {
    let states = program.run(schedule);
    let mut out = Vec::new();
    let mut main = Event::new(t0, MAIN, PID, Kind::State, "waits for the lanes to finish");
    main.state = Some(LaneState::Blocked);
    out.push(main);
    for thread in &program.threads {
        out.push(Event::new(t0, &thread.name, PID, Kind::Spawn, text!("{} starts", thread.name)));
    }
    // What each lane was last said to do, so that only changes are sent.
    let mut shown: Vec<Option<(LaneState, Text)>> = vec![None; program.threads.len()];
    for (k, (&lane, before)) in schedule.iter().zip(&states).enumerate() {
        let t = t0 + k as f64;
        for (other, last) in shown.iter_mut().enumerate() {
            if program.next_step(before, other).is_none() {
                continue;
            }
            let now = if other == lane {
                let step = program.next_step(before, other).expect("it steps");
                (LaneState::Running, text!("step {}: {}", k + 1, step.describe()))
            } else {
                (LaneState::Blocked, waiting(program, before, other))
            };
            if last.as_ref() != Some(&now) {
                let mut event = Event::new(t, &program.threads[other].name, PID, Kind::State, now.1.clone());
                event.state = Some(now.0);
                out.push(event);
                *last = Some(now);
            }
        }
        if let Some(line) = program.printed(before, lane) {
            out.push(Event::new(t, &program.threads[lane].name, PID, Kind::Say, line));
        }
        let after = &states[k + 1];
        if program.next_step(after, lane).is_none() && program.broken(after).is_none() {
            let mut exit = Event::new(
                t + 1.0,
                &program.threads[lane].name,
                PID,
                Kind::Exit,
                text!("{} finished", program.threads[lane].name),
            );
            exit.code = Some(0);
            out.push(exit);
        }
    }
    let end = states.last().expect("never empty");
    let t = t0 + schedule.len() as f64;
    for (lane, last) in shown.iter().enumerate() {
        let Some(why) = program.waits_for(end, lane) else { continue };
        if last.as_ref().is_none_or(|(state, text)| *state != LaneState::Blocked || *text != why) {
            let mut event = Event::new(t, &program.threads[lane].name, PID, Kind::State, why);
            event.state = Some(LaneState::Blocked);
            out.push(event);
        }
    }
    out.extend(ending(program, end, t));
    out
}

/// What a lane that does not step now waits for: its turn, or something.
fn waiting(program: &Program, state: &State, t: usize) -> Text {
    program.waits_for(state, t).unwrap_or_else(|| text!("{} waits for its turn", program.threads[t].name))
}

/// How the schedule that reached `end` ended, at time `t`.
fn ending(program: &Program, end: &State, t: f64) -> Vec<Event> {
    let mut out = Vec::new();
    let Some(outcome) = program.outcome(end) else { return out };
    match outcome {
        Outcome::End { .. } => {
            let mut exit = Event::new(t, MAIN, PID, Kind::Exit, "every lane finished");
            exit.code = Some(0);
            out.push(exit);
            let text = if program.ints.is_empty() && program.queues.is_empty() {
                text!("Every lane finished.")
            } else {
                text!("Every lane finished: {}.", program.outcome_name(&outcome))
            };
            out.push(Event::new(t, TUTOR, PID, Kind::Note, text));
        }
        Outcome::Deadlock => {
            // The lanes left have waited since the last step; one unit later, nobody has moved.
            let t = t + 1.0;
            out.push(Event::new(
                t,
                TUTOR,
                PID,
                Kind::Warn,
                "deadlock: no lane can step, and not all have finished",
            ));
            for why in (0..program.threads.len()).filter_map(|lane| program.waits_for(end, lane)) {
                out.push(Event::new(t, TUTOR, PID, Kind::Note, why));
            }
            if let Some(cycle) = program.cycle(end) {
                out.push(Event::new(t, TUTOR, PID, Kind::Note, text!("The cycle: {cycle}.")));
            }
        }
        Outcome::Broken { .. } => {
            if let Some(fault) = program.fault(end) {
                out.push(Event::new(t, TUTOR, PID, Kind::Warn, fault));
            }
        }
    }
    out
}

/// `1 step`, `30 steps`.
pub fn steps(n: usize) -> String {
    if n == 1 {
        "1 step".to_string()
    } else {
        format!("{n} steps")
    }
}

/// `end in 3 ways`, `all end one way`.
pub fn ways(n: usize) -> String {
    if n == 1 {
        "all end one way".to_string()
    } else {
        format!("end in {n} ways")
    }
}

/// `155117520` as `155 117 520`.
pub fn group(n: u128) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(' ');
        }
        out.push(c);
    }
    out
}

/// `part` of `whole` as a percentage, with the decimals a small share needs
/// (`10.4 %`, `0.0019 %`), and `0 %` only for nothing at all.
pub fn percent(part: u128, whole: u128) -> String {
    if whole == 0 || part == 0 {
        return "0 %".to_string();
    }
    let share = part as f64 / whole as f64 * 100.0;
    if part == whole {
        return "100 %".to_string();
    }
    // Two significant digits of a share below 1 %, and of what a share above
    // 99 % leaves out; one decimal between.
    let decimals = match share {
        s if s < 1.0 => (1.0 - s.log10().floor()) as usize,
        s if s > 99.0 => (1.0 - (100.0 - s).log10().floor()) as usize,
        _ => 1,
    };
    format!("{share:.decimals$} %")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_grouped_and_shares_keep_two_digits() {
        assert_eq!(group(155_117_520), "155 117 520");
        assert_eq!(group(20), "20");
        assert_eq!(group(1000), "1 000");
        assert_eq!(percent(9, 20), "45.0 %");
        assert_eq!(percent(3, 155_117_520), "0.0000019 %");
        assert_eq!(percent(1, 2000), "0.050 %");
        assert_eq!(percent(2, 2), "100 %");
        assert_eq!(percent(155_117_268, 155_117_520), "99.99984 %");
        assert_eq!(percent(0, 2), "0 %");
    }
}
