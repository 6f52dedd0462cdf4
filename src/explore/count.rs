//! Every schedule of a program, counted exactly.
//!
//! Two schedules that reach the same state go on the same ways from there, so
//! the schedules are the paths of the graph of reachable states: the states
//! are found once each (breadth first, so the first path found to a state is a
//! shortest one, and among those the one that runs the lowest lane first), and
//! the paths into each state are summed in topological order. The notes' two
//! adders have 155 117 520 schedules, and a few thousand states.

use indexmap::IndexSet;

use super::program::{Outcome, Program, State};

/// The most states an exploration visits before it gives up: about 150 MB.
pub const STATE_LIMIT: usize = 1_000_000;

/// Every schedule of a program, by outcome.
#[derive(Clone, Debug)]
pub struct Exploration {
    /// How many schedules there are: the orders the steps can run in.
    pub schedules: u128,
    /// How many distinct states they pass through.
    pub states: usize,
    /// Each way the schedules end, in [`Outcome`]'s order (final values
    /// ascending, then deadlock, then broken).
    pub endings: Vec<Ending>,
    /// How many schedules pass through a state the goal asks for (`None` without a goal).
    pub reach_goal: Option<u128>,
}

/// One way the schedules end.
#[derive(Clone, Debug)]
pub struct Ending {
    /// How they end.
    pub outcome: Outcome,
    /// How many schedules end so.
    pub count: u128,
    /// A shortest schedule that ends so: the lane (thread index) of each step.
    pub shortest: Vec<usize>,
}

/// Why a program's schedules cannot be counted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Unbounded {
    /// More states than [`STATE_LIMIT`].
    States(usize),
    /// A loop can come back to a state it was in, so some schedules never end:
    /// the line of a step on that loop.
    Endless {
        /// The line.
        line: usize,
        /// The step as written.
        text: String,
    },
    /// More schedules than a 128-bit number holds.
    Overflow,
}

impl std::fmt::Display for Unbounded {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Unbounded::States(limit) => {
                write!(f, "more than {limit} states: too big to explore; try fewer threads, steps or rounds")
            }
            Unbounded::Endless { line, text } => write!(
                f,
                "line {line}: `{text}` can go round forever in some schedule, so the schedules never end and \
                 cannot be counted; make the loop finite, or wait on a Condition (--play still works)"
            ),
            Unbounded::Overflow => write!(f, "more schedules than a 128-bit number can count"),
        }
    }
}

impl std::error::Error for Unbounded {}

/// The graph of every state the program can reach.
struct Graph {
    states: IndexSet<State>,
    /// The successors of state `i`: `edges[first[i]..first[i + 1]]`.
    edges: Vec<u32>,
    first: Vec<usize>,
    /// How each state (but the first) was first reached: from which state, by which lane.
    parent: Vec<(u32, u8)>,
}

/// Counts every schedule of `program`, by outcome.
///
/// # Errors
/// The program has too many states, or schedules that never end.
pub fn explore(program: &Program) -> Result<Exploration, Unbounded> {
    explore_within(program, STATE_LIMIT)
}

/// [`explore`], visiting `limit` states at most.
///
/// # Errors
/// As [`explore`].
pub fn explore_within(program: &Program, limit: usize) -> Result<Exploration, Unbounded> {
    let graph = Graph::build(program, limit)?;
    let order = graph.topological(program)?;
    let n = graph.states.len();
    let mut paths = vec![0u128; n];
    paths[0] = 1;
    for &u in &order {
        for &v in graph.successors(u) {
            paths[v as usize] = paths[v as usize].checked_add(paths[u]).ok_or(Unbounded::Overflow)?;
        }
    }
    // Each outcome's count, and its first state in breadth-first order: a shortest path's end.
    let mut endings: std::collections::BTreeMap<Outcome, (u128, usize)> = Default::default();
    let mut schedules = 0u128;
    for (i, state) in graph.states.iter().enumerate() {
        if !graph.successors(i).is_empty() {
            continue;
        }
        let Some(outcome) = program.outcome(state) else { continue };
        schedules = schedules.checked_add(paths[i]).ok_or(Unbounded::Overflow)?;
        let entry = endings.entry(outcome).or_insert((0, i));
        entry.0 = entry.0.checked_add(paths[i]).ok_or(Unbounded::Overflow)?;
    }
    let reach_goal =
        program.goal.as_ref().map(|_| graph.reaching_goal(program, &order, schedules)).transpose()?;
    let endings = endings
        .into_iter()
        .map(|(outcome, (count, end))| Ending { outcome, count, shortest: graph.path_to(end) })
        .collect();
    Ok(Exploration { schedules, states: n, endings, reach_goal })
}

