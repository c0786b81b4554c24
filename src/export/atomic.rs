//! All-or-nothing output: files are written into a staging folder inside the output folder
//! and renamed into place only when every one of them was written.

use std::fs;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// A set of output files being written. Dropping it without [`Staging::commit`] removes
/// everything written so far and leaves the output folder as it was.
pub struct Staging {
    out: PathBuf,
    dir: PathBuf,
    files: Vec<PathBuf>,
    committed: bool,
    created_out: bool,
}

impl Staging {
    /// Creates the output folder if needed and a staging folder inside it.
    pub fn new(out: &Path) -> Result<Self> {
        if out.exists() && !out.is_dir() {
            return Err(Error::Output {
                path: out.to_owned(),
                message: "exists and is not a folder".into(),
            });
        }
        let created_out = !out.exists();
        fs::create_dir_all(out).map_err(|e| Error::io(out, "cannot create output folder", e))?;
        let dir = out.join(format!(".citybelt-staging-{}", std::process::id()));
        if dir.exists() {
            fs::remove_dir_all(&dir)
                .map_err(|e| Error::io(&dir, "cannot clear staging folder", e))?;
        }
        fs::create_dir_all(&dir).map_err(|e| Error::io(&dir, "cannot create staging folder", e))?;
        Ok(Staging {
            out: out.to_owned(),
            dir,
            files: Vec::new(),
            committed: false,
            created_out,
        })
    }

    /// Writes one file, `rel` being its path inside the output folder, through `write`.
    pub fn write(
        &mut self,
        rel: impl AsRef<Path>,
        write: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
    ) -> Result<()> {
        let target = self.out.join(rel.as_ref());
        self.write_path(rel, |tmp| {
            let file = fs::File::create(tmp).map_err(|e| Error::io(&target, "cannot write", e))?;
            let mut w = BufWriter::new(file);
            write(&mut w)
                .and_then(|()| w.flush())
                .map_err(|e| Error::io(&target, "cannot write", e))
        })
    }

    /// Writes one file, `rel` being its path inside the output folder, by handing `create`
    /// the staged path to create (for writers that need a path, such as SQLite).
    pub fn write_path(
        &mut self,
        rel: impl AsRef<Path>,
        create: impl FnOnce(&Path) -> Result<()>,
    ) -> Result<()> {
        let rel = rel.as_ref();
        let tmp = self.dir.join(rel);
        if let Some(parent) = tmp.parent() {
            fs::create_dir_all(parent).map_err(|e| Error::io(parent, "cannot create folder", e))?;
        }
        create(&tmp)?;
        self.files.push(rel.to_owned());
        Ok(())
    }

    /// The final path of `rel` inside the output folder.
    pub fn target(&self, rel: impl AsRef<Path>) -> PathBuf {
        self.out.join(rel)
    }

    /// Renames every staged file into place and removes the staging folder. Returns the
    /// final paths.
    pub fn commit(mut self) -> Result<Vec<PathBuf>> {
        // First make sure every target can be taken, so that a problem (a folder where a file
        // goes, a file where a folder goes) stops the run before anything is moved.
        for rel in &self.files {
            let target = self.out.join(rel);
            if let Some(parent) = target.parent() {
                fs::create_dir_all(parent)
                    .map_err(|e| Error::io(parent, "cannot create folder", e))?;
            }
            if target.is_dir() {
                return Err(Error::Output {
                    path: target,
                    message: "is a folder; expected a file or nothing".into(),
                });
            }
        }
        let mut done = Vec::with_capacity(self.files.len());
        for rel in &self.files {
            let target = self.out.join(rel);
            fs::rename(self.dir.join(rel), &target)
                .map_err(|e| Error::io(&target, "cannot move into place", e))?;
            done.push(target);
        }
        self.committed = true;
        let _ = fs::remove_dir_all(&self.dir);
        Ok(done)
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        if !self.committed {
            let _ = fs::remove_dir_all(&self.dir);
            if self.created_out {
                // Only removes the folder if nothing else is in it.
                let _ = fs::remove_dir(&self.out);
            }
        }
    }
}
