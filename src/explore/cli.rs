//! `concur-tutor explore`'s command line: find the program (a built-in id or a
//! file in the steps format), then list, count and draw, stream the events,
//! or play.

use std::io::{self, IsTerminal, Write};

use crate::events::Kind;
use crate::i18n::tr;
use crate::output::OutputArgs;
use crate::render::Paint;
use crate::stage;

use super::play::{screen, ui, Game};
use super::show::{self, Style};
use super::stream::{self, group};
use super::{builtin, explore, parse, Builtin, Program, BUILTINS, FORMAT};

/// What `explore --help` says first; the steps format follows it.
pub const LONG_ABOUT: &str = "\
Every order a small program's steps can run in, counted: a histogram of how the
schedules end, and the shortest schedule to each ending drawn as lanes, a column
per step. Or be its scheduler (--play).

With --json: a `measure` event per outcome (`outcome`: the final value, or words
such as `deadlock`; `count`: how many schedules end so), then each outcome's
shortest schedule told like a run (a `spawn` per lane, a `state` per step, a
`say` per print, an `exit` per lane that finishes), one unit of `t` a step.
--svg, --trace-out and --save draw or keep those same events (`concur-tutor
replay FILE` shows a saved one again); --no-timeline leaves the lanes of the
schedules out of the page.";

/// `concur-tutor explore`'s arguments.
#[derive(clap::Args, Debug)]
#[command(after_long_help = FORMAT)]
pub struct Args {
    /// A program's id (see --list), or a file in the steps format (see --help)
    pub program: Option<String>,

    /// List the programs, with how many schedules each has
    #[arg(long, conflicts_with_all = ["program", "play"])]
    pub list: bool,

    /// Be the scheduler: a lane's number runs its next step, towards the
    /// program's goal; u undoes, r restarts, q quits
    #[arg(long)]
    pub play: bool,

    /// Where the events go (see [`LONG_ABOUT`]), as for a lesson.
    #[command(flatten)]
    pub output: OutputArgs,

    /// Print the program in the steps format and nothing else: to copy to a
    /// file, change, and explore
    #[arg(long, conflicts_with = "play")]
    pub steps: bool,
}

/// Why `explore` failed.
#[derive(Debug)]
pub enum Failure {
    /// The user asked for something that cannot be (one line, translated): exit status 2.
    Usage(String),
    /// The output could not be written.
    Output(io::Error),
}

impl From<io::Error> for Failure {
    fn from(err: io::Error) -> Failure {
        Failure::Output(err)
    }
}

/// Runs `concur-tutor explore` with `args`.
///
/// # Errors
/// A program that does not exist, cannot be read, or cannot be counted; an
/// output that cannot be written.
pub fn command(args: Args, paint: Paint) -> Result<(), Failure> {
    let output = &args.output;
    let Some(name) = args.program.as_deref() else { return list(output.json, paint) };
    let (found, program) = load(name)?;
    let id = found.map_or(name, |b| b.id).to_string();
    if args.steps {
        io::stdout().write_all(program.source.as_bytes())?;
        return Ok(());
    }
    if args.play {
        if output.json || output.svg.is_some() || output.trace_out.is_some() || output.save.is_some() {
            return Err(Failure::Usage(tr("--play is a game on the terminal: it writes no events or files")));
        }
        return play(program, &id, paint);
    }
    // Files that cannot be written are known before anything is counted.
    let title = format!("concur-tutor explore {id}");
    let files = match output.json {
        true => output.sinks(&title, paint.is_on()),
        false => output.files(&title),
    };
    let mut sink = files.map_err(Failure::Usage)?;
    let exploration =
        explore(&program).map_err(|err| Failure::Usage(format!("{name}: {}", tr(&err.to_string()))))?;
    if !output.json {
        let style = Style { paint, width: crate::text::width(), unicode: crate::text::unicode() };
        let page = show::page(found, &program, &exploration, style, !output.no_timeline);
        io::stdout().write_all(crate::text::glyphs(&page).as_bytes())?;
    }
    for mut event in stream::events(&program, &exploration) {
        // A scene's title is not translated by the sink (a lesson's comes
        // from its catalogue, already translated), so it is done here.
        if event.kind == Kind::Scene {
            event.text = tr(&event.text);
        }
        sink.event(&event)?;
    }
    sink.finish()?;
    Ok(())
}

/// The program `name`: a built-in's id, or a file.
fn load(name: &str) -> Result<(Option<&'static Builtin>, Program), Failure> {
    let is_file = !BUILTINS.iter().any(|b| b.id == name)
        && (std::path::Path::new(name).exists() || name.contains(['/', '.']));
    if !is_file {
        let (found, program) = builtin(name).map_err(|message| Failure::Usage(tr(&message)))?;
        return Ok((Some(found), program));
    }
    let text = std::fs::read_to_string(name)
        .map_err(|err| Failure::Usage(tr(&format!("cannot read {name}: {err}"))))?;
    let program =
        parse(name, &text).map_err(|err| Failure::Usage(format!("{name}: {}", tr(&err.to_string()))))?;
    Ok((None, program))
}

/// `explore --list`: every built-in, with its schedules counted.
fn list(json: bool, paint: Paint) -> Result<(), Failure> {
    let mut out = crate::text::Glyphs(io::stdout().lock());
    if !json {
        writeln!(
            out,
            "{}",
            paint.bold(&tr("Programs to explore: every order their steps can run in, counted"))
        )?;
        writeln!(out)?;
    }
    for b in BUILTINS {
        let (_, program) = builtin(b.id).map_err(Failure::Usage)?;
        let counted = explore(&program).map_err(|err| Failure::Usage(tr(&err.to_string())))?;
        if json {
            let line = serde_json::json!({
                "id": b.id,
                "title": tr(b.title),
                "source": b.source,
                "schedules": counted.schedules,
                "endings": counted.endings.len(),
            });
            writeln!(out, "{line}")?;
            continue;
        }
        writeln!(out, "  {:<16}{}", b.id, tr(b.title))?;
        let figures = tr(&format!(
            "{} schedules, {} endings ({})",
            group(counted.schedules),
            counted.endings.len(),
            b.source
        ));
        writeln!(out, "  {:<16}{}", "", paint.dim(&figures))?;
    }
    if !json {
        writeln!(out)?;
        writeln!(
            out,
            "{}",
            tr("See one: concur-tutor explore <id>    be its scheduler: concur-tutor explore <id> --play")
        )?;
        writeln!(
            out,
            "{}",
            tr("Your own program: concur-tutor explore FILE (the format: concur-tutor explore --help)")
        )?;
    }
    Ok(())
}

/// `explore <id> --play`: the game, on a terminal; a summary once it is left.
fn play(program: Program, id: &str, paint: Paint) -> Result<(), Failure> {
    if !(crate::terminal::is_interactive() && io::stdout().is_terminal()) {
        return Err(Failure::Usage(tr("--play needs a terminal: run it without a pipe or a redirection")));
    }
    stage::install_interrupt_handlers();
    let counted = explore(&program);
    let mut game = Game::new(program, counted);
    ui::play(&mut game, id, paint)?;
    for line in screen::summary(&game) {
        println!("{}", crate::text::glyphs(&line));
    }
    Ok(())
}
