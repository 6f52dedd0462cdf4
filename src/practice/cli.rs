//! `concur-tutor practice`'s command line: `init` makes the workspace, `list`
//! lists the exercises, `check NAME` judges one (its verdict on stdout, in
//! lanes or as NDJSON), and `practice` alone watches the current exercise on
//! a terminal, or checks it once without one.

use std::io::{self, IsTerminal, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::events::{Event, TUTOR};
use crate::i18n::{self, tr};
use crate::output::OutputArgs;
use crate::progress::{self, Progress};
use crate::render::theme::Ink;
use crate::render::Paint;
use crate::trace::{self, Python};

use super::check::{self, Interrupted, Verdict};
use super::workspace::{Workspace, FOLDER};
use super::{find, Exercise, EXERCISES};

/// `concur-tutor practice`'s arguments.
#[derive(clap::Args, Debug)]
#[command(args_conflicts_with_subcommands = true)]
pub struct Args {
    /// What to do; without one, open an exercise and watch it
    #[command(subcommand)]
    pub action: Option<Action>,

    /// The exercise to open [default: the first unsolved one of the lessons you have watched]
    pub exercise: Option<String>,

    /// Check again on Enter instead of on each save (where watching files
    /// cannot work: some network or virtual file systems)
    #[arg(long)]
    pub manual: bool,

    /// The Python to run (3.8 or newer) [default: python3 on PATH]
    #[arg(long, value_name = "PATH", global = true)]
    pub python: Option<PathBuf>,
}

/// What `practice` does.
#[derive(clap::Subcommand, Debug)]
pub enum Action {
    /// Make ./concur-practice/ with a README and every exercise's file (never
    /// over a file that is there)
    Init,
    /// Every exercise, by lesson, with the ones solved
    List {
        /// One JSON object per exercise, per line
        #[arg(long)]
        json: bool,
    },
    /// Run an exercise under trace as many times as its goal needs and say if
    /// it is solved: exit status 0 solved, 1 not yet
    Check(CheckArgs),
}

/// `practice check`'s arguments.
#[derive(clap::Args, Debug)]
pub struct CheckArgs {
    /// The exercise (see `concur-tutor practice list`)
    pub name: String,

    /// Check this file instead of the workspace's NAME.py
    pub file: Option<PathBuf>,

    /// Make N runs instead of the goal's own count (fewer are not recorded as solved)
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=1000))]
    pub runs: Option<u16>,

    /// Where the deciding run's events and the verdict go
    #[command(flatten)]
    pub output: OutputArgs,
}

/// Why `practice` failed.
#[derive(Debug)]
pub enum Failure {
    /// The user asked for something that cannot be (one line, translated): exit status 2.
    Usage(String),
    /// The output could not be written, or a run could not be made.
    Run(anyhow::Error),
    /// The check ended with this exit status (0 solved, 1 not yet, 128 + a signal).
    Exit(i32),
}

impl From<io::Error> for Failure {
    fn from(err: io::Error) -> Failure {
        Failure::Run(err.into())
    }
}

/// One part of the goal in the verdict line.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct FindingLine {
    /// The part of the goal.
    pub need: String,
    /// Whether the deciding run showed it.
    pub ok: bool,
    /// What the run showed.
    pub saw: String,
    /// More of what it showed.
    pub detail: Vec<String>,
}

/// The last line of `practice check --json`: an event of kind `verdict`
/// (with the contract's five fields) carrying the verdict.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct VerdictLine {
    /// When the deciding run ended, in its trace time.
    pub t: f64,
    /// `tutor`.
    pub lane: String,
    /// The tutor's pid.
    pub pid: i32,
    /// `verdict`.
    pub kind: String,
    /// The verdict in a line.
    pub text: String,
    /// The exercise's id.
    pub exercise: String,
    /// Whether it is solved.
    pub solved: bool,
    /// The runs made.
    pub runs: usize,
    /// The runs the check was to make.
    pub planned: usize,
    /// Why that many.
    pub why_runs: String,
    /// The run that decided (from 1).
    pub run: usize,
    /// The goal.
    pub goal: String,
    /// Each part of the goal, and what the deciding run showed.
    pub findings: Vec<FindingLine>,
    /// Whether the solve was recorded in the progress file.
    pub recorded: bool,
}

