//! Verify: every chunk of a backup is present, decrypts, matches its
//! address and row count, and each table's rows hash to the recorded hash.

use super::chunker::Chunker;
use super::crypto::BackupKey;
use super::manifest::Manifest;
use super::progress::{Progress, ProgressTx, emit};
use super::read::chunk_rows;
use super::{BackupError, BackupResult, ChunkStore};
use tokio_util::sync::CancellationToken;

/// What `verify` found: problems in order, empty when all is well.
#[derive(Debug, Clone, Default)]
pub struct VerifyReport {
    /// Chunks checked.
    pub chunks: u64,
    /// Rows decoded.
    pub rows: u64,
    /// Every problem found (it goes on after the first).
    pub problems: Vec<String>,
}

/// Check a (manifest-checked) backup; selective when `tables` is given.
pub async fn verify(
    store: &dyn ChunkStore,
    key: &BackupKey,
    m: &Manifest,
    tables: Option<&[String]>,
    progress: &ProgressTx,
    cancel: &CancellationToken,
) -> BackupResult<VerifyReport> {
    let chosen: Vec<_> = m
        .tables
        .iter()
        .filter(|t| tables.is_none_or(|w| w.iter().any(|n| t.matches(n) || t.qualified() == *n)))
        .collect();
    emit(
        progress,
        Progress::Start {
            phase: "verify",
            tables: chosen.len(),
            rows: chosen.iter().map(|t| t.rows).sum(),
        },
    );
    let mut rep = VerifyReport::default();
    for t in chosen {
        emit(
            progress,
            Progress::Table {
                name: t.qualified(),
                rows: t.rows,
            },
        );
        let ctx = format!("table {} of backup {}", t.qualified(), m.id);
        let mut chunker = Chunker::new(key, Vec::new());
        let mut ok = true;
        for c in &t.chunks {
            if cancel.is_cancelled() {
                return Err(BackupError::Cancelled);
            }
            rep.chunks += 1;
            match chunk_rows(store, key, c, &ctx).await {
                Ok(rows) => {
                    rep.rows += rows.len() as u64;
                    for r in &rows {
                        let _ = chunker.push(r);
                    }
                }
                Err(e) => {
                    ok = false;
                    rep.problems.push(e.to_string());
                }
            }
            emit(
                progress,
                Progress::Rows {
                    done: rep.rows,
                    bytes: 0,
                },
            );
        }
        if ok && chunker.hash_hex() != t.hash {
            rep.problems
                .push(format!("table {} does not hash to the recorded value", t.qualified()));
        }
    }
    emit(progress, Progress::Done);
    Ok(rep)
}

/// Fail on the first problem: used before restore, so nothing is changed
/// when any chunk is missing or damaged.
/// Every chunk (and delta base) of `tables` (qualified names) is in the
/// store: the cheap check before a restore, which checks content while it
/// loads and rolls back on a mismatch.
pub async fn present(store: &dyn ChunkStore, m: &Manifest, tables: &[String]) -> BackupResult<()> {
    for t in m.tables.iter().filter(|t| tables.iter().any(|w| *w == t.qualified())) {
        for c in &t.chunks {
            for id in std::iter::once(&c.id).chain(c.base.as_ref()) {
                if !store.contains(id).await? {
                    return Err(BackupError::MissingChunk {
                        id: id.to_hex(),
                        context: format!("table {} of backup {}", t.qualified(), m.id),
                    });
                }
            }
        }
    }
    Ok(())
}

/// Read and check every chunk of `tables` (qualified names).
pub async fn preflight(store: &dyn ChunkStore, key: &BackupKey, m: &Manifest, tables: &[String]) -> BackupResult<()> {
    for t in m.tables.iter().filter(|t| tables.iter().any(|w| *w == t.qualified())) {
        let ctx = format!("table {} of backup {}", t.qualified(), m.id);
        let mut chunker = Chunker::new(key, Vec::new());
        for c in &t.chunks {
            for r in chunk_rows(store, key, c, &ctx).await? {
                let _ = chunker.push(&r);
            }
        }
        if chunker.hash_hex() != t.hash {
            return Err(BackupError::CorruptManifest {
                id: m.id.clone(),
                why: format!("table {} does not hash to the recorded value", t.qualified()),
            });
        }
    }
    Ok(())
}
