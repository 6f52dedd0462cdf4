//! The classroom's loop: the menu, a lesson run as it was set there, what
//! comes after it (the menu, or the next lesson), an exercise opened from it,
//! and `show` through a pager.

use std::io::{self, IsTerminal, Write};

use concur_tutor::menu::{self, Choice, Menu, Mode};
use concur_tutor::render::{self, Paint};
use concur_tutor::{catalogue, i18n, practice, stage, terminal};

use super::args::LessonArgs;
use super::lesson::run_lesson;
use super::{load_progress, page, Failure};

/// The menu, until the user quits: each lesson chosen runs as the menu was
/// set (speed, one scene, pauses or questions); after it, Enter brings the
/// menu back and n runs the next lesson the same way. Quitting at a pause
/// comes back to the menu.
pub(crate) fn run_menu(paint: Paint) -> Result<(), Failure> {
    stage::install_interrupt_handlers();
    let mut menu = Menu::new();
    loop {
        let mut plan =
            match menu::choose(&mut menu, &load_progress()).map_err(|err| Failure::Run(err.into()))? {
                Choice::Quit => return Ok(()),
                Choice::Interrupt => stage::exit_quietly(130),
                Choice::Show(id) => {
                    let lesson =
                        catalogue::find(&id).map_err(|err| Failure::Usage(i18n::tr(&err.to_string())))?;
                    show(lesson, paint)?;
                    continue;
                }
                Choice::Practice(lesson) => {
                    practise(&lesson, paint);
                    continue;
                }
                Choice::Run(plan) => plan,
            };
        loop {
            let args = LessonArgs {
                speed: plan.speed,
                scene: plan.scene,
                step: plan.mode == Mode::Step,
                predict: plan.mode == Mode::Predict,
                ..LessonArgs::at_notes_pace(plan.id.clone())
            };
            stage::ctrl_c_ends_the_lesson(true);
            let ran = run_lesson(args, paint);
            stage::ctrl_c_ends_the_lesson(false);
            match ran {
                Ok(()) | Err(Failure::Quit(_)) => {}
                Err(Failure::Run(err)) => eprintln!("{}{err:#}", i18n::tr("error: ")),
                Err(Failure::Usage(err)) => eprintln!("{}{err}", i18n::tr("error: ")),
            }
            menu.select(&plan.id);
            let next = Menu::next_after(&plan.id).filter(|_| plan.scene.is_none());
            match (after_a_lesson(next), next) {
                (AfterALesson::Next, Some(lesson)) => plan.id = lesson.id.clone(),
                (AfterALesson::Interrupt, _) => stage::exit_quietly(130),
                _ => break,
            }
        }
    }
}

/// The menu's `x`: the first unsolved exercise of `lesson` (else its first),
/// in ./concur-practice/, made if need be; back to the menu after it, or
/// after a key once an error is said.
fn practise(lesson: &str, paint: Paint) {
    if let Err(said) = open_practice(lesson, paint) {
        eprintln!("{}{said}", i18n::tr("error: "));
        after_a_lesson(None);
    }
}

fn open_practice(lesson: &str, paint: Paint) -> Result<(), String> {
    let progress = load_progress();
    let exercises: Vec<_> = practice::for_lesson(lesson).collect();
    let Some(first) = exercises.first() else {
        return Err(i18n::tr(&format!("'{lesson}' has no exercise yet: concur-tutor practice list")));
    };
    let exercise = exercises.iter().find(|e| !progress.is_solved(e.id)).unwrap_or(first);
    if practice::workspace::Workspace::find().is_none() {
        std::env::current_dir()
            .and_then(|here| practice::workspace::Workspace::init(&here))
            .map_err(|err| i18n::tr(&format!("cannot make ./concur-practice/: {err}")))?;
    }
    let args =
        practice::Args { action: None, exercise: Some(exercise.id.to_string()), manual: false, python: None };
    match practice::command(args, paint) {
        Ok(()) | Err(practice::Failure::Exit(_)) => Ok(()),
        Err(practice::Failure::Usage(message)) => Err(message),
        Err(practice::Failure::Run(err)) => Err(format!("{err:#}")),
    }
}

/// What to do once a lesson run from the menu is over.
enum AfterALesson {
    Menu,
    Next,
    Interrupt,
}

/// Asks, with one key, whether to go back to the menu or on to `next`.
fn after_a_lesson(next: Option<&catalogue::Lesson>) -> AfterALesson {
    let prompt = match next {
        Some(next) => i18n::tr(&format!("Enter: back to the menu · n: next lesson ({})", next.id)),
        None => i18n::tr("Press Enter to return to the menu."),
    };
    terminal::keys_mode();
    terminal::discard_typed_ahead();
    eprint!("\n{prompt}");
    let choice = loop {
        match terminal::read_key() {
            Some(b'n' | b'N') if next.is_some() => break AfterALesson::Next,
            Some(0x03) => break AfterALesson::Interrupt,
            Some(b'\n' | b'\r' | b' ' | b'q' | 0x1b) | None => break AfterALesson::Menu,
            Some(_) => {}
        }
    };
    terminal::restore();
    eprintln!();
    choice
}

/// `show`, through a pager on a terminal: `$PAGER`, else `less -R`, else as it is.
pub(crate) fn show(lesson: &catalogue::Lesson, paint: Paint) -> Result<(), Failure> {
    let mut text = Vec::new();
    render::print_show(&mut text, lesson, paint).map_err(|err| Failure::Run(err.into()))?;
    if io::stdout().is_terminal() && pager(&text) {
        return Ok(());
    }
    page(io::stdout().write_all(&text))
}

/// Shows `text` through the user's pager; false when none could be started.
fn pager(text: &[u8]) -> bool {
    let command =
        std::env::var("PAGER").ok().filter(|p| !p.trim().is_empty()).unwrap_or("less -R".to_string());
    let Ok(mut child) =
        std::process::Command::new("sh").args(["-c", &command]).stdin(std::process::Stdio::piped()).spawn()
    else {
        return false;
    };
    // A pager quit early closes its input: that is no error.
    let _ = child.stdin.take().map(|mut input| input.write_all(text));
    // 127: the shell found no such pager.
    child.wait().is_ok_and(|status| status.code() != Some(127))
}
