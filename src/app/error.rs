//! Typed errors of the TUI's background tasks and panels. Each keeps the
//! domain error it came from, whole, so the app can branch on the kind;
//! the message is built where it is shown, from `Display`. Domain errors
//! that are not `Clone` sit behind an `Arc`, because a panel keeps a
//! failure and draws it again on every frame.

use crate::backup::BackupError;
use crate::datasync::DataSyncError;
use crate::db::DbError;
use crate::ops::OpsError;
use crate::ops::backup_key::KeyError;
use crate::store::StoreError;
use std::fmt;
use std::sync::Arc;

/// A saved connection could not be listed or resolved. The embedder's own
/// error (the CLI's, with its causes) is kept whole and shows as the chain
/// of its causes.
#[derive(Debug, Clone)]
pub struct ConnectionsError(Arc<dyn std::error::Error + Send + Sync>);

impl ConnectionsError {
    /// Wrap the embedder's error.
    pub fn new(e: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> ConnectionsError {
        ConnectionsError(Arc::from(e.into()))
    }
}

impl fmt::Display for ConnectionsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)?;
        let mut cause = self.0.source();
        while let Some(c) = cause {
            write!(f, ": {c}")?;
            cause = c.source();
        }
        Ok(())
    }
}

impl std::error::Error for ConnectionsError {}

/// Why a background task or a panel step of the TUI failed.
#[derive(Debug, Clone, thiserror::Error)]
pub enum AppError {
    /// The database reported an error.
    #[error(transparent)]
    Db(#[from] DbError),
    /// The workspace's metadata store failed.
    #[error(transparent)]
    Store(Arc<StoreError>),
    /// A backup step failed.
    #[error(transparent)]
    Backup(Arc<BackupError>),
    /// The backup key could not be resolved.
    #[error(transparent)]
    Key(Arc<KeyError>),
    /// An operation of the operations layer failed.
    #[error(transparent)]
    Ops(Arc<OpsError>),
    /// A data diff or sync failed.
    #[error(transparent)]
    Sync(Arc<DataSyncError>),
    /// A migration could not be planned.
    #[error(transparent)]
    Plan(Arc<crate::schema::migrate::PlanError>),
    /// The workspace, its configuration or its secret store could not be opened.
    #[error(transparent)]
    Workspace(Arc<dyn std::error::Error + Send + Sync>),
    /// A saved connection could not be opened (name, why).
    #[error("cannot open '{name}': {source}")]
    Open {
        /// Connection name.
        name: String,
        /// Why.
        source: ConnectionsError,
    },
    /// A connection could not be connected to.
    #[error("cannot connect to '{name}': {source}")]
    Connect {
        /// Connection name.
        name: String,
        /// The driver error.
        source: DbError,
    },
    /// A backup could not be read from its repository.
    #[error("cannot read backup {id}: {source}")]
    ReadBackup {
        /// Backup id.
        id: String,
        /// Why.
        source: Arc<BackupError>,
    },
    /// A file could not be created, read or written.
    #[error("cannot {doing} '{path}': {source}")]
    File {
        /// `create`, `read`, `write`.
        doing: &'static str,
        /// The file.
        path: String,
        /// Why.
        source: Arc<std::io::Error>,
    },
    /// A background task ended without answering (it panicked or was aborted).
    #[error("the background task ended unexpectedly: {0}")]
    Task(String),
    /// The user cancelled.
    #[error("cancelled")]
    Cancelled,
    /// What was asked for is not available now.
    #[error(transparent)]
    Unavailable(#[from] Unavailable),
}

/// What the user asked for is not available now, and what to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Unavailable {
    /// No workspace store is open.
    #[error("no workspace store is open")]
    NoStore,
    /// The workspace folder of the metadata store was not found.
    #[error("the workspace folder holding the metadata store was not found")]
    NoWorkspace,
    /// The live schema is still being read.
    #[error("the live schema is still loading")]
    LiveLoading,
    /// A connection index that is not in the list.
    #[error("no such connection")]
    NoSuchConnection,
    /// The connection has no backups.
    #[error("no backups of this connection yet: run `dbn backup create`")]
    NoBackups,
    /// A restore with no table chosen.
    #[error("no table marked: Space marks one, * marks all")]
    NoTableMarked,
    /// The backup key could not be resolved earlier.
    #[error("the backup key is not available")]
    NoKey,
}

macro_rules! shared_from {
    ($($t:ty => $v:ident),* $(,)?) => {$(
        impl From<$t> for AppError {
            fn from(e: $t) -> Self {
                AppError::$v(Arc::new(e))
            }
        }
    )*};
}

shared_from!(
    StoreError => Store,
    BackupError => Backup,
    KeyError => Key,
    OpsError => Ops,
    DataSyncError => Sync,
    crate::schema::migrate::PlanError => Plan,
    crate::workspace::WorkspaceError => Workspace,
    crate::config::ConfigError => Workspace,
    crate::secrets::SecretError => Workspace,
);

impl AppError {
    /// A file error.
    pub fn file(doing: &'static str, path: &std::path::Path, source: std::io::Error) -> AppError {
        AppError::File {
            doing,
            path: path.display().to_string(),
            source: Arc::new(source),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_embedders_error_shows_as_its_chain() {
        let inner = StoreError::NotFound {
            kind: "connection",
            name: "prod".into(),
            hint: "list them with `dbn connect list`".into(),
        };
        let e = anyhow::Error::new(inner).context("cannot resolve 'prod'");
        let shown = format!("{e:#}");
        let c = ConnectionsError::new(e);
        assert_eq!(c.to_string(), shown);
        let open = AppError::Open {
            name: "prod".into(),
            source: c.clone(),
        };
        assert_eq!(open.to_string(), format!("cannot open 'prod': {shown}"));
        assert_eq!(
            Unavailable::NoKey.to_string(),
            AppError::from(Unavailable::NoKey).to_string()
        );
    }
}