/// Runs `concur-tutor practice` with `args`.
///
/// # Errors
/// See [`Failure`].
pub fn command(args: Args, paint: Paint) -> Result<(), Failure> {
    let usage = |text: String| Failure::Usage(tr(&text));
    match args.action {
        Some(Action::Init) => init(),
        Some(Action::List { json }) => list(json, paint),
        Some(Action::Check(check)) => {
            let python = trace::find_python(args.python.as_deref()).map_err(usage)?;
            run_check(check, &python, paint)
        }
        None => {
            let progress = load();
            let exercise = match &args.exercise {
                Some(name) => find(name).map_err(usage)?,
                None => super::current(&|id| progress.is_solved(id), &|l| progress.is_completed(l)),
            };
            let python = trace::find_python(args.python.as_deref()).map_err(usage)?;
            let workspace = Workspace::find().ok_or_else(|| {
                usage(format!(
                    "no practice folder here: make one with concur-tutor practice init (it creates ./{FOLDER}/)"
                ))
            })?;
            if crate::terminal::is_interactive() && io::stdout().is_terminal() {
                return super::watch::ui::watch(
                    &workspace,
                    exercise,
                    args.manual,
                    args.python.as_deref(),
                    paint,
                )
                .map_err(Failure::Run);
            }
            let check = CheckArgs {
                name: exercise.id.to_string(),
                file: None,
                runs: None,
                output: OutputArgs::default(),
            };
            run_check(check, &python, paint)
        }
    }
}

/// `practice init`.
fn init() -> Result<(), Failure> {
    let here = std::env::current_dir()?;
    let (workspace, wrote) = Workspace::init(&here)
        .map_err(|err| Failure::Usage(tr(&format!("cannot make ./{FOLDER}/: {err}"))))?;
    let kept = EXERCISES.len() + 2 - wrote.len();
    println!("{}", tr(&format!("{} files written in {}", wrote.len(), workspace.dir.display())));
    if kept > 0 {
        println!("{}", tr(&format!("{kept} files were there already, and are left as they are")));
    }
    println!("{}", tr(&format!("Now: cd {FOLDER} and concur-tutor practice (or practice check NAME)")));
    Ok(())
}

/// `practice list`.
fn list(json: bool, paint: Paint) -> Result<(), Failure> {
    let progress = load();
    let mut out = crate::text::Glyphs(io::stdout().lock());
    if json {
        for e in EXERCISES {
            let line = serde_json::json!({
                "id": e.id,
                "lesson": e.lesson,
                "title": tr(e.title),
                "goal": tr(e.goal),
                "runs": e.runs.most(),
                "solved": progress.is_solved(e.id),
            });
            writeln!(out, "{line}")?;
        }
        return Ok(());
    }
    let solved = EXERCISES.iter().filter(|e| progress.is_solved(e.id)).count();
    writeln!(out, "{}", paint.bold(&tr(&format!("{} exercises, {solved} solved (✓)", EXERCISES.len()))))?;
    let mut lesson = "";
    for e in EXERCISES {
        if e.lesson != lesson {
            lesson = e.lesson;
            writeln!(out, "\n{}", paint.bold(&tr(&format!("lesson {lesson}"))))?;
        }
        let mark = if progress.is_solved(e.id) { paint.ink("✓", Ink::Done) } else { " ".into() };
        writeln!(out, "{mark} {}{}", paint.bold(&crate::text::pad(e.id, 20)), tr(e.title))?;
    }
    writeln!(out)?;
    writeln!(out, "{}", tr("Start with: concur-tutor practice init, then concur-tutor practice"))?;
    Ok(())
}

fn load() -> Progress {
    let (progress, warning) = Progress::load();
    if let Some(warning) = warning {
        eprintln!("concur-tutor: {warning}");
    }
    progress
}

