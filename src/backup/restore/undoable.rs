//! A restore the way `dbn backup restore` runs it once confirmed: every chunk
//! checked to be present, then a pre-restore snapshot of every table the
//! restore changes (the undo), then the restore itself.

use super::{RestoreOptions, RestorePlan, RestoreReport, execute, plan};
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

/// Check the backup's chunks are there, plan, snapshot the tables to be
/// replaced and restore through `session`, recording `connection` as the
/// snapshot's source.
#[allow(clippy::too_many_arguments)]
pub async fn restore_with_undo(
    session: &mut dyn Session,
    repo: &Repo,
    key: &BackupKey,
    m: &Manifest,
    opts: &RestoreOptions,
    connection: &str,
    progress: &ProgressTx,
    cancel: &CancellationToken,
) -> BackupResult<UndoableRestore> {
    let p = plan(session, m, opts).await?;
    emit(progress, Progress::Step("checking chunks".into()));
    let names: Vec<String> = p.tables.iter().map(|t| t.table.clone()).collect();
    verify::present(repo.chunks.as_ref(), m, &names).await?;
    if !p.replaced().is_empty() {
        emit(progress, Progress::Step("pre-restore snapshot".into()));
    }
    let (pre, result) = snapshot_then_apply(session, repo, key, m, &p, connection, progress, cancel).await?;
    Ok(UndoableRestore { plan: p, pre, result })
}

/// Snapshot the tables `p` replaces (the undo, labelled `pre-restore of ID`),
/// then execute `p`: the step `dbn backup restore` runs once confirmed. A
/// failed snapshot stops before anything changes; the restore's own outcome
/// is returned beside the snapshot, which exists either way.
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
    let result = execute(session, repo.chunks.as_ref(), key, p, progress, cancel).await;
    // A restore that failed changed nothing (it rolled back), so its undo
    // would undo nothing: drop the snapshot rather than leave a stray backup.
    let changed_nothing = matches!(&result, Err(e) if !matches!(e, crate::backup::BackupError::AfterCommit(_)));
    let pre = match pre {
        Some(pre) if changed_nothing => {
            let _ = repo.manifests.remove(&pre.manifest.id).await;
            None
        }
        pre => pre,
    };
    Ok((pre, result))
}
