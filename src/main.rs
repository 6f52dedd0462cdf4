//! The `concur-tutor` command line: parse, dispatch, and turn every failure into
//! one clear line on stderr with the conventional exit status.

use std::io::{self, IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use clap::error::{ContextKind, ContextValue, ErrorKind};
use clap::{Args, CommandFactory, Parser, Subcommand};

use concur_tutor::events::{Sink, Tee};
use concur_tutor::i18n::{self, Lang};
use concur_tutor::menu::{self, Choice, Menu};
use concur_tutor::progress::{self, Progress};
use concur_tutor::render::svg::SvgFile;
use concur_tutor::render::{self, ColorChoice, FileAtEnd, Human, Json, Localised, Paint, Timelines};
use concur_tutor::stage::{self, Clock, Quit, Recorder, Stage};
use concur_tutor::{catalogue, lessons, text};

const EXAMPLES: &str = "\
Examples:
  concur-tutor list                           every lesson, by chapter
  concur-tutor lesson join-daemon             run a lesson at the notes' own pace
  concur-tutor lesson join-daemon --speed 5   five times faster; timestamps stay in lesson time
  concur-tutor lesson join-daemon --scene 2   only the second scene
  concur-tutor lesson join-daemon --json      the run as NDJSON events, one per line
  concur-tutor lesson join-daemon --svg t.svg the timelines as an SVG picture, for slides
  concur-tutor --lang zh lesson join-daemon   in Chinese (also when LANG says zh_CN…)
  concur-tutor show join-daemon               the Python idioms and the Rust that runs
  concur-tutor lesson deadlock --step         pause before each explanation (for a class)
  concur-tutor quiz join-daemon               predict each scene, judged by what the run does
  concur-tutor progress                       the lessons you ran to the end, your quiz scores
  concur-tutor trace my_script.py             your own Python, lane by lane; hangs explained
  concur-tutor trace --example list           Python programs to trace (and edit)
  concur-tutor                                on a terminal: a menu of every lesson";

/// A tutor that teaches concurrency by running it: real processes, pipes, locks
/// and threads, narrated lane by lane, each lesson mirroring Python's
/// multiprocessing and threading.
#[derive(Parser)]
#[command(name = "concur-tutor", version, after_help = EXAMPLES)]
struct Cli {
    /// When to use colour
    #[arg(long, value_enum, value_name = "WHEN", default_value_t = ColorChoice::Auto, global = true)]
    color: ColorChoice,

    /// The language of the tutor's words [default: zh when LC_ALL, LC_MESSAGES
    /// or LANG starts with zh, else en]
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
    /// Show a lesson's Python idioms and the Rust source that runs in their place
    Show {
        /// The lesson id (see `concur-tutor list`)
        id: String,
    },
    /// Run a lesson in predict mode: `lesson <id> --predict`
    Quiz {
        /// The lesson id (see `concur-tutor list`)
        id: String,
    },
    /// What you have done: lessons run to the end, quizzes answered
    Progress {
        /// Forget it all
        #[arg(long)]
        reset: bool,
    },
    /// Run your own Python program, shown lane by lane, its hangs explained as they happen
    Trace(TraceArgs),
    /// Print a shell completion script (e.g. `concur-tutor completions bash > ~/.local/share/bash-completion/completions/concur-tutor`)
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

    /// Run X times faster: every sleep and timeout is divided by X, and timestamps
    /// are still shown in the notes' own seconds
    #[arg(long, value_name = "X", default_value_t = 1.0, value_parser = parse_speed, allow_negative_numbers = true)]
    speed: f64,

    /// Run only scene N (scenes are numbered from 1)
    #[arg(long, value_name = "N")]
    scene: Option<usize>,

    #[command(flatten)]
    out: Outputs,

    /// Measurement lessons (gil, costs) use a smaller job and fewer repetitions
    #[arg(long)]
    quick: bool,

    /// Pause before each explanation and at each scene start; Enter goes on, q
    /// quits. Only main stops: children and threads run on and their lines
    /// appear as they happen, so every timestamp stays the time it happened
    #[arg(long, conflicts_with = "json")]
    step: bool,

    /// Before each scene, predict what it will do (a number key); the answer is
    /// judged by what this run then does
    #[arg(long, conflicts_with = "json")]
    predict: bool,
}

impl LessonArgs {
    /// Every scene of lesson `id`, at the notes' own pace, human output, no pauses.
    fn at_notes_pace(id: String) -> LessonArgs {
        LessonArgs {
            id,
            speed: 1.0,
            scene: None,
            out: Outputs { json: false, no_timeline: false, svg: None },
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
    #[arg(long, value_name = "SECS", default_value_t = 2.0, value_parser = parse_speed)]
    hang_after: f64,

    /// After explaining a hang, leave the program hanging until Ctrl-C
    #[arg(long)]
    keep_waiting: bool,

    /// Write an example program to this folder: `list` names them
    #[arg(long, value_name = "NAME")]
    example: Option<String>,

    #[command(flatten)]
    out: Outputs,
}

/// Where a run's events go, for `lesson` and `trace` alike.
#[derive(Args)]
struct Outputs {
    /// Print the run as NDJSON events on stdout, one per line, and nothing else
    #[arg(long)]
    json: bool,

    /// Do not draw a timeline of the lanes after each scene
    #[arg(long)]
    no_timeline: bool,

    /// Also write the timelines to FILE as an SVG picture (lanes, bars, key
    /// moments, a time axis, a legend)
    #[arg(long, value_name = "FILE")]
    svg: Option<PathBuf>,
}

impl Outputs {
    /// The sinks asked for; an SVG file that cannot be written is known now, before the run.
    fn sinks(&self, paint: Paint, title: String) -> Result<Vec<Box<dyn Sink>>, Failure> {
        let svg = match &self.svg {
            Some(path) => Some(FileAtEnd::create(path).map_err(|err| {
                Failure::Usage(i18n::tr(&format!("cannot write --svg {}: {err}", path.display())))
            })?),
            None => None,
        };
        let mut sinks: Vec<Box<dyn Sink>> = Vec::new();
        if self.json {
            sinks.push(Box::new(Json));
        } else {
            let timelines = (!self.no_timeline).then(|| Timelines { unicode: render::unicode() });
            sinks.push(Box::new(Human::new(paint.is_on(), text::width(), timelines)));
        }
        if let Some(file) = svg {
            sinks.push(Box::new(SvgFile::new(file, title)));
        }
        Ok(sinks)
    }
}

/// Why the command failed.
enum Failure {
    /// The user asked for something that cannot be: exit status 2.
    Usage(String),
    /// The lesson failed while running: exit status 1.
    Run(anyhow::Error),
}

fn main() -> ExitCode {
    stage::record_start_up();
    // A spawned child: this program started again to run one lesson entry. Not
    // a command for people, so it is kept out of the parser, the help and the
    // completions.
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    if args.len() == 3 && args[1] == stage::HIDDEN_COMMAND {
        let order = args[2].to_string_lossy();
        let Err(err) = stage::run_spawned(&order, lessons::ENTRIES);
        eprintln!("error: {err:#}");
        return ExitCode::from(2);
    }
    // A panic, too, gives the terminal back before it reports.
    let report = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        stage::terminal::restore();
        report(info);
    }));
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) => return parse_failure(err),
    };
    i18n::set(cli.lang.unwrap_or_else(i18n::from_env));
    match dispatch(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::Usage(message)) => {
            eprintln!("error: {message}");
            ExitCode::from(2)
        }
        Err(Failure::Run(err)) => {
            eprintln!("error: {err:#}");
            ExitCode::from(1)
        }
    }
}

