//! Each exercise's goal, read from one run: every part of the goal is a
//! [`Finding`], with what the run showed for it. What every goal asks (that
//! nothing hangs, that the program ends in its time, that no thread dies of
//! an exception) is [`common`]. Nothing here reads the program's text: only
//! what its processes and threads did, as the trace saw it.

use std::collections::BTreeMap;

use crate::events::LaneState;

use super::check::Finding;
use super::run::Run;

/// What the judge knows of the machine the run was on.
#[derive(Clone, Copy, Debug)]
pub struct Machine {
    /// Cores this process may use.
    pub cores: usize,
    /// Other tasks that wanted a CPU just before or just after the run (the
    /// most seen): with as many as the cores less one, two processes cannot
    /// both have a core, and no speed-up can show.
    pub others: u32,
}

impl Machine {
    /// This machine, its load seen now.
    pub fn here() -> Machine {
        let others = crate::procfs::running_tasks().map_or(0, |n| n.saturating_sub(1));
        Machine { cores: std::thread::available_parallelism().map_or(1, usize::from), others }
    }

    /// The same, its load seen again now (the most of the two looks kept).
    pub fn looked_again(self) -> Machine {
        Machine { others: self.others.max(Machine::here().others), ..self }
    }

    /// Whether other work left fewer than two cores free.
    fn busy(&self) -> bool {
        self.others as usize + 1 >= self.cores
    }
}

/// The least speed-up a parallel fix must show, with two cores or more.
const SPEED_UP: f64 = 1.3;

/// What every goal asks: the program ends by itself (no hang, within
/// `limit` seconds), and no thread raises an exception.
pub fn common(run: &Run, limit: f64) -> Vec<Finding> {
    let ended = if let Some(steps) = run.hang() {
        let mut steps = steps.into_iter();
        let first = steps.next().unwrap_or_default();
        Finding::no(format!("still hangs: {first}")).with(steps.collect())
    } else if run.over_time() {
        let waiting: Vec<String> = run
            .processes()
            .iter()
            .filter_map(|p| run.blocked_at_end(&p.lane).map(|at| format!("{}: {at}", p.lane)))
            .collect();
        let mut waiting = waiting.into_iter();
        match waiting.next() {
            Some(first) => {
                Finding::no(format!("still running after {limit} s, when the tutor ended it: {first}"))
                    .with(waiting.collect())
            }
            None => Finding::no(format!("still running after {limit} s, when the tutor ended it")),
        }
    } else {
        Finding::yes(format!("it ended after {:.2} s", run.end()))
    };
    let raised = run.exceptions();
    let exceptions = match raised.first() {
        Some(first) => Finding::no(first.clone()).with(raised[1..].to_vec()),
        None => Finding::yes("no exception"),
    };
    vec![
        ended.need(format!("nothing hangs: the program ends by itself within {limit} s")),
        exceptions.need("no thread raises an exception"),
    ]
}

/// Every process ends by itself with code 0: none killed, none left running.
fn exits_clean(run: &Run) -> Finding {
    let need = "every process ends by itself with code 0";
    if run.hang().is_some() || run.over_time() {
        return Finding::no("the tutor had to end the program").need(need);
    }
    for p in run.processes() {
        let ending = match &p.ending {
            None => return Finding::no(format!("{} never ended", p.lane)).need(need),
            Some(ending) => ending,
        };
        if ending.code == Some(0) {
            continue;
        }
        let who_sent: Vec<String> =
            run.signals_sent().into_iter().filter(|n| n.contains(&format!(" to {}:", p.lane))).collect();
        return Finding::no(ending.text.clone()).with(who_sent).need(need);
    }
    Finding::yes("every process exited with code 0").need(need)
}

/// Every thread the program's own code starts ends by itself, not killed at exit.
fn threads_finish(run: &Run) -> Finding {
    let need = "every thread the program starts ends by itself";
    for t in run.threads().into_iter().filter(|t| t.learner) {
        if t.ending.is_none() {
            let daemon = if t.daemon { "daemon " } else { "" };
            let never = format!("{daemon}thread {} never finished", t.lane);
            let saw = match run.doing_at_end(&t.lane) {
                Some(doing) => format!("{never}: when the program ended, {doing}"),
                None => never,
            };
            return Finding::no(saw).need(need);
        }
    }
    Finding::yes("every thread finished").need(need)
}

