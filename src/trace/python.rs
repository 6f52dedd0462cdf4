//! The Python that runs the learner's program, and the private folder the
//! tutor gives it: the agent (first on `PYTHONPATH`), the socket the agent
//! reports to, and the program's `TMPDIR`. The folder is removed at the end.

use std::ffi::OsString;
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// The agent, written into the private folder as `sitecustomize.py`.
const AGENT: &str = include_str!("agent/sitecustomize.py");

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
    let output = Command::new(&asked)
        .args(["-S", "-c", "import sys; print(sys.version_info[0], sys.version_info[1]); print(sys.executable)"])
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
    Ok(Python { executable, version })
}

/// The private folder of one run, removed when dropped.
pub struct Folder {
    dir: PathBuf,
}

impl Folder {
    /// Makes the folder under the system's temporary directory and writes the agent into it.
    ///
    /// # Errors
    /// The folder or a file in it could not be made.
    pub fn new() -> std::io::Result<Folder> {
        let template = std::env::temp_dir().join("concur-trace-XXXXXX");
        let mut bytes = template.into_os_string().into_vec();
        bytes.push(0);
        // SAFETY: mkdtemp rewrites the template's Xs in place, in a buffer that ends in NUL.
        if unsafe { libc::mkdtemp(bytes.as_mut_ptr().cast()) }.is_null() {
            return Err(std::io::Error::last_os_error());
        }
        bytes.pop();
        let dir = PathBuf::from(OsString::from_vec(bytes));
        let folder = Folder { dir };
        std::fs::create_dir(folder.tmp())?;
        std::fs::write(folder.dir.join("sitecustomize.py"), AGENT)?;
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
        let mut path = self.dir.clone().into_os_string();
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
        assert!(dir.join("sitecustomize.py").exists());
        let env = folder.environment("");
        let path = env.iter().find(|(k, _)| k == "PYTHONPATH").unwrap();
        assert!(Path::new(&path.1).starts_with(&dir));
        drop(folder);
        assert!(!dir.exists());
    }
}