fn dispatch(cli: Cli) -> Result<(), Failure> {
    let paint = Paint::new(cli.color.enabled());
    match cli.command {
        None if stage::terminal::is_interactive() && io::stdout().is_terminal() => run_menu(paint),
        None => {
            page(render::print_list(paint, text::width(), &load_progress()))?;
            eprintln!(
                "\n{}",
                i18n::tr("Run a lesson with: concur-tutor lesson <id>   (all commands: concur-tutor --help)")
            );
            Ok(())
        }
        Some(Command::List { json: true }) => page(render::print_list_json(&load_progress())),
        Some(Command::List { json: false }) => {
            page(render::print_list(paint, text::width(), &load_progress()))
        }
        Some(Command::Progress { reset: true }) => {
            Progress::reset()
                .map_err(|err| Failure::Run(anyhow::anyhow!("could not reset progress: {err}")))?;
            println!("{}", i18n::tr("Progress forgotten."));
            Ok(())
        }
        Some(Command::Progress { reset: false }) => page(render::print_progress(&load_progress(), paint)),
        Some(Command::Show { id }) => {
            let lesson = catalogue::find(&id).map_err(|err| Failure::Usage(err.to_string()))?;
            page(render::print_show(lesson, paint))
        }
        Some(Command::Lesson(args)) => run_lesson(args, paint),
        Some(Command::Quiz { id }) => {
            run_lesson(LessonArgs { predict: true, ..LessonArgs::at_notes_pace(id) }, paint)
        }
        Some(Command::Completions { shell }) => {
            let mut script = Vec::new();
            clap_complete::generate(shell, &mut Cli::command(), "concur-tutor", &mut script);
            page(io::stdout().write_all(&script))
        }
        Some(Command::Trace(args)) => run_trace(args, paint),
        Some(Command::Man) => page(clap_mangen::Man::new(Cli::command()).render(&mut io::stdout())),
    }
}

