//! The command's documentation outside `--help`: the shell completion scripts
//! (`completions bash|zsh|fish`) and the manual page (`man`), both made from
//! the command line's own definition, with what clap cannot know added: the
//! lesson ids to complete, the keys, the environment, the files, the exit
//! statuses and the examples.

use std::io::{self, Write};

use clap::builder::{PossibleValue, PossibleValuesParser};
use clap::{Arg, Command};
use clap_complete::Shell;
use clap_mangen::roff::{bold, italic, roman, Inline, Roff};

use crate::catalogue;

/// The program's name, as the shell knows it.
pub const NAME: &str = "concur-tutor";

/// The examples, each a command line and what it does: `--help` lists them,
/// and so does the manual page.
pub const EXAMPLES: &[(&str, &str)] = &[
    ("concur-tutor", "on a terminal: a menu of every lesson"),
    ("concur-tutor list", "every lesson, by chapter"),
    ("concur-tutor lesson join-daemon", "run a lesson at the notes' own pace"),
    ("concur-tutor lesson join-daemon --speed 5", "five times faster; timestamps stay in lesson time"),
    ("concur-tutor lesson join-daemon --scene 2", "only the second scene"),
    ("concur-tutor lesson deadlock --step", "pause before each explanation (for a class)"),
    ("concur-tutor lesson deadlock --brief --theme light", "notes without details, for a projector"),
    ("concur-tutor quiz join-daemon", "predict each scene, judged by what the run does"),
    ("concur-tutor lesson join-daemon --json", "the run as NDJSON events, one per line"),
    ("concur-tutor lesson join-daemon --svg t.svg", "the timelines as an SVG picture, for slides"),
    ("concur-tutor lesson deadlock --save d.ndjson", "keep the run, to show it again in class"),
    ("concur-tutor replay d.ndjson --step", "the saved run, paused before each explanation"),
    ("concur-tutor lesson deadlock --trace-out d.json", "the run for Perfetto (ui.perfetto.dev)"),
    ("concur-tutor --lang zh lesson join-daemon", "in Chinese (also when LANG says zh_CN…)"),
    ("concur-tutor show join-daemon", "the Python idioms and the Rust that runs"),
    ("concur-tutor progress", "the lessons you ran to the end, your quiz scores"),
    ("concur-tutor explore adders", "every order the notes' race can run in, counted"),
    ("concur-tutor explore two-locks --play", "be the scheduler: get both threads stuck"),
    ("concur-tutor trace my_script.py", "your own Python, lane by lane; hangs explained"),
    ("concur-tutor trace --example list", "Python programs to trace (and edit)"),
    ("concur-tutor practice init", "./concur-practice/: fix-it exercises, judged by their runs"),
];

/// The examples as `--help` shows them: each command line on a line of its
/// own, what it does indented under it, so that no line is broken.
pub fn examples_help() -> String {
    let mut help = String::from("Examples:");
    for (command, what) in EXAMPLES {
        help.push_str(&format!("\n  {command}\n      {what}"));
    }
    help
}

/// The commands whose argument is a lesson id.
const ID_COMMANDS: [&str; 3] = ["lesson", "show", "quiz"];

/// `cmd` with the lesson ids as the values of every lesson id argument, each
/// with its title: the completion scripts offer them. Only the scripts see
/// this: the parser itself keeps its own message for an unknown id, with its
/// suggestion.
fn with_lesson_ids(cmd: Command) -> Command {
    let ids: Vec<PossibleValue> =
        catalogue::all().iter().map(|l| PossibleValue::new(l.id.as_str()).help(l.title.clone())).collect();
    let mut cmd = cmd;
    for name in ID_COMMANDS {
        let ids = ids.clone();
        cmd = cmd.mut_subcommand(name, |sub| {
            sub.mut_arg("id", |id| id.value_parser(PossibleValuesParser::new(ids)))
        });
    }
    cmd
}

