//! `concur-tutor practice`: fix-it exercises in Python, judged from what the
//! fixed program really does.
//!
//! Each exercise is a short program of ours with a concurrency bug or a
//! missing piece (`lessons/practice/<id>.py`, its fix beside it as
//! `<id>.solution.py`), declared once in [`EXERCISES`] with its lesson, its
//! goal, three hints, each more direct, and how many runs it takes to be
//! sure. The learner's copy lives in a workspace folder ([`workspace`]). A
//! check runs it under `trace` ([`check`]), turns each run's events into a
//! [`Run`] ([`run`]), and the exercise's judge ([`judge`]) reads from the run
//! what the goal asks for: exits, order, counts, overlaps, a hang or none, the
//! order locks are taken in. Never the text of the program. The watch screen
//! ([`watch`]) re-checks on every save.
//!
//! The parts stand apart as rustlings' do: the data here, the judge's pure
//! reading of a run, the watch screen's pure state and its terminal UI.

pub mod check;
pub mod cli;
pub mod judge;
pub mod run;
pub mod watch;
pub mod workspace;

pub use check::{Finding, Verdict};
pub use cli::{command, Args, Failure};
pub use run::Run;

/// How many runs a goal takes, and why that many.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Runs {
    /// One run shows it: nothing in the goal depends on timing.
    Once,
    /// A race: every one of `runs` runs must pass; the first that fails decides.
    Race {
        /// How many runs.
        runs: usize,
        /// Why that many, in a sentence.
        why: &'static str,
    },
    /// A measurement (a speed-up, a pace): a busy machine can spoil a run, so
    /// up to `tries` runs are made until one passes; a run that fails for a
    /// reason that is not timing decides at once.
    Timed {
        /// The most runs made.
        tries: usize,
    },
}

impl Runs {
    /// The most runs a check makes.
    pub fn most(self) -> usize {
        match self {
            Runs::Once => 1,
            Runs::Race { runs, .. } => runs,
            Runs::Timed { tries } => tries,
        }
    }
}

/// One exercise.
pub struct Exercise {
    /// Its id: `concur-tutor practice check <id>`, and its file `<id>.py`.
    pub id: &'static str,
    /// The lesson it belongs to.
    pub lesson: &'static str,
    /// What is wrong, in a few words.
    pub title: &'static str,
    /// What the run must show, in a sentence or two.
    pub goal: &'static str,
    /// Three hints, each more direct than the one before.
    pub hints: [&'static str; 3],
    /// The program as shipped: its bug or its missing piece.
    pub code: &'static str,
    /// A program that meets the goal.
    pub solution: &'static str,
    /// How many runs it takes to be sure.
    pub runs: Runs,
    /// Seconds a run may last before the tutor ends it.
    pub limit: f64,
    /// Whether every take of the program's locks is traced (for lock order).
    pub every_lock: bool,
    /// What the goal asks of one run: each part, and what the run showed.
    pub judge: fn(&Run, &judge::Machine) -> Vec<Finding>,
}

impl std::fmt::Debug for Exercise {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Exercise({})", self.id)
    }
}

/// Exercises are the same when their ids are.
impl PartialEq for Exercise {
    fn eq(&self, other: &Exercise) -> bool {
        self.id == other.id
    }
}

impl Eq for Exercise {}

impl Exercise {
    /// The file the learner edits, in the workspace.
    pub fn file(&self) -> String {
        format!("{}.py", self.id)
    }
}

macro_rules! exercise {
    ($id:literal, $lesson:literal, $judge:path, $runs:expr, $limit:literal, $locks:literal,
     $title:literal, $goal:literal, [$h1:literal, $h2:literal, $h3:literal $(,)?] $(,)?) => {
        Exercise {
            id: $id,
            lesson: $lesson,
            title: $title,
            goal: $goal,
            hints: [$h1, $h2, $h3],
            code: include_str!(concat!("../../lessons/practice/", $id, ".py")),
            solution: include_str!(concat!("../../lessons/practice/", $id, ".solution.py")),
            runs: $runs,
            limit: $limit,
            every_lock: $locks,
            judge: $judge,
        }
    };
}

