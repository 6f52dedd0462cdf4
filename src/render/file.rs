//! A file a sink writes once, at the end of the stream (`--svg`, `--trace-out`).
//!
//! It is opened when the sink is made, so a path that cannot be written is
//! known before the run starts. It is written as a file with no name yet
//! (`O_TMPFILE`) in the folder of its path, and given its name only once the
//! run has ended well: a failed or interrupted run, whatever ends it (an error,
//! a signal, SIGKILL), never leaves a half-written or emptied file, nor a
//! temporary one. Where the file system has no unnamed files, a hidden
//! temporary file beside the path does the same, except after SIGKILL.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::os::fd::AsRawFd;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

/// A file to be written whole at the end.
pub struct FileAtEnd {
    path: PathBuf,
    /// The hidden name it is written under, if it has one before the end.
    temporary: Option<PathBuf>,
    file: Option<File>,
}

impl FileAtEnd {
    /// Opens a file without a name, or else a hidden temporary one, beside `path`.
    ///
    /// # Errors
    /// The folder of `path` cannot be written.
    pub fn create(path: &Path) -> io::Result<FileAtEnd> {
        if path.file_name().is_none() {
            return Err(io::Error::other("it is not a file name"));
        }
        if path.is_dir() {
            return Err(io::Error::other("it is a folder"));
        }
        let folder = match path.parent() {
            Some(dir) if !dir.as_os_str().is_empty() => dir,
            _ => Path::new("."),
        };
        let unnamed = OpenOptions::new().write(true).mode(0o644).custom_flags(libc::O_TMPFILE).open(folder);
        match unnamed {
            Ok(file) => Ok(FileAtEnd { path: path.to_path_buf(), temporary: None, file: Some(file) }),
            // Not every file system has unnamed files; then a named one.
            Err(err)
                if matches!(err.raw_os_error(), Some(libc::EOPNOTSUPP | libc::EISDIR | libc::EINVAL)) =>
            {
                let temporary = hidden_beside(path);
                let file = OpenOptions::new().write(true).create_new(true).open(&temporary)?;
                Ok(FileAtEnd { path: path.to_path_buf(), temporary: Some(temporary), file: Some(file) })
            }
            Err(err) => Err(err),
        }
    }

    /// The path the file will have.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Writes `bytes` as the whole file and puts it in place.
    ///
    /// # Errors
    /// The write, the flush to disk, the naming or the rename failed (nothing is left behind).
    pub fn commit(&mut self, bytes: &[u8]) -> io::Result<()> {
        let Some(mut file) = self.file.take() else { return Ok(()) };
        file.write_all(bytes)?;
        file.sync_all()?;
        if self.temporary.is_none() {
            // The unnamed file gets a hidden name for the moment of the rename.
            let temporary = hidden_beside(&self.path);
            let source = format!("/proc/self/fd/{}\0", file.as_raw_fd());
            let mut target = temporary.as_os_str().as_bytes().to_vec();
            target.push(0);
            // SAFETY: both paths are NUL-terminated buffers that outlive the call.
            let linked = unsafe {
                libc::linkat(
                    libc::AT_FDCWD,
                    source.as_ptr().cast(),
                    libc::AT_FDCWD,
                    target.as_ptr().cast(),
                    libc::AT_SYMLINK_FOLLOW,
                )
            };
            if linked != 0 {
                return Err(io::Error::last_os_error());
            }
            self.temporary = Some(temporary);
        }
        let temporary = self.temporary.as_ref().expect("named above");
        fs::rename(temporary, &self.path)?;
        self.temporary = None;
        Ok(())
    }
}

/// A hidden name beside `path`, this process's own.
fn hidden_beside(path: &Path) -> PathBuf {
    let mut hidden = std::ffi::OsString::from(".");
    hidden.push(path.file_name().expect("checked in create"));
    hidden.push(format!(".{}.tmp", std::process::id()));
    path.with_file_name(hidden)
}

impl Drop for FileAtEnd {
    /// A run that did not end well leaves nothing behind.
    fn drop(&mut self) {
        if let Some(temporary) = &self.temporary {
            let _ = fs::remove_file(temporary);
        }
    }
}
