//! Data diff and table-level data sync between two databases.
//!
//! The pure building blocks are [`canonical`] (engine-independent value
//! rendering) and [`rowdiff`] (merge join of two key-ordered row streams);
//! snapshots reuse both. [`diff::diff_table`] compares one table between
//! two sessions, [`plan::plan_sync`] turns a diff into changes under a
//! conflict strategy, and [`apply::apply_plan`] writes them in batches.

pub mod apply;
pub mod canonical;
pub mod diff;
mod fetch;
pub mod plan;
pub mod rowdiff;
pub mod segment;
pub mod sql;
pub mod table;
pub mod typemap;

use crate::db::{DbError, Value};
use serde::Serialize;
use thiserror::Error;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

pub use diff::{DataDiff, DiffSpec, DiffStats, Method, SideStats, diff_table};
pub use plan::{Strategy, SyncPlan, plan_sync};

/// Errors of data diff and sync.
#[derive(Debug, Error)]
pub enum DataSyncError {
    /// A side could not be connected to. The driver error is part of the
    /// message (not a separate cause, so it is printed once).
    #[error("cannot connect to the {side} '{name}': {error}")]
    Connect {
        /// `source` or `target`.
        side: &'static str,
        /// Connection name.
        name: String,
        /// The driver error.
        error: DbError,
    },
    /// A database call failed.
    #[error("{side}: {source}")]
    Db {
        /// `source` or `target`.
        side: &'static str,
        /// The driver error.
        #[source]
        source: DbError,
    },
    /// The table does not exist on one side.
    #[error("{side}: table '{table}' not found. Check the name (schema.table) with `dbn query`")]
    TableNotFound {
        /// `source` or `target`.
        side: &'static str,
        /// Table as written.
        table: String,
    },
    /// The table has no primary key and no `--key` was given.
    #[error("table '{table}' has no primary key: pass --key COLS naming columns that identify a row")]
    NoKey {
        /// Table as written.
        table: String,
    },
    /// A named column does not exist on one side.
    #[error("{side}: column '{column}' does not exist in table '{table}' (it has: {available})")]
    UnknownColumn {
        /// `source` or `target`.
        side: &'static str,
        /// The column asked for.
        column: String,
        /// Table as written.
        table: String,
        /// Columns the table has.
        available: String,
    },
    /// The key is not unique on one side.
    #[error(
        "{side}: key ({key}) is not unique in table '{table}', e.g. {examples}. Pass --key with columns that identify one row"
    )]
    NonUniqueKey {
        /// `source` or `target`.
        side: &'static str,
        /// Table as written.
        table: String,
        /// Key columns.
        key: String,
        /// A few duplicated key values.
        examples: String,
    },
    /// A key column holds NULL.
    #[error("{side}: key ({key}) is NULL in {count} row(s) of table '{table}'. Pass --key with NOT NULL columns")]
    NullKey {
        /// `source` or `target`.
        side: &'static str,
        /// Table as written.
        table: String,
        /// Key columns.
        key: String,
        /// Rows with a NULL key.
        count: i64,
    },
    /// Bad options (strategy, column list).
    #[error("{0}")]
    Invalid(String),
    /// Writing to the target failed part-way.
    #[error("{0}")]
    Apply(String),
    /// A batch's audit record could not be written, so the apply stopped
    /// (fail closed); the message says what was committed before.
    #[error("{0}")]
    Audit(String),
    /// The run was cancelled.
    #[error("cancelled")]
    Cancelled,
}

impl crate::error::Coded for DataSyncError {
    fn code(&self) -> &'static str {
        match self {
            DataSyncError::Db { source, .. } | DataSyncError::Connect { error: source, .. } => source.code(),
            DataSyncError::TableNotFound { .. } => "TABLE_NOT_FOUND",
            DataSyncError::NoKey { .. } => "NO_KEY",
            DataSyncError::UnknownColumn { .. } => "UNKNOWN_COLUMN",
            DataSyncError::NonUniqueKey { .. } => "NON_UNIQUE_KEY",
            DataSyncError::NullKey { .. } => "NULL_KEY",
            DataSyncError::Invalid(_) => "USAGE",
            DataSyncError::Apply(_) => "SYNC_APPLY",
            DataSyncError::Audit(_) => crate::ops::error::AUDIT_UNAVAILABLE,
            DataSyncError::Cancelled => "CANCELLED",
        }
    }

    fn exit(&self) -> crate::error::ExitStatus {
        use crate::error::ExitStatus;
        match self {
            DataSyncError::Db { source, .. } | DataSyncError::Connect { error: source, .. } => source.exit(),
            DataSyncError::TableNotFound { .. }
            | DataSyncError::NonUniqueKey { .. }
            | DataSyncError::NullKey { .. }
            | DataSyncError::Apply(_) => ExitStatus::QueryError,
            DataSyncError::NoKey { .. } | DataSyncError::UnknownColumn { .. } | DataSyncError::Invalid(_) => {
                ExitStatus::Usage
            }
            // As a statement whose audit entry cannot be written.
            DataSyncError::Audit(_) => ExitStatus::Blocked,
            DataSyncError::Cancelled => ExitStatus::Interrupted,
        }
    }
}

impl DataSyncError {
    /// Wrap a driver error of one side.
    pub fn db(side: &'static str) -> impl FnOnce(DbError) -> DataSyncError {
        move |source| DataSyncError::Db { side, source }
    }
}

/// Result alias for this module.
pub type SyncResult<T> = Result<T, DataSyncError>;

/// Progress of a diff or an apply, sent to the CLI progress bar or the TUI.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum Progress {
    /// A new phase started (`checksums`, `fetch`, `apply`).
    Phase {
        /// Phase name.
        name: String,
    },
    /// Segment checksums compared so far.
    Segments {
        /// Segments compared.
        compared: u64,
        /// Of which differed.
        mismatched: u64,
    },
    /// Rows read from the databases so far (both sides).
    Rows {
        /// Rows fetched.
        fetched: u64,
    },
    /// Changes written so far.
    Applied {
        /// Changes done.
        done: u64,
        /// Changes planned.
        total: u64,
    },
}

/// Cancellation and progress reporting for a long operation.
#[derive(Debug, Clone, Default)]
pub struct Control {
    /// Cancel the operation (the running statement is cancelled on the server).
    pub cancel: CancellationToken,
    /// Where progress events go, if anywhere.
    pub progress: Option<mpsc::UnboundedSender<Progress>>,
}

impl Control {
    /// Send a progress event (dropped when nobody listens).
    pub fn emit(&self, p: Progress) {
        if let Some(tx) = &self.progress {
            let _ = tx.send(p);
        }
    }

    /// Fail with `Cancelled` once cancellation was requested.
    pub fn check(&self) -> SyncResult<()> {
        if self.cancel.is_cancelled() {
            Err(DataSyncError::Cancelled)
        } else {
            Ok(())
        }
    }
}

/// Render key values for messages: `1, 'a'`.
pub fn describe_key(key: &[Value]) -> String {
    key.iter()
        .map(|v| match v {
            Value::Text(s) => format!("'{s}'"),
            other => other.to_string(),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// Segment search knobs: rows per top-level segment, split fanout and the
/// segment size below which rows are fetched (tests and benchmarks).
pub fn segment_tuning(rows_per_segment: u64, fanout: u64, leaf_rows: u64) -> segment::Tuning {
    segment::Tuning {
        rows_per_segment,
        fanout,
        leaf_rows,
        ..segment::Tuning::default()
    }
}
