//! The watch screen on the terminal: full screen, redrawn after every key,
//! every resize and every word from a check. Each save of the exercise (seen
//! by `notify`; with `--manual`, each Enter) starts a check: this tutor again,
//! as `practice check NAME --json`, in a process of its own, so that the
//! traced runs (which fork) never share a process with this screen's threads.
//! A check still under way when the file is saved again, another exercise is
//! opened, or the screen is left, is ended (SIGTERM: its trace ends the
//! program and every process it started) and waited for. The terminal is
//! taken through [`FullScreen`], so every way out gives it back.

use std::io::{self, BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{self, Receiver, Sender};
use std::time::{Duration, Instant};

use crossterm::event::{self, Event as Term, KeyEventKind};
use crossterm::terminal;
use notify::{RecursiveMode, Watcher};

use crate::events::Event;
use crate::explore::play::ui::draw_lines;
use crate::progress::Progress;
use crate::render::Paint;
use crate::terminal::FullScreen;

use super::super::cli::{lang_arg, Line};
use super::super::workspace::Workspace;
use super::super::Exercise;
use super::screen;
use super::state::{Action, Watch};

/// How long the file must stay unchanged after a save before it is checked:
/// an editor may write it in several steps.
const SETTLE: Duration = Duration::from_millis(150);

/// What the screen hears of, besides keys.
enum News {
    /// The file was written.
    Saved(PathBuf),
    /// A line from check number `.0`.
    Said(u64, String),
    /// A line check number `.0` wrote on stderr (an error, a warning).
    Complained(u64, String),
    /// Check number `.0` ended.
    Over(u64),
}

/// A check under way.
struct Checking {
    child: Child,
}

impl Checking {
    /// Ends the check (its trace ends the program it runs) and waits for it.
    fn stop(mut self) {
        if let Ok(None) = self.child.try_wait() {
            let pid = nix::unistd::Pid::from_raw(self.child.id() as i32);
            let _ = nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGTERM);
            let deadline = Instant::now() + Duration::from_secs(8);
            while matches!(self.child.try_wait(), Ok(None)) && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(10));
            }
            // A check that will not end is killed: its trace's guard still
            // ends the program when the check's end of their pipe closes.
            let _ = self.child.kill();
        }
        let _ = self.child.wait();
    }
}

/// Watches `exercise` in `workspace` until the learner leaves.
///
/// # Errors
/// The terminal could not be taken, read or written, or a check could not start.
pub fn watch(
    workspace: &Workspace,
    exercise: &'static Exercise,
    manual: bool,
    python: Option<&Path>,
    paint: Paint,
) -> anyhow::Result<()> {
    if paint.is_on() {
        let _ = crate::render::theme::color(crate::render::theme::Ink::Done);
    }
    let (tx, rx) = mpsc::channel();
    let saves = tx.clone();
    let mut watcher = notify::recommended_watcher(move |event: notify::Result<notify::Event>| {
        if let Ok(event) = event {
            if event.kind.is_modify() || event.kind.is_create() {
                for path in event.paths {
                    let _ = saves.send(News::Saved(path));
                }
            }
        }
    });
    let watching = match &mut watcher {
        Ok(w) if !manual => w.watch(&workspace.dir, RecursiveMode::NonRecursive).is_ok(),
        _ => false,
    };
    let progress = Progress::load().0;
    let mut state = Watch::new(exercise, progress.is_solved(exercise.id), !watching);
    if !watching && !manual {
        state.message = Some("Saves cannot be watched here: press Enter to check the file again.".into());
    }
    let _screen = FullScreen::take()?;
    let mut session =
        Session { tx, rx, generation: 0, checking: None, pending: None, events: Vec::new(), complaint: None };
    session.start(workspace, &mut state, python)?;
    let result = session.run(workspace, &mut state, python, paint);
    if let Some(check) = session.checking.take() {
        check.stop();
    }
    result
}

/// The screen's loop and the check under way.
struct Session {
    tx: Sender<News>,
    rx: Receiver<News>,
    /// The number of the latest check: lines of older ones are ignored.
    generation: u64,
    checking: Option<Checking>,
    /// A save seen, to check once the file has settled.
    pending: Option<Instant>,
    /// The events of the check under way.
    events: Vec<Event>,
    /// The last line the check under way wrote on stderr.
    complaint: Option<String>,
}