/// The lines of the first process.
fn main_lines(run: &Run) -> Vec<(f64, String)> {
    run.main().map(|m| run.lines_of(&m.lane)).unwrap_or_default()
}

/// Whether `lane` is a process other than the first.
fn is_child(run: &Run, lane: &str) -> bool {
    run.processes().iter().skip(1).any(|p| p.lane == lane)
}

/// A line printed by a process other than the first that is exactly `text`.
fn child_says(run: &Run, text: &str) -> Option<String> {
    run.says()
        .into_iter()
        .find(|(_, lane, said)| said == text && is_child(run, lane))
        .map(|(_, lane, _)| lane)
}

/// `lines` quoted for a finding: the first few, with `|` between.
fn quoted(lines: &[String]) -> String {
    match lines.len() {
        0 => "nothing".to_string(),
        n if n <= 4 => lines.join(" | "),
        _ => format!("{} | …", lines[..4].join(" | ")),
    }
}

/// start-methods: the worker, under spawn, sees main's settings.
pub fn spawn_safe(run: &Run, _: &Machine) -> Vec<Finding> {
    let children: Vec<_> = run.processes().into_iter().skip(1).collect();
    let started = match children.first() {
        None => Finding::no("no worker process was started"),
        Some(p) if p.method == "spawn" => Finding::yes(format!("{} was started with spawn", p.lane)),
        Some(p) => Finding::no(format!(
            "{} was started with {}: the goal is a worker that works under spawn, as it must where spawn is \
             the default",
            p.lane, p.method
        )),
    };
    let wanted = "worker sees name = demo";
    let sees = match child_says(run, wanted) {
        Some(lane) => Finding::yes(format!("{lane} printed {wanted}")),
        None => {
            let said: Vec<String> =
                children.iter().flat_map(|p| run.lines_of(&p.lane)).map(|(_, l)| l).collect();
            Finding::no(format!("the worker printed {}", quoted(&said)))
        }
    };
    vec![
        started.need("the worker process is started with spawn"),
        sees.need(format!("the worker prints {wanted}")),
    ]
}

/// join-daemon: the program ends with main's code; the heartbeat child is ended.
pub fn daemon_child(run: &Run, _: &Machine) -> Vec<Finding> {
    let Some(main) = run.main() else { return Vec::new() };
    let last = main_lines(run).last().map(|(t, _)| *t).unwrap_or(main.start);
    let ended = main.ending.as_ref().map_or(run.end(), |e| e.t);
    let gap = ended - last;
    let prompt = if gap <= 0.5 {
        Finding::yes(format!("{} ended {gap:.2} s after its last line", main.lane))
    } else {
        let waits: Vec<String> = run
            .spans(LaneState::Blocked)
            .into_iter()
            .filter(|s| s.lane == main.lane && s.to > last)
            .map(|s| format!("{}, for {:.2} s", s.text, s.to - s.from.max(last)))
            .collect();
        Finding::no(format!("{} ended {gap:.2} s after its last line", main.lane)).with(waits)
    };
    let heartbeat = match run.says().into_iter().find(|(_, _, said)| said == "heartbeat ends") {
        Some((_, lane, _)) => Finding::no(format!("{lane} printed heartbeat ends: it ran to its end")),
        None => Finding::yes("no heartbeat ends was printed"),
    };
    vec![
        prompt.need("the program ends as soon as main prints its last line (within 0.5 s)"),
        heartbeat.need("the heartbeat child is ended before it prints heartbeat ends"),
    ]
}

