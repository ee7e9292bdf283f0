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

/// A chunk's stored bytes (and its base's, for a delta), fetched but not
/// yet opened: opening is CPU work that callers may move off the runtime.
pub struct Sealed {
    /// The chunk reference.
    pub chunk: ChunkRef,
    /// Stored bytes.
    pub bytes: Vec<u8>,
    /// Base id and stored bytes, for a delta chunk.
    pub base: Option<(super::ChunkId, Vec<u8>)>,
    /// What references the chunk, for messages.
    pub context: String,
}

/// Fetch a chunk's bytes (and its base's).
pub async fn fetch_sealed(store: &dyn ChunkStore, c: &ChunkRef, context: &str) -> BackupResult<Sealed> {
    let bytes = fetch(store, &c.id, context).await?;
    let base = match base_of(&bytes) {
        None => None,
        Some(b) => {
            let ctx = format!("{context} (base of chunk {})", c.id.to_hex());
            Some((b, fetch(store, &b, &ctx).await?))
        }
    };
    Ok(Sealed {
        chunk: *c,
        bytes,
        base,
        context: context.to_string(),
    })
}

impl Sealed {
    /// Decrypt and check (base first); the plaintext.
    pub fn open(&self, key: &BackupKey) -> BackupResult<Vec<u8>> {
        let base_plain = match &self.base {
            None => None,
            Some((b, bytes)) => {
                let ctx = format!("{} (base of chunk {})", self.context, self.chunk.id.to_hex());
                if base_of(bytes).is_some() {
                    return Err(corrupt(b, OpenError::BadHeader, &ctx));
                }
                Some(key.open(b, bytes, None).map_err(|e| corrupt(b, e, &ctx))?)
            }
        };
        key.open(&self.chunk.id, &self.bytes, base_plain.as_deref())
            .map_err(|e| corrupt(&self.chunk.id, e, &self.context))
    }

    /// Open and decode into rows, checking the row count.
    pub fn rows(&self, key: &BackupKey) -> BackupResult<Vec<Vec<Value>>> {
        let c = &self.chunk;
        let rows = decode_rows(&self.open(key)?).map_err(|e| BackupError::CorruptChunk {
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
}

/// Fetch, decrypt and check one chunk (and its base, for a delta); errors
/// name the chunk and why.
pub async fn open_chunk(store: &dyn ChunkStore, key: &BackupKey, c: &ChunkRef, context: &str) -> BackupResult<Vec<u8>> {
    fetch_sealed(store, c, context).await?.open(key)
}

/// Decode one chunk into rows, checking the row count.
pub async fn chunk_rows(
    store: &dyn ChunkStore,
    key: &BackupKey,
    c: &ChunkRef,
    context: &str,
) -> BackupResult<Vec<Vec<Value>>> {
    fetch_sealed(store, c, context).await?.rows(key)
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
