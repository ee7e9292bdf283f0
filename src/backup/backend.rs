//! Where a repository's objects live: a local folder or an S3-compatible
//! object store. Chunks, manifests and leases are named objects
//! (`chunks/ab/abcd...`, `manifests/ID.json`, `leases/ID.json`); everything
//! above this trait is the same for both.

mod local;
pub mod s3;

pub use local::LocalBackend;
pub use s3::{S3Backend, S3Location};

use super::BackupResult;
use async_trait::async_trait;

/// One listed object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listed {
    /// Path below the repository root (`chunks/ab/abcd...`).
    pub path: String,
    /// Size in bytes.
    pub size: u64,
    /// Last modification, seconds since the epoch (server time for S3).
    pub modified: i64,
}

/// A repository's object storage.
#[async_trait]
pub trait Backend: Send + Sync {
    /// Write an object whole; readers never see a partial object.
    async fn put(&self, path: &str, bytes: Vec<u8>) -> BackupResult<()>;
    /// Read an object; `None` when absent.
    async fn get(&self, path: &str) -> BackupResult<Option<Vec<u8>>>;
    /// Whether an object exists.
    async fn exists(&self, path: &str) -> BackupResult<bool>;
    /// Every object whose path starts with `prefix` (a folder, no trailing slash).
    async fn list(&self, prefix: &str) -> BackupResult<Vec<Listed>>;
    /// Delete an object (no error when absent).
    async fn delete(&self, path: &str) -> BackupResult<()>;
    /// Where it is, for messages (`/ws/.dbnexus/snapshots`, `s3://bucket/prefix`).
    fn describe(&self) -> String;
    /// Remove what killed writers left half-written (only called by a GC
    /// holding its lease, when no writer runs). Object stores have none.
    async fn sweep_partial(&self) -> BackupResult<()> {
        Ok(())
    }
    /// The local folder, for a local repository.
    fn local_root(&self) -> Option<&std::path::Path> {
        None
    }
}

/// Seconds since the epoch, now.
pub fn now_secs() -> i64 {
    chrono::Utc::now().timestamp()
}
