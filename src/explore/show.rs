//! `explore <id>` for a reader: the Python beside its steps, the histogram of
//! how the schedules end, and the shortest schedule to each ending drawn as
//! lanes, a column per step. The words are the tutor's, in the language in use.

use crate::i18n::tr;
use crate::render::theme::Ink;
use crate::render::Paint;
use crate::text::{columns, pad, truncate};

use super::count::Exploration;
use super::program::{Expr, Op, Outcome, Place, Program, State};
use super::stream::{group, percent, steps, ways};
use super::Builtin;

/// How wide the histogram's bars are at most.
const BAR: usize = 24;

/// How a page is drawn.
#[derive(Clone, Copy)]
pub struct Style {
    /// Colour on or off.
    pub paint: Paint,
    /// The columns to fit in.
    pub width: usize,
    /// Block and box characters (else ASCII).
    pub unicode: bool,
}

/// The whole page of `explore <id>`; the shortest schedules drawn when `schedules`.
pub fn page(
    builtin: Option<&Builtin>,
    program: &Program,
    exploration: &Exploration,
    style: Style,
    schedules: bool,
) -> String {
    let mut lines = Vec::new();
    let title = match builtin {
        Some(b) => format!("concur-tutor explore {} · {}", b.id, tr(b.title)),
        None => format!("concur-tutor explore {}", program.name),
    };
    lines.push(style.paint.bold(&title));
    lines.push(String::new());
    lines.extend(code(builtin, program, style.width));
    if let Some(b) = builtin {
        lines.push(String::new());
        lines.extend(wrap(&tr(b.about), style.width));
    }
    lines.push(String::new());
    lines.push(tr(&format!(
        "{} schedules (every order the steps can run in), through {} states, {}:",
        group(exploration.schedules),
        group(exploration.states as u128),
        ways(exploration.endings.len())
    )));
    lines.push(String::new());
    lines.extend(histogram(program, exploration, style));
    if exploration.endings.len() > 1 {
        lines.push(String::new());
        let caution = tr("The shares count orders, not chances: a real run does not pick its order evenly \
                          (sleeps, cores and the OS's scheduler tilt it), so an order that is rare here can \
                          be the usual one there.");
        lines.extend(wrap(&caution, style.width));
    }
    if let Some(goal) = &program.goal {
        let reach = exploration.reach_goal.unwrap_or(0);
        lines.push(String::new());
        lines.push(tr(&format!(
            "The goal of --play, \"{}\": {} of {} schedules ({}) reach it.",
            tr(&goal.text),
            group(reach),
            group(exploration.schedules),
            percent(reach, exploration.schedules)
        )));
    }
    if schedules {
        lines.push(String::new());
        lines.push(tr("The shortest schedule to each ending, a column per step:"));
        lines.push(style.paint.dim(&legend(program)));
        for ending in &exploration.endings {
            lines.push(String::new());
            let heading = format!(
                "{} · {}",
                tr(&program.outcome_name(&ending.outcome)),
                tr(&steps(ending.shortest.len()))
            );
            lines.push(style.paint.bold(&heading));
            lines.extend(lanes(program, &ending.shortest, style));
        }
    }
    lines.push(String::new());
    lines.push(style.paint.dim(&tr(&format!(
        "Be the scheduler: concur-tutor explore {} --play",
        builtin.map_or(program.name.as_str(), |b| b.id)
    ))));
    let mut page = lines.join("\n");
    page.push('\n');
    page
}

/// `text` wrapped to a line shorter than `width`.
fn wrap(text: &str, width: usize) -> Vec<String> {
    textwrap::wrap(text, width.saturating_sub(1)).into_iter().map(|l| l.into_owned()).collect()
}

/// The Python (for a built-in) beside the steps, numbered; one above the
/// other when they do not fit side by side.
pub fn code(builtin: Option<&Builtin>, program: &Program, width: usize) -> Vec<String> {
    let steps: Vec<String> = std::iter::once(tr("steps (a line is one atomic step)"))
        .chain(program.source.lines().enumerate().map(|(i, line)| format!("{:>3}  {line}", i + 1)))
        .collect();
    let Some(b) = builtin else { return steps };
    let python: Vec<String> = std::iter::once(tr(&format!("Python ({})", b.source)))
        .chain(b.python.lines().map(String::from))
        .collect();
    let left = python.iter().map(|l| columns(l)).max().unwrap_or(0);
    let right = steps.iter().map(|l| columns(l)).max().unwrap_or(0);
    if left + 3 + right > width {
        let mut lines = python;
        lines.push(String::new());
        lines.extend(steps);
        return lines;
    }
    (0..python.len().max(steps.len()))
        .map(|i| {
            let l = python.get(i).map_or("", String::as_str);
            let r = steps.get(i).map_or("", String::as_str);
            format!("{}   {r}", pad(l, left)).trim_end().to_string()
        })
        .collect()
}

