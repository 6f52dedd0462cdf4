//! A file a sink writes once, at the end of the stream (`--svg`, `--trace-out`).
//!
//! It is opened when the sink is made, so a path that cannot be written is
//! known before the run starts; it is written to a temporary file beside its
//! path, and renamed into place only once the run has ended well, so a failed
//! or interrupted run never leaves a half-written or emptied file.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// A file to be written whole at the end.
pub struct FileAtEnd {
    path: PathBuf,
    temporary: PathBuf,
    file: Option<File>,
}

impl FileAtEnd {
    /// Opens a temporary file beside `path`.
    ///
    /// # Errors
    /// The folder of `path` cannot be written.
    pub fn create(path: &Path) -> io::Result<FileAtEnd> {
        let name = path.file_name().ok_or_else(|| io::Error::other("it is not a file name"))?;
        if path.is_dir() {
            return Err(io::Error::other("it is a folder"));
        }
        let mut hidden = std::ffi::OsString::from(".");
        hidden.push(name);
        hidden.push(format!(".{}.tmp", std::process::id()));
        let temporary = path.with_file_name(hidden);
        let file = OpenOptions::new().write(true).create_new(true).open(&temporary)?;
        Ok(FileAtEnd { path: path.to_path_buf(), temporary, file: Some(file) })
    }

    /// The path the file will have.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Writes `bytes` as the whole file and puts it in place.
    ///
    /// # Errors
    /// The write, the flush to disk or the rename failed (the temporary file is removed).
    pub fn commit(&mut self, bytes: &[u8]) -> io::Result<()> {
        let Some(mut file) = self.file.take() else { return Ok(()) };
        file.write_all(bytes)?;
        file.sync_all()?;
        fs::rename(&self.temporary, &self.path)
    }
}

impl Drop for FileAtEnd {
    /// A run that did not end well leaves nothing behind.
    fn drop(&mut self) {
        let _ = fs::remove_file(&self.temporary);
    }
}