/// Every exercise, in the order of the lessons they belong to.
pub const EXERCISES: &[Exercise] = &[
    exercise!(
        "spawn-safe",
        "start-methods",
        judge::spawn_safe,
        Runs::Once,
        5.0,
        false,
        "a worker that only works under fork",
        "Under spawn, the worker process sees the settings main made: it prints worker sees name = demo.",
        [
            "A spawned child is a new Python that imports this file again: which lines of it run there, and \
             which do not?",
            "What main puts in settings under if __name__ == \"__main__\": never reaches the child. What does \
             reach it, whatever the start method?",
            "Pass the settings to the worker as an argument: Process(target=worker, args=(settings,)), and \
             def worker(settings).",
        ]
    ),
    exercise!(
        "daemon-child",
        "join-daemon",
        judge::daemon_child,
        Runs::Once,
        6.0,
        false,
        "a program that waits at exit for a child it does not need",
        "The program ends as soon as main prints its last line, and the heartbeat child is ended then, without \
         printing heartbeat ends.",
        [
            "Look at the timeline: after Main process end., what does MainProcess wait for, and where?",
            "At exit, Python waits for every child process that is not a daemon. A daemon child is ended \
             instead.",
            "Set p.daemon = True before p.start().",
        ]
    ),
    exercise!(
        "child-counter",
        "globals",
        judge::child_counter,
        Runs::Once,
        5.0,
        false,
        "a counter the child adds to and the parent never sees",
        "The child process adds 1 to num, and the parent, once the child has ended, prints parent: num = 101.",
        [
            "The child has its own copy of the parent's memory: which num does num += 1 change?",
            "To share a number between processes, it has to live where both can see it: shared memory.",
            "Make num a multiprocessing.Value('i', 100), pass it to the child, and use num.value in both.",
        ]
    ),
    exercise!(
        "get-in-the-loop",
        "pool-async",
        judge::get_in_the_loop,
        Runs::Timed { tries: 3 },
        8.0,
        false,
        "apply_async, then get() at once, in the loop that submits",
        "The five tasks run at the same time, and the results 0 1 4 9 16 are printed in order.",
        [
            "Look at the timeline: how many pool workers sleep at the same moment?",
            "result.get() waits for that task's result. Where is it called, and what can the loop not do \
             while it waits?",
            "Submit every task first (results = [pool.apply_async(task, (n,)) for n in range(5)]), then get \
             each result in a second loop.",
        ]
    ),
    exercise!(
        "divide-and-conquer",
        "pool-async",
        judge::divide_and_conquer,
        Runs::Timed { tries: 3 },
        20.0,
        false,
        "a big sum cut into chunks that a pool still sums one at a time",
        "The pool prints the right sum, faster than the serial sum, on this machine's cores.",
        [
            "Look at the timeline: do two pool workers ever run at the same time?",
            "pool.apply() waits for each chunk's result before it sends the next chunk.",
            "Send all the chunks at once: total = sum(pool.map(partial, chunks)).",
        ]
    ),
    exercise!(
        "reader-sentinel",
        "queue",
        judge::reader_sentinel,
        Runs::Once,
        5.0,
        false,
        "a reader that loops for ever",
        "The reader prints A B C D once each, in order, and ends by itself: every process exits with code 0, \
         none is terminated, nothing hangs.",
        [
            "After D, what is the reader waiting for, and who could ever give it that?",
            "terminate() kills the reader wherever it is, even halfway through an item. The reader needs a way \
             to know that no more items will come.",
            "Let the writer put None after its last item, and the reader break out of its loop when it gets \
             None.",
        ]
    ),
    exercise!(
        "torn-records",
        "pipe",
        judge::torn_records,
        Runs::Race {
            runs: 5,
            why: "without a lock, each of 20 runs we made tore 34 to 40 of its 40 records, and so did a lock \
                  each writer makes for itself; a fix that still tears in half its runs passes five runs \
                  once in 32",
        },
        8.0,
        false,
        "two writers on one end of a pipe tear each other's records",
        "Every record the reader gets is whole: 200000 bytes of one letter, 20 of A and 20 of B.",
        [
            "A record shows A:68928 B:131072: how can one record hold bytes of both writers?",
            "A write of more than PIPE_BUF (4096) bytes into a pipe can be cut into pieces, and the other \
             writer's pieces go between them. Only one writer may write at a time.",
            "Make one multiprocessing.Lock in main, pass it to both writers, and write each record inside \
             with lock:.",
        ]
    ),
    exercise!(
        "join-before-get",
        "queue-deadlock",
        judge::join_before_get,
        Runs::Once,
        3.0,
        false,
        "join() before get() with a 1 MB item",
        "The child's item arrives (the parent prints 1000000), nothing hangs, and every process ends by \
         itself with code 0.",
        [
            "Read the hang's explanation: what is each of the three lanes waiting for?",
            "The child cannot end before its feeder thread has written the whole item into the pipe, and only \
             a get() in the parent reads the pipe.",
            "Swap the two lines: obj = queue.get() first, then p.join().",
        ]
    ),
    exercise!(
        "lost-updates",
        "locks",
        judge::lost_updates,
        Runs::Race {
            runs: 5,
            why: "without a lock, each of 20 runs we made lost updates (1 120 to 32 909 of the 80 000), and \
                  a lock each process makes for itself lost some in 18 of 20; a fix that still loses in half \
                  its runs passes five runs once in 32",
        },
        10.0,
        false,
        "two processes add to one shared Value without a lock",
        "The total is exact, 80000, in every run.",
        [
            "The total is short: some additions were lost. How can an addition be lost?",
            "v.value += num reads, adds and writes back; the other process can write in between. Both \
             processes must take the same lock around it.",
            "Make lock = mp.Lock() in main, pass it to both processes, and write with lock: v.value += num.",
        ]
    ),
    exercise!(
        "two-locks",
        "deadlock",
        judge::two_locks,
        Runs::Race {
            runs: 20,
            why: "the two orders show in every run that takes both locks, deadlocked or not, so one run \
                  judges the order; 20 runs, as the goal asks, for both threads finishing: a fix that still \
                  hangs one run in ten shows it in 20 runs 88 times in 100",
        },
        4.0,
        true,
        "two threads take two locks in opposite orders",
        "Both threads get both locks and finish, in every one of 20 runs, and the locks are always taken in \
         one order.",
        [
            "Read the hang's explanation: which lock does each thread hold, and which does it wait for?",
            "A cycle of waits can form only if some thread takes lockB before lockA while another takes lockA \
             before lockB.",
            "Make second take lockA first, then lockB, as first does.",
        ]
    ),
    exercise!(
        "call-not-pass",
        "threads",
        judge::call_not_pass,
        Runs::Once,
        5.0,
        false,
        "download and listen, one after the other instead of together",
        "download and listen run at the same time, each in a thread of its own.",
        [
            "Look at the lanes: which lane prints downloading a.png?",
            "target=download() calls download right away, in the main thread, and gives the Thread what it \
             returns: None.",
            "Pass the function itself: threading.Thread(target=download).",
        ]
    ),
    exercise!(
        "responsive",
        "threads",
        judge::responsive,
        Runs::Timed { tries: 3 },
        8.0,
        false,
        "a main loop that stops ticking while a slow job runs",
        "The ticks keep their pace (no two ticks more than 0.5 s apart) through the slow job, and the job \
         still finishes.",
        [
            "Look at the timeline: while the job sleeps, what does MainProcess do?",
            "The job has to run somewhere else than in the main loop, and the main loop must not wait for it \
             until the end.",
            "At tick 2, start the job in a thread (job = threading.Thread(target=slow_job); job.start()), and \
             job.join() after the loop.",
        ]
    ),
    exercise!(
        "endless-consumer",
        "producer-consumer",
        judge::endless_consumer,
        Runs::Once,
        5.0,
        false,
        "a consumer that loops for ever",
        "Every item produced is consumed exactly once, and every thread ends by itself: nothing hangs, and no \
         daemon thread is left running at exit.",
        [
            "Read the hang's explanation: what does the consumer wait for once the producer is done?",
            "The consumer needs to be told that no more items will come. A daemon thread is not told: it is \
             killed at exit.",
            "Let the producer put None after its last item, and the consumer break out of its loop when it \
             gets None.",
        ]
    ),
    exercise!(
        "gil-threads",
        "gil",
        judge::gil_threads,
        Runs::Timed { tries: 3 },
        15.0,
        false,
        "the CPU job in two threads, no faster than running it twice",
        "The parallel run is faster than the serial one: at least 1.3 times, where this machine has two cores \
         or more.",
        [
            "Compare serial and parallel: what do the two threads share that lets only one of them run Python \
             at a time?",
            "Each process has its own interpreter and its own GIL.",
            "Use multiprocessing.Process instead of threading.Thread for the two workers.",
        ]
    ),
];