/// `practice check NAME [FILE]`: the runs, the deciding run's events, the verdict.
fn run_check(args: CheckArgs, python: &Python, paint: Paint) -> Result<(), Failure> {
    let usage = |text: String| Failure::Usage(tr(&text));
    let exercise = find(&args.name).map_err(usage)?;
    let workspace = Workspace::find();
    let file = match (&args.file, &workspace) {
        (Some(file), _) => file.clone(),
        (None, Some(ws)) => ws.file(exercise),
        (None, None) => {
            return Err(usage(format!(
                "no practice folder here: make one with concur-tutor practice init, or name the file: \
                 concur-tutor practice check {} FILE",
                exercise.id
            )))
        }
    };
    if !file.is_file() {
        return Err(usage(format!("no such file: {}", file.display())));
    }
    // Named from here, as the learner would type it: the trace says its command.
    let here = std::env::current_dir().unwrap_or_default();
    let file = file.strip_prefix(&here).map(Path::to_path_buf).unwrap_or(file);
    let planned = args.runs.map_or(exercise.runs.most(), usize::from);
    let why = check::why_runs(exercise, planned, args.runs.is_some());
    let json = args.output.json;
    let title = format!("concur-tutor practice check {}", exercise.id);
    let mut sink = args.output.sinks(&title, paint.is_on()).map_err(Failure::Usage)?;
    crate::stage::install_interrupt_handlers();
    let mut each = |number: usize, ok: bool, findings: &[check::Finding]| {
        let missed = findings.iter().find(|f| !f.ok).map_or(String::new(), |f| f.saw.clone());
        let text = match ok {
            true => format!("run {number} of {planned}: it showed the goal"),
            false => format!("run {number} of {planned}: {missed}"),
        };
        if json {
            let line = serde_json::json!({
                "t": 0.0, "lane": TUTOR, "pid": std::process::id(), "kind": "run",
                "text": tr(&text), "run": number, "of": planned, "ok": ok,
            });
            println!("{line}");
        } else if planned > 1 {
            eprintln!("{}", paint.dim(&tr(&text)));
        }
        let _ = io::stdout().flush();
    };
    let verdict = match check::check(exercise, &file, python, planned, why, &mut each) {
        Ok(verdict) => verdict,
        Err(err) => {
            if let Some(Interrupted(signal)) = err.downcast_ref::<Interrupted>() {
                return Err(Failure::Exit(128 + signal));
            }
            return Err(Failure::Run(err));
        }
    };
    for event in &verdict.events {
        sink.event(event)?;
    }
    sink.finish()?;
    // A solve counts when the goal's own number of runs was made on the
    // workspace's own file; then its solution is written beside it.
    let counts = verdict.solved && planned >= exercise.runs.most() && args.file.is_none();
    if counts {
        progress::update(|p| {
            p.solved.insert(exercise.id.to_string());
        });
        if let Some(ws) = &workspace {
            if let Err(err) = ws.write_solution(exercise) {
                eprintln!("concur-tutor: {}", tr(&format!("could not write the solution: {err}")));
            }
        }
    }
    let line = verdict_line(exercise, &verdict, counts);
    if json {
        println!("{}", serde_json::to_string(&line).map_err(|err| Failure::Run(err.into()))?);
    } else {
        print_verdict(&line, paint)?;
        if counts && workspace.is_some() {
            println!("{}", tr(&format!("The solution is written beside yours: {}.solution.py", exercise.id)));
        }
    }
    match verdict.solved {
        true => Ok(()),
        false => Err(Failure::Exit(1)),
    }
}