/// Writes the completion script for `shell`.
///
/// # Errors
/// Writing to `out` failed.
pub fn completions(shell: Shell, cmd: Command, out: &mut dyn Write) -> io::Result<()> {
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut with_lesson_ids(cmd), NAME, &mut script);
    let mut script = String::from_utf8_lossy(&script).into_owned();
    if shell == Shell::Bash {
        // clap_complete 4.6 spells a hyphenated name's state two ways in its
        // bash script (clap-rs/clap#6421): the loop sets `concur__tutor__subcmd__lesson`,
        // the cases test `concur__subcmd__tutor__subcmd__lesson`, so nothing after the
        // first word ever completed. One spelling makes them meet.
        script = script.replace("concur__subcmd__tutor", "concur__tutor");
    }
    if shell == Shell::Fish {
        // clap_complete's fish script completes no positional argument: the ids.
        for command in ID_COMMANDS {
            for lesson in catalogue::all() {
                let title = lesson.title.replace('\\', "\\\\").replace('\'', "\\'");
                script.push_str(&format!(
                    "complete -c {NAME} -n \"__fish_concur_tutor_using_subcommand {command}\" -f -a \"{}\" -d '{title}'\n",
                    lesson.id
                ));
            }
        }
    }
    out.write_all(script.as_bytes())
}

/// Writes the manual page, in roff.
///
/// # Errors
/// Writing to `out` failed.
pub fn man(cmd: Command, out: &mut dyn Write) -> io::Result<()> {
    let mut cmd = cmd;
    cmd.build();
    let mut page = Roff::new();
    let version = cmd.get_version().unwrap_or_default().to_string();
    page.control("TH", ["CONCUR-TUTOR", "1", "", &format!("{NAME} {version}"), "User Commands"]);

    page.control("SH", ["NAME"]);
    page.text([roman(format!("{NAME} - a tutor that teaches concurrency by running it"))]);

    page.control("SH", ["SYNOPSIS"]);
    page.text([
        bold(NAME),
        roman(" ["),
        italic("global options"),
        roman("] ["),
        italic("command"),
        roman("]"),
    ]);

    page.control("SH", ["DESCRIPTION"]);
    let about = cmd.get_long_about().or(cmd.get_about()).map(ToString::to_string).unwrap_or_default();
    page.text([roman(about)]);
    page.control("PP", []);
    page.text([roman(
        "Each lesson re-creates an idiom from Python's multiprocessing and threading in Rust (real fork, \
         pipes, signals, locks and threads) and narrates what happened, lane by lane, with real pids and \
         times. Without a command, on a terminal, it opens a menu of every lesson; elsewhere it lists them.",
    )]);

    page.control("SH", ["GLOBAL OPTIONS"]);
    for arg in cmd.get_arguments().filter(|a| shown(a)) {
        option(&mut page, arg);
    }

    page.control("SH", ["COMMANDS"]);
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set() && s.get_name() != "help") {
        let usage = sub.clone().render_usage().to_string();
        let usage = usage.trim().trim_start_matches("Usage:").trim().to_string();
        page.control("SS", [usage.as_str()]);
        let about = sub.get_long_about().or(sub.get_about()).map(ToString::to_string).unwrap_or_default();
        page.text([roman(about)]);
        let args: Vec<&Arg> = sub.get_arguments().filter(|a| shown(a) && !a.is_global_set()).collect();
        for arg in args {
            option(&mut page, arg);
        }
    }

    page.control("SH", ["KEYS"]);
    tagged(&mut page, KEYS);

    page.control("SH", ["ENVIRONMENT"]);
    tagged(&mut page, ENVIRONMENT);

    page.control("SH", ["FILES"]);
    page.control("TP", []);
    page.text([italic("$XDG_STATE_HOME/concur-tutor/progress.json")]);
    page.text([roman(
        "The lessons run to the end, the quiz scores and the practice exercises solved (by default under \
         ~/.local/state). `concur-tutor progress' shows it, `concur-tutor progress --reset' forgets it; a \
         damaged file is reported and replaced. Nothing else is written, except the files named by --svg, \
         --trace-out and --save, and ./concur-practice/ (made by `concur-tutor practice init': a solved \
         exercise's solution beside it, a reset one's old file kept as NAME.py.~1~).",
    )]);

    page.control("SH", ["EXIT STATUS"]);
    tagged(&mut page, EXIT_STATUS);

    page.control("SH", ["EXAMPLES"]);
    for (command, what) in EXAMPLES {
        page.control("TP", []);
        // No adjusting and no hyphenation: a command line is never broken.
        page.control("nh", []);
        page.text([bold(*command)]);
        page.control("hy", []);
        page.text([roman(*what)]);
    }
    page.to_writer(out)
}

/// Tagged paragraphs: each tag in bold, its text under it.
fn tagged(page: &mut Roff, entries: &[(&str, &str)]) {
    for (tag, text) in entries {
        page.control("TP", []);
        page.text([bold(*tag)]);
        page.text([roman(*text)]);
    }
}

