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

/// The most states an exploration visits before it gives up.
pub const STATE_LIMIT: usize = 2_000_000;

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
