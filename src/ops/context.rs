//! The context every operation takes: narrow traits for what it records
//! (audit log, metadata state), asks (confirmation prompt) and reports
//! (progress), plus a cancellation token. Faces pass real ones; tests pass
//! the null and recording versions in [`super::sinks`].

use crate::safety::confirm::Prompt;
use crate::store::StoreError;
use crate::store::audit::{AuditEntry, Completion};
use crate::store::history::NewHistory;
use crate::store::unlocks::{Lapsed, Unlock, UnlockKey};
use tokio_util::sync::CancellationToken;

/// Which face called the operation; recorded with every audit entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Face {
    /// A `dbn` subcommand.
    Cli,
    /// The terminal console.
    Tui,
    /// A saved job run by the job runner.
    Job,
}

impl Face {
    /// Name as stored in `audit_log.face`.
    pub fn as_str(self) -> &'static str {
        match self {
            Face::Cli => "cli",
            Face::Tui => "tui",
            Face::Job => "job",
        }
    }
}

/// The audit log could not be written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct AuditError(pub String);

/// Where audit entries go. A write is sent only after [`AuditSink::intent`]
/// succeeded (fail closed).
pub trait AuditSink {
    /// Append a finished entry (refusal, unlock, lock); its id.
    fn record(&mut self, entry: &AuditEntry) -> Result<i64, AuditError>;
    /// Append an entry whose outcome is not known yet (`unknown`), before the
    /// write is sent; its id for [`AuditSink::complete`].
    fn intent(&mut self, entry: &AuditEntry) -> Result<i64, AuditError>;
    /// Complete an intent with its outcome.
    fn complete(&mut self, id: i64, done: &Completion) -> Result<(), AuditError>;
}

/// The metadata state operations read and change besides the audit log:
/// timed unlocks and query history.
pub trait StateStore {
    /// The active timed unlock of `key`'s database (and one that lapsed because its connection changed).
    fn active_unlock(&mut self, key: &UnlockKey) -> Result<(Option<Unlock>, Option<Lapsed>), StoreError>;
    /// Store a timed unlock.
    fn store_unlock(
        &mut self,
        key: &UnlockKey,
        minutes: u32,
        confirmed_by: &str,
        audit_id: Option<i64>,
    ) -> Result<Unlock, StoreError>;
    /// End the unlock of a database; the one that was active.
    fn remove_unlock(&mut self, db_key: &str) -> Result<Option<Unlock>, StoreError>;
    /// Every active unlock.
    fn list_unlocks(&mut self) -> Result<Vec<Unlock>, StoreError>;
    /// Add a (redacted) statement to the query history.
    fn add_history(&mut self, entry: &NewHistory<'_>) -> Result<(), StoreError>;
    /// Keep a schema snapshot of connection `connection` (before and after a migration); its id.
    fn save_schema_snapshot(&mut self, connection: &str, schema: &crate::schema::Schema) -> Result<i64, StoreError>;
    /// Index a backup written to the repository (a new backup, a pre-restore snapshot).
    fn add_backup(&mut self, record: &crate::store::backups::BackupRecord) -> Result<(), StoreError>;
}

/// The audit log and the metadata state, usually one store.
pub trait Records: AuditSink + StateStore {}
impl<T: AuditSink + StateStore + ?Sized> Records for T {}

/// One step of a long operation, for a gauge (TUI), a progress bar (CLI)
/// or a job's event stream.
#[derive(Debug, Clone, PartialEq)]
pub enum Progress {
    /// Statement `index` of `total` is about to run (first line of its text).
    Statement {
        /// 0-based position.
        index: usize,
        /// Statements in all.
        total: usize,
        /// Its first line.
        line: String,
    },
    /// A named phase started (`introspect`, `verify`, `pre-restore snapshot`).
    Phase(String),
    /// A data sync reported.
    Sync(crate::datasync::Progress),
    /// A backup or restore reported.
    Backup(crate::backup::progress::Progress),
}

/// Where progress goes.
pub trait ProgressSink {
    /// One step happened.
    fn progress(&mut self, p: Progress);
}

/// Everything an operation needs from its caller.
pub struct OpsContext<'a> {
    /// The face calling (recorded in the audit log).
    pub face: Face,
    /// Audit log and metadata state.
    pub records: &'a mut (dyn Records + Send),
    /// Asks for typed confirmations (a terminal, a script, or nothing).
    pub prompt: &'a mut (dyn Prompt + Send),
    /// Receives progress.
    pub progress: &'a mut (dyn ProgressSink + Send),
    /// Cancels the operation between statements and batches (and the running statement on the server).
    pub cancel: CancellationToken,
}

impl OpsContext<'_> {
    /// Record the audit intent of a write before it is sent (outcome
    /// `unknown`); when it cannot be recorded nothing may be sent (fail closed).
    pub fn intent(&mut self, entry: &AuditEntry) -> Result<i64, super::error::OpsError> {
        self.records
            .intent(entry)
            .map_err(|e| super::error::OpsError::AuditUnavailable(e.to_string()))
    }
}
