//! The binary's command line: what it accepts ([`args`]), what each command
//! does with the library's sources and sinks, and how a failure ends it.

pub(crate) mod args;
pub(crate) mod class;
pub(crate) mod lesson;
pub(crate) mod replay;
pub(crate) mod trace;

use std::io;

use concur_tutor::progress::Progress;
use concur_tutor::stage;
use concur_tutor::terminal::Quit;

/// Why the command failed.
pub(crate) enum Failure {
    /// The user asked for something that cannot be: exit status 2.
    Usage(String),
    /// The lesson failed while running: exit status 1.
    Run(anyhow::Error),
    /// The learner quit at a pause: exit status 0, or 130 for Ctrl-C.
    Quit(Quit),
}

/// The remembered progress; a damaged file is reported, and treated as empty.
pub(crate) fn load_progress() -> Progress {
    let (progress, warning) = Progress::load();
    if let Some(warning) = warning {
        eprintln!("concur-tutor: {warning}");
    }
    progress
}

/// A page written to a stdout that closed early (`| head`) ends quietly.
pub(crate) fn page(result: io::Result<()>) -> Result<(), Failure> {
    match result {
        Err(err) if err.kind() == io::ErrorKind::BrokenPipe => stage::exit_quietly(0),
        Err(err) => Err(Failure::Run(anyhow::anyhow!("cannot write output: {err}"))),
        Ok(()) => Ok(()),
    }
}