/// The verdict as its JSON line, in the learner's language.
fn verdict_line(exercise: &Exercise, verdict: &Verdict, recorded: bool) -> VerdictLine {
    VerdictLine {
        t: verdict.events.iter().map(|e| e.t).fold(0.0, f64::max),
        lane: TUTOR.to_string(),
        pid: std::process::id() as i32,
        kind: "verdict".to_string(),
        text: tr(&verdict.headline()),
        exercise: exercise.id.to_string(),
        solved: verdict.solved,
        runs: verdict.made,
        planned: verdict.planned,
        why_runs: tr(&verdict.why),
        run: verdict.deciding,
        goal: tr(exercise.goal),
        findings: verdict
            .findings
            .iter()
            .map(|f| FindingLine {
                need: tr(&f.need),
                ok: f.ok,
                saw: tr(&f.saw),
                detail: f.detail.iter().map(|d| labelled(d)).collect(),
            })
            .collect(),
        recorded,
    }
}

/// `lane: what it did`, translated: whole when a pattern has it, else the
/// part after the lane's name.
fn labelled(line: &str) -> String {
    if i18n::translate(line).is_some() {
        return tr(line);
    }
    match line.split_once(": ") {
        Some((lane, rest)) => format!("{lane}{}{}", tr(": "), tr(rest)),
        None => tr(line),
    }
}

/// The verdict for a reader: the headline, the detail of the first part
/// missed, then (`full`) the goal part by part with what the run showed, and
/// why that many runs; else only the other parts missed.
pub fn verdict_lines(line: &VerdictLine, full: bool) -> Vec<(String, Option<Ink>)> {
    let mut lines = vec![(line.text.clone(), Some(if line.solved { Ink::Done } else { Ink::Warn }))];
    let mut missed = line.findings.iter().filter(|f| !f.ok);
    if let Some(first) = missed.next() {
        lines.extend(first.detail.iter().map(|d| (format!("    {d}"), None)));
    }
    if !full {
        lines.extend(missed.map(|f| (format!("  ✗ {}{}{}", f.need, tr(": "), f.saw), Some(Ink::Warn))));
        return lines;
    }
    lines.push((tr(&format!("The goal: {}", line.goal)), None));
    for f in &line.findings {
        let mark = if f.ok { "✓" } else { "✗" };
        let text = format!("  {mark} {}{}{}", f.need, tr(": "), f.saw);
        lines.push((text, if f.ok { None } else { Some(Ink::Warn) }));
    }
    lines.push((tr(&format!("Runs: {}", line.why_runs)), None));
    lines
}

fn print_verdict(line: &VerdictLine, paint: Paint) -> io::Result<()> {
    let mut out = crate::text::Glyphs(io::stdout().lock());
    let width = crate::text::width();
    writeln!(out)?;
    for (text, ink) in verdict_lines(line, true) {
        let filled = crate::text::fill(&text, width, "", "    ");
        match ink {
            Some(ink) => writeln!(out, "{}", paint.ink(&filled, ink))?,
            None => writeln!(out, "{filled}")?,
        }
    }
    Ok(())
}

/// Reads a line of `practice check --json`: a run's progress, an event of
/// the deciding run, or the verdict.
pub enum Line {
    /// Run `run` of `of` is over.
    Run {
        /// Which.
        run: usize,
        /// Of how many.
        of: usize,
    },
    /// An event of the deciding run.
    Event(Box<Event>),
    /// The verdict.
    Verdict(Box<VerdictLine>),
}

impl Line {
    /// Parses one line; `None` for anything else.
    pub fn parse(text: &str) -> Option<Line> {
        let value: serde_json::Value = serde_json::from_str(text).ok()?;
        match value.get("kind")?.as_str()? {
            "run" => Some(Line::Run {
                run: value.get("run")?.as_u64()? as usize,
                of: value.get("of")?.as_u64()? as usize,
            }),
            "verdict" => serde_json::from_value(value).ok().map(|v| Line::Verdict(Box::new(v))),
            _ => serde_json::from_value::<Event>(value).ok().map(|e| Line::Event(Box::new(e))),
        }
    }
}

/// The language in use, as a `--lang` value, for a child tutor.
pub fn lang_arg() -> &'static str {
    match i18n::lang() {
        i18n::Lang::En => "en",
        i18n::Lang::Zh => "zh",
    }
}
