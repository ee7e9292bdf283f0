//! Where sealed chunks live. Capture, diff and restore only see the
//! `ChunkStore` trait, so an object store (S3 through the object_store
//! crate) can be added as another implementation.

use super::{BackupError, BackupResult, io_err};
use async_trait::async_trait;
use std::fmt;
use std::path::{Path, PathBuf};

/// A chunk address: 32 bytes of keyed BLAKE3.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ChunkId(pub [u8; 32]);

impl ChunkId {
    /// Lowercase hex.
    pub fn to_hex(&self) -> String {
        hex::encode(self.0)
    }

    /// Parse 64 hex characters.
    pub fn from_hex(s: &str) -> Option<ChunkId> {
        let v = hex::decode(s).ok()?;
        Some(ChunkId(v.as_slice().try_into().ok()?))
    }
}

impl fmt::Debug for ChunkId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ChunkId({})", &self.to_hex()[..12])
    }
}

impl fmt::Display for ChunkId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_hex())
    }
}

impl serde::Serialize for ChunkId {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_hex())
    }
}

impl<'de> serde::Deserialize<'de> for ChunkId {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        ChunkId::from_hex(&s).ok_or_else(|| serde::de::Error::custom(format!("bad chunk id '{s}'")))
    }
}

/// Content-addressed storage of sealed chunks.
#[async_trait]
pub trait ChunkStore: Send + Sync {
    /// Store a chunk under its id; returns false when it was already there
    /// (identical content, so nothing is written).
    async fn put(&self, id: &ChunkId, sealed: &[u8]) -> BackupResult<bool>;
    /// Read a chunk; `MissingChunk` when absent.
    async fn get(&self, id: &ChunkId) -> BackupResult<Vec<u8>>;
    /// Whether a chunk exists.
    async fn contains(&self, id: &ChunkId) -> BackupResult<bool>;
    /// Every stored chunk id with its stored size in bytes.
    async fn list(&self) -> BackupResult<Vec<(ChunkId, u64)>>;
    /// Delete a chunk (no error when absent).
    async fn remove(&self, id: &ChunkId) -> BackupResult<()>;
}

/// Chunks as objects of a repository backend: `chunks/ab/abcdef...`.
pub struct BackendChunks {
    backend: std::sync::Arc<dyn super::backend::Backend>,
}

impl BackendChunks {
    /// Chunks in `backend`.
    pub fn new(backend: std::sync::Arc<dyn super::backend::Backend>) -> Self {
        Self { backend }
    }

    fn path(id: &ChunkId) -> String {
        let h = id.to_hex();
        format!("chunks/{}/{h}", &h[..2])
    }
}

#[async_trait]
impl ChunkStore for BackendChunks {
    async fn put(&self, id: &ChunkId, sealed: &[u8]) -> BackupResult<bool> {
        let path = Self::path(id);
        if self.backend.exists(&path).await? {
            return Ok(false);
        }
        self.backend.put(&path, sealed.to_vec()).await?;
        Ok(true)
    }

    async fn get(&self, id: &ChunkId) -> BackupResult<Vec<u8>> {
        let path = Self::path(id);
        self.backend.get(&path).await?.ok_or_else(|| BackupError::MissingChunk {
            id: id.to_hex(),
            context: format!("expected at {}/{path}", self.backend.describe()),
        })
    }

    async fn contains(&self, id: &ChunkId) -> BackupResult<bool> {
        self.backend.exists(&Self::path(id)).await
    }

    async fn list(&self) -> BackupResult<Vec<(ChunkId, u64)>> {
        Ok(self
            .backend
            .list("chunks")
            .await?
            .into_iter()
            .filter_map(|l| {
                let name = l.path.rsplit('/').next()?;
                Some((ChunkId::from_hex(name)?, l.size))
            })
            .collect())
    }

    async fn remove(&self, id: &ChunkId) -> BackupResult<()> {
        self.backend.delete(&Self::path(id)).await
    }
}

/// Chunks as files: `DIR/ab/abcdef...`, written to a temp file and renamed,
/// so a crash never leaves a partial chunk under a valid name.
#[derive(Debug, Clone)]
pub struct LocalDirStore {
    root: PathBuf,
}

impl LocalDirStore {
    /// A store rooted at `root` (created on first write).
    pub fn new(root: PathBuf) -> Self {
        Self { root }
    }

    /// Root directory.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Path of a chunk file.
    pub fn path_of(&self, id: &ChunkId) -> PathBuf {
        let h = id.to_hex();
        self.root.join(&h[..2]).join(h)
    }
}

#[async_trait]
impl ChunkStore for LocalDirStore {
    async fn put(&self, id: &ChunkId, sealed: &[u8]) -> BackupResult<bool> {
        let path = self.path_of(id);
        if path.exists() {
            return Ok(false);
        }
        // Content-addressed: a chunk another writer put first is the same bytes.
        crate::fsutil::write_atomic_new(&path, sealed).map_err(|e| io_err("write", &path, e))
    }

    async fn get(&self, id: &ChunkId) -> BackupResult<Vec<u8>> {
        let path = self.path_of(id);
        std::fs::read(&path).map_err(|e| {
            if e.kind() == std::io::ErrorKind::NotFound {
                BackupError::MissingChunk {
                    id: id.to_hex(),
                    context: format!("expected at {}", path.display()),
                }
            } else {
                io_err("read", &path, e)
            }
        })
    }

    async fn contains(&self, id: &ChunkId) -> BackupResult<bool> {
        Ok(self.path_of(id).exists())
    }

    async fn list(&self) -> BackupResult<Vec<(ChunkId, u64)>> {
        let mut out = Vec::new();
        let top = match std::fs::read_dir(&self.root) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(out),
            Err(e) => return Err(io_err("list", &self.root, e)),
        };
        for sub in top.flatten() {
            let Ok(files) = std::fs::read_dir(sub.path()) else {
                continue;
            };
            for f in files.flatten() {
                let name = f.file_name();
                let name = name.to_string_lossy();
                if name.ends_with(".tmp") {
                    // Left by a killed writer; it is garbage.
                    let _ = std::fs::remove_file(f.path());
                    continue;
                }
                if let Some(id) = ChunkId::from_hex(&name) {
                    let len = f.metadata().map(|m| m.len()).unwrap_or(0);
                    out.push((id, len));
                }
            }
        }
        Ok(out)
    }

    async fn remove(&self, id: &ChunkId) -> BackupResult<()> {
        let path = self.path_of(id);
        match std::fs::remove_file(&path) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(io_err("remove", &path, e)),
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn put_is_idempotent_and_listable() {
        let dir = tempfile::tempdir().unwrap();
        let s = LocalDirStore::new(dir.path().join("chunks"));
        let id = ChunkId([7; 32]);
        assert!(s.put(&id, b"abc").await.unwrap());
        assert!(!s.put(&id, b"abc").await.unwrap());
        assert_eq!(s.get(&id).await.unwrap(), b"abc");
        assert_eq!(s.list().await.unwrap(), vec![(id, 3)]);
        s.remove(&id).await.unwrap();
        assert!(matches!(s.get(&id).await, Err(BackupError::MissingChunk { .. })));
        assert!(!s.contains(&id).await.unwrap());
    }
}
