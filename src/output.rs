//! Where a run's events go, as the command line asks: the options every command
//! that shows a run shares (`lesson`, `replay`, `trace`, `explore`), and the sinks they
//! make. Files are opened before the run starts, so a path that cannot be
//! written is a usage error, not a run lost at its end.

use std::path::PathBuf;

use crate::events::{Sink, Tee};
use crate::i18n::tr;
use crate::render::chrome::ChromeTrace;
use crate::render::svg::SvgFile;
use crate::render::{FileAtEnd, Human, Json, Localised, NdjsonFile, Timelines};
use crate::text;

/// The output options of a command that shows a run.
#[derive(clap::Args, Clone, Debug, Default)]
pub struct OutputArgs {
    /// Print the run as NDJSON events on stdout, one per line, and nothing else
    #[arg(long)]
    pub json: bool,

    /// Do not draw a timeline of the lanes after each scene
    #[arg(long)]
    pub no_timeline: bool,

    /// Each note's headline only, without the dimmer lines of detail under
    /// it (for a projector); --json keeps both
    #[arg(long)]
    pub brief: bool,

    /// Also write the timelines to FILE as an SVG picture (lanes, bars, key
    /// moments, a time axis, a legend)
    #[arg(long, value_name = "FILE")]
    pub svg: Option<PathBuf>,

    /// In the SVG, time each scene from its own start (0 s), a slide per scene
    #[arg(long, requires = "svg")]
    pub svg_from_zero: bool,

    /// Also write the run to FILE in Chrome's trace format, to open in
    /// Perfetto (ui.perfetto.dev) or chrome://tracing
    #[arg(long, value_name = "FILE")]
    pub trace_out: Option<PathBuf>,

    /// Also save the run's events to FILE (NDJSON), to show it again later
    /// with `concur-tutor replay FILE`
    #[arg(long, value_name = "FILE")]
    pub save: Option<PathBuf>,
}

impl OutputArgs {
    /// The sinks these options ask for, as one: NDJSON on stdout or human lanes
    /// (`color`, a timeline after each scene unless turned off) and the pictures,
    /// all in the reader's language (headed by `title` where they have a
    /// heading), and the saved run, in the source's English.
    ///
    /// # Errors
    /// A file cannot be written: the message names the option and the path.
    pub fn sinks(&self, title: &str, color: bool) -> Result<Box<dyn Sink>, String> {
        let stdout: Box<dyn Sink> = if self.json {
            Box::new(Json)
        } else {
            let timelines = (!self.no_timeline).then(|| Timelines { unicode: text::unicode() });
            Box::new(Human::new(color, text::width(), timelines, !self.brief))
        };
        self.with_files(Some(stdout), title)
    }

    /// The files alone (`--svg`, `--trace-out`, `--save`), for a command that
    /// writes its own page to stdout (`explore`).
    ///
    /// # Errors
    /// As [`OutputArgs::sinks`].
    pub fn files(&self, title: &str) -> Result<Box<dyn Sink>, String> {
        self.with_files(None, title)
    }

    fn with_files(&self, stdout: Option<Box<dyn Sink>>, title: &str) -> Result<Box<dyn Sink>, String> {
        let mut sinks: Vec<Box<dyn Sink>> = stdout.into_iter().collect();
        if let Some(path) = &self.svg {
            sinks.push(Box::new(SvgFile::new(open("--svg", path)?, title.to_string(), self.svg_from_zero)));
        }
        if let Some(path) = &self.trace_out {
            sinks.push(Box::new(ChromeTrace::new(open("--trace-out", path)?)));
        }
        let mut all: Vec<Box<dyn Sink>> = vec![Box::new(Localised::new(Tee(sinks)))];
        // A saved run keeps the English the source wrote: replay translates it
        // into whichever language it is shown in.
        if let Some(path) = &self.save {
            all.push(Box::new(NdjsonFile::new(open("--save", path)?)));
        }
        Ok(Box::new(Tee(all)))
    }
}

fn open(option: &str, path: &std::path::Path) -> Result<FileAtEnd, String> {
    FileAtEnd::create(path).map_err(|err| tr(&format!("cannot write {option} {}: {err}", path.display())))
}
