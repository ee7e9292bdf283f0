//! Taking a backup, the one way every face does it (`dbn backup create`,
//! scheduled backups run by `dbn backup schedule run-due`): the backup is
//! audited before the source is read (an intent, as for writes: if the
//! audit log cannot be written, nothing is read), the source is read
//! through a read-only session, and the backup is indexed in the workspace
//! once its manifest is in the repository.

use super::context::OpsContext;
use super::error::OpsError;
use super::target::Target;
use crate::backup::capture::CaptureReport;
use crate::backup::crypto::BackupKey;
use crate::backup::progress::ProgressTx;
use crate::backup::{CaptureOptions, Repo, capture};
use crate::store::audit::{AuditEntry, Completion};
use crate::store::backups::BackupRecord;
use serde_json::json;
use std::time::Instant;

/// Action of a backup's audit entry.
pub const ACTION: &str = "backup";

/// The workspace's index row for a backup written to the repository.
pub fn backup_record(r: &CaptureReport) -> BackupRecord {
    let m = &r.manifest;
    BackupRecord {
        id: m.id.clone(),
        connection: m.connection.clone(),
        label: m.label.clone(),
        engine: m.engine.as_str().to_string(),
        manifest: format!(".dbnexus/snapshots/manifests/{}.json", m.id),
        status: "ok".into(),
        tables: i64::try_from(m.tables.len()).unwrap_or(i64::MAX),
        rows: i64::try_from(m.total_rows()).unwrap_or(i64::MAX),
        bytes: i64::try_from(r.new_bytes + r.manifest_bytes).unwrap_or(i64::MAX),
        created_at: m.created_at.clone(),
    }
}

/// Back up `target` (the tables and label in `opts`) into `repo` under
/// `key`. Progress goes to `progress`; `ctx.cancel` stops it and nothing
/// partial is kept.
pub async fn create_backup(
    ctx: &mut OpsContext<'_>,
    target: &Target,
    repo: &Repo,
    key: &BackupKey,
    opts: &CaptureOptions,
    progress: &ProgressTx,
) -> Result<CaptureReport, OpsError> {
    if ctx.cancel.is_cancelled() {
        return Err(OpsError::Cancelled);
    }
    let mut command = format!("backup create --conn {}", target.name);
    if !opts.tables.is_empty() {
        command.push_str(&format!(" --tables {}", opts.tables.join(",")));
    }
    let entry = AuditEntry {
        connection: Some(target.name.clone()),
        action: ACTION.into(),
        statement: Some(command),
        verdict: Some("read".into()),
        face: Some(ctx.face.as_str().into()),
        detail: Some(json!({"operation": "backup", "tables": opts.tables, "label": opts.label}).to_string()),
        ..Default::default()
    };
    let id = ctx.intent(&entry)?;
    let started = Instant::now();
    let ran = read(target, repo, key, opts, progress, ctx).await;
    let duration_ms = Some(i64::try_from(started.elapsed().as_millis()).unwrap_or(i64::MAX));
    let done = match &ran {
        Ok(r) => Completion {
            outcome: "ok".into(),
            rows_affected: Some(i64::try_from(r.manifest.total_rows()).unwrap_or(i64::MAX)),
            duration_ms,
            detail: Some(
                json!({"operation": "backup", "backup": r.manifest.id, "tables": r.manifest.tables.len(),
                       "new_bytes": r.new_bytes})
                .to_string(),
            ),
        },
        Err(OpsError::Cancelled) => Completion {
            outcome: "cancelled".into(),
            rows_affected: None,
            duration_ms,
            detail: None,
        },
        Err(e) => Completion {
            outcome: crate::safety::audit::Outcome::Error(e.to_string()).as_text(),
            rows_affected: None,
            duration_ms,
            detail: None,
        },
    };
    let completed = ctx.records.complete(id, &done);
    let report = ran?;
    ctx.records.add_backup(&backup_record(&report))?;
    completed.map_err(|e| OpsError::AuditIncomplete {
        id,
        reason: e.to_string(),
    })?;
    Ok(report)
}

async fn read(
    target: &Target,
    repo: &Repo,
    key: &BackupKey,
    opts: &CaptureOptions,
    progress: &ProgressTx,
    ctx: &OpsContext<'_>,
) -> Result<CaptureReport, OpsError> {
    let mut spec = target.spec.clone();
    spec.read_only = true;
    let mut session = crate::db::connect(&spec).await?;
    capture(session.as_mut(), repo, key, opts, progress, &ctx.cancel)
        .await
        .map_err(|e| match e {
            crate::backup::BackupError::Cancelled => OpsError::Cancelled,
            other => OpsError::Backup(other),
        })
}
