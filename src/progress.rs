//! What a learner has done, remembered between runs: the lessons run to the
//! end, the quizzes answered, and the practice exercises solved. One small JSON file in the XDG state
//! directory (`$XDG_STATE_HOME/concur-tutor/progress.json`, by default under
//! `~/.local/state`). A file that cannot be read is reported and replaced,
//! never a reason to fail; a file far too big to be ours is reported and left
//! alone.
//!
//! Several tutors may finish at once (a class, a script, tabs), so an update
//! reads, changes and writes the file under an advisory lock
//! (`flock(2)` on `progress.lock` beside it, a file never replaced), and
//! writes it through a temporary file of its own, created exclusively (it
//! follows no link planted in its place), flushed to disk, then renamed over
//! the old one: a reader sees the old file or the new one, never a mix, and no
//! update is lost.

use std::collections::{BTreeMap, BTreeSet};
use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use nix::fcntl::{Flock, FlockArg};
use serde::{Deserialize, Serialize};

/// The largest progress file the tutor reads. Ours is a few KiB even with
/// every lesson and quiz: a bigger one is not ours to overwrite.
const MAX_SIZE: u64 = 1 << 20;

/// How long an update waits for another tutor's to finish.
const LOCK_PATIENCE: Duration = Duration::from_secs(5);

/// How a lesson's quiz went, over every time it was taken.
#[derive(Serialize, Deserialize, Default, Clone, Copy, Debug, PartialEq, Eq)]
pub struct Quiz {
    /// Questions answered right.
    pub right: u32,
    /// Questions asked.
    pub asked: u32,
}

/// Everything remembered.
#[derive(Serialize, Deserialize, Default, Debug, PartialEq, Eq)]
#[serde(default)]
pub struct Progress {
    /// Lessons run to the end.
    pub completed: BTreeSet<String>,
    /// Quiz results by lesson.
    pub quizzes: BTreeMap<String, Quiz>,
    /// Practice exercises solved (`concur-tutor practice`), by id.
    pub solved: BTreeSet<String>,
    /// What a newer tutor wrote that this one does not know: kept as it is,
    /// so that an update by this one loses none of it.
    #[serde(flatten)]
    pub unknown: serde_json::Map<String, serde_json::Value>,
}

/// Where the file lives; `None` when neither `XDG_STATE_HOME` nor `HOME` is
/// set. A relative `XDG_STATE_HOME` is ignored, as the XDG specification says
/// (it would put the file wherever the tutor happens to be started).
pub fn path() -> Option<PathBuf> {
    let absolute = |dir: &std::ffi::OsString| Path::new(dir).is_absolute();
    let state = match std::env::var_os("XDG_STATE_HOME").filter(absolute) {
        Some(dir) => PathBuf::from(dir),
        None => PathBuf::from(std::env::var_os("HOME").filter(absolute)?).join(".local/state"),
    };
    Some(state.join("concur-tutor").join("progress.json"))
}

/// What reading the file found.
enum Loaded {
    /// The progress (empty when there was no file), and a warning when the
    /// file was there but unusable: it is replaced on the next save.
    Usable(Progress, Option<String>),
    /// The file must be left as it is (too big to be ours, not a file): why.
    Untouchable(String),
}

impl Progress {
    /// The remembered progress, and a warning when the file was there but
    /// could not be used.
    pub fn load() -> (Progress, Option<String>) {
        match path().map(|path| load_from(&path)) {
            None => (Progress::default(), None),
            Some(Loaded::Usable(progress, warning)) => (progress, warning),
            Some(Loaded::Untouchable(why)) => (Progress::default(), Some(why)),
        }
    }

    /// Forgets everything.
    ///
    /// # Errors
    /// The file exists and could not be removed.
    pub fn reset() -> io::Result<()> {
        let Some(path) = path() else { return Ok(()) };
        let _lock = lock(&path);
        match fs::remove_file(&path) {
            Err(err) if err.kind() != io::ErrorKind::NotFound => Err(err),
            _ => Ok(()),
        }
    }

    /// Whether lesson `id` was run to the end.
    pub fn is_completed(&self, id: &str) -> bool {
        self.completed.contains(id)
    }

    /// Whether practice exercise `id` was solved.
    pub fn is_solved(&self, id: &str) -> bool {
        self.solved.contains(id)
    }
}

