//! Applying the panel's plans: the typed confirmation through the one rule,
//! the apply task, and what the panel shows and audits when it ends.

use super::super::{App, Level};
use super::tasks::{ApplyTask, progress_control, spawn_apply};
use super::{Stage, SyncEvent, SyncPanel};
use crate::datasync::apply::ApplyReport;
use crate::datasync::{DataDiff, DataSyncError, Progress, SyncPlan};
use crate::ops::gate::OperationKind;
use crate::store::audit::AuditEntry;

impl App {
    /// The tables of the plan in a confirmation or audit line.
    fn sync_tables_text(p: &SyncPanel) -> String {
        let names: Vec<String> = p
            .diffs()
            .map(|d| crate::sanitize::sanitize(&d.table).into_owned())
            .collect();
        match names.as_slice() {
            [one] => one.clone(),
            all => format!("{} tables ({})", all.len(), all.join(", ")),
        }
    }

    pub(in crate::app) fn ask_sync_apply(&mut self) {
        let Some(p) = self.sync.as_ref() else { return };
        let Some(t) = p.target.as_ref() else { return };
        if p.compared() == 0 {
            return;
        }
        let totals = match p.preview.totals() {
            Ok(t) => t,
            Err((table, e)) => {
                let m = format!("cannot apply: {}", crate::sanitize::sanitize(&format!("{table}: {e}")));
                if let Some(p) = self.sync.as_mut() {
                    p.message = Some((Level::Error, m));
                }
                return;
            }
        };
        if totals.writes() == 0 {
            let m = format!(
                "nothing to apply: the target already matches under strategy {}",
                p.strategy
            );
            if let Some(p) = self.sync.as_mut() {
                p.message = Some((Level::Info, m));
            }
            return;
        }
        let name = t.name.clone();
        let kept = if totals.kept > 0 {
            format!(", {} changed row(s) kept", totals.kept)
        } else {
            String::new()
        };
        let what = format!(
            "Sync {} into '{name}' ({}): {} insert(s), {} update(s), {} delete(s){kept}.",
            Self::sync_tables_text(p),
            p.strategy,
            totals.inserts,
            totals.updates,
            totals.deletes,
        );
        let target = crate::ops::Target::new(t.name.clone(), t.tag, t.read_only, t.spec.clone());
        self.guarded_operation(OperationKind::DataSync, what, target);
    }

    /// The typed confirmation for a data sync was answered correctly: run it.
    pub(in crate::app) fn start_data_sync(&mut self, confirmed: crate::ops::gate::Confirmed) {
        let tx = self.job_tx.clone();
        let Some(p) = self.sync.as_mut() else { return };
        let Some(t) = p.target.as_ref() else { return };
        // Only tables with something to write; the plans were shown in the preview.
        let work: Vec<(DataDiff, SyncPlan)> = p
            .preview
            .tables
            .iter()
            .filter_map(|tp| {
                tp.plan
                    .as_ref()
                    .ok()
                    .filter(|pl| pl.total() > 0)
                    .map(|pl| (tp.diff.clone(), pl.clone()))
            })
            .collect();
        if work.is_empty() {
            return;
        }
        let ctl = progress_control(&tx);
        p.token = Some(ctl.cancel.clone());
        p.stage = Stage::Running;
        p.progress = "applying…".into();
        p.applied = Some((0, 0));
        p.at_table = 0;
        p.chosen = work.iter().map(|(d, _)| d.table.clone()).collect();
        self.sync_confirmed = Some((confirmed.confirmed_by().to_string(), std::time::Instant::now()));
        let task = ApplyTask {
            target: crate::ops::Target::new(t.name.clone(), t.tag, t.read_only, t.spec.clone()),
            confirmed,
            meta: super::super::query::MetaPaths {
                metadata: self.store.as_ref().map(|s| s.path().to_path_buf()),
                jsonl: self.audit_jsonl.clone(),
            },
            source: self.conn.name.clone(),
            strategy: p.strategy.clone(),
            delete_missing: p.delete_missing,
        };
        spawn_apply(task, work, ctl, tx);
    }

