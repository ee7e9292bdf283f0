//! Applying the panel's migration: the typed confirmation, the background
//! task with progress, verification by re-introspection and the audit entry.

use super::{ApplyFailure, ApplyState, Side, SnapEvent};
use crate::app::guard::Operation;
use crate::app::query::JobEvent;
use crate::app::{App, Level};
use crate::schema::Schema;
use crate::schema::diff::{DiffOptions, diff};
use crate::schema::migrate::Plan;
use crate::store::audit::AuditEntry;
use serde_json::json;
use tokio::sync::mpsc;

fn spawn_apply(spec: crate::db::ConnSpec, p: Plan, tx: mpsc::UnboundedSender<JobEvent>) {
    tokio::spawn(async move {
        let progress = tx.clone();
        let res = async {
            let mut s = crate::db::connect(&spec).await.map_err(|e| ApplyFailure {
                statement: String::new(),
                message: format!("cannot connect: {e}"),
                rolled_back: false,
            })?;
            let n = crate::schema::apply::apply(s.as_mut(), &p, |i, n, sql| {
                let first = sql.lines().next().unwrap_or("").to_string();
                let _ = progress.send(JobEvent::Snap(SnapEvent::Progress(i, n, first)));
            })
            .await
            .map_err(|e| ApplyFailure {
                statement: e.statement.clone(),
                message: e.to_string(),
                rolled_back: e.rolled_back,
            })?;
            let after = crate::schema::introspect::introspect(s.as_mut())
                .await
                .map_err(|e| ApplyFailure {
                    statement: String::new(),
                    message: format!("applied {n} statement(s) but cannot re-introspect to verify: {e}"),
                    rolled_back: false,
                })?;
            Ok((n, Box::new(after)))
        }
        .await;
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
        self.guarded_operation(Operation::Migration, what, self.target());
    }

    /// The typed confirmation for a migration was answered correctly: run it.
    pub(in crate::app) fn start_migration(&mut self, confirmed: crate::ops::gate::Confirmed) {
        let confirmed_by = confirmed.confirmed_by().to_string();
        let Some(v) = self.snapshots.as_ref().and_then(|p| p.view.as_ref()) else {
            return;
        };
        let Ok(pl) = v.plan.clone() else { return };
        if let Some(p) = self.snapshots.as_mut() {
            p.apply = Some(ApplyState {
                running: true,
                line: format!("starting {} statement(s)…", pl.steps.len()),
            });
            p.message = None;
        }
        self.migration_confirmed = Some((confirmed_by, std::time::Instant::now()));
        spawn_apply(confirmed.spec(&self.target()), pl, self.job_tx.clone());
    }

    pub(super) fn migration_done(&mut self, res: Result<(usize, Box<Schema>), ApplyFailure>) {
        let Some(v) = self.snapshots.as_ref().and_then(|p| p.view.as_ref()) else {
            return;
        };
        let (goal, goal_label, script) = (v.goal.clone(), v.goal_label.clone(), v.script.clone());
        let before = self.snapshots.as_ref().and_then(|p| p.live.clone());
        let (confirmed_by, started) = self
            .migration_confirmed
            .take()
            .unwrap_or_else(|| (String::new(), std::time::Instant::now()));
        let name = self.conn.name.clone();
        let jsonl = self.audit_jsonl.clone();
        let mut entry = AuditEntry {
            connection: Some(name.clone()),
            action: "migration".into(),
            statement: Some(script),
            verdict: Some("ddl".into()),
            duration_ms: Some(started.elapsed().as_millis() as i64),
            confirmed_by: Some(confirmed_by),
            ..Default::default()
        };
        let before_id = match (self.store.as_mut(), before) {
            (Some(st), Some(b)) => st.save_schema_snapshot(&name, &b, None).ok().map(|s| s.id),
            _ => None,
        };
        let (level, line) = match res {
            Err(f) => {
                entry.outcome = format!("error: {}", f.message.lines().next().unwrap_or(""));
                entry.detail = Some(
                    json!({"source": goal_label, "before_snapshot": before_id, "failed_statement": f.statement, "rolled_back": f.rolled_back, "via": "dbn ui"})
                        .to_string(),
                );
                (Level::Error, format!("failed: {}", f.message.replace('\n', " ")))
            }
            Ok((n, after)) => {
                let after_id = self
                    .store
                    .as_mut()
                    .and_then(|st| st.save_schema_snapshot(&name, &after, None).ok())
                    .map(|s| s.id);
                let remaining = diff(&goal, &after, DiffOptions::default());
                entry.outcome = if remaining.is_identical() {
                    "ok".into()
                } else {
                    "ok: diff not empty".into()
                };
                entry.detail = Some(
                    json!({"source": goal_label, "statements": n, "before_snapshot": before_id, "after_snapshot": after_id, "verified_empty_diff": remaining.is_identical(), "via": "dbn ui"})
                        .to_string(),
                );
                if let Some(p) = self.snapshots.as_mut() {
                    p.live = Some(after);
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
        if let Some(store) = self.store.as_ref()
            && let Err(e) = store.append_audit(&entry, jsonl.as_deref())
        {
            tracing::warn!("cannot append to the audit log: {e}");
        }
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
