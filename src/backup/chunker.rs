//! Cut a key-ordered row stream into chunks at content-defined boundaries.
//!
//! A chunk ends after a row whose key hashes to a boundary value (once the
//! chunk holds at least `MIN_ROWS`), or when it reaches `MAX_ROWS` rows or
//! `MAX_BYTES` bytes. Boundaries depend on the keys only, so updating a row
//! rewrites just its own chunk, and inserting or deleting rows disturbs only
//! the neighbouring boundary: unchanged regions produce byte-identical
//! chunks across backups and dedupe. The expected chunk is about
//! `MIN_ROWS + 2^BOUNDARY_BITS` rows (~1,300). Scattered updates are
//! handled by storing a changed chunk as a delta against its previous
//! version (see `crypto`), so chunks can stay large: fewer files, better
//! compression and a small manifest.

use super::codec::encode_row;
use super::crypto::BackupKey;
use crate::db::Value;

/// Fewest rows in a chunk before a key boundary may cut it.
pub const MIN_ROWS: u64 = 256;
/// One row in 2^BOUNDARY_BITS is a boundary.
pub const BOUNDARY_BITS: u32 = 10;
/// Most rows in a chunk.
pub const MAX_ROWS: u64 = 16_384;
/// Most plaintext bytes in a chunk (soft: a single bigger row still fits).
pub const MAX_BYTES: usize = 1 << 20;

/// A finished chunk's plaintext.
#[derive(Debug, Clone, PartialEq)]
pub struct PlainChunk {
    /// Encoded rows.
    pub plain: Vec<u8>,
    /// Number of rows.
    pub rows: u64,
}

/// Accumulates rows; hands out chunks at boundaries; hashes the table.
pub struct Chunker<'k> {
    key: &'k BackupKey,
    key_idx: Vec<usize>,
    buf: Vec<u8>,
    rows_in_chunk: u64,
    table_hash: blake3::Hasher,
    scratch: Vec<u8>,
    /// Rows seen in total.
    pub total_rows: u64,
    /// Plaintext bytes seen in total.
    pub total_bytes: u64,
}

impl<'k> Chunker<'k> {
    /// A chunker whose boundaries follow the columns at `key_idx` (all
    /// columns when empty).
    pub fn new(key: &'k BackupKey, key_idx: Vec<usize>) -> Self {
        Self {
            key,
            key_idx,
            buf: Vec::with_capacity(64 << 10),
            rows_in_chunk: 0,
            table_hash: key.table_hasher(),
            scratch: Vec::new(),
            total_rows: 0,
            total_bytes: 0,
        }
    }

    /// Add a row; returns a chunk when this row closes one.
    pub fn push(&mut self, row: &[Value]) -> Option<PlainChunk> {
        let start = self.buf.len();
        encode_row(row, &mut self.buf);
        let encoded = &self.buf[start..];
        self.table_hash.update(encoded);
        self.total_bytes += encoded.len() as u64;
        self.total_rows += 1;
        self.rows_in_chunk += 1;
        let boundary = self.rows_in_chunk >= MIN_ROWS && self.is_boundary(row, start);
        if boundary || self.rows_in_chunk >= MAX_ROWS || self.buf.len() >= MAX_BYTES {
            return self.take();
        }
        None
    }

    fn is_boundary(&mut self, row: &[Value], start: usize) -> bool {
        let h = if self.key_idx.is_empty() {
            self.key.address(&self.buf[start..])
        } else {
            self.scratch.clear();
            let key: Vec<Value> = self.key_idx.iter().filter_map(|i| row.get(*i).cloned()).collect();
            encode_row(&key, &mut self.scratch);
            self.key.address(&self.scratch)
        };
        let mask = (1u32 << BOUNDARY_BITS) - 1;
        u32::from_le_bytes([h.0[0], h.0[1], h.0[2], h.0[3]]) & mask == 0
    }

    fn take(&mut self) -> Option<PlainChunk> {
        if self.rows_in_chunk == 0 {
            return None;
        }
        let rows = std::mem::take(&mut self.rows_in_chunk);
        let plain = std::mem::replace(&mut self.buf, Vec::with_capacity(64 << 10));
        Some(PlainChunk { plain, rows })
    }

    /// The last, partial chunk (if any) and the table hash (hex).
    pub fn finish(mut self) -> (Option<PlainChunk>, String) {
        let last = self.take();
        (last, self.table_hash.finalize().to_hex().to_string())
    }

    /// Close the chunk in progress, if it has rows.
    pub fn flush(&mut self) -> Option<PlainChunk> {
        self.take()
    }

    /// The table hash so far (hex).
    pub fn hash_hex(&self) -> String {
        self.table_hash.finalize().to_hex().to_string()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn rows(n: i64, changed: &[i64]) -> Vec<Vec<Value>> {
        (0..n)
            .map(|i| {
                let note = if changed.contains(&i) {
                    "changed"
                } else {
                    "original note text"
                };
                vec![Value::Int(i), Value::Text(format!("{note} {i}"))]
            })
            .collect()
    }

    fn chunk_all(key: &BackupKey, data: &[Vec<Value>]) -> (Vec<crate::backup::ChunkId>, String) {
        let mut c = Chunker::new(key, vec![0]);
        let mut ids = Vec::new();
        for r in data {
            if let Some(ch) = c.push(r) {
                ids.push(key.address(&ch.plain));
            }
        }
        let (last, hash) = c.finish();
        ids.extend(last.map(|ch| key.address(&ch.plain)));
        (ids, hash)
    }

    #[test]
    fn unchanged_data_gives_identical_chunks_and_hash() {
        let key = BackupKey::from_bytes(&[3; 32]);
        let a = chunk_all(&key, &rows(50_000, &[]));
        let b = chunk_all(&key, &rows(50_000, &[]));
        assert_eq!(a, b);
        let avg = 50_000 / a.0.len();
        assert!((600..4000).contains(&avg), "average chunk {avg} rows");
    }

    #[test]
    fn an_update_touches_one_chunk_and_an_insert_few() {
        let key = BackupKey::from_bytes(&[3; 32]);
        let (base, h0) = chunk_all(&key, &rows(20_000, &[]));
        let (upd, h1) = chunk_all(&key, &rows(20_000, &[12_345]));
        assert_ne!(h0, h1);
        let new: Vec<_> = upd.iter().filter(|c| !base.contains(c)).collect();
        assert_eq!(new.len(), 1, "an update rewrites exactly one chunk");
        let mut ins = rows(20_000, &[]);
        ins.insert(5_000, vec![Value::Int(4_999), Value::Text("dup key region".into())]);
        let (with_insert, _) = chunk_all(&key, &ins);
        let new: Vec<_> = with_insert.iter().filter(|c| !base.contains(c)).collect();
        assert!(new.len() <= 3, "an insert disturbed {} chunks", new.len());
    }
}
