//! Loading one table's rows from its chunks through the session's bulk
//! path. Chunk k+1 is fetched and decrypted on a blocking thread while the
//! server takes chunk k.

use crate::backup::codec::decode_rows;
use crate::backup::crypto::BackupKey;
use crate::backup::manifest::TableEntry;
use crate::backup::progress::{Progress, ProgressTx, emit};
use crate::backup::read::fetch_sealed;
use crate::backup::{BackupError, BackupResult, ChunkStore};
use crate::db::{BulkBatch, BulkTarget, ErrorCode, Session};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

/// Where the load reports.
pub(super) struct LoadCtx<'a> {
    /// Chunk store.
    pub store: &'a dyn ChunkStore,
    /// Backup key.
    pub key: &'a BackupKey,
    /// Progress sink.
    pub progress: &'a ProgressTx,
    /// Cancellation.
    pub cancel: &'a CancellationToken,
    /// Backup id, for messages.
    pub backup: &'a str,
}

/// Load `entry` into `target`; `done` counts rows across tables for
/// progress. Returns the rows loaded.
pub(super) async fn load_table(
    session: &mut dyn Session,
    cx: &LoadCtx<'_>,
    entry: &TableEntry,
    target: &BulkTarget,
    done: &mut u64,
) -> BackupResult<u64> {
    if target.columns.is_empty() || entry.chunks.is_empty() {
        return Ok(0);
    }
    let ctx = format!("table {} of backup {}", entry.qualified(), cx.backup);
    let (tx, rx) = mpsc::channel::<BulkBatch>(2);
    let start = *done;
    let mut produced = 0u64;
    // Content is checked while loading (each chunk's tag and address as it
    // opens, the table's hash before the load ends); a mismatch fails the
    // load and the transaction rolls back.
    let mut hasher = Some(cx.key.table_hasher());
    let producer = async {
        let result: BackupResult<()> = async {
            for c in &entry.chunks {
                if cx.cancel.is_cancelled() {
                    return Err(BackupError::Cancelled);
                }
                let sealed = fetch_sealed(cx.store, c, &ctx).await?;
                let key = cx.key.clone();
                let mut h = hasher.take().unwrap_or_else(|| cx.key.table_hasher());
                let (rows, h) = tokio::task::spawn_blocking(move || {
                    let plain = sealed.open(&key)?;
                    h.update(&plain);
                    let rows = decode_rows(&plain).map_err(|e| BackupError::CorruptChunk {
                        id: sealed.chunk.id.to_hex(),
                        why: e.to_string(),
                    })?;
                    if rows.len() as u64 != sealed.chunk.rows {
                        return Err(BackupError::CorruptChunk {
                            id: sealed.chunk.id.to_hex(),
                            why: format!("holds {} rows, the manifest says {}", rows.len(), sealed.chunk.rows),
                        });
                    }
                    Ok((rows, h))
                })
                .await
                .map_err(|e| BackupError::Unsupported(format!("restore worker failed: {e}")))??;
                hasher = Some(h);
                produced += rows.len() as u64;
                emit(
                    cx.progress,
                    Progress::Rows {
                        done: start + produced,
                        bytes: 0,
                    },
                );
                if tx.send(Ok(rows)).await.is_err() {
                    // The load stopped; its own error says why.
                    break;
                }
            }
            let hash = hasher.take().map(|h| h.finalize().to_hex().to_string());
            if hash.as_deref() != Some(entry.hash.as_str()) {
                return Err(BackupError::CorruptManifest {
                    id: cx.backup.to_string(),
                    why: format!("table {} does not hash to the recorded value", entry.qualified()),
                });
            }
            Ok(())
        }
        .await;
        if let Err(e) = &result {
            let _ = tx.send(Err(e.to_string())).await;
        }
        drop(tx);
        result
    };
    let (loaded, produced_ok) = tokio::join!(session.bulk_load(target, rx), producer);
    produced_ok?;
    let n = match loaded {
        Ok(n) => n,
        Err(e) if cx.cancel.is_cancelled() || e.code == ErrorCode::QueryCancelled => {
            return Err(BackupError::Cancelled);
        }
        Err(e) => return Err(BackupError::Db(e)),
    };
    if n != entry.rows {
        return Err(BackupError::Unsupported(format!(
            "table {}: the target took {n} of the backup's {} rows; nothing was restored",
            entry.qualified(),
            entry.rows
        )));
    }
    *done = start + n;
    Ok(n)
}