impl Graph {
    /// Finds every reachable state, breadth first, lanes in order.
    fn build(program: &Program, limit: usize) -> Result<Graph, Unbounded> {
        let mut states = IndexSet::new();
        states.insert(program.start());
        let mut graph = Graph { states, edges: Vec::new(), first: vec![0], parent: vec![(u32::MAX, 0)] };
        let mut i = 0;
        while i < graph.states.len() {
            let state = graph.states[i].clone();
            for t in 0..program.threads.len() {
                if !program.can_step(&state, t) {
                    continue;
                }
                let (id, new) = graph.states.insert_full(program.step(&state, t));
                if new {
                    if graph.states.len() > limit {
                        return Err(Unbounded::States(limit));
                    }
                    graph.parent.push((i as u32, t as u8));
                }
                graph.edges.push(id as u32);
            }
            graph.first.push(graph.edges.len());
            i += 1;
        }
        Ok(graph)
    }

    fn successors(&self, i: usize) -> &[u32] {
        &self.edges[self.first[i]..self.first[i + 1]]
    }

    /// The states in an order where every edge goes forward (Kahn's), or
    /// the loop that makes that impossible.
    fn topological(&self, program: &Program) -> Result<Vec<usize>, Unbounded> {
        let n = self.states.len();
        let mut into = vec![0u32; n];
        for &v in &self.edges {
            into[v as usize] += 1;
        }
        let mut order = Vec::with_capacity(n);
        let mut ready: Vec<usize> = (0..n).filter(|&i| into[i] == 0).collect();
        while let Some(u) = ready.pop() {
            order.push(u);
            for &v in self.successors(u) {
                into[v as usize] -= 1;
                if into[v as usize] == 0 {
                    ready.push(v as usize);
                }
            }
        }
        if order.len() == n {
            return Ok(order);
        }
        Err(self.a_loop(program, &into))
    }

    /// A step on a loop of the graph, where `into` counts the edges from states
    /// Kahn's order could not place: each such state has one, so walking back
    /// along them from any of those states comes round to a state already seen.
    fn a_loop(&self, program: &Program, into: &[u32]) -> Unbounded {
        let left = |i: usize| into[i] > 0;
        let mut back: Vec<Option<(usize, usize)>> = vec![None; self.states.len()];
        for u in (0..self.states.len()).filter(|&u| left(u)) {
            for (k, &v) in self.successors(u).iter().enumerate() {
                if left(v as usize) {
                    back[v as usize].get_or_insert((u, k));
                }
            }
        }
        let mut seen = vec![false; self.states.len()];
        let mut at = (0..self.states.len()).find(|&i| left(i)).expect("a state is left");
        while !seen[at] {
            seen[at] = true;
            at = back[at].expect("every state left has one").0;
        }
        // `at` is on the loop: the step it takes along it.
        let (from, _) = back[at].expect("on the loop");
        let step = (0..program.threads.len())
            .filter(|&t| program.can_step(&self.states[from], t))
            .find(|&t| program.step(&self.states[from], t) == self.states[at])
            .and_then(|t| program.next_step(&self.states[from], t));
        match step {
            Some(step) => Unbounded::Endless { line: step.line, text: step.text.clone() },
            None => Unbounded::Endless { line: 0, text: String::new() },
        }
    }

    /// How many of the `schedules` pass through a state the goal asks for:
    /// all of them less those that avoid every such state.
    fn reaching_goal(&self, program: &Program, order: &[usize], schedules: u128) -> Result<u128, Unbounded> {
        let n = self.states.len();
        let goal: Vec<bool> = self.states.iter().map(|s| program.goal_holds(s)).collect();
        let mut avoiding = vec![0u128; n];
        avoiding[0] = u128::from(!goal[0]);
        let mut avoided = 0u128;
        for &u in order {
            if goal[u] {
                continue;
            }
            let ends = self.successors(u).is_empty();
            if ends {
                avoided = avoided.checked_add(avoiding[u]).ok_or(Unbounded::Overflow)?;
            }
            for &v in self.successors(u) {
                if !goal[v as usize] {
                    avoiding[v as usize] =
                        avoiding[v as usize].checked_add(avoiding[u]).ok_or(Unbounded::Overflow)?;
                }
            }
        }
        Ok(schedules - avoided)
    }

