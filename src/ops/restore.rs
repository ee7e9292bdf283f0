//! Restoring a backup into a connection, the one way every face does it
//! (`dbn backup restore`, the TUI's backups tab): once the one rule cleared
//! it, the restore is audited before anything is sent to the target (an
//! intent, outcome `unknown`), then the database is created when asked
//! (`--new-database`), the chunks are checked, the replaced tables are
//! snapshotted (the undo) and the restore runs as one batch, all or
//! nothing; the intent is completed with its outcome. An intent that cannot
//! be recorded stops the restore before anything is sent (fail closed); a
//! killed process leaves it `unknown`.

use super::backup_create::backup_record;
use super::context::OpsContext;
use super::error::OpsError;
use super::gate::Confirmed;
use super::target::Target;
use crate::backup::capture::CaptureReport;
use crate::backup::crypto::BackupKey;
use crate::backup::manifest::Manifest;
use crate::backup::progress::ProgressTx;
use crate::backup::restore::new_database::{self, NewDatabase};
use crate::backup::restore::undoable::snapshot_then_apply;
use crate::backup::restore::{RestoreOptions, RestorePlan, RestoreReport, plan};
use crate::backup::{BackupError, BackupResult, Repo, verify};
use crate::store::audit::{AuditEntry, Completion};
use serde_json::json;
use std::time::Instant;

/// Action of a restore's audit entry.
pub const ACTION: &str = "restore";

/// What to restore.
pub struct RestoreRequest<'a> {
    /// The repository holding the backup.
    pub repo: &'a Repo,
    /// Its key.
    pub key: &'a BackupKey,
    /// The backup.
    pub manifest: &'a Manifest,
    /// Tables, dependents.
    pub options: RestoreOptions,
    /// Create this database on the target's server (SQLite: this file) and
    /// restore into it; it is removed again when the restore fails.
    pub new_database: Option<String>,
}

impl RestoreRequest<'_> {
    /// The command that does it, for `audit_log.statement`.
    pub fn command(&self, target: &str) -> String {
        let mut s = format!("backup restore {} --into {target}", self.manifest.id);
        if !self.options.tables.is_empty() {
            s.push_str(&format!(" --tables {}", self.options.tables.join(",")));
        }
        if self.options.with_dependents {
            s.push_str(" --with-dependents");
        }
        if let Some(n) = &self.new_database {
            s.push_str(&format!(" --new-database {n}"));
        }
        s
    }

    /// Tables (`schema.table`) and rows of the backup the restore writes, as
    /// far as known before planning (dependents are added by the plan).
    fn scope(&self) -> (Vec<String>, u64) {
        let tables: Vec<_> = self
            .manifest
            .tables
            .iter()
            .filter(|t| {
                self.options.tables.is_empty()
                    || self
                        .options
                        .tables
                        .iter()
                        .any(|n| self.manifest.table(n).is_some_and(|m| m.qualified() == t.qualified()))
            })
            .collect();
        (
            tables.iter().map(|t| t.qualified()).collect(),
            tables.iter().map(|t| t.rows).sum(),
        )
    }
}

/// What a restore did.
#[derive(Debug)]
pub struct Restored {
    /// The plan that ran.
    pub plan: RestorePlan,
    /// The pre-restore snapshot (restoring it undoes the restore).
    pub pre: Option<CaptureReport>,
    /// Tables, rows restored and rows removed.
    pub report: RestoreReport,
    /// The audit entry of the restore.
    pub audit_id: i64,
    /// Why the pre-restore snapshot could not be indexed in the workspace
    /// (it is in the repository all the same).
    pub index_warning: Option<String>,
}

/// A restore that failed after its intent was recorded.
#[derive(Debug)]
pub struct RestoreFailed {
    /// Why.
    pub error: OpsError,
    /// A pre-restore snapshot that stays (MariaDB: the rows were committed
    /// before a later step failed).
    pub pre: Option<CaptureReport>,
    /// `--new-database`: whether the database was removed again (the error
    /// when it could not be).
    pub removed: Option<Result<(), String>>,
    /// Why the pre-restore snapshot could not be indexed in the workspace.
    pub index_warning: Option<String>,
}

impl From<OpsError> for RestoreFailed {
    fn from(error: OpsError) -> Self {
        RestoreFailed {
            error,
            pre: None,
            removed: None,
            index_warning: None,
        }
    }
}

