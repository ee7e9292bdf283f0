//! The manifest: what a backup holds and how to read it back. Written last
//! and atomically (temp file + rename), so a backup without a manifest does
//! not exist as far as every reader is concerned.
//!
//! The manifest is plain JSON: table names, columns, row counts and chunk
//! addresses are visible to whoever holds the directory; row data is not
//! (it lives only in the encrypted chunks). A keyed MAC over the body
//! detects tampering and a wrong key.

use super::crypto::BackupKey;
use super::store::ChunkId;
use super::{BackupError, BackupResult};
use crate::db::Engine;
use crate::schema::Schema;
use serde::{Deserialize, Serialize};

/// Highest manifest format this build reads and the one it writes.
/// 2: sequence positions and AUTO_INCREMENT counters (`counters`).
pub const FORMAT_VERSION: u32 = 2;

/// One backup's manifest.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    /// Format version; newer than `FORMAT_VERSION` is refused.
    pub format_version: u32,
    /// The dbn version that wrote it.
    pub dbn_version: String,
    /// Backup id.
    pub id: String,
    /// Creation time, RFC 3339 UTC.
    pub created_at: String,
    /// Connection name it was taken from.
    pub connection: String,
    /// Engine of the source.
    pub engine: Engine,
    /// Server version string.
    pub server_version: String,
    /// Optional user label.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// Fingerprint of the key the chunks are sealed with.
    pub key_fingerprint: String,
    /// Whole database structure at capture time.
    pub schema: Schema,
    /// Captured tables, in capture order.
    pub tables: Vec<TableEntry>,
    /// Sequence positions and auto-increment counters at capture time.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub counters: Vec<super::counters::Counter>,
    /// Milliseconds the capture took.
    pub duration_ms: u64,
    /// Keyed MAC over the manifest with this field empty.
    #[serde(default)]
    pub mac: String,
    /// The JSON as read from the repository, for the MAC check.
    #[serde(skip)]
    pub raw: Option<serde_json::Value>,
}

fn mac_bytes(mut v: serde_json::Value) -> Result<Vec<u8>, serde_json::Error> {
    if let Some(o) = v.as_object_mut() {
        o.insert("mac".into(), serde_json::Value::String(String::new()));
    }
    serde_json::to_vec(&v)
}

/// One table in a backup.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TableEntry {
    /// Schema (namespace).
    pub schema: String,
    /// Table name.
    pub name: String,
    /// Column names in row order.
    pub columns: Vec<String>,
    /// Column type names, parallel to `columns`.
    pub types: Vec<String>,
    /// Key columns the rows are ordered by (empty: no key; whole rows compare).
    pub key: Vec<String>,
    /// Row count.
    pub rows: u64,
    /// Keyed BLAKE3 over the encoded rows in order.
    pub hash: String,
    /// Plaintext bytes.
    pub bytes: u64,
    /// Chunks in order: address and row count.
    pub chunks: Vec<ChunkRef>,
}

impl TableEntry {
    /// `schema.name`.
    pub fn qualified(&self) -> String {
        format!("{}.{}", self.schema, self.name)
    }

    /// Whether a user-written name (`t` or `s.t`) means this table.
    pub fn matches(&self, written: &str) -> bool {
        match written.split_once('.') {
            Some((s, n)) => s == self.schema && n == self.name,
            None => written == self.name,
        }
    }

    /// Positions of the key columns in the row.
    pub fn key_index(&self) -> Vec<usize> {
        self.key
            .iter()
            .filter_map(|k| self.columns.iter().position(|c| c == k))
            .collect()
    }
}

/// A chunk reference. In JSON `[address, rows]`, or `[address, rows, base]`
/// for a chunk stored as a delta, to keep manifests small.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChunkRef {
    /// Address of the chunk.
    pub id: ChunkId,
    /// Rows in it.
    pub rows: u64,
    /// The full chunk it is stored as a delta against (kept alive by GC).
    pub base: Option<ChunkId>,
}

impl Serialize for ChunkRef {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeSeq;
        let mut seq = s.serialize_seq(Some(if self.base.is_some() { 3 } else { 2 }))?;
        seq.serialize_element(&self.id)?;
        seq.serialize_element(&self.rows)?;
        if let Some(b) = &self.base {
            seq.serialize_element(b)?;
        }
        seq.end()
    }
}

impl<'de> Deserialize<'de> for ChunkRef {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = ChunkRef;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("[chunk id, rows] or [chunk id, rows, base id]")
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut a: A) -> Result<ChunkRef, A::Error> {
                let id = a
                    .next_element()?
                    .ok_or_else(|| serde::de::Error::invalid_length(0, &self))?;
                let rows = a
                    .next_element()?
                    .ok_or_else(|| serde::de::Error::invalid_length(1, &self))?;
                let base = a.next_element()?;
                Ok(ChunkRef { id, rows, base })
            }
        }
        d.deserialize_seq(V)
    }
}