/// globals: the parent sees the child's addition.
pub fn child_counter(run: &Run, _: &Machine) -> Vec<Finding> {
    let child = match child_says(run, "child: num = 101") {
        Some(lane) => Finding::yes(format!("{lane} printed child: num = 101")),
        None => Finding::no("no child process printed child: num = 101"),
    };
    let child_end =
        run.processes().iter().skip(1).filter_map(|p| p.ending.as_ref().map(|e| e.t)).fold(0.0, f64::max);
    let parent = match main_lines(run).into_iter().find(|(_, l)| l.starts_with("parent: num =")) {
        None => Finding::no("the parent printed no parent: num = line"),
        Some((_, line)) if line != "parent: num = 101" => {
            Finding::no(format!("the parent printed {line}: the child's addition never reached it"))
        }
        Some((t, _)) if t < child_end => {
            Finding::no("the parent printed parent: num = 101 before the child ended")
        }
        Some(_) => Finding::yes("the parent printed parent: num = 101 after the child ended"),
    };
    vec![
        child.need("the child process prints child: num = 101"),
        parent.need("the parent, once the child has ended, prints parent: num = 101"),
    ]
}

/// pool-async: the five tasks overlap; the results come in order.
pub fn get_in_the_loop(run: &Run, _: &Machine) -> Vec<Finding> {
    let (together, _) = run.most_at_once(LaneState::Sleeping, &|lane| is_child(run, lane), 0.1);
    let overlap = if together >= 5 {
        Finding::yes("all five tasks ran at the same time")
    } else {
        Finding::no(format!("at most {together} of the five tasks ran at the same time")).timing(together > 1)
    };
    let results: Vec<String> =
        main_lines(run).into_iter().map(|(_, l)| l).filter(|l| l.parse::<i64>().is_ok()).collect();
    let order = if results == ["0", "1", "4", "9", "16"] {
        Finding::yes("MainProcess printed 0 | 1 | 4 | 9 | 16")
    } else {
        Finding::no(format!("MainProcess printed {}", quoted(&results)))
    };
    vec![
        overlap.need("the five tasks run at the same time"),
        order.need("the results 0 1 4 9 16 are printed in order"),
    ]
}

/// `serial: … in 0.82 s`: the number before ` s` at the end of a line, after `prefix`.
fn seconds(lines: &[(f64, String)], prefix: &str) -> Option<(String, f64)> {
    lines.iter().find_map(|(_, l)| {
        let rest = l.strip_prefix(prefix)?;
        let secs = rest.strip_suffix(" s")?.rsplit(' ').next()?.parse().ok()?;
        Some((l.clone(), secs))
    })
}

/// A speed-up finding: `slow` against `fast`, on `machine`; `parallel`:
/// whether the run showed the work in two processes at once, which is what
/// is judged when the machine is too busy for any speed-up to show.
fn speed_up(
    slow: Option<(String, f64)>,
    fast: Option<(String, f64)>,
    machine: &Machine,
    parallel: bool,
) -> Finding {
    let need =
        format!("at least {SPEED_UP} times faster than serial, on this machine's {} cores", machine.cores);
    let (Some((slow_line, slow)), Some((fast_line, fast))) = (slow, fast) else {
        return Finding::no("the program did not print both of its times").need(need);
    };
    let ratio = slow / fast.max(1e-6);
    let saw = format!("{ratio:.2} times ({slow_line} | {fast_line})");
    if ratio >= SPEED_UP {
        return Finding::yes(saw).need(need);
    }
    if machine.cores < 2 {
        return Finding::yes(format!("{saw}: this machine has one core, where no speed-up is possible"))
            .need(need);
    }
    if machine.busy() && parallel {
        return Finding::yes(format!(
            "{saw}: {} other tasks wanted a CPU during the run, so no speed-up could show; the work did run \
             in processes at the same time",
            machine.others
        ))
        .need(need);
    }
    Finding::no(saw).timing(true).need(need)
}

/// The sum of i * i for i below `n`.
fn sum_of_squares(n: u128) -> u128 {
    n.saturating_sub(1) * n * (2 * n).saturating_sub(1) / 6
}

/// pool-async, practice task 2: the right sum, faster than serial.
pub fn divide_and_conquer(run: &Run, machine: &Machine) -> Vec<Finding> {
    let lines = main_lines(run);
    let expected = sum_of_squares(10_000_000).to_string();
    let pool_line = lines.iter().find(|(_, l)| l.starts_with("pool: ")).map(|(_, l)| l.clone());
    let sum = match &pool_line {
        Some(line) if line.split(' ').nth(1) == Some(expected.as_str()) => {
            Finding::yes(format!("MainProcess printed {line}"))
        }
        Some(line) => Finding::no(format!("{line}, where the sum is {expected}")),
        None => Finding::no("MainProcess printed no pool: line"),
    };
    let (together, _) = run.most_at_once(LaneState::Running, &|lane| is_child(run, lane), 0.01);
    let parallel = match together >= 2 || machine.cores < 2 {
        true => Finding::yes(format!("{together} pool workers computed at the same time")),
        false => Finding::no("the pool workers computed one at a time"),
    };
    let faster = speed_up(seconds(&lines, "serial: "), seconds(&lines, "pool: "), machine, parallel.ok);
    vec![
        sum.need(format!("the pool prints the right sum, {expected}")),
        parallel.need("two pool workers or more compute at the same time"),
        faster,
    ]
}