impl Session {
    fn run(
        &mut self,
        workspace: &Workspace,
        state: &mut Watch,
        python: Option<&Path>,
        paint: Paint,
    ) -> anyhow::Result<()> {
        let mut out = io::stdout();
        let mut dirty = true;
        loop {
            if dirty {
                let (width, height) = terminal::size()?;
                let file = state.exercise.file();
                let lines =
                    screen::lines(state, &file, width as usize, height as usize, crate::text::unicode());
                draw_lines(&mut out, &lines, paint)?;
                dirty = false;
            }
            if event::poll(Duration::from_millis(50))? {
                dirty = true;
                match event::read()? {
                    Term::Key(key) if key.kind == KeyEventKind::Press => match state.key(key) {
                        Action::Draw => {}
                        Action::Quit => return Ok(()),
                        Action::Interrupt => {
                            if let Some(check) = self.checking.take() {
                                check.stop();
                            }
                            crate::terminal::restore();
                            crate::stage::exit_quietly(130);
                        }
                        Action::Check => self.start(workspace, state, python)?,
                        Action::Reset => {
                            match workspace.reset(state.exercise) {
                                Ok(Some(kept)) => {
                                    state.message = Some(format!("Reset: your file is kept as {kept}."))
                                }
                                Ok(None) => state.message = Some("Reset: it was as shipped already.".into()),
                                Err(err) => state.message = Some(format!("could not reset it: {err}")),
                            }
                            state.hints = 0;
                            self.start(workspace, state, python)?;
                        }
                        Action::Open(next) => {
                            let solved = Progress::load().0.is_solved(next.id);
                            let manual = state.manual;
                            *state = Watch::new(next, solved, manual);
                            self.start(workspace, state, python)?;
                        }
                    },
                    _ => {}
                }
            }
            while let Ok(news) = self.rx.try_recv() {
                dirty |= self.hear(news, workspace, state);
            }
            if self.pending.is_some_and(|at| at.elapsed() >= SETTLE) {
                self.pending = None;
                self.start(workspace, state, python)?;
                dirty = true;
            }
        }
    }

    /// Takes one piece of news; whether the screen changed.
    fn hear(&mut self, news: News, workspace: &Workspace, state: &mut Watch) -> bool {
        match news {
            News::Saved(path) => {
                if !state.manual && path.file_name() == workspace.file(state.exercise).file_name() {
                    self.pending = Some(Instant::now());
                }
                false
            }
            News::Said(generation, _) | News::Complained(generation, _) | News::Over(generation)
                if generation != self.generation =>
            {
                false
            }
            News::Complained(_, text) => {
                self.complaint = Some(text);
                false
            }
            News::Said(_, text) => match Line::parse(&text) {
                Some(Line::Run { run, of }) => {
                    state.ran(run, of);
                    true
                }
                Some(Line::Event(event)) => {
                    self.events.push(*event);
                    false
                }
                Some(Line::Verdict(verdict)) => {
                    state.judged(std::mem::take(&mut self.events), *verdict);
                    true
                }
                None => false,
            },
            News::Over(_) => {
                if let Some(check) = self.checking.take() {
                    check.stop();
                }
                if state.checking.is_some() {
                    state.checking = None;
                    state.message = Some(
                        self.complaint.take().unwrap_or_else(|| "The check ended without a verdict.".into()),
                    );
                }
                true
            }
        }
    }

    /// Starts a check of the exercise open, ending the one under way.
    fn start(
        &mut self,
        workspace: &Workspace,
        state: &mut Watch,
        python: Option<&Path>,
    ) -> anyhow::Result<()> {
        if let Some(check) = self.checking.take() {
            check.stop();
        }
        self.generation += 1;
        self.events.clear();
        self.complaint = None;
        let mut command = Command::new(std::env::current_exe()?);
        command
            .args(["--lang", lang_arg(), "practice", "check", state.exercise.id, "--json"])
            .current_dir(&workspace.dir)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        if let Some(python) = python {
            command.arg("--python").arg(python);
        }
        let mut child = command.spawn()?;
        let stdout = child.stdout.take().expect("piped");
        let stderr = child.stderr.take().expect("piped");
        let (tx, generation) = (self.tx.clone(), self.generation);
        let complaints = tx.clone();
        std::thread::spawn(move || {
            for text in BufReader::new(stderr).lines().map_while(Result::ok) {
                if complaints.send(News::Complained(generation, text)).is_err() {
                    return;
                }
            }
        });
        std::thread::spawn(move || {
            for text in BufReader::new(stdout).lines().map_while(Result::ok) {
                if tx.send(News::Said(generation, text)).is_err() {
                    return;
                }
            }
            let _ = tx.send(News::Over(generation));
        });
        self.checking = Some(Checking { child });
        state.started(state.exercise.runs.most());
        Ok(())
    }
}
