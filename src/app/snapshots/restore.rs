//! Restoring a backup from the panel: typed confirmation, a background task
//! that snapshots the tables it replaces first (the undo), progress, Esc /
//! Ctrl+C cancel, indexing of the pre-restore snapshot and the audit entry.

use super::SnapEvent;
use crate::app::error::AppError;
use crate::app::query::JobEvent;
use crate::app::{App, Level};
use crate::backup::capture::CaptureReport;
use crate::backup::progress::Progress;
use crate::backup::{BackupKey, Repo};
use crate::ops::gate::OperationKind;
use crate::ops::restore::{RestoreRequest, restore_backup};
use crate::ops::sinks::{NoPrompt, NullProgress};
use crate::ops::{Face, OpsContext};
use std::sync::Arc;
use tokio_util::sync::CancellationToken;

/// A restore in flight or finished.
#[derive(Debug, Clone, Default)]
pub struct RestoreState {
    /// Still running.
    pub running: bool,
    /// Backup being restored.
    pub backup: String,
    /// Tables to restore, and started so far.
    pub tables: (usize, usize),
    /// Rows expected and done.
    pub rows: (u64, u64),
    /// Current step or table, or the final result.
    pub line: String,
    /// Cancels the task.
    pub cancel: Option<CancellationToken>,
    /// Connection restored into.
    pub target: String,
    /// Tables chosen (`schema.table` in the backup).
    pub chosen: Vec<String>,
    /// Who confirmed it.
    pub confirmed_by: String,
    /// When it started.
    pub started: Option<std::time::Instant>,
}

impl RestoreState {
    /// A restore of `backup` starting now, confirmed as `confirmed_by`.
    pub fn starting(backup: &str, confirmed_by: String, cancel: CancellationToken) -> RestoreState {
        RestoreState {
            running: true,
            backup: backup.to_string(),
            line: "starting…".into(),
            cancel: Some(cancel),
            confirmed_by,
            started: Some(std::time::Instant::now()),
            ..Default::default()
        }
    }

    /// Fraction done (0..=1) for the gauge.
    pub fn ratio(&self) -> f64 {
        if self.rows.0 > 0 {
            (self.rows.1 as f64 / self.rows.0 as f64).clamp(0.0, 1.0)
        } else if self.tables.0 > 0 {
            (self.tables.1 as f64 / self.tables.0 as f64).clamp(0.0, 1.0)
        } else {
            0.0
        }
    }
}

/// The outcome the task sends back.
#[derive(Debug)]
pub struct RestoreOutcome {
    /// Pre-restore snapshot, when one was taken.
    pub pre: Option<CaptureReport>,
    /// Tables and rows restored, or the error.
    pub result: Result<(u64, u64), AppError>,
    /// Why the pre-restore snapshot could not be indexed.
    pub index_warning: Option<String>,
}

impl App {
    /// Enter on a previewed restore choice: ask for the target's name before restoring.
    pub(super) fn ask_restore(&mut self) {
        let Some(b) = self.snapshots.as_ref().and_then(|p| p.backups.as_ref()) else {
            return;
        };
        if b.restore.as_ref().is_some_and(|r| r.running) || b.loading {
            return;
        }
        let Some(setup) = b.setup.as_ref() else { return };
        let Some(Ok(preview)) = &setup.preview else { return };
        if b.key().is_none() {
            let why = b.why_no_key();
            self.snap_message(Level::Error, why);
            return;
        }
        let name = preview.target.name.clone();
        let what = format!(
            "{}\nA pre-restore snapshot of the replaced tables is taken first (restoring it undoes this).",
            preview.lines.join("\n")
        );
        let t = &preview.target;
        let target = crate::ops::Target::new(name, t.tag, t.read_only, t.spec.clone());
        let id = setup.backup.clone();
        if let Some(b) = self.backups_mut() {
            b.restore_target = Some(id);
        }
        self.guarded_operation(OperationKind::Restore, what, target);
    }

    /// The typed confirmation for a restore was answered correctly: run it.
    pub(in crate::app) fn start_restore(&mut self, confirmed: crate::ops::gate::Confirmed) {
        let Some(b) = self.snapshots.as_ref().and_then(|p| p.backups.as_ref()) else {
            return;
        };
        let (Some(id), Some(key), Some(dir)) = (b.restore_target.clone(), b.key(), b.repo_dir.clone()) else {
            return;
        };
        let Some(setup) = b.setup.as_ref() else { return };
        let Some(Ok(preview)) = &setup.preview else { return };
        let (target, tables, deps) = (preview.target.clone(), setup.restore_tables(), setup.with_dependents);
        let chosen = setup.chosen();
        let confirmed_by = confirmed.confirmed_by().to_string();
        let cancel = CancellationToken::new();
        if let Some(b) = self.backups_mut() {
            let mut r = RestoreState::starting(&id, confirmed_by, cancel.clone());
            r.target = target.name.clone();
            r.chosen = chosen;
            b.restore = Some(r);
            b.setup = None;
        }
        let task = RestoreTask {
            target: crate::ops::Target::new(target.name.clone(), target.tag, target.read_only, target.spec.clone()),
            confirmed,
            meta: crate::app::query::MetaPaths {
                metadata: self.store.as_ref().map(|s| s.path().to_path_buf()),
                jsonl: self.audit_jsonl.clone(),
            },
            id,
            options: crate::backup::restore::RestoreOptions {
                tables,
                with_dependents: deps,
            },
            keys: key,
            dir,
        };
        spawn_restore(task, cancel, self.job_tx.clone());
    }

