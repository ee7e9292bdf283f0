//! Database snapshots: consistent capture, content-addressed encrypted chunks,
//! manifests, verify, garbage collection, diff, restore and schedules.
//!
//! Storage layout under `.dbnexus/snapshots/`:
//! - `chunks/ab/abcdef...`: one encrypted, compressed chunk of rows per file,
//!   named by its keyed content hash (see `crypto` for the scheme);
//! - `manifests/ID.json`: one manifest per backup, written last and atomically;
//! - `run-due.lock`: held while `dbn backup run-due` runs.
//!
//! Everything here is UI-free: the CLI and the TUI call the same functions,
//! passing a progress channel and a `CancellationToken`.

pub mod backend;
pub mod capture;
pub mod chunker;
pub mod codec;
pub mod counters;
pub mod crypto;
pub mod diff;
pub mod gc;
pub mod keyfile;
pub mod lease;
pub mod manifest;
pub mod progress;
pub mod read;
pub mod restore;
pub mod schedule;
pub mod store;
pub mod verify;

use thiserror::Error;

pub use capture::{CaptureOptions, capture};
pub use crypto::BackupKey;
pub use manifest::{FORMAT_VERSION, Manifest, ManifestStore};
pub use progress::{Progress, ProgressTx};
pub use store::{BackendChunks, ChunkId, ChunkStore, LocalDirStore};

/// Errors from snapshot operations. Every message names the offending object.
#[derive(Debug, Error)]
pub enum BackupError {
    /// A chunk referenced by a manifest is not in the store.
    #[error("chunk {id} is missing from the chunk store ({context}); the backup cannot be restored as is")]
    MissingChunk {
        /// Chunk id (hex).
        id: String,
        /// Which backup/table referenced it.
        context: String,
    },
    /// A chunk failed to decrypt or did not match its address.
    #[error("chunk {id} is corrupted ({why}); the backup cannot be restored as is")]
    CorruptChunk {
        /// Chunk id (hex).
        id: String,
        /// What did not match.
        why: String,
    },
    /// The key in use is not the key the backup was made with.
    #[error(
        "the backup key does not match backup '{id}' (it was written with key {expected}, this workspace has key {found}); import the key it was made with (`dbn backup key import FILE`) or set DBN_BACKUP_KEY to it"
    )]
    WrongKey {
        /// Backup id.
        id: String,
        /// Fingerprint recorded in the manifest.
        expected: String,
        /// Fingerprint of the key in use.
        found: String,
    },
    /// No key in the workspace opens this backup.
    #[error(
        "backup '{id}' was made with backup key {fingerprint}, which this workspace does not have: import it with `dbn backup key import FILE` (written by `dbn backup key export` where the backups were made), or set DBN_BACKUP_KEY"
    )]
    NoKeyFor {
        /// Backup id.
        id: String,
        /// Fingerprint recorded in its manifest.
        fingerprint: String,
    },
    /// The manifest was written by a newer dbn.
    #[error(
        "backup '{id}' has manifest format {found}, newer than this dbn understands ({supported}); upgrade dbn to read it"
    )]
    TooNew {
        /// Backup id.
        id: String,
        /// Format version found.
        found: u32,
        /// Highest version supported.
        supported: u32,
    },
    /// The manifest is unreadable or was tampered with.
    #[error("manifest of backup '{id}' is damaged: {why}")]
    CorruptManifest {
        /// Backup id.
        id: String,
        /// What is wrong.
        why: String,
    },
    /// No backup with this id.
    #[error("no backup '{0}': list backups with `dbn backup list`")]
    NotFound(String),
    /// An id prefix matched several backups.
    #[error("backup id '{prefix}' is ambiguous: it matches {matches}; type more characters")]
    Ambiguous {
        /// What the user typed.
        prefix: String,
        /// The matching ids.
        matches: String,
    },
    /// A table asked for is not in the backup or the database.
    #[error("table '{0}' is not in the backup; see `dbn backup show ID` for its tables")]
    UnknownTable(String),
    /// Tables outside the restore set reference it.
    #[error(
        "these tables reference the tables being restored and would be left pointing at rows that may no longer exist:\n{0}\nnothing was changed: restore them too with --with-dependents, or name them in --tables"
    )]
    Dependents(String),
    /// A dependent table is not in the backup.
    #[error(
        "{0} references a restored table but is not in the backup, so it cannot be restored with it; nothing was changed"
    )]
    DependentNotInBackup(String),
    /// A MariaDB restore committed its rows, then a later step failed.
    #[error("{0}")]
    AfterCommit(String),
    /// The operation was cancelled.
    #[error("cancelled; nothing was changed")]
    Cancelled,
    /// A database error.
    #[error(transparent)]
    Db(#[from] crate::db::DbError),
    /// Something the engine or type mapping cannot do.
    #[error("{0}")]
    Unsupported(String),
    /// The backup key in the environment is malformed.
    #[error("DBN_BACKUP_KEY must be 64 hex characters (32 bytes); the value given is not")]
    BadKey,
    /// Filesystem failure.
    #[error("cannot {action} '{path}': {source}")]
    Io {
        /// What was being done.
        action: &'static str,
        /// The path involved.
        path: String,
        /// Underlying error.
        source: std::io::Error,
    },
    /// Another `run-due` holds the lock.
    #[error("another `dbn backup run-due` is running (pid {0}); this run did nothing")]
    Locked(u32),
}

