//! The Python that runs the learner's program, and the private folder the
//! tutor gives it: the agent (first on `PYTHONPATH`), the socket the agent
//! reports to, and the program's `TMPDIR`. The folder is removed at the end.

use std::ffi::OsString;
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// The agent, written into the private folder as `sitecustomize.py`.
const AGENT: &str = include_str!("agent/sitecustomize.py");

/// Where the agent and what was learned of each Python are kept between runs:
/// Python compiles the agent once into its `__pycache__` there, instead of at
/// every run (about 10 ms), and the version check is not repeated.
fn cache() -> Option<PathBuf> {
    let base = match std::env::var_os("XDG_CACHE_HOME").filter(|d| !d.is_empty()) {
        Some(dir) => PathBuf::from(dir),
        None => PathBuf::from(std::env::var_os("HOME")?).join(".cache"),
    };
    let dir = base.join("concur-tutor").join(format!("agent-{:016x}", fnv(AGENT.as_bytes())));
    std::fs::create_dir_all(&dir).ok()?;
    let agent = dir.join("sitecustomize.py");
    if std::fs::read(&agent).ok().as_deref() != Some(AGENT.as_bytes()) {
        // Written beside and renamed, so a run never reads half a file.
        let partial = dir.join(format!("sitecustomize.{}.tmp", std::process::id()));
        std::fs::write(&partial, AGENT).ok()?;
        std::fs::rename(&partial, &agent).ok()?;
    }
    Some(dir)
}

/// FNV-1a: a name for this agent's text, stable across runs and builds.
fn fnv(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3))
}

/// The oldest Python the agent supports.
const OLDEST: (u32, u32) = (3, 8);

/// A Python interpreter, checked.
#[derive(Clone, Debug)]
pub struct Python {
    /// Its own path (`sys.executable`), so that no launcher stands between.
    pub executable: PathBuf,
    /// Its version.
    pub version: (u32, u32),
}

/// Finds the interpreter: `python` if given, else `python3` on `PATH`.
///
/// # Errors
/// A sentence for the learner when there is none, or it is older than 3.8.
pub fn find(python: Option<&Path>) -> Result<Python, String> {
    let asked = python.map_or_else(|| PathBuf::from("python3"), Path::to_path_buf);
    let known = remembered(&asked);
    if let Some(python) = known.as_ref().and_then(|(_, python)| python.clone()) {
        return Ok(python);
    }
    let output = Command::new(&asked)
        .args([
            "-S",
            "-c",
            "import sys; print(sys.version_info[0], sys.version_info[1]); print(sys.executable)",
        ])
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output();
    let hint = "install Python 3.8 or newer, or name one with --python PATH";
    let output = match output {
        Ok(output) if output.status.success() => output,
        Ok(_) => return Err(format!("{} does not run as a Python interpreter ({hint})", asked.display())),
        Err(_) if python.is_none() => return Err(format!("python3 was not found on PATH ({hint})")),
        Err(err) => return Err(format!("cannot run {}: {err} ({hint})", asked.display())),
    };
    let text = String::from_utf8_lossy(&output.stdout);
    let mut lines = text.lines();
    let mut numbers = lines.next().unwrap_or("").split_whitespace().filter_map(|n| n.parse::<u32>().ok());
    let version = (numbers.next().unwrap_or(0), numbers.next().unwrap_or(0));
    if version < OLDEST {
        return Err(format!(
            "{} is Python {}.{}: trace needs {}.{} or newer ({hint})",
            asked.display(),
            version.0,
            version.1,
            OLDEST.0,
            OLDEST.1
        ));
    }
    let executable = lines.next().filter(|l| !l.is_empty()).map_or(asked, PathBuf::from);
    let python = Python { executable, version };
    if let Some((file, _)) = known {
        let _ = std::fs::write(file, format!("{} {}\n{}", version.0, version.1, python.executable.display()));
    }
    Ok(python)
}

