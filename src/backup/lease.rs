//! Leases: how backups and garbage collection share a repository (local or
//! remote, one machine or several) without a lock server.
//!
//! A backup's chunks are referenced by nothing until its manifest lands, so
//! a GC running meanwhile would take them for garbage. Each party therefore
//! writes a lease object (`leases/KIND-ID.json`) *first* and lists the
//! leases *second*:
//! - a backup proceeds only when it sees no live GC lease (else it removes
//!   its own and waits);
//! - a GC deletes only when it sees no live lease but its own (else it
//!   removes its own and deletes nothing).
//!
//! With read-after-write consistent listing (local files; S3 since 2020),
//! of two parties that race, the one that lists last sees the other's
//! lease, so a GC and a backup never both proceed. A backup refreshes its
//! lease while it runs; a lease not refreshed for `TTL_SECS` belongs to a
//! process that died and is ignored (and removed by the next GC). Two
//! backups never conflict: chunks are content-addressed and written whole,
//! manifests have unique ids.

use super::backend::{Backend, Listed, now_secs};
use super::{BackupError, BackupResult};
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use std::time::Duration;

/// A lease older than this (since its last refresh) is dead.
pub const TTL_SECS: i64 = 15 * 60;
/// How often a running backup refreshes its lease.
pub const REFRESH: Duration = Duration::from_secs(60);
/// How long a backup waits for a GC to finish before giving up.
pub const WAIT_FOR_GC: Duration = Duration::from_secs(600);

const DIR: &str = "leases";

/// What holds a lease.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// A backup being written.
    Backup,
    /// A garbage collection.
    Gc,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Body {
    kind: Kind,
    host: String,
    pid: u32,
    started: i64,
    refreshed: i64,
}

/// A held lease; `release` removes it (a dropped lease expires instead).
pub struct Lease {
    backend: Arc<dyn Backend>,
    path: String,
    refresher: Option<tokio::task::JoinHandle<()>>,
}

fn host() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|h| h.trim().to_string())
        .unwrap_or_default()
}

/// Whether another lease is alive now.
fn alive(l: &Listed, body: &Body, me: &str) -> bool {
    if l.path == me {
        return false;
    }
    // A lease of a process on this host that is gone is dead at once.
    if body.host == host()
        && body.pid != std::process::id()
        && !std::path::Path::new(&format!("/proc/{}", body.pid)).exists()
    {
        return false;
    }
    now_secs() - l.modified.max(body.refreshed) < TTL_SECS
}

async fn write(backend: &dyn Backend, path: &str, kind: Kind, started: i64) -> BackupResult<()> {
    let body = Body {
        kind,
        host: host(),
        pid: std::process::id(),
        started,
        refreshed: now_secs(),
    };
    let bytes = serde_json::to_vec(&body).map_err(|e| BackupError::Unsupported(e.to_string()))?;
    backend.put(path, bytes).await
}

/// Live leases other than `me`, with their kinds; dead ones are returned
/// apart so a GC can remove them.
async fn others(backend: &dyn Backend, me: &str) -> BackupResult<(Vec<Kind>, Vec<String>)> {
    let mut live = Vec::new();
    let mut dead = Vec::new();
    for l in backend.list(DIR).await? {
        if l.path == me {
            continue;
        }
        let Some(bytes) = backend.get(&l.path).await? else {
            continue;
        };
        match serde_json::from_slice::<Body>(&bytes) {
            Ok(b) if alive(&l, &b, me) => live.push(b.kind),
            _ => dead.push(l.path),
        }
    }
    Ok((live, dead))
}