/// The exercise `id`.
///
/// # Errors
/// No exercise has that id: the message suggests the nearest.
pub fn find(id: &str) -> Result<&'static Exercise, String> {
    let id = id.strip_suffix(".py").unwrap_or(id);
    if let Some(found) = EXERCISES.iter().find(|e| e.id == id) {
        return Ok(found);
    }
    Err(match crate::text::nearest(id, EXERCISES.iter().map(|e| e.id)) {
        Some(near) => format!("no exercise '{id}' (did you mean '{near}'?)"),
        None => format!("no exercise '{id}' (see 'concur-tutor practice list')"),
    })
}

/// The exercises of lesson `lesson`, in order.
pub fn for_lesson(lesson: &str) -> impl Iterator<Item = &'static Exercise> + '_ {
    EXERCISES.iter().filter(move |e| e.lesson == lesson)
}

/// The exercise to open: the first unsolved one of a lesson run to the end,
/// else the first unsolved one, else the first.
pub fn current(solved: &dyn Fn(&str) -> bool, completed: &dyn Fn(&str) -> bool) -> &'static Exercise {
    EXERCISES
        .iter()
        .find(|e| !solved(e.id) && completed(e.lesson))
        .or_else(|| EXERCISES.iter().find(|e| !solved(e.id)))
        .unwrap_or(&EXERCISES[0])
}

