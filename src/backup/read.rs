//! Reading rows back out of a backup.

use super::codec::decode_rows;
use super::crypto::{BackupKey, OpenError};
use super::manifest::{ChunkRef, TableEntry};
use super::{BackupError, BackupResult, ChunkStore};
use crate::db::Value;

/// Fetch, decrypt and check one chunk; errors name the chunk and why.
pub async fn open_chunk(store: &dyn ChunkStore, key: &BackupKey, c: &ChunkRef, context: &str) -> BackupResult<Vec<u8>> {
    let sealed = store.get(&c.0).await.map_err(|e| match e {
        BackupError::MissingChunk { id, .. } => BackupError::MissingChunk {
            id,
            context: context.to_string(),
        },
        other => other,
    })?;
    key.open(&c.0, &sealed, 0).map_err(|e| BackupError::CorruptChunk {
        id: c.0.to_hex(),
        why: match e {
            OpenError::Auth => format!("{e}; referenced by {context}"),
            other => format!("{other}; referenced by {context}"),
        },
    })
}

/// Decode one chunk into rows, checking the row count.
pub async fn chunk_rows(
    store: &dyn ChunkStore,
    key: &BackupKey,
    c: &ChunkRef,
    context: &str,
) -> BackupResult<Vec<Vec<Value>>> {
    let plain = open_chunk(store, key, c, context).await?;
    let rows = decode_rows(&plain).map_err(|e| BackupError::CorruptChunk {
        id: c.0.to_hex(),
        why: e.to_string(),
    })?;
    if rows.len() as u64 != c.1 {
        return Err(BackupError::CorruptChunk {
            id: c.0.to_hex(),
            why: format!("holds {} rows, the manifest says {}", rows.len(), c.1),
        });
    }
    Ok(rows)
}

/// Every row of a table, in backup (key) order.
pub async fn table_rows(store: &dyn ChunkStore, key: &BackupKey, t: &TableEntry) -> BackupResult<Vec<Vec<Value>>> {
    let ctx = format!("table {}", t.qualified());
    let mut out = Vec::with_capacity(t.rows as usize);
    for c in &t.chunks {
        out.extend(chunk_rows(store, key, c, &ctx).await?);
    }
    Ok(out)
}
