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

/// Remove every chunk not referenced by a complete manifest. Manifests that
/// do not parse keep nothing alive; a damaged manifest should be removed
/// with its backup first. Run while no backup is being written: a running
/// capture's chunks are not referenced until its manifest lands.
pub async fn collect(repo: &Repo) -> BackupResult<GcReport> {
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