impl Manifest {
    /// Total rows.
    pub fn total_rows(&self) -> u64 {
        self.tables.iter().map(|t| t.rows).sum()
    }

    /// Total plaintext bytes.
    pub fn total_bytes(&self) -> u64 {
        self.tables.iter().map(|t| t.bytes).sum()
    }

    /// Every chunk referenced, delta bases included.
    pub fn chunk_ids(&self) -> impl Iterator<Item = &ChunkId> {
        self.tables.iter().flat_map(|t| {
            t.chunks
                .iter()
                .flat_map(|c| std::iter::once(&c.id).chain(c.base.as_ref()))
        })
    }

    /// A table by user-written name.
    pub fn table(&self, written: &str) -> Option<&TableEntry> {
        let exact = self.tables.iter().find(|t| t.qualified() == written);
        exact.or_else(|| {
            let preferred = ["public", "main"];
            self.tables
                .iter()
                .filter(|t| t.matches(written))
                .min_by_key(|t| !preferred.contains(&t.schema.as_str()))
        })
    }

    /// The MAC covers the manifest's JSON form with `mac` empty. Computed
    /// on the JSON value (keys in stored order) rather than on this struct,
    /// so fields added to the schema model later do not change the bytes of
    /// a stored manifest and break its MAC.
    fn mac_input(&self) -> BackupResult<Vec<u8>> {
        let bad = |e: serde_json::Error| BackupError::CorruptManifest {
            id: self.id.clone(),
            why: e.to_string(),
        };
        let v = match &self.raw {
            Some(raw) => raw.clone(),
            None => serde_json::to_value(self).map_err(bad)?,
        };
        mac_bytes(v).map_err(bad)
    }

    /// Set the MAC for `key`.
    pub fn seal(&mut self, key: &BackupKey) -> BackupResult<()> {
        self.raw = None;
        self.mac = key.mac(&self.mac_input()?);
        Ok(())
    }

    /// Check version, key fingerprint and MAC, naming the problem.
    pub fn check(&self, key: &BackupKey) -> BackupResult<()> {
        if self.format_version > FORMAT_VERSION {
            return Err(BackupError::TooNew {
                id: self.id.clone(),
                found: self.format_version,
                supported: FORMAT_VERSION,
            });
        }
        if self.key_fingerprint != key.fingerprint() {
            return Err(BackupError::WrongKey {
                id: self.id.clone(),
                expected: self.key_fingerprint.clone(),
                found: key.fingerprint().to_string(),
            });
        }
        if key.mac(&self.mac_input()?) != self.mac {
            return Err(BackupError::CorruptManifest {
                id: self.id.clone(),
                why: "its MAC does not match (edited or damaged)".into(),
            });
        }
        Ok(())
    }
}

/// Manifests of a repository: `manifests/ID.json`.
#[derive(Clone)]
pub struct ManifestStore {
    backend: std::sync::Arc<dyn super::backend::Backend>,
}

impl ManifestStore {
    /// Manifests in `backend`.
    pub fn new(backend: std::sync::Arc<dyn super::backend::Backend>) -> Self {
        Self { backend }
    }

    fn path_of(id: &str) -> String {
        format!("manifests/{id}.json")
    }

    /// Write it whole (a reader never sees part of it); returns its size.
    pub async fn write(&self, m: &Manifest) -> BackupResult<u64> {
        let body = serde_json::to_vec(m).map_err(|e| BackupError::CorruptManifest {
            id: m.id.clone(),
            why: e.to_string(),
        })?;
        let len = body.len() as u64;
        self.backend.put(&Self::path_of(&m.id), body).await?;
        Ok(len)
    }

    /// Read a manifest by exact id (no checks beyond parsing).
    pub async fn read(&self, id: &str) -> BackupResult<Manifest> {
        let text = self
            .backend
            .get(&Self::path_of(id))
            .await?
            .ok_or_else(|| BackupError::NotFound(id.to_string()))?;
        parse(id, &text)
    }

    /// Ids of every complete manifest, oldest first.
    pub async fn ids(&self) -> BackupResult<Vec<String>> {
        let mut out: Vec<String> = self
            .backend
            .list("manifests")
            .await?
            .into_iter()
            .filter_map(|l| {
                let name = l.path.rsplit('/').next()?.to_string();
                let id = name.strip_suffix(".json")?;
                (!name.starts_with('.')).then(|| id.to_string())
            })
            .collect();
        out.sort();
        Ok(out)
    }

