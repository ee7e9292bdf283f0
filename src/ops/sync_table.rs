//! Applying a data sync plan to its target, the one way every face does it
//! (`dbn sync data --apply`, the TUI's F8 apply, data jobs): each batch is
//! audited before it is sent (an intent, outcome `unknown`) and completed
//! after it committed or failed, with who confirmed and which unlock
//! allowed it. An intent that cannot be recorded keeps its batch from being
//! sent (fail closed); a killed process leaves the intent `unknown`.
//! What it would write is assembled once, for every face, by [`preview`].

pub mod preview;

pub use preview::{Endpoint, PlanTotals, SyncPreview, SyncRequest, TablePreview, compare, preview, table_name};

use super::context::{AuditSink, Face};
use super::gate::Confirmed;
use crate::datasync::apply::{ApplyReport, Batch, BatchLog, apply_plan};
use crate::datasync::{Control, DataDiff, Strategy, SyncPlan, SyncResult};
use crate::db::{DbError, Session};
use crate::store::audit::{AuditEntry, Completion};
use serde_json::json;
use std::time::Instant;

/// Action of a batch's audit entry.
pub const BATCH_ACTION: &str = "sync_batch";

/// What a sync copies, as its audit entries name it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncWhat {
    /// Source connection name.
    pub source: String,
    /// Target connection name.
    pub target: String,
    /// Table as written.
    pub table: String,
    /// Conflict strategy.
    pub strategy: String,
    /// Target rows missing from the source are deleted.
    pub delete_missing: bool,
}

impl SyncWhat {
    /// A sync of `table` from `source` into `target` under `strategy`.
    pub fn new(source: &str, target: &str, table: &str, strategy: &Strategy, delete_missing: bool) -> SyncWhat {
        SyncWhat {
            source: source.to_string(),
            target: target.to_string(),
            table: table.to_string(),
            strategy: strategy.to_string(),
            delete_missing,
        }
    }

    /// The command that does it, for `audit_log.statement`.
    pub fn command(&self) -> String {
        format!(
            "sync data --source {} --target {} --table {} --strategy {}{}",
            self.source,
            self.target,
            self.table,
            self.strategy,
            if self.delete_missing { " --delete-missing" } else { "" }
        )
    }
}

/// Records each batch of one table's apply in the audit log.
struct AuditedBatches<'a> {
    audit: &'a mut (dyn AuditSink + Send),
    base: AuditEntry,
    what: &'a SyncWhat,
    pending: Option<(i64, Instant)>,
    committed: (u64, u64),
}

impl AuditedBatches<'_> {
    fn earlier(&self) -> String {
        match self.committed {
            (0, _) => "nothing of this table was written".into(),
            (batches, changes) => format!(
                "{changes} change(s) in {batches} earlier batch(es) were committed and audited; running the same sync again continues from there"
            ),
        }
    }
}

impl BatchLog for AuditedBatches<'_> {
    fn before(&mut self, b: &Batch) -> Result<(), String> {
        let mut e = self.base.clone();
        e.statement = Some(format!(
            "{} -- batch {}/{}, changes {}-{}",
            self.what.command(),
            b.number,
            b.of,
            b.first,
            b.last
        ));
        e.detail = Some(
            json!({"operation": "sync data", "source": self.what.source, "table": self.what.table,
                   "batch": b.number, "of": b.of, "changes": [b.first, b.last],
                   "insert": b.inserts, "update": b.updates, "delete": b.deletes})
            .to_string(),
        );
        match self.audit.intent(&e) {
            Ok(id) => {
                self.pending = Some((id, Instant::now()));
                Ok(())
            }
            Err(err) => Err(format!(
                "the audit log cannot be written ({err}), so batch {}/{} of the sync into '{}' was not sent ({}). \
                 Check that the workspace's .dbnexus/metadata.db exists and is writable, then retry",
                b.number,
                b.of,
                self.what.target,
                self.earlier()
            )),
        }
    }

    fn after(&mut self, b: &Batch, outcome: Result<(), &DbError>) -> Result<(), String> {
        let Some((id, started)) = self.pending.take() else {
            return Ok(());
        };
        let done = Completion {
            outcome: match outcome {
                Ok(()) => "ok".into(),
                Err(e) => crate::safety::audit::Outcome::Error(e.to_string()).as_text(),
            },
            rows_affected: outcome.is_ok().then(|| i64::try_from(b.changes()).unwrap_or(i64::MAX)),
            duration_ms: Some(i64::try_from(started.elapsed().as_millis()).unwrap_or(i64::MAX)),
            detail: None,
        };
        let recorded = self.audit.complete(id, &done);
        if outcome.is_ok() {
            self.committed.0 += 1;
            self.committed.1 += b.changes();
        }
        recorded.map_err(|err| {
            format!(
                "batch {}/{} of the sync into '{}' ended, but its audit entry #{id} could not be completed ({err}) and stays 'unknown'; nothing further was sent. \
                 Check that the workspace's .dbnexus/metadata.db is writable, then run the same sync again: it continues from the current state",
                b.number, b.of, self.what.target
            )
        })
    }
}

/// Apply `plan` (from `d`) through `session`, a session `confirmed` opened
/// on the target, in batches of `batch_size` changes, auditing every batch
/// in `audit` with `face`. Returns what was written; a batch whose intent
/// cannot be recorded is not sent ([`crate::datasync::DataSyncError::Audit`]).
#[allow(clippy::too_many_arguments)]
pub async fn apply(
    audit: &mut (dyn AuditSink + Send),
    face: Face,
    confirmed: &Confirmed,
    what: &SyncWhat,
    session: &mut dyn Session,
    d: &DataDiff,
    plan: &SyncPlan,
    batch_size: usize,
    ctl: &Control,
) -> SyncResult<ApplyReport> {
    let base = AuditEntry {
        connection: Some(what.target.clone()),
        action: BATCH_ACTION.into(),
        verdict: Some("write".into()),
        confirmed_by: Some(confirmed.confirmed_by().to_string()).filter(|c| !c.is_empty()),
        unlock: confirmed.unlock().map(str::to_string),
        face: Some(face.as_str().into()),
        ..AuditEntry::default()
    };
    let mut log = AuditedBatches {
        audit,
        base,
        what,
        pending: None,
        committed: (0, 0),
    };
    apply_plan(session, &d.pair.target, plan, batch_size, ctl, &mut log).await
}

/// Open a writable session on the target as `confirmed` allows, set up for
/// a sync (the datasync session settings).
pub async fn open_target(confirmed: &Confirmed, target: &super::Target) -> Result<Box<dyn Session>, DbError> {
    let mut session = crate::db::connect(&confirmed.spec(target)).await?;
    for sql in crate::datasync::sql::session_setup(session.engine()) {
        crate::db::query_all(session.as_mut(), sql).await?;
    }
    Ok(session)
}
