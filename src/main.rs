//! The `concur-tutor` command line: parse, dispatch, and turn every failure into
//! one clear line on stderr with the conventional exit status.

use std::io::{self, IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use clap::error::{ContextKind, ContextValue, ErrorKind};
use clap::{Args, CommandFactory, Parser, Subcommand};

use concur_tutor::i18n::{self, Lang};
use concur_tutor::menu::{self, Choice, Menu, Mode};
use concur_tutor::output::OutputArgs;
use concur_tutor::progress::{self, Progress};
use concur_tutor::render::theme::{self, Theme};
use concur_tutor::render::{self, ColorChoice, Paint};
use concur_tutor::replay::{self, Pace, Run, Stopped};
use concur_tutor::stage::{self, Clock, Recorder, Stage};
use concur_tutor::terminal::{self, Quit};
use concur_tutor::{catalogue, explore, lessons, manual, text};

/// Said after the lesson list: the lessons' Python, and the learner's own, can be traced.
const TRACE_HINT: &str =
    "Trace your own Python program: concur-tutor trace script.py   (ours to try: concur-tutor trace --example list)";

/// A tutor that teaches concurrency by running it: real processes, pipes, locks
/// and threads, narrated lane by lane, each lesson mirroring Python's
/// multiprocessing and threading.
#[derive(Parser)]
#[command(name = "concur-tutor", version, after_help = manual::examples_help())]
struct Cli {
    /// When to use colour
    #[arg(long, value_enum, value_name = "WHEN", default_value_t = ColorChoice::Auto, global = true)]
    color: ColorChoice,

    /// The terminal's background, for colours readable on it (light: a white
    /// background or a projector)
    #[arg(long, value_enum, value_name = "THEME", default_value_t = Theme::Auto, global = true)]
    theme: Theme,

    /// The language of the tutor's words (this help stays English) [default:
    /// zh when LC_ALL, LC_MESSAGES or LANG starts with zh, else en]
    #[arg(long, value_enum, value_name = "LANG", global = true)]
    lang: Option<Lang>,

    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// List every lesson, grouped by chapter
    List {
        /// One JSON object per lesson, per line
        #[arg(long)]
        json: bool,
    },
    /// Run a lesson: real processes and threads, narrated lane by lane
    Lesson(LessonArgs),
    /// Every order a small program's steps can run in, counted; or be its scheduler (--play)
    #[command(long_about = explore::LONG_ABOUT)]
    Explore(explore::Args),
    /// Show a lesson's Python idioms and the Rust source that runs in their place
    Show {
        /// The lesson id (see `concur-tutor list`)
        id: String,
    },
    /// Show a saved run again (`lesson <id> --save RUN.ndjson`, or `--json`'s
    /// output), at the pace it was recorded
    Replay(ReplayArgs),
    /// Run a lesson in predict mode: `lesson <id> --predict`
    Quiz {
        /// The lesson id (see `concur-tutor list`)
        id: String,

        /// Run X times faster (as `lesson --speed`)
        #[arg(long, value_name = "X", default_value_t = 1.0, value_parser = parse_speed, allow_negative_numbers = true)]
        speed: f64,

        /// Ask about scene N only
        #[arg(long, value_name = "N")]
        scene: Option<usize>,
    },
    /// What you have done: lessons run to the end, quizzes answered
    Progress {
        /// Forget it all
        #[arg(long)]
        reset: bool,
    },
    /// Run your own Python program, shown lane by lane, its hangs explained as they happen
    Trace(TraceArgs),
    /// Print a shell completion script: it completes commands, options, their
    /// values and lesson ids
    ///
    /// For bash: mkdir -p ~/.local/share/bash-completion/completions, then
    /// concur-tutor completions bash > ~/.local/share/bash-completion/completions/concur-tutor
    Completions {
        /// The shell
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the manual page, in roff (e.g. `concur-tutor man | man -l -`)
    Man,
}

#[derive(Args)]
struct LessonArgs {
    /// The lesson id (see `concur-tutor list`)
    id: String,

    /// Run X times faster (0.05 to 100): every sleep and timeout is divided by X,
    /// and timestamps are still shown in the notes' own seconds
    #[arg(long, value_name = "X", default_value_t = 1.0, value_parser = parse_speed, allow_negative_numbers = true)]
    speed: f64,

    /// Run only scene N (scenes are numbered from 1)
    #[arg(long, value_name = "N")]
    scene: Option<usize>,

    #[command(flatten)]
    output: OutputArgs,

    /// Measurement lessons (gil, costs) use a smaller job and fewer repetitions
    #[arg(long)]
    quick: bool,

    /// Pause before each explanation and at each scene start; Enter goes on, q
    /// quits. The whole lesson pauses (children, threads, the clock), so it
    /// tells the same story however long the pause
    #[arg(long, conflicts_with = "json")]
    step: bool,

    /// Before each scene, predict what it will do (a number key); the answer is
    /// judged by what this run then does
    #[arg(long, conflicts_with = "json")]
    predict: bool,
}

#[derive(Args)]
struct ReplayArgs {
    /// The saved run: NDJSON events, one per line
    file: PathBuf,

    /// Replay X times faster than it was recorded
    #[arg(long, value_name = "X", default_value_t = 1.0, value_parser = parse_speed, allow_negative_numbers = true)]
    speed: f64,

    /// Show it all at once, without waiting
    #[arg(long, conflicts_with = "speed")]
    no_wait: bool,

    /// Pause before each explanation and at each scene start; Enter goes on, q quits
    #[arg(long, conflicts_with = "json")]
    step: bool,

    #[command(flatten)]
    output: OutputArgs,
}

impl LessonArgs {
    /// Every scene of lesson `id`, at the notes' own pace, human output, no pauses.
    fn at_notes_pace(id: String) -> LessonArgs {
        LessonArgs {
            id,
            speed: 1.0,
            scene: None,
            output: OutputArgs::default(),
            quick: false,
            step: false,
            predict: false,
        }
    }
}

#[derive(Args)]
struct TraceArgs {
    /// The script and its arguments (with -m: the module's arguments)
    #[arg(value_name = "SCRIPT.py [ARGS]", trailing_var_arg = true, allow_hyphen_values = true)]
    command: Vec<std::ffi::OsString>,

    /// Run a module, as `python3 -m MODULE`
    #[arg(short = 'm', value_name = "MODULE")]
    module: Option<String>,

    /// The Python to run (3.8 or newer) [default: python3 on PATH]
    #[arg(long, value_name = "PATH")]
    python: Option<PathBuf>,

    /// Seconds without progress before a wait is judged a hang
    #[arg(long, value_name = "SECS", default_value_t = 2.0, value_parser = parse_secs)]
    hang_after: f64,

    /// After explaining a hang, leave the program hanging until Ctrl-C
    #[arg(long)]
    keep_waiting: bool,

    /// Write an example program to this folder: `list` names them
    #[arg(long, value_name = "NAME")]
    example: Option<String>,

    #[command(flatten)]
    output: OutputArgs,
}

/// Why the command failed.
enum Failure {
    /// The user asked for something that cannot be: exit status 2.
    Usage(String),
    /// The lesson failed while running: exit status 1.
    Run(anyhow::Error),
    /// The learner quit at a pause: exit status 0, or 130 for Ctrl-C.
    Quit(Quit),
}

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
        Some(Command::Man) => page(manual::man(Cli::command(), &mut io::stdout())),
    }
}

