//! The lessons that run: one module per lesson, each a list of scenes written
//! like the Python they mirror. This module maps ids to them and runs them.

mod coroutines;
mod costs;
mod deadlock;
mod figures;
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
use crate::stage::{Abandoned, Entry, Stage};
use crate::terminal::Quit;
use crate::text;

/// One scene's code: it drives the Stage, which narrates.
pub type SceneFn = fn(&mut Stage) -> anyhow::Result<()>;

/// The code spawned children may run, looked up by name in the new process
/// (see [`Entry`]).
pub const ENTRIES: &[&[Entry]] = &[start_methods::ENTRIES, shared_memory::ENTRIES, managers::ENTRIES];

// `PROGRAMS`: each lesson id (lessons/index.toml) with its module's `SCENES`.
include!(concat!(env!("OUT_DIR"), "/programs.rs"));

/// The scenes of lesson `id`, one of the catalogue's ids (build.rs makes the
/// table from the same index as the catalogue, so every lesson has its code).
pub fn scenes(id: &str) -> &'static [SceneFn] {
    PROGRAMS.iter().find(|(program, _)| *program == id).map_or(&[], |(_, scenes)| *scenes)
}

/// Runs `scenes` (numbers from 1; all when empty) of `lesson` on `stage`. Each
/// scene stands for one Python program, so each ends as CPython ends a program.
/// In predict mode, a scene with a question asks it first, and the answer is
/// judged by what the scene then did; returns how the questions went.
///
/// # Errors
/// A scene failed, or the learner quit at a pause ([`Quit`]).
pub fn run(stage: &mut Stage, lesson: &Lesson, only: Option<usize>) -> anyhow::Result<Quiz> {
    let ran = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| run_scenes(stage, lesson, only)));
    match ran {
        Ok(result) => result,
        Err(payload) => match payload.downcast::<Quit>() {
            Ok(quit) => Err((*quit).into()),
            Err(payload) => std::panic::resume_unwind(payload),
        },
    }
}

fn run_scenes(stage: &mut Stage, lesson: &Lesson, only: Option<usize>) -> anyhow::Result<Quiz> {
    // The main program's own waits on the Stage's primitives are drawn on main.
    let main = stage.main().clone();
    let _entered = main.enter();
    let total = lesson.scenes.len();
    let mut quiz = Quiz::default();
    for (index, (scene, body)) in lesson.scenes.iter().zip(scenes(&lesson.id)).enumerate() {
        let number = index + 1;
        if only.is_some_and(|n| n != number) {
            continue;
        }
        stage.begin_scene(&lesson.id, number, total, &scene.title, &scene.python);
        let question = scene.question.as_ref().filter(|_| stage.predicting());
        let guess = question.map(|q| stage.ask(&q.ask, &q.choices));
        let from = stage.event_count();
        if !run_scene(stage, *body)? {
            continue;
        }
        if let (Some(question), Some(guess)) = (question, guess) {
            judge(stage, question, guess, from, &mut quiz);
        }
    }
    if quiz.asked > 0 {
        stage.note(text!("Your predictions: {} of {} right.", quiz.right, quiz.asked));
    }
    stage.finish()?;
    Ok(quiz)
}

/// Runs one scene and ends it as CPython ends a program. Returns false when a
/// wait in it found it could never end (a child stopped, a lock's owner dead,
/// a pool task lost): the watchdog has said why, and the scene ends there,
/// every process it started killed, as a program stuck like that would have
/// to be ended.
fn run_scene(stage: &mut Stage, body: SceneFn) -> anyhow::Result<bool> {
    let ran = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| body(stage)));
    match ran {
        Ok(result) => {
            result?;
            stage.end_scene();
            Ok(true)
        }
        Err(payload) if payload.is::<Abandoned>() => {
            stage.kill_all();
            stage.note("The scene ends here: a program stuck like this never ends by itself, so every process it started was killed.");
            Ok(false)
        }
        Err(payload) => std::panic::resume_unwind(payload),
    }
}

/// Says whether `guess` (none: no answer could be had) was right, by this
/// run's events since mark `from`.
fn judge(stage: &mut Stage, question: &Question, guess: Option<usize>, from: usize, quiz: &mut Quiz) {
    let Some(right) = quiz::answer(&question.check, &stage.events_since(from)) else {
        stage.note(text!("This run did not show the answer. {}", question.explain));
        return;
    };
    let Some(guess) = guess else {
        stage.note(text!("No answer was given; this run: {}. {}", question.choices[right], question.explain));
        return;
    };
    quiz.asked += 1;
    let said = &question.choices[guess];
    let happened = &question.choices[right];
    if guess == right {
        quiz.right += 1;
        stage.note(text!("✓ Right: {happened}. {}", question.explain));
    } else {
        stage.note(text!("✗ You said \"{said}\"; this run: {happened}. {}", question.explain));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalogue;

    #[test]
    fn every_lesson_has_one_function_per_scene_of_its_data() {
        for lesson in catalogue::all() {
            assert_eq!(lesson.scenes.len(), scenes(&lesson.id).len(), "{}", lesson.id);
        }
    }
}