/// Whether an argument belongs in the manual: not clap's own help and version.
fn shown(arg: &Arg) -> bool {
    !arg.is_hide_set() && !matches!(arg.get_id().as_str(), "help" | "version")
}

/// One argument as a tagged paragraph: its flags and value, then its help,
/// its values, its default.
fn option(page: &mut Roff, arg: &Arg) {
    let mut tag: Vec<Inline> = Vec::new();
    let value = arg.get_value_names().and_then(|v| v.first()).map(|v| v.to_string());
    if arg.is_positional() {
        tag.push(italic(value.unwrap_or_else(|| arg.get_id().to_string().to_uppercase())));
    } else {
        if let Some(short) = arg.get_short() {
            tag.push(bold(format!("-{short}")));
            tag.push(roman(", "));
        }
        if let Some(long) = arg.get_long() {
            tag.push(bold(format!("--{long}")));
        }
        if arg.get_action().takes_values() {
            tag.push(roman(" "));
            tag.push(italic(value.unwrap_or_else(|| "VALUE".to_string())));
        }
    }
    page.control("TP", []);
    page.text(tag);
    let help = arg.get_long_help().or(arg.get_help()).map(ToString::to_string).unwrap_or_default();
    let mut body = vec![roman(help)];
    let values: Vec<String> = arg
        .get_possible_values()
        .iter()
        .filter(|v| !v.is_hide_set())
        .map(|v| v.get_name().to_string())
        .collect();
    if !values.is_empty() && !arg.is_positional() {
        body.push(roman(format!(" (one of: {})", values.join(", "))));
    }
    let defaults: Vec<String> =
        arg.get_default_values().iter().map(|v| v.to_string_lossy().into_owned()).collect();
    // A switch's default (false) says nothing.
    if !defaults.is_empty() && arg.get_action().takes_values() {
        body.push(roman(format!(" [default: {}]", defaults.join(", "))));
    }
    page.text(body);
}

/// The keys of the interactive screens.
const KEYS: &[(&str, &str)] = &[
    ("Up, Down, j, k, g, G", "In the menu: move to the previous, next, first or last lesson."),
    (
        "Enter",
        "In the menu: run the selected lesson. At a pause (--step): go on. After a lesson: back to the menu.",
    ),
    ("p", "In the menu: run the selected lesson with a pause before each explanation (as --step)."),
    ("a", "In the menu: run it in predict mode, a question before each scene (as --predict)."),
    ("s", "In the menu: show its Python and the Rust that runs (as show)."),
    ("/", "In the menu: filter the lessons by id, title or summary; Enter or Esc ends the filter."),
    ("Space", "At a pause (--step): go on."),
    ("1, 2, 3 ...", "At a question (--predict, quiz): the number of your answer."),
    (
        "q, Esc",
        "Quit the menu, or quit a lesson at a pause: every process the lesson started is killed and reaped.",
    ),
    ("Ctrl-C", "End the lesson at any moment; everything it started is killed and reaped (exit status 130)."),
];

/// The environment variables read.
const ENVIRONMENT: &[(&str, &str)] = &[
    (
        "LC_ALL, LC_MESSAGES, LANG",
        "The first that is set chooses the language when --lang is not given: one starting with zh chooses Chinese.",
    ),
    (
        "LC_ALL, LC_CTYPE, LANG",
        "A charset other than UTF-8 (LANG=C, en_US.ISO-8859-1) draws every symbol in ASCII.",
    ),
    ("TERM", "dumb turns colour off and draws every symbol in ASCII."),
    ("NO_COLOR", "When set and not empty, no colour (unless --color always)."),
    ("COLORFGBG", "Read by --theme auto for the terminal's background (15;0 is white on black)."),
    (
        "COLUMNS",
        "The width to wrap at when stdout is not a terminal (else the width of the terminal on stderr, else 100).",
    ),
    ("PAGER", "The pager that show's pages go through on a terminal (else less, keeping colours)."),
    ("XDG_STATE_HOME, HOME", "Where the progress file is kept (see FILES)."),
];

/// The exit statuses.
const EXIT_STATUS: &[(&str, &str)] = &[
    ("0", "Done, or quit at a pause or in the menu."),
    ("1", "The lesson failed while running (a system limit was reached, an output could not be written); `practice check': not solved yet."),
    ("2", "The command line asked for something that cannot be (an unknown lesson, a bad value): one error line."),
    ("130", "Interrupted by Ctrl-C (SIGINT); 128 + N for another signal N (143 for SIGTERM)."),
];