    /// Resolve a full id or unique prefix.
    pub async fn resolve(&self, written: &str) -> BackupResult<String> {
        let ids = self.ids().await?;
        if ids.iter().any(|i| i == written) {
            return Ok(written.to_string());
        }
        let hits: Vec<&String> = ids.iter().filter(|i| i.starts_with(written)).collect();
        match hits.as_slice() {
            [one] => Ok((*one).clone()),
            [] => Err(BackupError::NotFound(written.to_string())),
            many => Err(BackupError::Ambiguous {
                prefix: written.to_string(),
                matches: many.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", "),
            }),
        }
    }

    /// Delete a manifest.
    pub async fn remove(&self, id: &str) -> BackupResult<()> {
        self.backend.delete(&Self::path_of(id)).await
    }
}

fn parse(id: &str, bytes: &[u8]) -> BackupResult<Manifest> {
    // Peek at the version first so a newer format is reported as such, not
    // as a parse error.
    let v: serde_json::Value = serde_json::from_slice(bytes).map_err(|e| BackupError::CorruptManifest {
        id: id.to_string(),
        why: format!("not valid JSON ({e})"),
    })?;
    let found = v.get("format_version").and_then(|x| x.as_u64()).unwrap_or(0) as u32;
    if found > FORMAT_VERSION {
        return Err(BackupError::TooNew {
            id: id.to_string(),
            found,
            supported: FORMAT_VERSION,
        });
    }
    let mut m: Manifest = serde_json::from_value(v.clone()).map_err(|e| BackupError::CorruptManifest {
        id: id.to_string(),
        why: e.to_string(),
    })?;
    m.raw = Some(v);
    Ok(m)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    pub(crate) fn sample(key: &BackupKey) -> Manifest {
        let mut m = Manifest {
            format_version: FORMAT_VERSION,
            dbn_version: env!("CARGO_PKG_VERSION").into(),
            id: "20261123T000000Z-abcd".into(),
            created_at: "2026-11-23T00:00:00.000Z".into(),
            connection: "c".into(),
            engine: Engine::Sqlite,
            server_version: "SQLite 3".into(),
            label: None,
            key_fingerprint: key.fingerprint().into(),
            schema: Schema::empty(Engine::Sqlite),
            tables: vec![TableEntry {
                schema: "main".into(),
                name: "t".into(),
                columns: vec!["id".into()],
                types: vec!["INTEGER".into()],
                key: vec!["id".into()],
                rows: 1,
                hash: "h".into(),
                bytes: 3,
                chunks: vec![
                    ChunkRef {
                        id: ChunkId([1; 32]),
                        rows: 1,
                        base: None,
                    },
                    ChunkRef {
                        id: ChunkId([2; 32]),
                        rows: 1,
                        base: Some(ChunkId([1; 32])),
                    },
                ],
            }],
            counters: Vec::new(),
            duration_ms: 1,
            mac: String::new(),
            raw: None,
        };
        m.seal(key).unwrap();
        m
    }

    fn store(dir: &std::path::Path) -> ManifestStore {
        ManifestStore::new(std::sync::Arc::new(crate::backup::backend::LocalBackend::new(
            dir.to_path_buf(),
        )))
    }

    #[tokio::test]
    async fn write_read_check_and_tamper() {
        let dir = tempfile::tempdir().unwrap();
        let ms = store(dir.path());
        let key = BackupKey::from_bytes(&[1; 32]);
        let m = sample(&key);
        ms.write(&m).await.unwrap();
        assert_eq!(ms.ids().await.unwrap(), vec![m.id.clone()]);
        assert_eq!(ms.resolve("2026").await.unwrap(), m.id);
        let mut back = ms.read(&m.id).await.unwrap();
        assert!(back.raw.is_some());
        back.raw = None;
        assert_eq!(back, m);
        let back = ms.read(&m.id).await.unwrap();
        back.check(&key).unwrap();
        let other = BackupKey::from_bytes(&[2; 32]);
        assert!(matches!(back.check(&other), Err(BackupError::WrongKey { .. })));
        let mut edited = back.clone();
        edited.raw = None;
        edited.tables[0].rows = 2;
        assert!(matches!(edited.check(&key), Err(BackupError::CorruptManifest { .. })));
    }

    #[tokio::test]
    async fn newer_format_is_named() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("manifests")).unwrap();
        std::fs::write(
            dir.path().join("manifests/x.json"),
            br#"{"format_version": 99, "whatever": true}"#,
        )
        .unwrap();
        let ms = store(dir.path());
        let err = ms.read("x").await.unwrap_err();
        assert!(matches!(err, BackupError::TooNew { found: 99, .. }), "{err}");
        assert!(err.to_string().contains("upgrade dbn"));
    }
}
