//! The lessons that run: one module per lesson, each a list of scenes written
//! like the Python they mirror. This module maps ids to them and runs them.

mod costs;
mod deadlock;
mod gil;
mod globals;
mod join_daemon;
mod locks;
mod managers;
mod pipe;
mod pool_async;
mod process_basics;
pub mod producer_consumer;
mod queue;
mod queue_deadlock;
mod semaphores;
mod shared_memory;
mod signals;
mod start_methods;
mod threads;

use crate::catalogue::{Lesson, Question};
use crate::progress::Quiz;
use crate::quiz;
use crate::stage::{Entry, Quit, Stage};

/// One scene's code: it drives the Stage, which narrates.
pub type SceneFn = fn(&mut Stage) -> anyhow::Result<()>;

/// A lesson's code, as built into the binary.
pub struct Program {
    /// The lesson id, as in `lessons/<id>.toml`.
    pub id: &'static str,
    /// One function per scene of the lesson data, in order.
    pub scenes: &'static [SceneFn],
    /// The file the scenes are written in, for `show`.
    pub path: &'static str,
    /// That file's text: exactly the code that runs.
    pub source: &'static str,
}

/// The code spawned children may run, looked up by name in the new process
/// (see [`Entry`]).
pub const ENTRIES: &[&[Entry]] = &[start_methods::ENTRIES, managers::ENTRIES];

const PROGRAMS: &[Program] = &[
    Program {
        id: "process-basics",
        scenes: process_basics::SCENES,
        path: "src/lessons/process_basics.rs",
        source: include_str!("process_basics.rs"),
    },
    Program {
        id: "start-methods",
        scenes: start_methods::SCENES,
        path: "src/lessons/start_methods.rs",
        source: include_str!("start_methods.rs"),
    },
    Program {
        id: "join-daemon",
        scenes: join_daemon::SCENES,
        path: "src/lessons/join_daemon.rs",
        source: include_str!("join_daemon.rs"),
    },
    Program {
        id: "globals",
        scenes: globals::SCENES,
        path: "src/lessons/globals.rs",
        source: include_str!("globals.rs"),
    },
    Program {
        id: "signals",
        scenes: signals::SCENES,
        path: "src/lessons/signals.rs",
        source: include_str!("signals.rs"),
    },
    Program {
        id: "pool-async",
        scenes: pool_async::SCENES,
        path: "src/lessons/pool_async.rs",
        source: include_str!("pool_async.rs"),
    },
    Program {
        id: "queue",
        scenes: queue::SCENES,
        path: "src/lessons/queue.rs",
        source: include_str!("queue.rs"),
    },
    Program {
        id: "pipe",
        scenes: pipe::SCENES,
        path: "src/lessons/pipe.rs",
        source: include_str!("pipe.rs"),
    },
    Program {
        id: "queue-deadlock",
        scenes: queue_deadlock::SCENES,
        path: "src/lessons/queue_deadlock.rs",
        source: include_str!("queue_deadlock.rs"),
    },
    Program {
        id: "shared-memory",
        scenes: shared_memory::SCENES,
        path: "src/lessons/shared_memory.rs",
        source: include_str!("shared_memory.rs"),
    },
    Program {
        id: "managers",
        scenes: managers::SCENES,
        path: "src/lessons/managers.rs",
        source: include_str!("managers.rs"),
    },
    Program {
        id: "locks",
        scenes: locks::SCENES,
        path: "src/lessons/locks.rs",
        source: include_str!("locks.rs"),
    },
    Program {
        id: "deadlock",
        scenes: deadlock::SCENES,
        path: "src/lessons/deadlock.rs",
        source: include_str!("deadlock.rs"),
    },
    Program {
        id: "semaphores",
        scenes: semaphores::SCENES,
        path: "src/lessons/semaphores.rs",
        source: include_str!("semaphores.rs"),
    },
    Program { id: "gil", scenes: gil::SCENES, path: "src/lessons/gil.rs", source: include_str!("gil.rs") },
    Program {
        id: "costs",
        scenes: costs::SCENES,
        path: "src/lessons/costs.rs",
        source: include_str!("costs.rs"),
    },
    Program {
        id: "threads",
        scenes: threads::SCENES,
        path: "src/lessons/threads.rs",
        source: include_str!("threads.rs"),
    },
    Program {
        id: "producer-consumer",
        scenes: producer_consumer::SCENES,
        path: "src/lessons/producer_consumer.rs",
        source: include_str!("producer_consumer.rs"),
    },
];

