//! The panel's background tasks: the preview (`ops::sync_table::preview`)
//! and the apply (`ops::sync_table::apply`), both reporting through the
//! app's job channel and cancelled through their token.

use super::super::query::{JobEvent, MetaPaths};
use super::SyncEvent;
use crate::datasync::apply::ApplyReport;
use crate::datasync::{Control, DataDiff, DataSyncError, Progress, Strategy, SyncPlan};
use crate::ops::sync_table::SyncRequest;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

/// Diff and plan the request's tables in the background.
pub(super) fn spawn_preview(req: SyncRequest, ctl: Control, tx: mpsc::UnboundedSender<JobEvent>) {
    tokio::spawn(async move {
        let at = tx.clone();
        let mut on_table = move |i: usize, _: &str| {
            let _ = at.send(JobEvent::Sync(SyncEvent::Table(i)));
        };
        let res = crate::ops::sync_table::preview(&req, &ctl, &mut on_table).await;
        let _ = tx.send(JobEvent::Sync(SyncEvent::Previewed(Box::new(res))));
    });
}

/// What an apply task needs besides the work: the target as the rule
/// cleared it, the audit store, and what the audit entries name.
pub(super) struct ApplyTask {
    pub target: crate::ops::Target,
    pub confirmed: crate::ops::gate::Confirmed,
    pub meta: MetaPaths,
    pub source: String,
    pub strategy: Strategy,
    pub delete_missing: bool,
}

/// Apply the plans through `ops::sync_table`, every batch audited (face `tui`).
pub(super) fn spawn_apply(
    task: ApplyTask,
    work: Vec<(DataDiff, SyncPlan)>,
    ctl: Control,
    tx: mpsc::UnboundedSender<JobEvent>,
) {
    tokio::spawn(async move {
        let mut done: Vec<(String, Result<ApplyReport, DataSyncError>)> = Vec::new();
        let mut records = task.meta.open_records();
        let session = crate::ops::sync_table::open_target(&task.confirmed, &task.target)
            .await
            .map_err(|error| DataSyncError::Connect {
                side: "target",
                name: task.target.name.clone(),
                error,
            });
        match session {
            Err(e) => done.push((work.first().map(|(d, _)| d.table.clone()).unwrap_or_default(), Err(e))),
            Ok(mut t) => {
                for (i, (d, plan)) in work.iter().enumerate() {
                    let _ = tx.send(JobEvent::Sync(SyncEvent::Table(i)));
                    let what = crate::ops::sync_table::SyncWhat::new(
                        &task.source,
                        &task.target.name,
                        &d.table,
                        &task.strategy,
                        task.delete_missing,
                    );
                    let res = crate::ops::sync_table::apply(
                        &mut *records,
                        crate::ops::Face::Tui,
                        &task.confirmed,
                        &what,
                        t.as_mut(),
                        d,
                        plan,
                        500,
                        &ctl,
                    )
                    .await;
                    let failed = res.is_err();
                    done.push((d.table.clone(), res));
                    if failed {
                        break;
                    }
                }
            }
        }
        let _ = tx.send(JobEvent::Sync(SyncEvent::Applied(done)));
    });
}

/// Relay progress events from a `Control` into the app's job channel.
pub(super) fn progress_control(tx: &mpsc::UnboundedSender<JobEvent>) -> Control {
    let (ptx, mut prx) = mpsc::unbounded_channel::<Progress>();
    let out = tx.clone();
    tokio::spawn(async move {
        while let Some(p) = prx.recv().await {
            if out.send(JobEvent::Sync(SyncEvent::Progress(p))).is_err() {
                break;
            }
        }
    });
    Control {
        cancel: CancellationToken::new(),
        progress: Some(ptx),
    }
}