/// What an earlier run learned of interpreter `asked`, kept under a name
/// made of its path, size and time of change (so a new install is checked
/// anew): the file, and what it says if it is there.
fn remembered(asked: &Path) -> Option<(PathBuf, Option<Python>)> {
    use std::os::unix::fs::MetadataExt;
    let path = if asked.components().count() > 1 {
        asked.to_path_buf()
    } else {
        std::env::split_paths(&std::env::var_os("PATH")?).map(|dir| dir.join(asked)).find(|p| p.is_file())?
    };
    let meta = std::fs::metadata(&path).ok()?;
    let key = format!("{}:{}:{}:{}", path.display(), meta.len(), meta.mtime(), meta.mtime_nsec());
    let file = cache()?.join(format!("python-{:016x}", fnv(key.as_bytes())));
    let text = std::fs::read_to_string(&file).unwrap_or_default();
    let mut lines = text.lines();
    let mut numbers = lines.next().unwrap_or("").split_whitespace().filter_map(|n| n.parse().ok());
    let known = match (numbers.next(), numbers.next(), lines.next()) {
        (Some(major), Some(minor), Some(exe)) if Path::new(exe).is_file() && (major, minor) >= OLDEST => {
            Some(Python { executable: PathBuf::from(exe), version: (major, minor) })
        }
        _ => None,
    };
    Some((file, known))
}

/// The private folder of one run, removed when dropped.
pub struct Folder {
    dir: PathBuf,
    /// Where the agent is: the cache, else this folder.
    agent: PathBuf,
}

impl Folder {
    /// Makes the folder under the system's temporary directory (and the
    /// agent in the cache, or in the folder if there is no cache).
    ///
    /// # Errors
    /// The folder or a file in it could not be made.
    pub fn new() -> std::io::Result<Folder> {
        // The agent's socket lives in the folder, and a Unix socket's path has
        // at most 107 bytes: under a temporary directory deeper than that
        // leaves room for, the folder goes to /tmp.
        let mut base = std::env::temp_dir();
        if base.as_os_str().len() + "/concur-trace-XXXXXX/s".len() > 100 {
            base = PathBuf::from("/tmp");
        }
        let template = base.join("concur-trace-XXXXXX");
        let mut bytes = template.into_os_string().into_vec();
        bytes.push(0);
        // SAFETY: mkdtemp rewrites the template's Xs in place, in a buffer that ends in NUL.
        if unsafe { libc::mkdtemp(bytes.as_mut_ptr().cast()) }.is_null() {
            return Err(std::io::Error::last_os_error());
        }
        bytes.pop();
        let dir = PathBuf::from(OsString::from_vec(bytes));
        let agent = match cache() {
            Some(cached) => cached,
            None => {
                std::fs::write(dir.join("sitecustomize.py"), AGENT)?;
                dir.clone()
            }
        };
        let folder = Folder { dir, agent };
        std::fs::create_dir(folder.tmp())?;
        Ok(folder)
    }

    /// Where the agent's socket listens.
    pub fn socket(&self) -> PathBuf {
        self.dir.join("s")
    }

    /// The program's `TMPDIR`: whatever it leaves there goes with the folder.
    pub fn tmp(&self) -> PathBuf {
        self.dir.join("tmp")
    }

    /// The environment of the program: the tutor's, with the agent first on
    /// `PYTHONPATH`, the socket named, and `TMPDIR` private; `terminals`
    /// lists which of stdout (`1`) and stderr (`2`) are terminals.
    pub fn environment(&self, terminals: &str) -> Vec<(OsString, OsString)> {
        let mut path = self.agent.clone().into_os_string();
        if let Some(theirs) = std::env::var_os("PYTHONPATH").filter(|p| !p.is_empty()) {
            path.push(":");
            path.push(theirs);
        }
        let mut env: Vec<(OsString, OsString)> = std::env::vars_os()
            .filter(|(k, _)| !matches!(k.as_bytes(), b"PYTHONPATH" | b"TMPDIR" | b"CONCUR_TUTOR_TRACE"))
            .collect();
        env.push(("PYTHONPATH".into(), path));
        env.push(("TMPDIR".into(), self.tmp().into_os_string()));
        env.push(("CONCUR_TUTOR_TRACE".into(), self.socket().into_os_string()));
        // Which of stdout (1) and stderr (2) are terminals for the tutor, so
        // that the program's isatty() answers as it would without it.
        env.push(("CONCUR_TUTOR_TTY".into(), terminals.into()));
        env
    }
}

impl Drop for Folder {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_python_is_one_clear_sentence() {
        let err = find(Some(Path::new("/nonexistent/python9"))).unwrap_err();
        assert!(err.contains("--python PATH"), "{err}");
    }

    #[test]
    fn the_folder_holds_the_agent_and_goes_away() {
        let folder = Folder::new().unwrap();
        let dir = folder.dir.clone();
        assert!(folder.agent.join("sitecustomize.py").exists());
        let env = folder.environment("");
        let path = env.iter().find(|(k, _)| k == "PYTHONPATH").unwrap();
        assert!(Path::new(&path.1).starts_with(&folder.agent));
        drop(folder);
        assert!(!dir.exists());
    }
}