fn run_lesson(args: LessonArgs, paint: Paint) -> Result<(), Failure> {
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

/// `trace`: the learner's own program (or `--example`).
fn run_trace(args: TraceArgs, paint: Paint) -> Result<(), Failure> {
    use concur_tutor::trace::{self, examples};
    let usage = |text: String| Failure::Usage(i18n::tr(&text));
    if let Some(name) = &args.example {
        if name == "list" {
            for e in examples::ALL {
                println!("  {:<18} {:<22} {}", e.name, e.file, i18n::tr(e.about));
            }
            return Ok(());
        }
        let example = examples::find(name).map_err(usage)?;
        examples::write(example, std::path::Path::new("."))
            .map_err(|err| usage(format!("cannot write {}: {err}", example.file)))?;
        println!(
            "{}",
            i18n::tr(&format!("wrote {}: trace it with: concur-tutor trace {}", example.file, example.file))
        );
        return Ok(());
    }
    let mut command = args.command.into_iter();
    let target = match args.module {
        Some(module) => trace::Target::Module(module),
        None => match command.next() {
            Some(script) if std::path::Path::new(&script).is_file() => trace::Target::Script(script.into()),
            Some(script) => return Err(usage(format!("no such script: {}", script.to_string_lossy()))),
            None => return Err(usage("name a script to trace (or -m MODULE, or --example list)".into())),
        },
    };
    let python = trace::find_python(args.python.as_deref()).map_err(usage)?;
    let mut sink = args.output.sinks("concur-tutor trace", paint.is_on()).map_err(Failure::Usage)?;
    let options = trace::Options {
        target,
        args: command.collect(),
        python,
        hang_after: args.hang_after,
        keep_waiting: args.keep_waiting,
    };
    match trace::run(&options, sink.as_mut()) {
        Ok(outcome) => std::process::exit(outcome.exit_code()),
        Err(err) if err.is::<trace::Closed>() => std::process::exit(0),
        Err(err) => Err(Failure::Run(err)),
    }
}

/// `replay`: a saved run through the same sinks as a live one.
fn run_replay(args: ReplayArgs, paint: Paint) -> Result<(), Failure> {
    let name = args.file.display();
    let text = std::fs::read_to_string(&args.file)
        .map_err(|err| Failure::Usage(i18n::tr(&format!("cannot read {name}: {err}"))))?;
    let run = Run::read(&text)
        .map_err(|err| Failure::Usage(i18n::tr(&format!("{name} is not a saved run: {err}"))))?;
    if !run.unknown_kinds.is_empty() {
        let kinds = run.unknown_kinds.join(", ");
        eprintln!(
            "concur-tutor: {}",
            i18n::tr(&format!("passed over events of kinds this version does not know: {kinds}"))
        );
    }
    let lesson = run.lesson().and_then(|id| catalogue::find(id).ok());
    let title = match lesson {
        Some(lesson) => format!("concur-tutor {}: {}", lesson.id, lesson.title),
        None => format!("concur-tutor replay {name}"),
    };
    let mut sink = args.output.sinks(&title, paint.is_on()).map_err(Failure::Usage)?;
    if let (Some(lesson), false) = (lesson, args.output.json) {
        page(render::print_header(lesson, args.speed, paint))?;
    }
    let pace = Pace { speed: (!args.no_wait).then_some(args.speed), step: args.step };
    match replay::play(&run, sink.as_mut(), pace) {
        Ok(()) => {}
        Err(Stopped::Quit(quit)) => {
            eprintln!(
                "
concur-tutor: {}",
                i18n::tr("quit at a pause")
            );
            return Err(Failure::Quit(quit));
        }
        Err(Stopped::Output(err)) => return page(Err(err)),
    }
    if let (Some(lesson), false) = (lesson, args.output.json) {
        page(render::print_reading(lesson, paint))?;
    }
    Ok(())
}

/// The menu, until the user quits: each lesson chosen runs as the menu was
/// set (speed, one scene, pauses or questions); after it, Enter brings the
/// menu back and n runs the next lesson the same way. Quitting at a pause
/// comes back to the menu.
fn run_menu(paint: Paint) -> Result<(), Failure> {
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
fn show(lesson: &catalogue::Lesson, paint: Paint) -> Result<(), Failure> {
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

/// The remembered progress; a damaged file is reported, and treated as empty.
fn load_progress() -> Progress {
    let (progress, warning) = Progress::load();
    if let Some(warning) = warning {
        eprintln!("concur-tutor: {warning}");
    }
    progress
}

/// A page written to a stdout that closed early (`| head`) ends quietly.
fn page(result: io::Result<()>) -> Result<(), Failure> {
    match result {
        Err(err) if err.kind() == io::ErrorKind::BrokenPipe => stage::exit_quietly(0),
        Err(err) => Err(Failure::Run(anyhow::anyhow!("cannot write output: {err}"))),
        Ok(()) => Ok(()),
    }
}

/// The speeds that keep a lesson true. A lesson's tightest margins are 1 s
/// (`p1.join(6)` on a 5 s child): at 100 that is 10 ms of real time, and
/// join-daemon's first scene kept its order in 30 runs of 30 at 100 and 200 on
/// an idle machine, but only 14 of 30 at 500. Below 0.05, a 10 s sleep would
/// last minutes.
const SPEEDS: std::ops::RangeInclusive<f64> = 0.05..=100.0;

/// `--speed` must be a number in [`SPEEDS`].
fn parse_speed(text: &str) -> Result<f64, String> {
    let speed: f64 =
        text.parse().map_err(|_| format!("'{text}' is not a number (try 2, or 0.5 to slow down)"))?;
    if !SPEEDS.contains(&speed) {
        return Err(format!(
            "the speed must be between {} and {}: faster, a lesson's 1 s gaps last under 10 ms and the \
             order it shows is no longer sure (try 2, or 0.5 to slow down)",
            SPEEDS.start(),
            SPEEDS.end()
        ));
    }
    Ok(speed)
}

/// `--hang-after` must be a positive, finite number of seconds.
fn parse_secs(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(secs) if secs.is_finite() && secs > 0.0 => Ok(secs),
        _ => Err(format!("'{text}' is not a positive number of seconds (try 2, or 0.5)")),
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