impl crate::error::Coded for BackupError {
    fn code(&self) -> &'static str {
        match self {
            BackupError::Db(db) => db.code(),
            BackupError::Cancelled => "INTERRUPTED",
            BackupError::NotFound(_) => "NOT_FOUND",
            BackupError::Ambiguous { .. } | BackupError::UnknownTable(_) | BackupError::BadKey => "USAGE",
            BackupError::WrongKey { .. } => "BACKUP_WRONG_KEY",
            BackupError::NoKeyFor { .. } => "BACKUP_NO_KEY",
            BackupError::TooNew { .. } => "BACKUP_TOO_NEW",
            BackupError::MissingChunk { .. } => "BACKUP_MISSING_CHUNK",
            BackupError::CorruptChunk { .. } | BackupError::CorruptManifest { .. } => "BACKUP_CORRUPT",
            BackupError::Locked(_) => "BACKUP_LOCKED",
            BackupError::Unsupported(_) => "BACKUP_UNSUPPORTED",
            BackupError::AfterCommit(_) => "BACKUP_PARTIAL",
            BackupError::Dependents(_) | BackupError::DependentNotInBackup(_) => "BACKUP_DEPENDENTS",
            BackupError::Io { .. } => "IO",
        }
    }

    fn exit(&self) -> crate::error::ExitStatus {
        use crate::error::ExitStatus;
        match self {
            BackupError::Db(db) => db.exit(),
            BackupError::Cancelled => ExitStatus::Interrupted,
            BackupError::NotFound(_)
            | BackupError::Ambiguous { .. }
            | BackupError::UnknownTable(_)
            | BackupError::BadKey
            | BackupError::NoKeyFor { .. }
            | BackupError::Io { .. } => ExitStatus::Usage,
            BackupError::WrongKey { .. }
            | BackupError::TooNew { .. }
            | BackupError::MissingChunk { .. }
            | BackupError::CorruptChunk { .. }
            | BackupError::CorruptManifest { .. }
            | BackupError::Unsupported(_)
            | BackupError::AfterCommit(_) => ExitStatus::QueryError,
            BackupError::Locked(_) | BackupError::Dependents(_) | BackupError::DependentNotInBackup(_) => {
                ExitStatus::Blocked
            }
        }
    }
}

/// Result alias for snapshot calls.
pub type BackupResult<T> = Result<T, BackupError>;

/// Build an I/O error with its path.
pub(crate) fn io_err(action: &'static str, path: &std::path::Path, source: std::io::Error) -> BackupError {
    BackupError::Io {
        action,
        path: path.display().to_string(),
        source,
    }
}

/// A new backup id: UTC time plus a random suffix, sortable by creation.
pub fn new_backup_id() -> String {
    let suffix: u16 = rand::random();
    format!("{}-{suffix:04x}", chrono::Utc::now().format("%Y%m%dT%H%M%SZ"))
}

/// A snapshot repository: chunks, manifests and leases in one backend
/// (a local folder or an S3-compatible bucket).
pub struct Repo {
    /// Where its objects live.
    pub backend: std::sync::Arc<dyn backend::Backend>,
    /// Its chunks.
    pub chunks: Box<dyn ChunkStore>,
    /// Its manifests.
    pub manifests: ManifestStore,
}

impl Repo {
    /// A repository over `backend`.
    pub fn new(backend: std::sync::Arc<dyn backend::Backend>) -> Repo {
        Repo {
            chunks: Box::new(BackendChunks::new(std::sync::Arc::clone(&backend))),
            manifests: ManifestStore::new(std::sync::Arc::clone(&backend)),
            backend,
        }
    }

    /// The local repository in `dir` (`.dbnexus/snapshots/`).
    pub fn local(dir: &std::path::Path) -> Repo {
        Repo::new(std::sync::Arc::new(backend::LocalBackend::new(dir.to_path_buf())))
    }

    /// A repository by URL (`s3://bucket/prefix?endpoint=...`) or local path.
    pub fn open(location: &str, creds: Option<backend::s3::S3Credentials>) -> BackupResult<Repo> {
        if location.starts_with("s3://") {
            let loc = backend::S3Location::parse(location)?;
            return Ok(Repo::new(std::sync::Arc::new(backend::S3Backend::open(loc, creds)?)));
        }
        if location.contains("://") {
            return Err(BackupError::Unsupported(format!(
                "'{location}' is not a repository dbn can use: give a folder or an s3://BUCKET/PREFIX URL"
            )));
        }
        Ok(Repo::local(std::path::Path::new(location)))
    }

    /// Where the repository is, for messages.
    pub fn describe(&self) -> String {
        self.backend.describe()
    }

    /// Read a manifest by id or unique prefix with whichever of `keys` it
    /// was made with, and check it (format version, MAC).
    pub async fn load_with(&self, written: &str, keys: &[BackupKey]) -> BackupResult<(Manifest, BackupKey)> {
        let id = self.manifests.resolve(written).await?;
        let m = self.manifests.read(&id).await?;
        let Some(key) = keys.iter().find(|k| k.fingerprint() == m.key_fingerprint) else {
            return Err(match keys.first() {
                Some(k) => BackupError::WrongKey {
                    id: m.id.clone(),
                    expected: m.key_fingerprint.clone(),
                    found: k.fingerprint().to_string(),
                },
                None => BackupError::NoKeyFor {
                    id: m.id.clone(),
                    fingerprint: m.key_fingerprint.clone(),
                },
            });
        };
        m.check(key)?;
        Ok((m, key.clone()))
    }

    /// Read a manifest by id or unique prefix and check it against `key`
    /// (format version, key fingerprint, MAC).
    pub async fn load(&self, written: &str, key: &BackupKey) -> BackupResult<Manifest> {
        let id = self.manifests.resolve(written).await?;
        let m = self.manifests.read(&id).await?;
        m.check(key)?;
        Ok(m)
    }
}
