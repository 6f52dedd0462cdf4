//! What a learner has done, remembered between runs: the lessons run to the
//! end, and the quizzes answered. One small JSON file in the XDG state
//! directory (`$XDG_STATE_HOME/concur-tutor/progress.json`, by default under
//! `~/.local/state`). A file that cannot be read is reported and replaced,
//! never a reason to fail.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::io;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

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
}

/// Where the file lives; `None` when neither `XDG_STATE_HOME` nor `HOME` is set.
pub fn path() -> Option<PathBuf> {
    let state = match std::env::var_os("XDG_STATE_HOME").filter(|dir| !dir.is_empty()) {
        Some(dir) => PathBuf::from(dir),
        None => PathBuf::from(std::env::var_os("HOME")?).join(".local/state"),
    };
    Some(state.join("concur-tutor").join("progress.json"))
}

impl Progress {
    /// The remembered progress, and a warning when the file was there but
    /// could not be used (it will be replaced on the next save).
    pub fn load() -> (Progress, Option<String>) {
        let Some(path) = path() else { return (Progress::default(), None) };
        match fs::read_to_string(&path) {
            Err(err) if err.kind() == io::ErrorKind::NotFound => (Progress::default(), None),
            Err(err) => (Progress::default(), Some(format!("could not read {}: {err}", path.display()))),
            Ok(text) => match serde_json::from_str(&text) {
                Ok(progress) => (progress, None),
                Err(err) => (
                    Progress::default(),
                    Some(format!("{} is not a progress file ({err}); starting afresh", path.display())),
                ),
            },
        }
    }

    /// Writes the file (a new file renamed over the old, so a crash cannot
    /// leave half of one).
    pub fn save(&self) -> io::Result<()> {
        let path = path().ok_or_else(|| io::Error::other("neither XDG_STATE_HOME nor HOME is set"))?;
        let dir = path.parent().expect("the path has a directory");
        fs::create_dir_all(dir)?;
        let fresh = dir.join("progress.json.new");
        fs::write(&fresh, serde_json::to_string_pretty(self).expect("progress serialises"))?;
        fs::rename(fresh, path)
    }

    /// Forgets everything.
    pub fn reset() -> io::Result<()> {
        match path().map(fs::remove_file) {
            Some(Err(err)) if err.kind() != io::ErrorKind::NotFound => Err(err),
            _ => Ok(()),
        }
    }

    /// Whether lesson `id` was run to the end.
    pub fn is_completed(&self, id: &str) -> bool {
        self.completed.contains(id)
    }
}

/// Loads, changes with `change`, and saves, reporting on stderr what went
/// wrong instead of failing: progress is a convenience, never a reason to stop.
pub fn update(change: impl FnOnce(&mut Progress)) {
    let (mut progress, warning) = Progress::load();
    if let Some(warning) = warning {
        eprintln!("concur-tutor: {warning}");
    }
    change(&mut progress);
    if let Err(err) = progress.save() {
        eprintln!("concur-tutor: could not save progress: {err}");
    }
}
