//! A restore the way `dbn backup restore` runs it once confirmed: every chunk
//! checked first, then a pre-restore snapshot of the tables it replaces (the
//! undo), then the restore itself.

use super::{RestorePlan, RestoreReport, apply, plan};
use crate::backup::capture::{CaptureOptions, CaptureReport, capture};
use crate::backup::crypto::BackupKey;
use crate::backup::manifest::Manifest;
use crate::backup::progress::{Progress, ProgressTx, emit};
use crate::backup::{BackupResult, Repo, verify};
use crate::db::Session;
use tokio_util::sync::CancellationToken;

/// What a restore with undo did.
#[derive(Debug)]
pub struct UndoableRestore {
    /// The plan that ran.
    pub plan: RestorePlan,
    /// The pre-restore snapshot (restoring it undoes the restore), when tables were replaced.
    pub pre: Option<CaptureReport>,
    /// The restore's own outcome (the snapshot above exists either way).
    pub result: BackupResult<RestoreReport>,
}

/// Check the backup's chunks, plan, snapshot the tables to be replaced and
/// restore `tables` (empty: all) of `m` through `session`, recording
/// `connection` as the snapshot's source.
#[allow(clippy::too_many_arguments)]
pub async fn restore_with_undo(
    session: &mut dyn Session,
    repo: &Repo,
    key: &BackupKey,
    m: &Manifest,
    tables: &[String],
    connection: &str,
    progress: &ProgressTx,
    cancel: &CancellationToken,
) -> BackupResult<UndoableRestore> {
    let names: Vec<String> = if tables.is_empty() {
        m.tables.iter().map(|t| t.qualified()).collect()
    } else {
        tables
            .iter()
            .filter_map(|t| m.table(t))
            .map(|t| t.qualified())
            .collect()
    };
    emit(progress, Progress::Step("checking chunks".into()));
    verify::preflight(repo.chunks.as_ref(), key, m, &names).await?;
    let p = plan(session, m, tables).await?;
    if !p.replaced().is_empty() {
        emit(progress, Progress::Step("pre-restore snapshot".into()));
    }
    let (pre, result) = snapshot_then_apply(session, repo, key, m, &p, connection, progress, cancel).await?;
    Ok(UndoableRestore { plan: p, pre, result })
}

/// Snapshot the tables `p` replaces (the undo, labelled `pre-restore of ID`),
/// then apply `p`: the step `dbn backup restore` runs once confirmed. A failed
/// snapshot stops before anything changes; the restore's own outcome is
/// returned beside the snapshot, which exists either way.
#[allow(clippy::too_many_arguments)]
pub async fn snapshot_then_apply(
    session: &mut dyn Session,
    repo: &Repo,
    key: &BackupKey,
    m: &Manifest,
    p: &RestorePlan,
    connection: &str,
    progress: &ProgressTx,
    cancel: &CancellationToken,
) -> BackupResult<(Option<CaptureReport>, BackupResult<RestoreReport>)> {
    let replaced = p.replaced();
    let pre = if replaced.is_empty() {
        None
    } else {
        let opts = CaptureOptions {
            connection: connection.to_string(),
            tables: replaced,
            label: Some(format!("pre-restore of {}", m.id)),
        };
        Some(capture(session, repo, key, &opts, &None, cancel).await?)
    };
    let result = apply(session, repo.chunks.as_ref(), key, p, progress, cancel).await;
    Ok((pre, result))
}