    /// A message from the panel's tasks.
    pub(in crate::app) fn on_sync(&mut self, ev: SyncEvent) {
        match ev {
            SyncEvent::Progress(pr) => {
                let Some(p) = self.sync.as_mut() else { return };
                match pr {
                    Progress::Phase { name } => p.progress = format!("{name}…"),
                    Progress::Segments { compared, mismatched } => {
                        p.progress = format!("checksums: {compared} segment(s), {mismatched} differ");
                    }
                    Progress::Rows { fetched } => p.fetched = fetched,
                    Progress::Applied { done, total } => p.applied = Some((done, total)),
                }
            }
            SyncEvent::Table(i) => {
                let Some(p) = self.sync.as_mut() else { return };
                p.at_table = i;
                p.fetched = 0;
                if let Some(t) = p.chosen.get(i) {
                    let what = if p.applied.is_some() {
                        "applying to"
                    } else {
                        "comparing"
                    };
                    p.progress = format!("{what} {t}…");
                }
            }
            SyncEvent::Previewed(res) => {
                let Some(p) = self.sync.as_mut() else { return };
                p.token = None;
                match *res {
                    Ok(preview) => p.set_preview(preview),
                    Err(DataSyncError::Cancelled) => {
                        p.stage = Stage::Tables;
                        p.message = Some((Level::Warn, "diff cancelled: Enter runs it again".into()));
                    }
                    Err(e) => {
                        p.stage = Stage::Tables;
                        // A table's failure names the table when several were compared.
                        let m = match p.chosen.get(p.at_table) {
                            Some(table) if p.chosen.len() > 1 && !matches!(e, DataSyncError::Connect { .. }) => {
                                format!("{table}: {e}")
                            }
                            _ => e.to_string(),
                        };
                        p.message = Some((Level::Error, crate::sanitize::sanitize(&m).into_owned()));
                    }
                }
            }
            SyncEvent::Applied(res) => self.sync_applied(res),
        }
    }

    fn sync_applied(&mut self, done: Vec<(String, Result<ApplyReport, DataSyncError>)>) {
        let Some(p) = self.sync.as_mut() else { return };
        p.token = None;
        p.stage = Stage::Result;
        let (confirmed_by, started) = self
            .sync_confirmed
            .take()
            .unwrap_or_else(|| (String::new(), std::time::Instant::now()));
        let tgt = p.target.as_ref().map(|t| t.name.clone()).unwrap_or_default();
        let mut applied = 0;
        let mut failure = None;
        let mut entries = Vec::new();
        for (table, res) in &done {
            let plan = p
                .preview
                .tables
                .iter()
                .find(|t| t.diff.table == *table)
                .and_then(|t| t.plan.as_ref().ok());
            let mut entry = AuditEntry {
                connection: Some(tgt.clone()),
                action: "sync".into(),
                statement: Some(format!(
                    "sync data --source {} --target {tgt} --table {table} --strategy {}{}",
                    self.conn.name,
                    p.strategy,
                    if p.delete_missing { " --delete-missing" } else { "" }
                )),
                duration_ms: Some(started.elapsed().as_millis() as i64),
                confirmed_by: Some(confirmed_by.clone()),
                detail: plan.map(|pl| {
                    serde_json::json!({
                        "source": self.conn.name,
                        "table": table,
                        "plan": {
                            "insert": pl.inserts.len(),
                            "update": pl.updates.len(),
                            "delete": pl.deletes.len(),
                            "kept_changed": pl.kept.len(),
                            "kept_target_only": pl.target_only_kept,
                        },
                    })
                    .to_string()
                }),
                ..AuditEntry::default()
            };
            match res {
                Ok(r) => {
                    entry.outcome = "ok".into();
                    entry.rows_affected = Some(r.total() as i64);
                    applied += r.total();
                }
                Err(e) => {
                    entry.outcome = if matches!(e, DataSyncError::Cancelled) {
                        "cancelled".into()
                    } else {
                        format!("error: {e}")
                    };
                    failure = Some((table.clone(), e));
                }
            }
            entries.push(entry);
        }
        let (level, msg) = match failure {
            None => (
                Level::Info,
                format!("applied {applied} change(s) to '{tgt}'; press r to diff again"),
            ),
            Some((table, e)) if done.len() > 1 || p.compared() > 1 => (
                Level::Error,
                format!(
                    "sync failed at {table} after {applied} change(s) in {} table(s): {e}",
                    done.len() - 1
                ),
            ),
            Some((_, e)) => (Level::Error, format!("sync failed: {e}")),
        };
        let msg = crate::sanitize::sanitize(&msg).into_owned();
        p.message = Some((level, msg.clone()));
        if let Some(store) = self.store.as_ref() {
            for entry in &entries {
                if let Err(e) = store.append_audit(entry, self.audit_jsonl.as_deref()) {
                    tracing::warn!("cannot append to the audit log: {e}");
                }
            }
        }
        self.set_status(level, msg);
    }
}