/// Restore `req` into `target` as `confirmed` allows. `on_plan` sees the
/// plan before any row is written (the CLI prints it and saves MariaDB
/// trigger definitions). Progress goes to `progress`; `ctx.cancel` stops it.
pub async fn restore_backup(
    ctx: &mut OpsContext<'_>,
    target: &Target,
    confirmed: &Confirmed,
    req: &RestoreRequest<'_>,
    progress: &ProgressTx,
    on_plan: &mut (dyn FnMut(&RestorePlan) -> Result<(), OpsError> + Send),
) -> Result<Restored, RestoreFailed> {
    if ctx.cancel.is_cancelled() {
        return Err(OpsError::Cancelled.into());
    }
    let (tables, rows) = req.scope();
    let entry = AuditEntry {
        connection: Some(target.name.clone()),
        action: ACTION.into(),
        statement: Some(req.command(&target.name)),
        verdict: Some("write".into()),
        confirmed_by: Some(confirmed.confirmed_by().to_string()).filter(|c| !c.is_empty()),
        unlock: confirmed.unlock().map(str::to_string),
        face: Some(ctx.face.as_str().into()),
        detail: Some(
            json!({"operation": "restore", "backup": req.manifest.id, "tables": tables, "rows": rows,
                   "new_database": req.new_database, "batch": 1, "of": 1})
            .to_string(),
        ),
        ..Default::default()
    };
    let id = ctx.intent(&entry)?;
    let started = Instant::now();
    let mut created: Option<NewDatabase> = None;
    let ran = run(ctx, target, confirmed, req, progress, on_plan, &mut created).await;
    // A failed restore into a new database removes the database.
    let failed = !matches!(&ran, Ok((_, _, Ok(_))));
    let mut removed = None;
    if failed && let Some(db) = &created {
        removed = Some(db.drop_it().await.map_err(|e| e.to_string()));
    }
    let duration_ms = Some(i64::try_from(started.elapsed().as_millis()).unwrap_or(i64::MAX));
    let mut detail = json!({"operation": "restore", "backup": req.manifest.id, "tables": tables,
                            "new_database": req.new_database});
    if let Some(r) = &removed {
        detail["new_database_removed"] = json!(r.is_ok());
    }
    let (done, out) = match ran {
        Ok((p, pre, Ok(report))) => {
            detail["pre_restore_backup"] = json!(pre.as_ref().map(|r| r.manifest.id.clone()));
            detail["tables"] = json!(p.tables.iter().map(|t| t.table.clone()).collect::<Vec<_>>());
            detail["deleted"] = json!(report.deleted);
            let done = Completion {
                outcome: "ok".into(),
                rows_affected: Some(i64::try_from(report.rows).unwrap_or(i64::MAX)),
                duration_ms,
                detail: Some(detail.to_string()),
            };
            (
                done,
                Ok(Restored {
                    plan: p,
                    pre,
                    report,
                    audit_id: id,
                    index_warning: None,
                }),
            )
        }
        Ok((_, pre, Err(e))) => {
            detail["pre_restore_backup"] = json!(pre.as_ref().map(|r| r.manifest.id.clone()));
            (
                failed_completion(&e.to_string(), duration_ms, &detail),
                Err(RestoreFailed {
                    error: OpsError::Backup(e),
                    pre,
                    removed: removed.clone(),
                    index_warning: None,
                }),
            )
        }
        Err(e) => (
            failed_completion(&e.to_string(), duration_ms, &detail),
            Err(RestoreFailed {
                error: e,
                pre: None,
                removed: removed.clone(),
                index_warning: None,
            }),
        ),
    };
    let mut out = out;
    match &mut out {
        Ok(r) => r.index_warning = index_pre(ctx, r.pre.as_ref()),
        Err(f) => f.index_warning = index_pre(ctx, f.pre.as_ref()),
    }
    match ctx.records.complete(id, &done) {
        Ok(()) => out,
        Err(e) => {
            let (pre, index_warning) = match out {
                Ok(r) => (r.pre, r.index_warning),
                Err(f) => (f.pre, f.index_warning),
            };
            Err(RestoreFailed {
                error: OpsError::AuditIncomplete {
                    id,
                    reason: e.to_string(),
                },
                pre,
                removed,
                index_warning,
            })
        }
    }
}

/// Index the pre-restore snapshot (the undo) in the workspace, so `dbn
/// backup list` and the backups tab show it; a failure is a warning, since
/// the snapshot is safe in the repository either way.
fn index_pre(ctx: &mut OpsContext<'_>, pre: Option<&CaptureReport>) -> Option<String> {
    let pre = pre?;
    ctx.records
        .add_backup(&backup_record(pre))
        .err()
        .map(|e| format!("cannot index the pre-restore snapshot {}: {e}", pre.manifest.id))
}

fn failed_completion(error: &str, duration_ms: Option<i64>, detail: &serde_json::Value) -> Completion {
    let outcome = if error.starts_with("cancelled") {
        "cancelled".to_string()
    } else {
        crate::safety::audit::Outcome::Error(error.to_string()).as_text()
    };
    Completion {
        outcome,
        rows_affected: None,
        duration_ms,
        detail: Some(detail.to_string()),
    }
}

type Ran = (RestorePlan, Option<CaptureReport>, BackupResult<RestoreReport>);

/// Everything after the intent: create, connect, plan, check, snapshot, restore.
async fn run(
    ctx: &mut OpsContext<'_>,
    target: &Target,
    confirmed: &Confirmed,
    req: &RestoreRequest<'_>,
    progress: &ProgressTx,
    on_plan: &mut (dyn FnMut(&RestorePlan) -> Result<(), OpsError> + Send),
    created: &mut Option<NewDatabase>,
) -> Result<Ran, OpsError> {
    let spec = match &req.new_database {
        Some(n) => {
            let db = new_database::create(&confirmed.spec(target), n)
                .await
                .map_err(OpsError::Backup)?;
            let spec = db.spec.clone();
            *created = Some(db);
            spec
        }
        None => confirmed.spec(target),
    };
    let mut session = crate::db::connect(&spec).await?;
    let p = plan(session.as_mut(), req.manifest, &req.options)
        .await
        .map_err(OpsError::Backup)?;
    on_plan(&p)?;
    let names: Vec<String> = p.tables.iter().map(|t| t.table.clone()).collect();
    verify::present(req.repo.chunks.as_ref(), req.manifest, &names)
        .await
        .map_err(OpsError::Backup)?;
    let (pre, result) = snapshot_then_apply(
        session.as_mut(),
        req.repo,
        req.key,
        req.manifest,
        &p,
        &target.name,
        progress,
        &ctx.cancel,
    )
    .await
    .map_err(|e| match e {
        BackupError::Cancelled => OpsError::Cancelled,
        e => OpsError::Backup(e),
    })?;
    drop(session);
    Ok((p, pre, result))
}
