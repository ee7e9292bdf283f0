//! A repository in a local folder (`.dbnexus/snapshots/` by default).
//! Objects are written to a temp file, synced and renamed into place.

use super::{Backend, Listed};
use crate::backup::{BackupResult, io_err};
use async_trait::async_trait;
use std::path::{Path, PathBuf};

/// Objects as files under `root`.
#[derive(Debug, Clone)]
pub struct LocalBackend {
    root: PathBuf,
}

impl LocalBackend {
    /// A repository rooted at `root` (created on first write).
    pub fn new(root: PathBuf) -> Self {
        Self { root }
    }

    fn file(&self, path: &str) -> PathBuf {
        self.root.join(path)
    }
}

fn walk(dir: &Path, rel: &str, out: &mut Vec<Listed>) -> std::io::Result<()> {
    let rd = match std::fs::read_dir(dir) {
        Ok(r) => r,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(e),
    };
    for e in rd.flatten() {
        let name = e.file_name().to_string_lossy().to_string();
        let path = if rel.is_empty() {
            name.clone()
        } else {
            format!("{rel}/{name}")
        };
        let meta = match e.metadata() {
            Ok(m) => m,
            Err(_) => continue,
        };
        if meta.is_dir() {
            walk(&e.path(), &path, out)?;
        } else if name.starts_with('.') {
            // A temp file of a write in progress or killed: not an object.
            continue;
        } else {
            let modified = meta
                .modified()
                .ok()
                .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                .map(|d| d.as_secs() as i64)
                .unwrap_or(0);
            out.push(Listed {
                path,
                size: meta.len(),
                modified,
            });
        }
    }
    Ok(())
}

#[async_trait]
impl Backend for LocalBackend {
    async fn put(&self, path: &str, bytes: Vec<u8>) -> BackupResult<()> {
        let dest = self.file(path);
        crate::fsutil::write_atomic(&dest, &bytes).map_err(|e| io_err("write", &dest, e))
    }

    async fn get(&self, path: &str) -> BackupResult<Option<Vec<u8>>> {
        let f = self.file(path);
        match std::fs::read(&f) {
            Ok(b) => Ok(Some(b)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(io_err("read", &f, e)),
        }
    }

    async fn exists(&self, path: &str) -> BackupResult<bool> {
        Ok(self.file(path).exists())
    }

    async fn list(&self, prefix: &str) -> BackupResult<Vec<Listed>> {
        let mut out = Vec::new();
        let dir = self.file(prefix);
        walk(&dir, prefix, &mut out).map_err(|e| io_err("list", &dir, e))?;
        Ok(out)
    }

    async fn delete(&self, path: &str) -> BackupResult<()> {
        let f = self.file(path);
        match std::fs::remove_file(&f) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(io_err("remove", &f, e)),
        }
    }

    async fn sweep_partial(&self) -> BackupResult<()> {
        for d in ["chunks", "manifests"] {
            crate::fsutil::sweep_temp_files(&self.root.join(d));
        }
        Ok(())
    }

    fn describe(&self) -> String {
        self.root.display().to_string()
    }

    fn local_root(&self) -> Option<&Path> {
        Some(&self.root)
    }
}
