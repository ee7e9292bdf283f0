//! The workspace metadata database (`.dbnexus/metadata.db`).

pub mod audit;
pub mod backups;
pub mod connections;
pub mod history;
pub mod jobs;
mod migrations;
pub mod saved;
pub mod schema_snapshots;
pub mod settings;
pub mod unlocks;

use rusqlite::Connection;
use std::path::{Path, PathBuf};
use thiserror::Error;

pub use migrations::LATEST_VERSION;

/// Errors from the metadata store.
#[derive(Debug, Error)]
pub enum StoreError {
    /// The file is not a SQLite database or is damaged.
    #[error(
        "metadata database '{path}' is unreadable ({reason}). It was not changed. Move it aside and run `dbn init` to start a fresh one"
    )]
    Corrupt {
        /// File path.
        path: String,
        /// SQLite's reason.
        reason: String,
    },
    /// Written by a newer dbn.
    #[error(
        "metadata database '{path}' has schema version {found}, newer than this dbn understands ({LATEST_VERSION}). It was not changed. Upgrade dbn to use this workspace"
    )]
    TooNew {
        /// File path.
        path: String,
        /// Version found.
        found: i64,
    },
    /// A named record does not exist.
    #[error("{kind} '{name}' not found{hint}")]
    NotFound {
        /// Kind of record.
        kind: &'static str,
        /// The name asked for.
        name: String,
        /// What to do next.
        hint: String,
    },
    /// A named record already exists.
    #[error("{kind} '{name}' already exists{hint}")]
    Exists {
        /// Kind of record.
        kind: &'static str,
        /// The name.
        name: String,
        /// What to do next.
        hint: String,
    },
    /// Any other SQLite error.
    #[error("metadata database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// A stored JSON document did not parse.
    #[error("metadata database holds an unreadable record: {0}")]
    Json(#[from] serde_json::Error),
}

impl crate::error::Coded for StoreError {
    fn code(&self) -> &'static str {
        match self {
            StoreError::NotFound { .. } => "NOT_FOUND",
            StoreError::Exists { .. } => "ALREADY_EXISTS",
            StoreError::Corrupt { .. } | StoreError::TooNew { .. } | StoreError::Sqlite(_) | StoreError::Json(_) => {
                "METADATA"
            }
        }
    }

    fn exit(&self) -> crate::error::ExitStatus {
        crate::error::ExitStatus::Usage
    }
}

/// Result alias for store calls.
pub type StoreResult<T> = Result<T, StoreError>;

/// An open metadata database.
pub struct Store {
    conn: Connection,
    path: PathBuf,
}

impl Store {
    /// Open (and migrate) the metadata database at `path`, creating it if absent.
    pub fn open(path: &Path) -> StoreResult<Store> {
        let existed = path.exists();
        // History and audit live here: the folder and the files (SQLite
        // gives its -wal and -shm files the database file's mode) are the
        // owner's only.
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            crate::fsutil::private_dir(dir);
        }
        let conn = Connection::open(path).map_err(|e| corrupt(path, &e))?;
        for suffix in ["", "-wal", "-shm"] {
            let mut p = path.as_os_str().to_owned();
            p.push(suffix);
            crate::fsutil::private_file(Path::new(&p));
        }
        conn.busy_timeout(std::time::Duration::from_secs(10))?;
        // Read the version before anything that could write.
        let version: i64 = conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .map_err(|e| corrupt(path, &e))?;
        if existed {
            // A quick structural check catches garbage files before we write.
            conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get::<_, i64>(0))
                .map_err(|e| corrupt(path, &e))?;
        }
        if version > LATEST_VERSION {
            return Err(StoreError::TooNew {
                path: path.display().to_string(),
                found: version,
            });
        }
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(|e| corrupt(path, &e))?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        let mut store = Store {
            conn,
            path: path.to_path_buf(),
        };
        migrations::migrate(&mut store.conn, version)?;
        Ok(store)
    }

    /// The underlying connection, for modules that own their tables.
    pub fn conn(&self) -> &Connection {
        &self.conn
    }

    /// Mutable access for transactions.
    pub fn conn_mut(&mut self) -> &mut Connection {
        &mut self.conn
    }

    /// File path of the database.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

fn corrupt(path: &Path, e: &rusqlite::Error) -> StoreError {
    StoreError::Corrupt {
        path: path.display().to_string(),
        reason: e.to_string(),
    }
}

/// Current time as RFC 3339 UTC, the format every table uses.
pub fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn garbage_file_is_refused_and_untouched() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("metadata.db");
        let junk = b"this is not a database at all, just some text that is long enough".repeat(20);
        std::fs::write(&p, &junk).unwrap();
        let err = Store::open(&p).err().unwrap();
        assert!(matches!(err, StoreError::Corrupt { .. }), "{err}");
        assert_eq!(std::fs::read(&p).unwrap(), junk);
        assert!(!dir.path().join("metadata.db-wal").exists());
    }

    #[test]
    fn newer_version_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("metadata.db");
        {
            let c = Connection::open(&p).unwrap();
            c.pragma_update(None, "user_version", LATEST_VERSION + 5).unwrap();
        }
        let err = Store::open(&p).err().unwrap();
        assert!(matches!(err, StoreError::TooNew { .. }), "{err}");
        let c = Connection::open(&p).unwrap();
        let v: i64 = c.query_row("PRAGMA user_version", [], |r| r.get(0)).unwrap();
        assert_eq!(v, LATEST_VERSION + 5);
    }

    #[test]
    fn migrates_fresh_and_reopens() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("metadata.db");
        Store::open(&p).unwrap();
        let s = Store::open(&p).unwrap();
        let v: i64 = s.conn().query_row("PRAGMA user_version", [], |r| r.get(0)).unwrap();
        assert_eq!(v, LATEST_VERSION);
    }
}