fn run_lesson(args: LessonArgs, paint: Paint) -> Result<(), Failure> {
    let lesson = catalogue::find(&args.id).map_err(|err| Failure::Usage(err.to_string()))?;
    let program = lessons::program(&lesson.id);
    if let Some(n) = args.scene {
        if !(1..=lesson.scenes.len()).contains(&n) {
            return Err(Failure::Usage(i18n::tr(&format!(
                "--scene {n} is out of range: '{}' has scenes 1 to {}",
                lesson.id,
                lesson.scenes.len()
            ))));
        }
    }
    // A file that cannot be written is known before the lesson runs.
    let sinks = args.out.sinks(paint, format!("concur-tutor {}: {}", lesson.id, lesson.title))?;
    stage::install_interrupt_handlers();
    if !args.out.json {
        page(render::print_header(lesson, args.speed, paint))?;
    }
    let sink = Box::new(Localised::new(Tee(sinks)));
    let mut stage = Stage::new(Clock::start(args.speed), Arc::new(Recorder::new(sink)));
    stage.set_quick(args.quick);
    stage.set_step(args.step);
    stage.set_predict(args.predict);
    let quiz = match lessons::run(&mut stage, lesson, program, args.scene) {
        Ok(quiz) => quiz,
        Err(err) => match err.downcast::<Quit>() {
            Ok(quit) => {
                drop(stage);
                eprintln!("concur-tutor: {}", i18n::tr(&quit.to_string()));
                stage::exit_quietly(if quit.interrupted { 130 } else { 0 });
            }
            Err(err) => return Err(Failure::Run(err)),
        },
    };
    drop(stage);
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
    if !args.out.json {
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
    let mut sink = Localised::new(Tee(args.out.sinks(paint, "concur-tutor trace".to_string())?));
    let options = trace::Options {
        target,
        args: command.collect(),
        python,
        hang_after: args.hang_after,
        keep_waiting: args.keep_waiting,
    };
    match trace::run(&options, &mut sink) {
        Ok(outcome) => std::process::exit(outcome.exit_code()),
        Err(err) if err.is::<trace::Closed>() => std::process::exit(0),
        Err(err) => Err(Failure::Run(err)),
    }
}

/// The menu, until the user quits: each lesson chosen runs at the notes' own
/// pace, and Enter brings the menu back.
fn run_menu(paint: Paint) -> Result<(), Failure> {
    stage::install_interrupt_handlers();
    let mut menu = Menu::new();
    loop {
        let choice = menu::choose(&mut menu, &load_progress()).map_err(|err| Failure::Run(err.into()))?;
        let (id, step, predict) = match choice {
            Choice::Quit => return Ok(()),
            Choice::Show(id) => {
                let lesson = catalogue::find(&id).map_err(|err| Failure::Usage(err.to_string()))?;
                page(render::print_show(lesson, paint))?;
                wait_for_enter();
                continue;
            }
            Choice::Run(id) => (id, false, false),
            Choice::Step(id) => (id, true, false),
            Choice::Predict(id) => (id, false, true),
        };
        let args = LessonArgs { step, predict, ..LessonArgs::at_notes_pace(id) };
        if let Err(Failure::Run(err)) = run_lesson(args, paint) {
            eprintln!("error: {err:#}");
        }
        wait_for_enter();
    }
}

/// Waits for Enter, saying so.
fn wait_for_enter() {
    eprint!("\n{}", i18n::tr("Press Enter to return to the menu."));
    let _ = io::stdin().read_line(&mut String::new());
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
        Err(err) => Err(Failure::Run(err.into())),
        Ok(()) => Ok(()),
    }
}

/// `--speed` must be a positive, finite number.
fn parse_speed(text: &str) -> Result<f64, String> {
    let speed: f64 =
        text.parse().map_err(|_| format!("'{text}' is not a number (try 2, or 0.5 to slow down)"))?;
    if !speed.is_finite() || speed <= 0.0 {
        return Err("the speed must be a positive, finite number (try 2, or 0.5 to slow down)".to_string());
    }
    Ok(speed)
}

/// clap's errors, as one line (help and version are printed whole).
fn parse_failure(err: clap::Error) -> ExitCode {
    if matches!(err.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion) {
        let _ = err.print();
        return ExitCode::SUCCESS;
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