/// Reads the progress file at `path`, at most [`MAX_SIZE`] of it.
fn load_from(path: &Path) -> Loaded {
    let shown = path.display();
    // Non-blocking: a FIFO planted in its place must not hang the tutor at the open.
    let file = match OpenOptions::new().read(true).custom_flags(libc::O_NONBLOCK).open(path) {
        Err(err) if err.kind() == io::ErrorKind::NotFound => {
            return Loaded::Usable(Progress::default(), None)
        }
        Err(err) => {
            return Loaded::Usable(Progress::default(), Some(format!("could not read {shown}: {err}")))
        }
        Ok(file) => file,
    };
    if !file.metadata().is_ok_and(|m| m.is_file()) {
        return Loaded::Untouchable(format!(
            "{shown} is not a file; it is left as it is, and progress is not saved"
        ));
    }
    let mut text = Vec::new();
    if let Err(err) = file.take(MAX_SIZE + 1).read_to_end(&mut text) {
        return Loaded::Usable(Progress::default(), Some(format!("could not read {shown}: {err}")));
    }
    if text.len() as u64 > MAX_SIZE {
        return Loaded::Untouchable(format!(
            "{shown} is bigger than {} KiB, far more than a progress file; it is left as it is, and \
             progress is not saved",
            MAX_SIZE / 1024
        ));
    }
    match serde_json::from_slice(&text) {
        Ok(progress) => Loaded::Usable(progress, None),
        Err(err) => Loaded::Usable(
            Progress::default(),
            Some(format!("{shown} is not a progress file ({err}); starting afresh")),
        ),
    }
}

/// Takes the advisory lock that guards the progress file at `path`, creating
/// its folder if need be; waits at most [`LOCK_PATIENCE`] for another tutor.
fn lock(path: &Path) -> io::Result<Flock<File>> {
    let dir = path.parent().expect("the path has a folder");
    fs::create_dir_all(dir)?;
    let mut file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .mode(0o600)
        .custom_flags(libc::O_NOFOLLOW | libc::O_CLOEXEC)
        .open(dir.join("progress.lock"))?;
    let give_up = Instant::now() + LOCK_PATIENCE;
    loop {
        match Flock::lock(file, FlockArg::LockExclusiveNonblock) {
            Ok(locked) => return Ok(locked),
            Err((back, nix::errno::Errno::EWOULDBLOCK)) if Instant::now() < give_up => {
                file = back;
                std::thread::sleep(Duration::from_millis(5));
            }
            Err((_, nix::errno::Errno::EWOULDBLOCK)) => {
                return Err(io::Error::other(format!(
                    "another concur-tutor held {} for {} s",
                    dir.join("progress.lock").display(),
                    LOCK_PATIENCE.as_secs()
                )))
            }
            Err((_, err)) => return Err(err.into()),
        }
    }
}

/// Writes `progress` as the file at `path`: a temporary file of this writer's
/// own, created exclusively and without following links, flushed to disk,
/// renamed over the old file.
fn save_to(path: &Path, progress: &Progress) -> io::Result<()> {
    let dir = path.parent().expect("the path has a folder");
    let temporary = dir.join(format!(".progress.json.{}.{:08x}.tmp", std::process::id(), fastrand::u32(..)));
    let written = (|| {
        let mut file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .custom_flags(libc::O_NOFOLLOW | libc::O_CLOEXEC)
            .open(&temporary)?;
        file.write_all(serde_json::to_string_pretty(progress).map_err(io::Error::other)?.as_bytes())?;
        file.sync_all()?;
        fs::rename(&temporary, path)?;
        // The rename itself reaches the disk with the folder.
        File::open(dir)?.sync_all()
    })();
    if written.is_err() {
        let _ = fs::remove_file(&temporary);
    }
    written
}

/// Loads, changes with `change`, and saves, all under the lock, reporting on
/// stderr what went wrong instead of failing: progress is a convenience, never
/// a reason to stop.
pub fn update(change: impl FnOnce(&mut Progress)) {
    let Some(path) = path() else {
        eprintln!("concur-tutor: could not save progress: neither XDG_STATE_HOME nor HOME is set");
        return;
    };
    let _lock = match lock(&path) {
        Ok(lock) => lock,
        Err(err) => {
            eprintln!("concur-tutor: could not save progress: {err}");
            return;
        }
    };
    let mut progress = match load_from(&path) {
        Loaded::Usable(progress, warning) => {
            if let Some(warning) = warning {
                eprintln!("concur-tutor: {warning}");
            }
            progress
        }
        Loaded::Untouchable(why) => {
            eprintln!("concur-tutor: {why}");
            return;
        }
    };
    change(&mut progress);
    if let Err(err) = save_to(&path, &progress) {
        eprintln!("concur-tutor: could not save progress: {err}");
    }
}
