//! The learner's folder of exercises, `./concur-practice/`: made once by
//! `practice init` with a README and every exercise's file, each `<id>.py`.
//! Nothing here ever overwrites what the learner wrote: init only adds the
//! files that are missing, a reset first keeps the old file as a numbered
//! backup (`<id>.py.~1~`, `<id>.py.~2~`, …), and a solution is written beside
//! the exercise as `<id>.solution.py`.

use std::fs::{self, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use crate::i18n::tr;

use super::{Exercise, EXERCISES};

/// The folder `practice init` makes in the current directory.
pub const FOLDER: &str = "concur-practice";

/// The file that marks a folder as a workspace.
const MARK: &str = ".concur-practice";

/// A workspace folder.
#[derive(Clone, Debug)]
pub struct Workspace {
    /// Its path.
    pub dir: PathBuf,
}

impl Workspace {
    /// The workspace of the current directory: `./concur-practice/`, or the
    /// current directory itself when it is one.
    pub fn find() -> Option<Workspace> {
        let here = std::env::current_dir().ok()?;
        [here.clone(), here.join(FOLDER)]
            .into_iter()
            .find(|dir| dir.join(MARK).is_file())
            .map(|dir| Workspace { dir })
    }

    /// Makes `./concur-practice/` if need be, with the README and every
    /// exercise's file that is missing; the files it wrote.
    ///
    /// # Errors
    /// A folder or a file could not be made.
    pub fn init(at: &Path) -> io::Result<(Workspace, Vec<String>)> {
        let dir = at.join(FOLDER);
        fs::create_dir_all(&dir)?;
        let mut wrote = Vec::new();
        for (name, text) in [(MARK.to_string(), mark()), ("README.md".to_string(), readme())] {
            if write_new(&dir.join(&name), &text)? {
                wrote.push(name);
            }
        }
        for exercise in EXERCISES {
            if write_new(&dir.join(exercise.file()), exercise.code)? {
                wrote.push(exercise.file());
            }
        }
        Ok((Workspace { dir }, wrote))
    }

    /// The learner's file of `exercise`.
    pub fn file(&self, exercise: &Exercise) -> PathBuf {
        self.dir.join(exercise.file())
    }

    /// The file as shipped again, the learner's kept first as a numbered
    /// backup; the backup's name, if there was a file to keep.
    ///
    /// # Errors
    /// The backup or the file could not be written.
    pub fn reset(&self, exercise: &Exercise) -> io::Result<Option<String>> {
        let file = self.file(exercise);
        let kept = match fs::read(&file) {
            Ok(old) if old == exercise.code.as_bytes() => None,
            Ok(old) => Some(backup(&file, &old)?),
            Err(err) if err.kind() == io::ErrorKind::NotFound => None,
            Err(err) => return Err(err),
        };
        fs::write(&file, exercise.code)?;
        Ok(kept)
    }

    /// Writes the solution beside the exercise (`<id>.solution.py`); its path.
    ///
    /// # Errors
    /// It could not be written.
    pub fn write_solution(&self, exercise: &Exercise) -> io::Result<PathBuf> {
        let path = self.dir.join(format!("{}.solution.py", exercise.id));
        fs::write(&path, exercise.solution)?;
        Ok(path)
    }
}

/// Writes `text` to `path` unless something is there; whether it wrote.
fn write_new(path: &Path, text: &str) -> io::Result<bool> {
    match OpenOptions::new().write(true).create_new(true).open(path) {
        Ok(mut file) => file.write_all(text.as_bytes()).map(|()| true),
        Err(err) if err.kind() == io::ErrorKind::AlreadyExists => Ok(false),
        Err(err) => Err(err),
    }
}

/// Keeps `old`, the content of `file`, as the first free `<file>.~N~`; its name.
fn backup(file: &Path, old: &[u8]) -> io::Result<String> {
    let name = file.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    for n in 1.. {
        let kept = format!("{name}.~{n}~");
        let path = file.with_file_name(&kept);
        match OpenOptions::new().write(true).create_new(true).open(&path) {
            Ok(mut out) => {
                out.write_all(old)?;
                return Ok(kept);
            }
            Err(err) if err.kind() == io::ErrorKind::AlreadyExists => continue,
            Err(err) => return Err(err),
        }
    }
    unreachable!("some backup name is free")
}

fn mark() -> String {
    "This folder is a concur-tutor practice workspace (concur-tutor practice).\n".to_string()
}

/// The README, in the learner's language.
fn readme() -> String {
    let mut text = format!("# {}\n\n", tr("concur-tutor practice"));
    for line in [
        "Each file here is a short Python program with a concurrency bug or a missing piece. Fix it in \
         your editor; the tutor runs it under trace each time you save, and judges it by what its \
         processes and threads really did.",
        "concur-tutor practice: open the current exercise and watch it (h: a hint, r: start it again, l: \
         every exercise, n: the next once solved, q: quit).",
        "concur-tutor practice check NAME: run it once and say if it is solved (exit status 0 solved, 1 \
         not yet).",
        "A reset keeps your file as NAME.py.~1~ (then ~2~, …). The solution, NAME.solution.py, is written \
         here once you have solved the exercise.",
    ] {
        text.push_str(&tr(line));
        text.push_str("\n\n");
    }
    text.push_str(&format!("## {}\n\n", tr("The exercises")));
    for e in EXERCISES {
        text.push_str(&format!("- `{}` ({}): {}\n", e.file(), e.lesson, tr(e.title)));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn init_never_overwrites_and_reset_keeps_every_old_file() {
        let root = std::env::temp_dir().join(format!("concur-practice-test-{}", std::process::id()));
        let _ = fs::remove_dir_all(&root);
        fs::create_dir_all(&root).unwrap();
        let (ws, wrote) = Workspace::init(&root).unwrap();
        assert_eq!(wrote.len(), EXERCISES.len() + 2);
        let e = &EXERCISES[0];
        fs::write(ws.file(e), "mine").unwrap();
        let (_, wrote) = Workspace::init(&root).unwrap();
        assert!(wrote.is_empty());
        assert_eq!(fs::read_to_string(ws.file(e)).unwrap(), "mine");
        assert_eq!(ws.reset(e).unwrap().as_deref(), Some(format!("{}.~1~", e.file()).as_str()));
        fs::write(ws.file(e), "mine again").unwrap();
        assert_eq!(ws.reset(e).unwrap().as_deref(), Some(format!("{}.~2~", e.file()).as_str()));
        assert_eq!(ws.reset(e).unwrap(), None, "nothing to keep: it is as shipped");
        assert_eq!(fs::read_to_string(ws.dir.join(format!("{}.~1~", e.file()))).unwrap(), "mine");
        assert_eq!(fs::read_to_string(ws.file(e)).unwrap(), e.code);
        fs::remove_dir_all(&root).unwrap();
    }
}