/// One line per ending: its name, a bar as long as its share, its count and share.
pub fn histogram(program: &Program, exploration: &Exploration, style: Style) -> Vec<String> {
    let names: Vec<String> =
        exploration.endings.iter().map(|e| tr(&program.outcome_name(&e.outcome))).collect();
    let name_width = names.iter().map(|n| columns(n)).max().unwrap_or(0);
    let count_width = exploration.endings.iter().map(|e| group(e.count).len()).max().unwrap_or(1);
    let most = exploration.endings.iter().map(|e| e.count).max().unwrap_or(1).max(1);
    exploration
        .endings
        .iter()
        .zip(&names)
        .map(|(ending, name)| {
            let eighths = ((ending.count as f64 / most as f64) * (BAR * 8) as f64).round() as usize;
            let bar = pad(&bar(eighths.max(1), style.unicode), BAR);
            let bar = match ending.outcome {
                Outcome::End { .. } => style.paint.ink(&bar, Ink::Done),
                _ => style.paint.ink(&bar, Ink::Warn),
            };
            let line = format!(
                "  {}  {bar}  {:>count_width$}  {:>9}",
                pad(name, name_width),
                group(ending.count),
                percent(ending.count, exploration.schedules)
            );
            line.trim_end().to_string()
        })
        .collect()
}

/// A bar of `eighths` eighths of a column.
fn bar(eighths: usize, unicode: bool) -> String {
    if !unicode {
        return "#".repeat(eighths.div_ceil(8));
    }
    const PARTS: [&str; 8] = ["", "▏", "▎", "▍", "▌", "▋", "▊", "▉"];
    format!("{}{}", "█".repeat(eighths / 8), PARTS[eighths % 8])
}

/// The letter that stands for a step in the lanes.
pub fn glyph(op: &Op) -> char {
    match op {
        Op::Set(Place::Shared(_), _) => 'w',
        Op::Set(Place::Local(_), expr) if reads_shared(expr) => 'r',
        Op::Set(..) => '+',
        Op::Acquire(_) | Op::Retake(_) => '[',
        Op::Release(_) => ']',
        Op::Wait(_) => 'z',
        Op::Notify { .. } => 'n',
        Op::Put(..) => 'p',
        Op::Get(..) => 'g',
        Op::Print(_) => 's',
        Op::Assert(_) => '!',
        Op::Test(..) => '?',
        Op::Jump(_) => ' ',
    }
}

/// What each letter means, in the order they are listed.
const LETTERS: [(char, &str); 12] = [
    ('r', "reads a shared value"),
    ('+', "computes"),
    ('w', "writes a shared value"),
    ('?', "tests"),
    ('[', "takes a lock"),
    (']', "lets go of a lock"),
    ('z', "waits for a notify"),
    ('n', "notifies"),
    ('p', "puts"),
    ('g', "gets"),
    ('s', "prints"),
    ('!', "asserts"),
];

/// The letters `program`'s steps use, and what each means.
pub fn legend(program: &Program) -> String {
    let used: Vec<char> = program.threads.iter().flat_map(|t| t.steps.iter().map(|s| glyph(&s.op))).collect();
    let parts: Vec<String> = LETTERS
        .iter()
        .filter(|(c, _)| used.contains(c))
        .map(|(c, words)| format!("{c} {}", tr(words)))
        .collect();
    format!("  {}", parts.join(" · "))
}

fn reads_shared(expr: &Expr) -> bool {
    match expr {
        Expr::Shared(_) | Expr::Size(_) | Expr::Full(_) | Expr::Empty(_) => true,
        Expr::Int(_) | Expr::Local(_) | Expr::Done | Expr::Stuck => false,
        Expr::Not(e) | Expr::Neg(e) => reads_shared(e),
        Expr::Bin(_, a, b) => reads_shared(a) || reads_shared(b),
    }
}