impl Lease {
    /// Take a backup lease, waiting (up to `WAIT_FOR_GC`) while a GC runs.
    pub async fn backup(backend: Arc<dyn Backend>) -> BackupResult<Lease> {
        let path = format!("{DIR}/backup-{}.json", super::new_backup_id());
        let started = now_secs();
        let give_up = tokio::time::Instant::now() + WAIT_FOR_GC;
        loop {
            write(backend.as_ref(), &path, Kind::Backup, started).await?;
            let (live, _) = others(backend.as_ref(), &path).await?;
            if !live.contains(&Kind::Gc) {
                break;
            }
            backend.delete(&path).await?;
            if tokio::time::Instant::now() >= give_up {
                return Err(BackupError::Unsupported(format!(
                    "a garbage collection has been running in repository {} for over {} s; try again later",
                    backend.describe(),
                    WAIT_FOR_GC.as_secs()
                )));
            }
            tokio::time::sleep(Duration::from_secs(2)).await;
        }
        let (b, p) = (Arc::clone(&backend), path.clone());
        let refresher = tokio::spawn(async move {
            loop {
                tokio::time::sleep(REFRESH).await;
                let _ = write(b.as_ref(), &p, Kind::Backup, started).await;
            }
        });
        Ok(Lease {
            backend,
            path,
            refresher: Some(refresher),
        })
    }

    /// Take a GC lease; `None` when a backup (or another GC) is running,
    /// in which case nothing may be deleted now.
    pub async fn gc(backend: Arc<dyn Backend>) -> BackupResult<Option<Lease>> {
        let path = format!("{DIR}/gc-{}.json", super::new_backup_id());
        write(backend.as_ref(), &path, Kind::Gc, now_secs()).await?;
        let (live, dead) = others(backend.as_ref(), &path).await?;
        if !live.is_empty() {
            backend.delete(&path).await?;
            return Ok(None);
        }
        for d in dead {
            let _ = backend.delete(&d).await;
        }
        Ok(Some(Lease {
            backend,
            path,
            refresher: None,
        }))
    }

    /// Give the lease back.
    pub async fn release(mut self) {
        if let Some(r) = self.refresher.take() {
            r.abort();
        }
        let _ = self.backend.delete(&self.path).await;
    }
}

impl Drop for Lease {
    fn drop(&mut self) {
        if let Some(r) = self.refresher.take() {
            r.abort();
            // Not released (an error or a cancel unwound past it): a local
            // lease goes now; a remote one expires after TTL_SECS.
            if let Some(root) = self.backend.local_root() {
                let _ = std::fs::remove_file(root.join(&self.path));
            }
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::backup::backend::LocalBackend;

    #[tokio::test]
    async fn gc_and_backup_exclude_each_other() {
        let dir = tempfile::tempdir().unwrap();
        let b: Arc<dyn Backend> = Arc::new(LocalBackend::new(dir.path().to_path_buf()));
        let held = Lease::backup(Arc::clone(&b)).await.unwrap();
        assert!(
            Lease::gc(Arc::clone(&b)).await.unwrap().is_none(),
            "GC ran beside a backup"
        );
        assert!(b.list(DIR).await.unwrap().len() == 1, "the refused GC left its lease");
        held.release().await;
        let gc = Lease::gc(Arc::clone(&b)).await.unwrap().expect("GC after the backup");
        // A backup waits while the GC holds its lease, then proceeds.
        let b2 = Arc::clone(&b);
        let waiting = tokio::spawn(async move { Lease::backup(b2).await.unwrap().release().await });
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert!(!waiting.is_finished(), "a backup started beside a GC");
        gc.release().await;
        waiting.await.unwrap();
        assert!(b.list(DIR).await.unwrap().is_empty());
    }

    #[tokio::test]
    async fn a_stale_lease_does_not_block_gc() {
        let dir = tempfile::tempdir().unwrap();
        let b: Arc<dyn Backend> = Arc::new(LocalBackend::new(dir.path().to_path_buf()));
        let body = Body {
            kind: Kind::Backup,
            host: "elsewhere".into(),
            pid: 1,
            started: 0,
            refreshed: now_secs() - TTL_SECS - 5,
        };
        b.put("leases/backup-old.json", serde_json::to_vec(&body).unwrap())
            .await
            .unwrap();
        let path = dir.path().join("leases/backup-old.json");
        let old = std::time::SystemTime::now() - Duration::from_secs((TTL_SECS + 5) as u64);
        std::fs::File::options()
            .write(true)
            .open(&path)
            .unwrap()
            .set_modified(old)
            .unwrap();
        let gc = Lease::gc(Arc::clone(&b))
            .await
            .unwrap()
            .expect("a dead lease blocked GC");
        gc.release().await;
        assert!(b.list(DIR).await.unwrap().is_empty(), "the dead lease was not cleared");
    }
}