    /// The lanes of the first-found path from the start to state `end`.
    fn path_to(&self, mut end: usize) -> Vec<usize> {
        let mut lanes = Vec::new();
        while end != 0 {
            let (from, lane) = self.parent[end];
            lanes.push(lane as usize);
            end = from as usize;
        }
        lanes.reverse();
        lanes
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::explore::{builtin, parse};

    /// Each outcome's name and count.
    fn histogram(program: &Program) -> Vec<(String, u128)> {
        let explored = explore(program).unwrap();
        assert_eq!(explored.endings.iter().map(|e| e.count).sum::<u128>(), explored.schedules);
        explored.endings.iter().map(|e| (program.outcome_name(&e.outcome), e.count)).collect()
    }

    fn adders(first: i32, second: i32) -> Program {
        let text = format!(
            "v = 0\nthread a:\n    t = v\n    t = t + {first}\n    v = t\nthread b:\n    t = v\n    t = t + {second}\n    v = t\n"
        );
        parse("two", &text).unwrap()
    }

    #[test]
    fn one_increment_each_is_twenty_schedules_by_hand() {
        // 3 + 3 steps: C(6, 3) = 20 orders. Only a then b, or b then a, whole
        // (2 orders), add both; in the 18 others both read 0 and the last write wins.
        assert_eq!(histogram(&adders(1, 1)), [("v = 1".to_string(), 18), ("v = 2".to_string(), 2)]);
        // By symmetry a writes last in half of the 18: v = 1; b in the other half: v = 3.
        assert_eq!(
            histogram(&adders(1, 3)),
            [("v = 1".to_string(), 9), ("v = 3".to_string(), 9), ("v = 4".to_string(), 2)]
        );
    }

    #[test]
    fn the_notes_adders_have_c_30_15_schedules_and_20_only_when_no_addition_is_split() {
        let (_, program) = builtin("adders").unwrap();
        let explored = explore(&program).unwrap();
        assert_eq!(explored.schedules, 155_117_520, "C(30, 15)");
        let twenty = explored.endings.last().unwrap();
        assert_eq!(program.outcome_name(&twenty.outcome), "v = 20");
        // Every addition whole: the 10 additions interleaved, C(10, 5).
        assert_eq!(twenty.count, 252);
        assert_eq!(explored.reach_goal, Some(155_117_520 - 252));
        assert_eq!(twenty.shortest.len(), 30);
    }

    #[test]
    fn with_the_lock_there_is_one_outcome() {
        let (_, program) = builtin("adders-locked").unwrap();
        // Whoever takes the lock first does all its steps; then the other.
        assert_eq!(histogram(&program), [("v = 20".to_string(), 2)]);
        assert_eq!(explore(&program).unwrap().reach_goal, Some(0));
    }

    #[test]
    fn two_locks_deadlock_in_half_of_their_twelve_schedules() {
        let (_, program) = builtin("two-locks").unwrap();
        // Deadlock: both take their first lock and print before either takes its
        // second: the orders of 2 + 2 steps, C(4, 2) = 6. Else the first to take
        // its second lock runs to its last release, which the other's 3 steps
        // can straddle in 3 ways: 2 × 3 = 6.
        assert_eq!(histogram(&program), [("finished".to_string(), 6), ("deadlock".to_string(), 6)]);
        let explored = explore(&program).unwrap();
        let deadlock = &explored.endings[1];
        assert_eq!(deadlock.shortest, [0, 0, 1, 1], "the shortest way in runs lane 1 first");
        let end = program.run(&deadlock.shortest).pop().unwrap();
        assert_eq!(program.cycle(&end).unwrap(), "Thread-1 → lockB → Thread-2 → lockA → Thread-1");
    }

    #[test]
    fn check_then_act_gets_stuck_when_both_check_first() {
        let (_, program) = builtin("check-then-act").unwrap();
        assert_eq!(
            histogram(&program),
            [("q = [1]".to_string(), 1), ("q = [2]".to_string(), 1), ("deadlock".to_string(), 4)]
        );
    }

    #[test]
    fn a_wait_without_a_loop_misses_a_notify_sent_first() {
        let (_, program) = builtin("missed-notify").unwrap();
        assert_eq!(histogram(&program), [("item = 1".to_string(), 1), ("deadlock".to_string(), 1)]);
        let (_, program) = builtin("notify-loop").unwrap();
        assert_eq!(histogram(&program), [("item = 1".to_string(), 2)]);
    }

    #[test]
    fn an_assertion_broken_is_an_outcome_of_its_own() {
        let program = parse(
            "assert",
            "v = 0\nthread a:\n    t = v\n    v = t + 1\nthread b:\n    t = v\n    v = t + 1\n    assert v == 2\n",
        )
        .unwrap();
        // b's assert runs after b's write: it fails when a's write was lost or comes later.
        let explored = explore(&program).unwrap();
        let names: Vec<String> = explored.endings.iter().map(|e| program.outcome_name(&e.outcome)).collect();
        assert_eq!(names, ["v = 2", "assertion broken at line 8"]);
        let broken = explored.endings.last().unwrap();
        let end = program.run(&broken.shortest).pop().unwrap();
        assert_eq!(program.fault(&end).unwrap().text, "line 8: assert v == 2 failed in b");
    }

    #[test]
    fn a_loop_that_can_spin_forever_is_named() {
        let program = parse(
            "spin",
            "flag = 0\nthread a:\n    while flag == 0:\n        pass\nthread b:\n    flag = 1\n",
        )
        .unwrap();
        let err = explore(&program).unwrap_err();
        assert_eq!(err, Unbounded::Endless { line: 3, text: "while flag == 0:".to_string() });
    }

    #[test]
    fn too_many_states_is_refused() {
        let (_, program) = builtin("adders").unwrap();
        assert_eq!(explore_within(&program, 100).unwrap_err(), Unbounded::States(100));
    }
}
