//! Applying the panel's migration: the typed confirmation, the background
//! task with progress, verification by re-introspection and the audit entry.

use super::{ApplyFailure, ApplyState, Side, SnapEvent};
use crate::app::query::JobEvent;
use crate::app::{App, Level};
use crate::ops::gate::OperationKind;
use crate::ops::sinks::{ChannelProgress, NoPrompt, NoRecords, StoreRecords};
use crate::ops::{Face, OpsContext, OpsError, Progress, Records};
use tokio::sync::mpsc;

/// Run the migration through `ops::migration::apply` in a task with the
/// workspace's records (opened by the task), progress to the panel.
fn spawn_apply(
    target: crate::ops::Target,
    confirmed: crate::ops::gate::Confirmed,
    m: crate::ops::migration::Migration,
    meta: crate::app::query::MetaPaths,
    tx: mpsc::UnboundedSender<JobEvent>,
) {
    tokio::spawn(async move {
        let mut records: Box<dyn Records + Send> = match &meta.metadata {
            Some(path) => match StoreRecords::open(path, meta.jsonl.clone()) {
                Ok(r) => Box::new(r),
                Err(e) => Box::new(NoRecords {
                    reason: format!("cannot open the workspace store: {e}"),
                }),
            },
            None => Box::new(NoRecords {
                reason: "no workspace store is open".into(),
            }),
        };
        let progress = tx.clone();
        let mut sink = ChannelProgress(move |p| {
            if let Progress::Statement { index, total, line } = p {
                let _ = progress.send(JobEvent::Snap(SnapEvent::Progress(index, total, line)));
            }
        });
        let mut ctx = OpsContext {
            face: Face::Tui,
            records: &mut *records,
            prompt: &mut NoPrompt,
            progress: &mut sink,
            cancel: tokio_util::sync::CancellationToken::new(),
        };
        let res = crate::ops::migration::apply(&mut ctx, &target, &confirmed, &m)
            .await
            .map(Box::new)
            .map_err(|e| match e {
                OpsError::Migration(f) => ApplyFailure {
                    statement: f.statement.clone(),
                    message: f.to_string(),
                    rolled_back: f.rolled_back,
                },
                other => ApplyFailure {
                    statement: String::new(),
                    message: other.to_string(),
                    rolled_back: false,
                },
            });
        let _ = tx.send(JobEvent::Snap(SnapEvent::Applied(res)));
    });
}

impl App {
    pub(super) fn ask_apply(&mut self) {
        let Some(v) = self.snapshots.as_ref().and_then(|p| p.view.as_ref()) else {
            return;
        };
        if self
            .snapshots
            .as_ref()
            .and_then(|p| p.apply.as_ref())
            .is_some_and(|a| a.running)
        {
            return;
        }
        let pl = match &v.plan {
            Ok(pl) if pl.is_empty() => {
                let m = format!(
                    "nothing to apply: '{}' already matches {}",
                    self.conn.name, v.goal_label
                );
                self.snap_message(Level::Info, m);
                return;
            }
            Ok(pl) => pl,
            Err(e) => {
                let m = format!("no migration to apply: {e}");
                self.snap_message(Level::Error, m);
                return;
            }
        };
        let name = self.conn.name.clone();
        let what = format!(
            "Apply {} migration statement(s) ({} with hazards) to '{name}' to make it match {}.",
            pl.steps.len(),
            pl.hazard_count(),
            v.goal_label
        );
        self.guarded_operation(OperationKind::Migration, what, self.target());
    }

    /// The rule was satisfied for a migration: run it.
    pub(in crate::app) fn start_migration(&mut self, confirmed: crate::ops::gate::Confirmed) {
        let Some(p) = self.snapshots.as_ref() else { return };
        let Some(v) = p.view.as_ref() else { return };
        let Ok(pl) = v.plan.clone() else { return };
        let m = crate::ops::migration::Migration {
            plan: pl,
            script: v.script.clone(),
            goal: (*v.goal).clone(),
            goal_label: v.goal_label.clone(),
            before: p.live.as_deref().cloned(),
            with_privileges: false,
        };
        let n = m.plan.steps.len();
        if let Some(p) = self.snapshots.as_mut() {
            p.apply = Some(ApplyState {
                running: true,
                line: format!("starting {n} statement(s)…"),
            });
            p.message = None;
        }
        let meta = crate::app::query::MetaPaths {
            metadata: self.store.as_ref().map(|s| s.path().to_path_buf()),
            jsonl: self.audit_jsonl.clone(),
        };
        spawn_apply(self.target(), confirmed, m, meta, self.job_tx.clone());
    }

    pub(super) fn migration_done(&mut self, res: Result<Box<crate::ops::migration::Applied>, ApplyFailure>) {
        let name = self.conn.name.clone();
        let (level, line) = match res {
            Err(f) => (Level::Error, format!("failed: {}", f.message.replace('\n', " "))),
            Ok(a) => {
                let n = a.statements;
                let remaining = a.remaining;
                if let Some(p) = self.snapshots.as_mut() {
                    p.live = Some(a.after);
                }
                if remaining.is_identical() {
                    (
                        Level::Info,
                        format!("applied {n} statement(s); verified: diff is now empty"),
                    )
                } else if remaining.is_empty() {
                    (
                        Level::Warn,
                        format!(
                            "applied {n} statement(s); not verified: {}",
                            remaining.caveats().join("; ")
                        ),
                    )
                } else {
                    (
                        Level::Warn,
                        format!(
                            "applied {n} statement(s) but {} object(s) still differ: see `dbn diff schema`",
                            remaining.changes.len()
                        ),
                    )
                }
            }
        };
        let line = crate::sanitize::sanitize(&line).into_owned();
        if let Some(p) = self.snapshots.as_mut() {
            p.apply = Some(ApplyState {
                running: false,
                line: line.clone(),
            });
            if let Ok(items) = self
                .store
                .as_ref()
                .map_or(Ok(Vec::new()), |s| s.list_schema_snapshots(Some(&name)))
            {
                p.items = items;
            }
        }
        self.set_status(level, line);
        // Show the connection as it is now.
        if self.snapshots.as_ref().is_some_and(|p| p.picked.contains(&Side::Live)) {
            self.compute_diff();
        }
        self.reload_schema();
    }
}