/// The code of lesson `id`, one of the catalogue's ids (a unit test checks
/// that every lesson in the catalogue has its code).
pub fn program(id: &str) -> &'static Program {
    PROGRAMS.iter().find(|p| p.id == id).unwrap_or_else(|| panic!("lesson '{id}' has no code"))
}

/// Runs `scenes` (numbers from 1; all when empty) of `lesson` on `stage`. Each
/// scene stands for one Python program, so each ends as CPython ends a program.
/// In predict mode, a scene with a question asks it first, and the answer is
/// judged by what the scene then did; returns how the questions went.
///
/// # Errors
/// A scene failed, or the learner quit at a pause ([`Quit`]).
pub fn run(
    stage: &mut Stage,
    lesson: &Lesson,
    program: &Program,
    only: Option<usize>,
) -> anyhow::Result<Quiz> {
    let ran =
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| run_scenes(stage, lesson, program, only)));
    match ran {
        Ok(result) => result,
        Err(payload) => match payload.downcast::<Quit>() {
            Ok(quit) => Err((*quit).into()),
            Err(payload) => std::panic::resume_unwind(payload),
        },
    }
}

fn run_scenes(
    stage: &mut Stage,
    lesson: &Lesson,
    program: &Program,
    only: Option<usize>,
) -> anyhow::Result<Quiz> {
    let total = lesson.scenes.len();
    let mut quiz = Quiz::default();
    for (index, (scene, body)) in lesson.scenes.iter().zip(program.scenes).enumerate() {
        let number = index + 1;
        if only.is_some_and(|n| n != number) {
            continue;
        }
        stage.begin_scene(number, total, &scene.title, &scene.python);
        let question = scene.question.as_ref().filter(|_| stage.predicting());
        let guess = question.map(|q| stage.ask(&q.ask, &q.choices));
        let from = stage.event_count();
        body(stage)?;
        stage.end_scene();
        if let (Some(question), Some(guess)) = (question, guess) {
            judge(stage, question, guess, from, &mut quiz);
        }
    }
    stage.finish()?;
    Ok(quiz)
}

/// Says whether `guess` was right, by this run's events since mark `from`.
fn judge(stage: &mut Stage, question: &Question, guess: usize, from: usize, quiz: &mut Quiz) {
    let Some(right) = quiz::answer(&question.check, &stage.events_since(from)) else {
        stage.note(format!("This run did not show the answer. {}", question.explain));
        return;
    };
    quiz.asked += 1;
    let said = &question.choices[guess];
    let happened = &question.choices[right];
    if guess == right {
        quiz.right += 1;
        stage.note(format!("✓ Right: {happened}. {}", question.explain));
    } else {
        stage.note(format!("✗ You said \"{said}\"; this run: {happened}. {}", question.explain));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalogue;

    #[test]
    fn every_lesson_has_its_code_and_every_code_its_lesson() {
        let ids: Vec<&str> = catalogue::all().iter().map(|l| l.id.as_str()).collect();
        for id in &ids {
            assert!(PROGRAMS.iter().any(|p| p.id == *id), "lesson {id} has no code");
        }
        assert_eq!(PROGRAMS.len(), ids.len(), "code without a lesson");
    }

    #[test]
    fn every_program_has_one_function_per_scene_of_its_data() {
        for program in PROGRAMS {
            let lesson = catalogue::find(program.id).expect("a program has lesson data");
            assert_eq!(lesson.scenes.len(), program.scenes.len(), "{}", program.id);
        }
    }
}