    /// Cancel a running restore (Esc / Ctrl+C).
    pub(super) fn cancel_restore(&mut self) -> bool {
        let Some(r) = self.restore_run_mut().filter(|r| r.running) else {
            return false;
        };
        if let Some(c) = &r.cancel {
            c.cancel();
        }
        r.line = "cancelling…".into();
        true
    }

    /// A progress event from the restore task.
    pub(super) fn restore_progress(&mut self, p: Progress) {
        let Some(r) = self.restore_run_mut() else {
            return;
        };
        if !r.running {
            return;
        }
        match p {
            Progress::Start { tables, rows, .. } => {
                r.tables.0 = tables;
                r.rows.0 = rows;
            }
            Progress::Table { name, .. } => {
                r.tables.1 += 1;
                r.line = crate::sanitize::sanitize(&format!("table {name}")).into_owned();
            }
            Progress::Rows { done, .. } => r.rows.1 = done,
            Progress::Step(s) => r.line = crate::sanitize::sanitize(&s).into_owned(),
            Progress::Done => r.line = "finishing…".into(),
        }
    }

    /// The restore task finished: index the undo snapshot, audit, report.
    pub(super) fn restore_done(&mut self, out: RestoreOutcome) {
        let here = self.conn.name.clone();
        let Some(b) = self.backups_mut() else {
            return;
        };
        let Some(r) = b.restore.as_mut() else { return };
        r.running = false;
        r.cancel = None;
        let name = if r.target.is_empty() {
            here.clone()
        } else {
            r.target.clone()
        };
        let backup = r.backup.clone();
        let pre_id = out.pre.as_ref().map(|p| p.manifest.id.clone());
        // The operation indexed the pre-restore snapshot and audited the restore.
        let warn = out.index_warning.clone();
        // The restore's audit entry was written by the operation itself.
        let (level, line) = match &out.result {
            Ok((tables, rows)) => {
                let undo = pre_id
                    .as_deref()
                    .map(|id| format!("; undo: restore {id}"))
                    .unwrap_or_default();
                (
                    Level::Info,
                    format!("restored {tables} table(s), {rows} rows from {backup} into '{name}'{undo}"),
                )
            }
            Err(e) => (Level::Error, format!("restore failed: {e}")),
        };
        let line = crate::sanitize::sanitize(&line).into_owned();
        let items = self
            .store
            .as_ref()
            .and_then(|s| s.list_backups(Some(&here)).ok())
            .map(|i| i.into_iter().rev().collect());
        if let Some(b) = self.backups_mut() {
            if let Some(r) = b.restore.as_mut() {
                r.line = line.clone();
            }
            if let Some(items) = items {
                b.items = items;
            }
        }
        match warn {
            Some(w) => self.snap_message(Level::Warn, w),
            None => self.snap_message(level, line.clone()),
        }
        self.set_status(level, line);
        if name == here {
            self.reload_schema();
        }
    }
}

/// What the restore task needs: the target as the rule cleared it, the
/// backup, and where its audit entry goes.
struct RestoreTask {
    target: crate::ops::Target,
    confirmed: crate::ops::gate::Confirmed,
    meta: crate::app::query::MetaPaths,
    id: String,
    options: crate::backup::restore::RestoreOptions,
    keys: Arc<Vec<BackupKey>>,
    dir: std::path::PathBuf,
}

/// Restore through `ops::restore::restore_backup` (audited before anything
/// is sent, face `tui`).
fn spawn_restore(task: RestoreTask, cancel: CancellationToken, tx: tokio::sync::mpsc::UnboundedSender<JobEvent>) {
    let (ptx, mut prx) = tokio::sync::mpsc::unbounded_channel::<Progress>();
    let fwd = tx.clone();
    tokio::spawn(async move {
        while let Some(p) = prx.recv().await {
            let _ = fwd.send(JobEvent::Snap(SnapEvent::RestoreProgress(p)));
        }
    });
    tokio::spawn(async move {
        let repo = Repo::local(&task.dir);
        let progress = Some(ptx);
        let out = match repo.load_with(&task.id, &task.keys).await {
            Err(e) => RestoreOutcome {
                pre: None,
                result: Err(e.into()),
                index_warning: None,
            },
            Ok((m, key)) => {
                let mut records = task.meta.open_records();
                let mut ctx = OpsContext {
                    face: Face::Tui,
                    records: &mut *records,
                    prompt: &mut NoPrompt,
                    progress: &mut NullProgress,
                    cancel,
                };
                let req = RestoreRequest {
                    repo: &repo,
                    key: &key,
                    manifest: &m,
                    options: task.options,
                    new_database: None,
                };
                let ran = restore_backup(
                    &mut ctx,
                    &task.target,
                    &task.confirmed,
                    &req,
                    &progress,
                    &mut |_| Ok(()),
                )
                .await;
                match ran {
                    Ok(r) => RestoreOutcome {
                        pre: r.pre,
                        result: Ok((r.report.tables, r.report.rows)),
                        index_warning: r.index_warning,
                    },
                    Err(f) => RestoreOutcome {
                        pre: f.pre,
                        result: Err(f.error.into()),
                        index_warning: f.index_warning,
                    },
                }
            }
        };
        drop(progress);
        let _ = tx.send(JobEvent::Snap(SnapEvent::Restored(Box::new(out))));
    });
}