/// queue: the reader prints A B C D and ends by itself.
pub fn reader_sentinel(run: &Run, _: &Machine) -> Vec<Finding> {
    let read: Vec<String> = run
        .says()
        .into_iter()
        .filter(|(_, lane, line)| line.starts_with("read ") && is_child(run, lane))
        .map(|(_, _, line)| line)
        .collect();
    let items = match read == ["read A", "read B", "read C", "read D"] {
        true => Finding::yes("the reader printed read A | read B | read C | read D"),
        false => Finding::no(format!("the reader printed {}", quoted(&read))),
    };
    vec![items.need("the reader prints A B C D once each, in order"), exits_clean(run)]
}

/// pipe: every record whole.
pub fn torn_records(run: &Run, _: &Machine) -> Vec<Finding> {
    let records: Vec<String> = main_lines(run).into_iter().map(|(_, l)| l).collect();
    let whole = |r: &String| r == "A:200000" || r == "B:200000";
    let torn: Vec<&String> = records.iter().filter(|r| !whole(r)).collect();
    let intact = match torn.first() {
        None => Finding::yes(format!("all {} records were whole", records.len())),
        Some(first) => {
            Finding::no(format!("{} of {} records were torn, the first: {first}", torn.len(), records.len()))
        }
    };
    let count = |letter: &str| records.iter().filter(|r| r.as_str() == format!("{letter}:200000")).count();
    let counts = match (count("A"), count("B")) {
        (20, 20) => Finding::yes("20 whole records of A and 20 of B"),
        (a, b) => Finding::no(format!("{a} whole records of A and {b} of B")),
    };
    vec![
        intact.need("every record is whole: 200000 bytes of one letter"),
        counts.need("20 records of A and 20 of B"),
    ]
}

/// queue-deadlock: the item arrives, and everyone ends by itself.
pub fn join_before_get(run: &Run, _: &Machine) -> Vec<Finding> {
    let arrived = match main_lines(run).iter().any(|(_, l)| l == "1000000") {
        true => Finding::yes("MainProcess printed 1000000"),
        false => Finding::no("MainProcess never printed 1000000: the item did not arrive"),
    };
    let timeouts = run.timeouts();
    let waited = match timeouts.first() {
        None => Finding::yes("no wait gave up"),
        Some(first) => Finding::no(first.clone()).with(timeouts[1..].to_vec()),
    };
    vec![
        arrived.need("the parent prints 1000000"),
        exits_clean(run),
        waited.need("no wait gives up at its timeout"),
    ]
}

/// locks: the exact total.
pub fn lost_updates(run: &Run, _: &Machine) -> Vec<Finding> {
    let total = main_lines(run).into_iter().find_map(|(_, l)| l.strip_prefix("total: ")?.parse::<i64>().ok());
    let exact = match total {
        Some(80000) => Finding::yes("MainProcess printed total: 80000"),
        Some(total) => Finding::no(format!(
            "{} of 80000 additions were lost (MainProcess printed total: {total})",
            80000 - total
        )),
        None => Finding::no("MainProcess printed no total: line"),
    };
    vec![exact.need("the total is exactly 80000")]
}

