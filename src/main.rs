//! The `concur-tutor` command line: parse, dispatch to the command (in
//! [`cli`]), and turn every failure into one clear line on stderr with the
//! conventional exit status.

mod cli;

use std::io::{self, IsTerminal, Write};
use std::process::ExitCode;

use clap::error::{ContextKind, ContextValue, ErrorKind};
use clap::{CommandFactory, Parser};

use concur_tutor::progress::Progress;
use concur_tutor::render::{self, theme, Paint};
use concur_tutor::terminal;
use concur_tutor::{catalogue, explore, i18n, lessons, manual, practice, stage, text};

use cli::args::{Cli, Command, LessonArgs};
use cli::class::{run_menu, show};
use cli::lesson::run_lesson;
use cli::replay::run_replay;
use cli::trace::run_trace;
use cli::{load_progress, page, Failure};

/// Said after the lesson list: the lessons' Python, and the learner's own, can be traced.
const TRACE_HINT: &str =
    "Trace your own Python program: concur-tutor trace script.py   (ours to try: concur-tutor trace --example list)";

fn main() -> ExitCode {
    stage::one_arena();
    stage::record_start_up();
    // A spawned child: this program started again to run one lesson entry. Not
    // a command for people, so it is kept out of the parser, the help and the
    // completions.
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    if args.len() == 3 && args[1] == stage::KEEPER_COMMAND {
        return stage::run_keeper(&args[2].to_string_lossy());
    }
    if args.len() == 3 && args[1] == stage::HIDDEN_COMMAND {
        let order = args[2].to_string_lossy();
        let Err(err) = stage::run_spawned(&order, lessons::ENTRIES);
        eprintln!("error: {err:#}");
        return ExitCode::from(2);
    }
    // A panic, too, gives the terminal back before it reports.
    let report = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        terminal::restore();
        stage::refused_by_std(info);
        report(info);
    }));
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) => return parse_failure(err),
    };
    i18n::set(cli.lang.unwrap_or_else(i18n::from_env));
    theme::set(cli.theme);
    match dispatch(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::Usage(message)) => {
            eprintln!("{}{message}", i18n::tr("error: "));
            ExitCode::from(2)
        }
        Err(Failure::Run(err)) => {
            eprintln!("{}{err:#}", i18n::tr("error: "));
            ExitCode::from(1)
        }
        Err(Failure::Quit(quit)) => ExitCode::from(if quit.interrupted { 130 } else { 0 }),
    }
}

fn dispatch(cli: Cli) -> Result<(), Failure> {
    let paint = Paint::new(cli.color.enabled());
    match cli.command {
        None if terminal::is_interactive() && io::stdout().is_terminal() => run_menu(paint),
        None => {
            page(render::print_list(paint, text::width(), &load_progress()))?;
            eprintln!(
                "\n{}",
                i18n::tr("Run a lesson with: concur-tutor lesson <id>   (all commands: concur-tutor --help)")
            );
            eprintln!("{}", i18n::tr(TRACE_HINT));
            Ok(())
        }
        Some(Command::List { json: true }) => page(render::print_list_json(&load_progress())),
        Some(Command::List { json: false }) => {
            page(render::print_list(paint, text::width(), &load_progress()))?;
            eprintln!("\n{}", i18n::tr(TRACE_HINT));
            Ok(())
        }
        Some(Command::Progress { reset: true }) => {
            Progress::reset()
                .map_err(|err| Failure::Run(anyhow::anyhow!("could not reset progress: {err}")))?;
            println!("{}", i18n::tr("Progress forgotten."));
            Ok(())
        }
        Some(Command::Progress { reset: false }) => page(render::print_progress(&load_progress(), paint)),
        Some(Command::Show { id }) => {
            let lesson = catalogue::find(&id).map_err(|err| Failure::Usage(i18n::tr(&err.to_string())))?;
            show(lesson, paint)
        }
        Some(Command::Lesson(args)) => run_lesson(args, paint),
        Some(Command::Replay(args)) => run_replay(args, paint),
        Some(Command::Explore(args)) => match explore::command(args, paint) {
            Err(explore::Failure::Usage(message)) => Err(Failure::Usage(message)),
            Err(explore::Failure::Output(err)) => page(Err(err)),
            Ok(()) => Ok(()),
        },
        Some(Command::Quiz { id, speed, scene }) => {
            run_lesson(LessonArgs { predict: true, speed, scene, ..LessonArgs::at_notes_pace(id) }, paint)
        }
        Some(Command::Completions { shell }) => {
            page(manual::completions(shell, Cli::command(), &mut io::stdout()))
        }
        Some(Command::Trace(args)) => run_trace(args, paint),
        Some(Command::Practice(args)) => match practice::command(args, paint) {
            Ok(()) => Ok(()),
            Err(practice::Failure::Usage(message)) => Err(Failure::Usage(message)),
            Err(practice::Failure::Run(err)) => match err.downcast::<io::Error>() {
                Ok(err) => page(Err(err)),
                Err(err) if err.is::<concur_tutor::trace::Closed>() => stage::exit_quietly(0),
                Err(err) => Err(Failure::Run(err)),
            },
            Err(practice::Failure::Exit(code)) => std::process::exit(code),
        },
        Some(Command::Man) => page(manual::man(Cli::command(), &mut io::stdout())),
    }
}

/// clap's errors, as one line (help and version are printed whole).
fn parse_failure(err: clap::Error) -> ExitCode {
    if matches!(err.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion) {
        // Help that could not be written is a failure, said like any other.
        return match err.print().and_then(|()| io::stdout().flush()) {
            Ok(()) => ExitCode::SUCCESS,
            Err(err) if err.kind() == io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
            Err(err) => {
                eprintln!("error: cannot write output: {err}");
                ExitCode::from(1)
            }
        };
    }
    let text = err.to_string();
    let message: Vec<&str> = text
        .lines()
        .take_while(|line| !line.trim().is_empty() && !line.starts_with("Usage:"))
        .map(str::trim)
        .collect();
    let mut line = message.join(" ");
    let suggestion =
        [ContextKind::SuggestedSubcommand, ContextKind::SuggestedArg, ContextKind::SuggestedValue]
            .into_iter()
            .find_map(|kind| match err.get(kind) {
                Some(ContextValue::String(s)) => Some(s.clone()),
                Some(ContextValue::Strings(v)) => v.first().cloned(),
                _ => None,
            });
    match suggestion {
        Some(near) => line.push_str(&format!(" (did you mean '{near}'?)")),
        // A bad value's message already says what is wanted.
        None if !matches!(err.kind(), ErrorKind::InvalidValue | ErrorKind::ValueValidation) => {
            line.push_str(" (see 'concur-tutor --help')")
        }
        None => {}
    }
    eprintln!("{line}");
    ExitCode::from(2)
}
