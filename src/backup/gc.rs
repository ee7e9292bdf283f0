//! Garbage collection: delete chunks no manifest references, under a GC
//! lease (see `lease`), so a backup still being written never loses a chunk.

use super::lease::Lease;
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
    /// Nothing was deleted because a backup was being written.
    pub deferred: bool,
}

/// Remove every chunk not referenced by a complete manifest. Manifests that
/// do not parse keep nothing alive; a damaged manifest should be removed
/// with its backup first. While a backup is being written (its chunks are
/// not referenced until its manifest lands) nothing is deleted; the next GC
/// collects.
pub async fn collect(repo: &Repo) -> BackupResult<GcReport> {
    let Some(lease) = Lease::gc(std::sync::Arc::clone(&repo.backend)).await? else {
        return Ok(GcReport {
            deferred: true,
            ..GcReport::default()
        });
    };
    let result = sweep(repo).await;
    lease.release().await;
    result
}

async fn sweep(repo: &Repo) -> BackupResult<GcReport> {
    repo.backend.sweep_partial().await?;
    let mut live = HashSet::new();
    for id in repo.manifests.ids().await? {
        let m = repo.manifests.read(&id).await?;
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