/// deadlock: both threads take both locks and finish; one order only.
pub fn two_locks(run: &Run, _: &Machine) -> Vec<Finding> {
    let steps = run.lock_steps();
    let mut taken: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut locks: Vec<String> = Vec::new();
    for s in &steps {
        if !locks.contains(&s.lock) {
            locks.push(s.lock.clone());
        }
        if !s.waited {
            taken.entry(s.lane.clone()).or_default().push(s.lock.clone());
        }
    }
    let mut both = Finding::yes("each thread got every lock and finished");
    for t in run.threads().into_iter().filter(|t| t.learner) {
        let got = taken.get(&t.lane).cloned().unwrap_or_default();
        if let Some(missing) = locks.iter().find(|l| !got.contains(l)) {
            both = Finding::no(format!("{} never got {missing}", t.lane));
            break;
        }
        if t.ending.as_ref().and_then(|e| e.code) != Some(0) {
            both = Finding::no(format!("{} never finished", t.lane));
            break;
        }
    }
    // An edge a → b: a lane took or waited for b while it held a.
    let mut order = Finding::yes("every lane took the locks in one order");
    'edges: for s in steps.iter() {
        for held in &s.holding {
            let crossing = steps.iter().find(|o| o.lock == *held && o.holding.contains(&s.lock));
            if let Some(o) = crossing {
                let clause = |step: &super::run::LockStep, held: &str| match step.waited {
                    true => format!("{} waited for {} while holding {held}", step.lane, step.lock),
                    false => format!("{} took {} while holding {held}", step.lane, step.lock),
                };
                order = Finding::no(format!("two orders: {}, and {}", clause(s, held), clause(o, &s.lock)))
                    .with(vec![format!("{}: {}", s.lane, s.text), format!("{}: {}", o.lane, o.text)]);
                break 'edges;
            }
        }
    }
    vec![
        both.need("both threads get both locks and finish"),
        order.need("the locks are always taken in one order"),
    ]
}

/// threads: download and listen, each in a thread, at the same time.
pub fn call_not_pass(run: &Run, _: &Machine) -> Vec<Finding> {
    let threads: Vec<String> = run.threads().into_iter().map(|t| t.lane).collect();
    let lane_of = |prefix: &str| {
        run.says().into_iter().find(|(_, _, l)| l.starts_with(prefix)).map(|(_, lane, l)| (lane, l))
    };
    let mut findings = Vec::new();
    let mut lanes = Vec::new();
    for (job, prefix) in [("download", "downloading "), ("listen", "listening to ")] {
        let finding = match lane_of(prefix) {
            None => Finding::no(format!("nobody printed {prefix}…")),
            Some((lane, line)) if threads.contains(&lane) => {
                lanes.push(lane.clone());
                Finding::yes(format!("{lane} printed {line}"))
            }
            Some((lane, line)) => Finding::no(format!("{lane} printed {line}: {job} ran in the main thread")),
        };
        findings.push(finding.need(format!("{job} runs in a thread of its own")));
    }
    let (together, _) = run.most_at_once(LaneState::Sleeping, &|lane| lanes.iter().any(|l| l == lane), 0.1);
    let overlap = match together >= 2 {
        true => Finding::yes("the two slept at the same time"),
        false => Finding::no("the two never ran at the same time"),
    };
    findings.push(overlap.need("download and listen run at the same time"));
    findings
}

/// threads, practice task 1: the ticks keep their pace, the job finishes.
pub fn responsive(run: &Run, _: &Machine) -> Vec<Finding> {
    let ticks: Vec<(f64, String)> =
        main_lines(run).into_iter().filter(|(_, l)| l.starts_with("tick ")).collect();
    let worst = ticks
        .windows(2)
        .map(|w| (w[1].0 - w[0].0, w[0].clone(), w[1].clone()))
        .max_by(|a, b| a.0.total_cmp(&b.0));
    let pace = match worst {
        _ if ticks.len() < 10 => Finding::no(format!("MainProcess printed {} ticks of 10", ticks.len())),
        Some((gap, (from, a), (_, b))) if gap > 0.5 => {
            let main = run.main().map(|m| m.lane).unwrap_or_default();
            let doing: Vec<String> = [LaneState::Sleeping, LaneState::Blocked]
                .into_iter()
                .flat_map(|s| run.spans(s))
                .filter(|s| s.lane == main && s.to > from + 0.3 && s.from < from + gap)
                .map(|s| format!("{}: {}", s.lane, s.text))
                .collect();
            Finding::no(format!("{gap:.2} s between {a} and {b}")).with(doing).timing(gap < 1.0)
        }
        Some((gap, _, _)) => Finding::yes(format!("at most {gap:.2} s between two ticks")),
        None => Finding::no("MainProcess printed no ticks"),
    };
    let done = match run.says().into_iter().find(|(_, _, l)| l == "job: done") {
        Some((_, lane, _)) => Finding::yes(format!("{lane} printed job: done")),
        None => Finding::no("nobody printed job: done: the job did not finish"),
    };
    vec![
        pace.need("ten ticks, never more than 0.5 s apart"),
        done.need("the job finishes: job: done is printed"),
    ]
}

