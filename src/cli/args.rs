//! What the command line accepts: the commands and their options, parsed by
//! clap, with the checks of the values that need more than a type.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use concur_tutor::i18n::Lang;
use concur_tutor::output::OutputArgs;
use concur_tutor::render::theme::Theme;
use concur_tutor::render::ColorChoice;
use concur_tutor::{explore, manual, practice};

/// A tutor that teaches concurrency by running it: real processes, pipes, locks
/// and threads, narrated lane by lane, each lesson mirroring Python's
/// multiprocessing and threading.
#[derive(Parser)]
#[command(name = "concur-tutor", version, after_help = manual::examples_help())]
pub(crate) struct Cli {
    /// When to use colour
    #[arg(long, value_enum, value_name = "WHEN", default_value_t = ColorChoice::Auto, global = true)]
    pub(crate) color: ColorChoice,

    /// The terminal's background, for colours readable on it (light: a white
    /// background or a projector)
    #[arg(long, value_enum, value_name = "THEME", default_value_t = Theme::Auto, global = true)]
    pub(crate) theme: Theme,

    /// The language of the tutor's words (this help stays English) [default:
    /// zh when LC_ALL, LC_MESSAGES or LANG starts with zh, else en]
    #[arg(long, value_enum, value_name = "LANG", global = true)]
    pub(crate) lang: Option<Lang>,

    #[command(subcommand)]
    pub(crate) command: Option<Command>,
}

#[derive(Subcommand)]
pub(crate) enum Command {
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
    /// Fix-it exercises in Python, judged by what the fixed program really does
    Practice(practice::Args),
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
pub(crate) struct LessonArgs {
    /// The lesson id (see `concur-tutor list`)
    pub(crate) id: String,

    /// Run X times faster (0.05 to 100): every sleep and timeout is divided by X,
    /// and timestamps are still shown in the notes' own seconds
    #[arg(long, value_name = "X", default_value_t = 1.0, value_parser = parse_speed, allow_negative_numbers = true)]
    pub(crate) speed: f64,

    /// Run only scene N (scenes are numbered from 1)
    #[arg(long, value_name = "N")]
    pub(crate) scene: Option<usize>,

    #[command(flatten)]
    pub(crate) output: OutputArgs,

    /// Measurement lessons (gil, costs) use a smaller job and fewer repetitions
    #[arg(long)]
    pub(crate) quick: bool,

    /// Pause before each explanation and at each scene start; Enter goes on, q
    /// quits. The whole lesson pauses (children, threads, the clock), so it
    /// tells the same story however long the pause
    #[arg(long, conflicts_with = "json")]
    pub(crate) step: bool,

    /// Before each scene, predict what it will do (a number key); the answer is
    /// judged by what this run then does
    #[arg(long, conflicts_with = "json")]
    pub(crate) predict: bool,
}

#[derive(Args)]
pub(crate) struct ReplayArgs {
    /// The saved run: NDJSON events, one per line
    pub(crate) file: PathBuf,

    /// Replay X times faster than it was recorded
    #[arg(long, value_name = "X", default_value_t = 1.0, value_parser = parse_speed, allow_negative_numbers = true)]
    pub(crate) speed: f64,

    /// Show it all at once, without waiting
    #[arg(long, conflicts_with = "speed")]
    pub(crate) no_wait: bool,

    /// Pause before each explanation and at each scene start; Enter goes on, q quits
    #[arg(long, conflicts_with = "json")]
    pub(crate) step: bool,

    #[command(flatten)]
    pub(crate) output: OutputArgs,
}

impl LessonArgs {
    /// Every scene of lesson `id`, at the notes' own pace, human output, no pauses.
    pub(crate) fn at_notes_pace(id: String) -> LessonArgs {
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
pub(crate) struct TraceArgs {
    /// The script and its arguments (with -m: the module's arguments)
    #[arg(value_name = "SCRIPT.py [ARGS]", trailing_var_arg = true, allow_hyphen_values = true)]
    pub(crate) command: Vec<std::ffi::OsString>,

    /// Run a module, as `python3 -m MODULE`
    #[arg(short = 'm', value_name = "MODULE")]
    pub(crate) module: Option<String>,

    /// The Python to run (3.8 or newer) [default: python3 on PATH]
    #[arg(long, value_name = "PATH")]
    pub(crate) python: Option<PathBuf>,

    /// Seconds without progress before a wait is judged a hang
    #[arg(long, value_name = "SECS", default_value_t = 2.0, value_parser = parse_secs)]
    pub(crate) hang_after: f64,

    /// After explaining a hang, leave the program hanging until Ctrl-C
    #[arg(long)]
    pub(crate) keep_waiting: bool,

    /// Write an example program to this folder: `list` names them
    #[arg(long, value_name = "NAME")]
    pub(crate) example: Option<String>,

    #[command(flatten)]
    pub(crate) output: OutputArgs,
}

/// The speeds that keep a lesson true. A lesson's tightest margins are 1 s
/// (`p1.join(6)` on a 5 s child): at 100 that is 10 ms of real time, and
/// join-daemon's first scene kept its order in 30 runs of 30 at 100 and 200 on
/// an idle machine, but only 14 of 30 at 500. Below 0.05, a 10 s sleep would
/// last minutes.
pub(crate) const SPEEDS: std::ops::RangeInclusive<f64> = 0.05..=100.0;

/// `--speed` must be a number in [`SPEEDS`].
pub(crate) fn parse_speed(text: &str) -> Result<f64, String> {
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
pub(crate) fn parse_secs(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(secs) if secs.is_finite() && secs > 0.0 => Ok(secs),
        _ => Err(format!("'{text}' is not a positive number of seconds (try 2, or 0.5)")),
    }
}
