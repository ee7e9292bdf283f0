//! Garbage collection: delete chunks no manifest references.

use super::{BackupResult, Repo};
use std::collections::HashSet;

/// What a GC pass removed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct GcReport {
    /// Chunks deleted.
    pub chunks: u64,
    /// Bytes freed.
    pub bytes: u64,
    /// Chunks kept.
    pub kept: u64,
}

/// Marks a capture in progress (`snapshots/running/PID`) so a concurrent
/// GC keeps its not-yet-referenced chunks; removed on drop.
pub struct RunningMark {
    path: std::path::PathBuf,
}

impl RunningMark {
    /// Mark this process as capturing into `repo`.
    pub fn new(repo: &Repo) -> BackupResult<RunningMark> {
        let dir = repo.root.join("running");
        std::fs::create_dir_all(&dir).map_err(|e| super::io_err("create", &dir, e))?;
        let path = dir.join(std::process::id().to_string());
        std::fs::write(&path, b"").map_err(|e| super::io_err("write", &path, e))?;
        Ok(RunningMark { path })
    }
}

impl Drop for RunningMark {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

/// Whether another live process is capturing into the repository.
fn capture_running(repo: &Repo) -> bool {
    let Ok(rd) = std::fs::read_dir(repo.root.join("running")) else {
        return false;
    };
    rd.flatten().any(|e| {
        let pid = e.file_name().to_string_lossy().to_string();
        let alive = pid != std::process::id().to_string() && std::path::Path::new(&format!("/proc/{pid}")).exists();
        if !alive && pid != std::process::id().to_string() {
            // Left by a killed capture.
            let _ = std::fs::remove_file(e.path());
        }
        alive
    })
}

/// Remove every chunk not referenced by a complete manifest. Manifests that
/// do not parse keep nothing alive; a damaged manifest should be removed
/// with its backup first. While another process is capturing (its chunks
/// are not referenced until its manifest lands) nothing is deleted; the
/// next GC collects.
pub async fn collect(repo: &Repo) -> BackupResult<GcReport> {
    if capture_running(repo) {
        return Ok(GcReport::default());
    }
    let mut live = HashSet::new();
    for id in repo.manifests.ids()? {
        let m = repo.manifests.read(&id)?;
        live.extend(m.chunk_ids().copied());
    }
    let mut rep = GcReport::default();
    for (id, size) in repo.chunks.list().await? {
        if live.contains(&id) {
            rep.kept += 1;
        } else {
            repo.chunks.remove(&id).await?;
            rep.chunks += 1;
            rep.bytes += size;
        }
    }
    Ok(rep)
}
