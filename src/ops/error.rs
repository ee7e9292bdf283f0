//! Errors of the operations layer, each with its code and exit status.

use crate::db::DbError;
use crate::error::{Coded, ExitStatus};
use crate::safety::Refusal;
use crate::store::StoreError;

/// Stable code of an audit log that cannot be written.
pub const AUDIT_UNAVAILABLE: &str = "AUDIT_UNAVAILABLE";

/// Why an operation did not (fully) happen.
#[derive(Debug, thiserror::Error)]
pub enum OpsError {
    /// A safety rule refused it before anything was sent (the refusal is audited).
    #[error("{0}")]
    Refused(Refusal),
    /// The audit entry could not be recorded, so nothing was sent (fail closed).
    #[error(
        "the audit log cannot be written ({0}), so nothing was sent. Check that the workspace's .dbnexus/metadata.db exists and is writable (`dbn init` creates one), then retry"
    )]
    AuditUnavailable(String),
    /// A write ran but its audit entry could not be completed: it stays `unknown`.
    #[error(
        "the statement ran, but its audit entry #{id} could not be completed ({reason}) and stays 'unknown'; nothing further was sent"
    )]
    AuditIncomplete {
        /// The entry left pending.
        id: i64,
        /// Why.
        reason: String,
    },
    /// The database reported an error.
    #[error(transparent)]
    Db(#[from] DbError),
    /// The workspace's metadata store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A migration statement failed (what stayed applied is in the error).
    #[error(transparent)]
    Migration(Box<crate::schema::apply::ApplyError>),
    /// A backup or restore step failed.
    #[error(transparent)]
    Backup(crate::backup::BackupError),
    /// The user cancelled.
    #[error("cancelled")]
    Cancelled,
}

impl From<Refusal> for OpsError {
    fn from(r: Refusal) -> Self {
        OpsError::Refused(r)
    }
}

impl Coded for OpsError {
    fn code(&self) -> &'static str {
        match self {
            OpsError::Refused(r) => r.code,
            OpsError::AuditUnavailable(_) | OpsError::AuditIncomplete { .. } => AUDIT_UNAVAILABLE,
            OpsError::Db(e) => e.code(),
            OpsError::Store(e) => e.code(),
            OpsError::Migration(e) => e.error.code(),
            OpsError::Backup(e) => e.code(),
            OpsError::Cancelled => "CANCELLED",
        }
    }

    fn exit(&self) -> ExitStatus {
        match self {
            OpsError::Refused(_) | OpsError::AuditUnavailable(_) | OpsError::AuditIncomplete { .. } => {
                ExitStatus::Blocked
            }
            OpsError::Db(e) => e.exit(),
            OpsError::Store(e) => e.exit(),
            OpsError::Migration(e) => e.error.exit(),
            OpsError::Backup(e) => e.exit(),
            OpsError::Cancelled => ExitStatus::Interrupted,
        }
    }
}