/// The exercise after `id`, if there is one.
pub fn next_after(id: &str) -> Option<&'static Exercise> {
    let at = EXERCISES.iter().position(|e| e.id == id)?;
    EXERCISES.get(at + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_exercise_belongs_to_a_lesson_and_has_a_fix_that_differs() {
        for e in EXERCISES {
            assert!(crate::catalogue::find(e.lesson).is_ok(), "{}: no lesson {}", e.id, e.lesson);
            assert_ne!(e.code, e.solution, "{}", e.id);
            assert!(e.hints.iter().all(|h| !h.is_empty()));
            assert_eq!(EXERCISES.iter().filter(|o| o.id == e.id).count(), 1, "{} twice", e.id);
        }
        assert!(EXERCISES.len() >= 14);
    }

    #[test]
    fn the_current_exercise_follows_the_lessons_watched() {
        let none = |_: &str| false;
        assert_eq!(current(&none, &none).id, "spawn-safe");
        let watched = |lesson: &str| lesson == "queue-deadlock";
        assert_eq!(current(&none, &watched).id, "join-before-get");
        let solved = |id: &str| id == "join-before-get";
        assert_eq!(current(&solved, &watched).id, "spawn-safe");
        assert_eq!(find("two-lock").unwrap_err(), "no exercise 'two-lock' (did you mean 'two-locks'?)");
        assert_eq!(find("two-locks.py").unwrap().id, "two-locks");
    }

    #[test]
    fn every_title_goal_hint_and_count_has_its_chinese() {
        let chinese = |text: &str| {
            crate::i18n::translate(text)
                .is_some_and(|zh| zh.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)))
        };
        for e in EXERCISES {
            let mut texts = vec![e.title, e.goal];
            texts.extend(e.hints);
            if let Runs::Race { why, .. } = e.runs {
                texts.push(why);
            }
            for text in texts {
                assert!(chinese(text), "{}: no Chinese for {text:?}", e.id);
            }
        }
    }
}