/// `schedule` drawn as lanes, a column per step (wrapped to the width), with
/// a ruler above; then, for a run that is stuck or broken, why, and what it printed.
pub fn lanes(program: &Program, schedule: &[usize], style: Style) -> Vec<String> {
    let states = program.run(schedule);
    let end = states.last().expect("never empty");
    let label = program.threads.iter().map(|t| columns(&t.name)).max().unwrap_or(0) + 4;
    let room = style.width.saturating_sub(label + 2).max(10);
    let mut lines = Vec::new();
    let chunks: Vec<usize> = (0..schedule.len().max(1)).step_by(room).collect();
    for (c, &from) in chunks.iter().enumerate() {
        let to = (from + room).min(schedule.len());
        lines.push(style.paint.dim(&format!("{}{}", " ".repeat(label), ruler(from, to, style.unicode))));
        for (lane, thread) in program.threads.iter().enumerate() {
            let mut row: String = (from..to)
                .map(|k| {
                    if schedule[k] == lane {
                        glyph(&program.threads[lane].steps[program.pc(&states[k], lane)].op)
                    } else {
                        ' '
                    }
                })
                .collect();
            if c == chunks.len() - 1 {
                row.push_str(&end_mark(program, end, lane, style.unicode));
            }
            let row = format!("  {}{}", pad(&thread.name, label - 2), row.trim_end());
            lines.push(row);
        }
    }
    lines.extend(after(program, &states, schedule, style));
    lines
}

/// A lane's mark after its last step: stuck or broken.
fn end_mark(program: &Program, end: &State, lane: usize, unicode: bool) -> String {
    let broken = program.broken(end).is_some_and(|(t, _)| t == lane);
    match (broken, program.waits_for(end, lane).is_some() && program.is_stuck(end)) {
        (true, _) => (if unicode { "✗" } else { "X" }).to_string(),
        (false, true) => (if unicode { "▒" } else { "=" }).to_string(),
        _ => String::new(),
    }
}

/// The lines under a drawn schedule: who is stuck on what (and the cycle),
/// what failed, and what the lanes printed.
fn after(program: &Program, states: &[State], schedule: &[usize], style: Style) -> Vec<String> {
    let end = states.last().expect("never empty");
    let mut lines = Vec::new();
    let printed: Vec<String> =
        schedule.iter().zip(states).filter_map(|(&lane, state)| program.printed(state, lane)).collect();
    if !printed.is_empty() {
        lines.push(format!("    {} {}", tr("printed:"), printed.join(" | ")));
    }
    if program.is_stuck(end) {
        for lane in 0..program.threads.len() {
            if let (Some(why), Some(step)) = (program.waits_for(end, lane), program.next_step(end, lane)) {
                lines.push(format!("    {}", tr(&format!("at line {}, {}: {why}", step.line, step.text))));
            }
        }
        if let Some(cycle) = program.cycle(end) {
            lines.push(format!("    {}", tr(&format!("the cycle: {cycle}"))));
        }
    }
    if let Some(fault) = program.fault(end) {
        lines.push(format!("    {}", style.paint.ink(&tr(&fault.text), Ink::Warn)));
    }
    lines.into_iter().map(|l| truncate_styled(l, style)).collect()
}

/// `line` cut to the width when it has no colour codes in it (a coloured line is short).
fn truncate_styled(line: String, style: Style) -> String {
    if line.contains('\x1b') {
        line
    } else {
        truncate(&line, style.width)
    }
}

/// A ruler over steps `from..to` (numbered from 1): a dot per step, the
/// number at every tenth.
fn ruler(from: usize, to: usize, unicode: bool) -> String {
    let mut ruler: Vec<char> = vec![if unicode { '·' } else { '.' }; to - from];
    for step in (from + 1..=to).filter(|s| s % 10 == 0) {
        let label = step.to_string();
        let end = step - from;
        if end >= label.len() {
            for (i, c) in label.chars().enumerate() {
                ruler[end - label.len() + i] = c;
            }
        }
    }
    ruler.into_iter().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_ruler_numbers_every_tenth_step() {
        assert_eq!(ruler(0, 12, true), "········10··");
        assert_eq!(ruler(10, 21, true), "········20·");
        assert_eq!(ruler(0, 3, false), "...");
    }

    #[test]
    fn bars_are_drawn_in_eighths() {
        assert_eq!(bar(9, true), "█▏");
        assert_eq!(bar(9, false), "##");
    }
}
