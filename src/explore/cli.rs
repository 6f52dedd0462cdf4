//! `concur-tutor explore`'s command line: find the program (a built-in id or a
//! file in the steps format), then list, count and draw, stream the events,
//! or play.

use std::io::{self, IsTerminal, Write};
use std::path::PathBuf;

use crate::events::{Kind, Sink, Tee};
use crate::i18n::tr;
use crate::render::svg::SvgFile;
use crate::render::{FileAtEnd, Json, Localised, Paint};
use crate::stage;

use super::play::{screen, ui, Game};
use super::show::{self, Style};
use super::stream::{self, group};
use super::{builtin, explore, parse, Builtin, Program, BUILTINS, FORMAT};

/// `concur-tutor explore`'s arguments.
#[derive(clap::Args, Debug)]
#[command(after_long_help = FORMAT)]
pub struct Args {
    /// A program's id (see --list), or a file in the steps format (see --help)
    pub program: Option<String>,

    /// List the programs, with how many schedules each has
    #[arg(long, conflicts_with_all = ["program", "play", "svg"])]
    pub list: bool,

    /// Print the outcomes (one `measure` event each, with `outcome` and
    /// `count`), then each one's shortest schedule, as NDJSON events
    #[arg(long, conflicts_with = "play")]
    pub json: bool,

    /// Be the scheduler: a lane's number runs its next step, towards the
    /// program's goal; u undoes, r restarts, q quits
    #[arg(long)]
    pub play: bool,

    /// Also write each shortest schedule's timeline to FILE as an SVG picture
    #[arg(long, value_name = "FILE", conflicts_with = "play")]
    pub svg: Option<PathBuf>,

    /// Print the program in the steps format and nothing else: to copy to a
    /// file, change, and explore
    #[arg(long, conflicts_with_all = ["play", "json", "svg"])]
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
    let Some(name) = args.program.as_deref() else { return list(args.json, paint) };
    let (found, program) = load(name)?;
    let id = found.map_or(name, |b| b.id).to_string();
    if args.steps {
        io::stdout().write_all(program.source.as_bytes())?;
        return Ok(());
    }
    if args.play {
        return play(program, &id, paint);
    }
    // A file that cannot be written is known before anything is counted.
    let svg =
        match &args.svg {
            Some(path) => Some(FileAtEnd::create(path).map_err(|err| {
                Failure::Usage(tr(&format!("cannot write --svg {}: {err}", path.display())))
            })?),
            None => None,
        };
    let exploration =
        explore(&program).map_err(|err| Failure::Usage(format!("{name}: {}", tr(&err.to_string()))))?;
    let mut sinks: Vec<Box<dyn Sink>> = Vec::new();
    if args.json {
        sinks.push(Box::new(Json));
    } else {
        let style = Style { paint, width: crate::text::width(), unicode: crate::render::unicode() };
        io::stdout().write_all(show::page(found, &program, &exploration, style).as_bytes())?;
    }
    if let Some(file) = svg {
        sinks.push(Box::new(SvgFile::new(file, format!("concur-tutor explore {id}"))));
    }
    if !sinks.is_empty() {
        let mut sink = Localised::new(Tee(sinks));
        for mut event in stream::events(&program, &exploration) {
            // A scene's title is not translated by the sink (a lesson's comes
            // from its catalogue, already translated), so it is done here.
            if event.kind == Kind::Scene {
                event.text = tr(&event.text);
            }
            sink.event(&event)?;
        }
        sink.finish()?;
    }
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
    let mut out = io::stdout().lock();
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
    if !(stage::terminal::is_interactive() && io::stdout().is_terminal()) {
        return Err(Failure::Usage(tr("--play needs a terminal: run it without a pipe or a redirection")));
    }
    stage::install_interrupt_handlers();
    let counted = explore(&program);
    let mut game = Game::new(program, counted);
    ui::play(&mut game, id, paint)?;
    for line in screen::summary(&game) {
        println!("{line}");
    }
    Ok(())
}
