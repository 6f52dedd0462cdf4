//! `lesson` (and `quiz`): a lesson run on the Stage, through the sinks the
//! output options ask for, its progress kept.

use std::sync::Arc;

use concur_tutor::render::{self, Paint};
use concur_tutor::stage::{self, Clock, Recorder, Stage};
use concur_tutor::terminal::{self, Quit};
use concur_tutor::{catalogue, i18n, lessons, progress};

use super::args::LessonArgs;
use super::{page, Failure};

pub(crate) fn run_lesson(args: LessonArgs, paint: Paint) -> Result<(), Failure> {
    let lesson = catalogue::find(&args.id).map_err(|err| Failure::Usage(i18n::tr(&err.to_string())))?;
    if let Some(n) = args.scene {
        if !(1..=lesson.scenes.len()).contains(&n) {
            return Err(Failure::Usage(i18n::tr(&format!(
                "--scene {n} is out of range: '{}' has scenes 1 to {}",
                lesson.id,
                lesson.scenes.len()
            ))));
        }
    }
    let title = format!("concur-tutor {}: {}", lesson.id, lesson.title);
    let sink = args.output.sinks(&title, paint.is_on()).map_err(Failure::Usage)?;
    stage::install_interrupt_handlers();
    if !args.output.json {
        page(render::print_header(lesson, args.speed, paint))?;
    }
    let clock = Clock::start(args.speed).map_err(Failure::Run)?;
    let mut stage = Stage::new(clock, Arc::new(Recorder::new(sink)));
    stage.set_quick(args.quick);
    stage.set_step(args.step);
    stage.set_predict(args.predict);
    let quiz = match lessons::run(&mut stage, lesson, args.scene) {
        Ok(quiz) => quiz,
        Err(err) => match err.downcast::<Quit>() {
            Ok(quit) => {
                drop(stage);
                terminal::restore();
                eprintln!(
                    "
concur-tutor: {}",
                    i18n::tr(&quit.to_string())
                );
                return Err(Failure::Quit(quit));
            }
            Err(err) => return Err(Failure::Run(err)),
        },
    };
    drop(stage);
    // Step and predict modes kept typed keys from echoing; the run is over.
    terminal::restore();
    if args.scene.is_none() || quiz.asked > 0 {
        progress::update(|p| {
            if args.scene.is_none() {
                p.completed.insert(lesson.id.clone());
            }
            let total = p.quizzes.entry(lesson.id.clone()).or_default();
            total.right += quiz.right;
            total.asked += quiz.asked;
            if total.asked == 0 {
                p.quizzes.remove(&lesson.id);
            }
        });
    }
    if !args.output.json {
        page(render::print_reading(lesson, paint))?;
        if let Some(example) = concur_tutor::trace::examples::for_lesson(&lesson.id) {
            let line = format!("Now trace it in Python: concur-tutor trace --example {}", example.name);
            eprintln!("\n{}", i18n::tr(&line));
        }
    }
    Ok(())
}