/// producer-consumer: each item consumed once; every thread ends by itself.
pub fn endless_consumer(run: &Run, _: &Machine) -> Vec<Finding> {
    let numbers = |prefix: &str| -> Vec<String> {
        run.says().into_iter().filter_map(|(_, _, l)| l.strip_prefix(prefix).map(str::to_string)).collect()
    };
    let produced = numbers("produced ");
    let consumed = numbers("consumed ");
    let never: Vec<String> = produced.iter().filter(|p| !consumed.contains(p)).cloned().collect();
    let twice: Vec<String> =
        produced.iter().filter(|p| consumed.iter().filter(|c| c == p).count() > 1).cloned().collect();
    let once = if produced.is_empty() {
        Finding::no("nothing was produced")
    } else if !never.is_empty() {
        Finding::no(format!("produced and never consumed: {}", never.join(", ")))
    } else if !twice.is_empty() {
        Finding::no(format!("consumed more than once: {}", twice.join(", ")))
    } else {
        Finding::yes(format!("each of the {} items was consumed once", produced.len()))
    };
    vec![once.need("every item produced is consumed exactly once"), threads_finish(run)]
}

/// gil: the job in processes, faster than serial.
pub fn gil_threads(run: &Run, machine: &Machine) -> Vec<Finding> {
    let children: Vec<_> = run.processes().into_iter().skip(1).collect();
    let threads: Vec<String> = run.threads().into_iter().filter(|t| t.learner).map(|t| t.lane).collect();
    // Two children alive at the same time: from the later start to the earlier end.
    let end = |p: &super::run::Process| p.ending.as_ref().map_or(run.end(), |e| e.t);
    let together = children
        .iter()
        .enumerate()
        .any(|(i, a)| children[i + 1..].iter().any(|b| a.start.max(b.start) < end(a).min(end(b))));
    let processes = match (children.len(), together) {
        (0, _) if !threads.is_empty() => Finding::no(format!(
            "the job ran in threads of one process ({}), which take turns holding the GIL",
            threads.join(", ")
        )),
        (0, _) => Finding::no("the job ran in MainProcess alone"),
        (n, false) => Finding::no(format!("the job ran in {n} processes, one after the other")),
        (n, true) => Finding::yes(format!("the job ran in {n} processes at the same time")),
    };
    let lines = main_lines(run);
    let faster = speed_up(seconds(&lines, "serial: "), seconds(&lines, "parallel: "), machine, processes.ok);
    vec![processes.need("the job runs in two processes at the same time, each with its own GIL"), faster]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sum_and_the_seconds_are_read_as_printed() {
        assert_eq!(sum_of_squares(4), 14);
        let lines =
            vec![(0.0, "serial: 333 in 0.82 s".to_string()), (1.0, "pool: 333 in 0.41 s".to_string())];
        assert_eq!(seconds(&lines, "pool: ").map(|(_, s)| s), Some(0.41));
        let idle = Machine { cores: 2, others: 0 };
        let f = speed_up(seconds(&lines, "serial: "), seconds(&lines, "pool: "), &idle, true);
        assert!(f.ok, "{f:?}");
        let f = speed_up(seconds(&lines, "pool: "), seconds(&lines, "serial: "), &idle, true);
        assert!(!f.ok && f.timing);
        let busy = Machine { cores: 2, others: 3 };
        let f = speed_up(seconds(&lines, "pool: "), seconds(&lines, "serial: "), &busy, true);
        assert!(f.ok && f.saw.contains("3 other tasks wanted a CPU"), "{f:?}");
        assert!(!speed_up(seconds(&lines, "pool: "), seconds(&lines, "serial: "), &busy, false).ok);
    }
}
