//! Reading rows back out of a backup.

use super::codec::decode_rows;
use super::crypto::{BackupKey, OpenError, base_of};
use super::manifest::{ChunkRef, TableEntry};
use super::{BackupError, BackupResult, ChunkStore};
use crate::db::Value;

async fn fetch(store: &dyn ChunkStore, id: &super::ChunkId, context: &str) -> BackupResult<Vec<u8>> {
    store.get(id).await.map_err(|e| match e {
        BackupError::MissingChunk { id, .. } => BackupError::MissingChunk {
            id,
            context: context.to_string(),
        },
        other => other,
    })
}

fn corrupt(id: &super::ChunkId, e: OpenError, context: &str) -> BackupError {
    BackupError::CorruptChunk {
        id: id.to_hex(),
        why: format!("{e}; referenced by {context}"),
    }
}

/// Fetch, decrypt and check one chunk (and its base, for a delta); errors
/// name the chunk and why.
pub async fn open_chunk(store: &dyn ChunkStore, key: &BackupKey, c: &ChunkRef, context: &str) -> BackupResult<Vec<u8>> {
    let sealed = fetch(store, &c.id, context).await?;
    let base_plain = match base_of(&sealed) {
        None => None,
        Some(b) => {
            let ctx = format!("{context} (base of chunk {})", c.id.to_hex());
            let base_sealed = fetch(store, &b, &ctx).await?;
            if base_of(&base_sealed).is_some() {
                return Err(corrupt(&b, OpenError::BadHeader, &ctx));
            }
            Some(key.open(&b, &base_sealed, None).map_err(|e| corrupt(&b, e, &ctx))?)
        }
    };
    key.open(&c.id, &sealed, base_plain.as_deref())
        .map_err(|e| corrupt(&c.id, e, context))
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
        id: c.id.to_hex(),
        why: e.to_string(),
    })?;
    if rows.len() as u64 != c.rows {
        return Err(BackupError::CorruptChunk {
            id: c.id.to_hex(),
            why: format!("holds {} rows, the manifest says {}", rows.len(), c.rows),
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
