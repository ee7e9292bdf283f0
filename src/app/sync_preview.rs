//! The data sync panel: the current connection is the source; pick a
//! target connection and a table, diff them in the background (cancellable),
//! read the per-table summary and the row-level differences, and apply a
//! source-wins sync behind the typed confirmation with live progress.

use super::guard::Operation;
use super::popup::ConnEntry;
use super::query::JobEvent;
use super::{App, ConnInfo, Effect, Level};
use crate::datasync::apply::{ApplyReport, apply_plan};
use crate::datasync::diff::{DataDiff, DiffSpec, diff_table};
use crate::datasync::{Control, Progress, Strategy, plan_sync};
use crate::db::ConnSpec;
use crate::store::audit::AuditEntry;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

/// Messages from the panel's background tasks.
#[derive(Debug)]
pub enum SyncEvent {
    /// Progress of the diff or the apply.
    Progress(Progress),
    /// The diff finished.
    Diffed(Box<Result<DataDiff, String>>),
    /// The apply finished.
    Applied(Result<ApplyReport, String>),
}

/// Where the panel is.
#[derive(Debug, Clone)]
pub enum Stage {
    /// Choosing the target connection.
    Targets,
    /// Choosing the table.
    Tables,
    /// Diff or apply running.
    Running,
    /// Diff result.
    Result,
}

/// One differing row in the result list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowRef {
    /// `only_in_source[i]`.
    OnlySource(usize),
    /// `only_in_target[i]`.
    OnlyTarget(usize),
    /// `changed[i]`.
    Changed(usize),
}

/// Panel state.
#[derive(Debug, Clone)]
pub struct SyncPanel {
    /// Stage.
    pub stage: Stage,
    /// Saved connections (targets).
    pub targets: Vec<ConnEntry>,
    /// Tables of the current schema (`schema.table` or bare names).
    pub tables: Vec<String>,
    /// Selected row of the current list.
    pub selected: usize,
    /// The resolved target.
    pub target: Option<ConnInfo>,
    /// The chosen table.
    pub table: Option<String>,
    /// Last progress line.
    pub progress: String,
    /// Rows fetched so far (for the gauge).
    pub fetched: u64,
    /// Apply gauge: done, total.
    pub applied: Option<(u64, u64)>,
    /// The diff.
    pub diff: Option<Box<DataDiff>>,
    /// Rows of the result list.
    pub rows: Vec<RowRef>,
    /// Show the selected row's columns.
    pub detail: bool,
    /// Delete rows only in the target when applying.
    pub delete_missing: bool,
    /// Last message.
    pub message: Option<(Level, String)>,
    /// Cancels the running task.
    pub token: Option<CancellationToken>,
}

impl SyncPanel {
    /// A panel at the target choice.
    pub fn new(targets: Vec<ConnEntry>, tables: Vec<String>) -> SyncPanel {
        SyncPanel {
            stage: Stage::Targets,
            targets,
            tables,
            selected: 0,
            target: None,
            table: None,
            progress: String::new(),
            fetched: 0,
            applied: None,
            diff: None,
            rows: Vec::new(),
            detail: false,
            delete_missing: false,
            message: None,
            token: None,
        }
    }

    /// Put a finished diff into the panel.
    pub fn set_diff(&mut self, d: DataDiff) {
        let r = &d.diff;
        self.rows = (0..r.only_in_source.len())
            .map(RowRef::OnlySource)
            .chain((0..r.only_in_target.len()).map(RowRef::OnlyTarget))
            .chain((0..r.changed.len()).map(RowRef::Changed))
            .collect();
        self.diff = Some(Box::new(d));
        self.stage = Stage::Result;
        self.selected = 0;
        self.detail = false;
    }

    fn len(&self) -> usize {
        match self.stage {
            Stage::Targets => self.targets.len(),
            Stage::Tables => self.tables.len(),
            Stage::Result => self.rows.len(),
            Stage::Running => 0,
        }
    }
}

fn spawn_diff(src: ConnSpec, tgt: ConnSpec, table: String, ctl: Control, tx: mpsc::UnboundedSender<JobEvent>) {
    tokio::spawn(async move {
        // Dedicated sessions: the diff changes session settings.
        let res = async {
            let mut s = crate::db::connect(&src)
                .await
                .map_err(|e| format!("cannot connect to the source: {e}"))?;
            let mut t = crate::db::connect(&tgt)
                .await
                .map_err(|e| format!("cannot connect to the target: {e}"))?;
            diff_table(s.as_mut(), t.as_mut(), &DiffSpec::table(&table), &ctl)
                .await
                .map_err(|e| e.to_string())
        }
        .await;
        let _ = tx.send(JobEvent::Sync(SyncEvent::Diffed(Box::new(res))));
    });
}

fn spawn_apply(
    mut tgt: ConnSpec,
    d: DataDiff,
    delete_missing: bool,
    ctl: Control,
    tx: mpsc::UnboundedSender<JobEvent>,
) {
    tgt.read_only = false;
    tokio::spawn(async move {
        let res = async {
            let plan = plan_sync(&d, &Strategy::SourceWins, delete_missing).map_err(|e| e.to_string())?;
            let mut t = crate::db::connect(&tgt)
                .await
                .map_err(|e| format!("cannot connect to the target for writing: {e}"))?;
            for sql in crate::datasync::sql::session_setup(t.engine()) {
                crate::db::query_all(t.as_mut(), sql).await.map_err(|e| e.to_string())?;
            }
            apply_plan(t.as_mut(), &d.pair.target, &plan, 500, &ctl)
                .await
                .map_err(|e| e.to_string())
        }
        .await;
        let _ = tx.send(JobEvent::Sync(SyncEvent::Applied(res)));
    });
}

/// Relay progress events from a `Control` into the app's job channel.
fn progress_control(tx: &mpsc::UnboundedSender<JobEvent>) -> Control {
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

impl App {
    /// Open the data sync panel: asks the loop for saved connections.
    pub(super) fn open_sync_preview(&mut self) {
        self.effects.push(Effect::SyncTargets);
    }

    /// The loop listed the saved connections: show the panel.
    pub fn show_sync_targets(&mut self, items: Vec<ConnEntry>) {
        let mut tables: Vec<String> = self
            .tree
            .schema
            .as_ref()
            .map(|s| {
                s.tables
                    .iter()
                    .map(|t| {
                        if t.schema.is_empty() || t.schema == "main" {
                            t.name.clone()
                        } else {
                            format!("{}.{}", t.schema, t.name)
                        }
                    })
                    .collect()
            })
            .unwrap_or_default();
        tables.sort();
        let items = items.into_iter().filter(|c| c.name != self.conn.name).collect();
        self.sync = Some(SyncPanel::new(items, tables));
        self.mark_dirty();
    }

    /// The loop resolved the chosen target (or failed to).
    pub fn sync_target_resolved(&mut self, res: Result<ConnInfo, String>) {
        let Some(p) = self.sync.as_mut() else { return };
        match res {
            Ok(info) => {
                p.target = Some(info);
                p.stage = Stage::Tables;
                p.selected = 0;
                p.message = None;
            }
            Err(e) => p.message = Some((Level::Error, crate::sanitize::sanitize(&e).into_owned())),
        }
        self.mark_dirty();
    }

    /// True while the panel runs a task.
    pub fn sync_busy(&self) -> bool {
        self.sync.as_ref().is_some_and(|p| p.token.is_some())
    }

    /// A key while the panel is open.
    pub(super) fn sync_key(&mut self, key: KeyEvent) {
        let Some(p) = self.sync.as_mut() else { return };
        let ctrl_c = key.code == KeyCode::Char('c') && key.modifiers.contains(KeyModifiers::CONTROL);
        if let Some(t) = &p.token {
            if key.code == KeyCode::Esc || ctrl_c {
                t.cancel();
                p.progress = "cancelling…".into();
            }
            return;
        }
        let len = p.len();
        match key.code {
            KeyCode::Down | KeyCode::Char('j') => p.selected = (p.selected + 1).min(len.saturating_sub(1)),
            KeyCode::Up | KeyCode::Char('k') => p.selected = p.selected.saturating_sub(1),
            KeyCode::PageDown => p.selected = (p.selected + 10).min(len.saturating_sub(1)),
            KeyCode::PageUp => p.selected = p.selected.saturating_sub(10),
            KeyCode::Esc | KeyCode::Char('q') => match p.stage {
                Stage::Result if p.detail => p.detail = false,
                _ => self.sync = None,
            },
            KeyCode::Enter => match p.stage {
                Stage::Targets => {
                    if let Some(c) = p.targets.get(p.selected) {
                        self.effects.push(Effect::ResolveSyncTarget(c.name.clone()));
                    }
                }
                Stage::Tables => {
                    if let Some(t) = p.tables.get(p.selected).cloned() {
                        p.table = Some(t);
                        self.start_data_diff();
                    }
                }
                Stage::Result => p.detail = !p.detail,
                Stage::Running => {}
            },
            KeyCode::Char('r') if matches!(p.stage, Stage::Result) => self.start_data_diff(),
            KeyCode::Char('d') if matches!(p.stage, Stage::Result) => p.delete_missing = !p.delete_missing,
            KeyCode::Char('a') if matches!(p.stage, Stage::Result) => self.ask_sync_apply(),
            _ => {}
        }
    }

    fn start_data_diff(&mut self) {
        let tx = self.job_tx.clone();
        let src = self.conn.spec.clone();
        let Some(p) = self.sync.as_mut() else { return };
        let (Some(t), Some(table)) = (p.target.as_ref(), p.table.clone()) else {
            return;
        };
        let ctl = progress_control(&tx);
        p.token = Some(ctl.cancel.clone());
        p.stage = Stage::Running;
        p.fetched = 0;
        p.applied = None;
        p.progress = format!("comparing {table}…");
        p.message = None;
        spawn_diff(src, t.spec.clone(), table, ctl, tx);
    }

    fn ask_sync_apply(&mut self) {
        let Some(p) = self.sync.as_ref() else { return };
        let (Some(d), Some(t)) = (p.diff.as_ref(), p.target.as_ref()) else {
            return;
        };
        let r = &d.diff;
        let deletes = if p.delete_missing { r.only_in_target.len() } else { 0 };
        let total = r.only_in_source.len() + r.changed.len() + deletes;
        if total == 0 {
            let m = "nothing to apply: the target already has the source's rows".to_string();
            if let Some(p) = self.sync.as_mut() {
                p.message = Some((Level::Info, m));
            }
            return;
        }
        let name = t.name.clone();
        let what = format!(
            "Sync {} into '{name}' (source wins): {} insert(s), {} update(s), {deletes} delete(s).",
            crate::sanitize::sanitize(&d.table),
            r.only_in_source.len(),
            r.changed.len(),
        );
        let target = crate::ops::Target::new(t.name.clone(), t.tag, t.read_only, t.spec.clone());
        self.guarded_operation(Operation::DataSync, what, target);
    }

    /// The typed confirmation for a data sync was answered correctly: run it.
    pub(super) fn start_data_sync(&mut self, confirmed: crate::ops::gate::Confirmed) {
        let tx = self.job_tx.clone();
        let Some(p) = self.sync.as_mut() else { return };
        let (Some(d), Some(t)) = (p.diff.as_ref(), p.target.as_ref()) else {
            return;
        };
        let ctl = progress_control(&tx);
        p.token = Some(ctl.cancel.clone());
        p.stage = Stage::Running;
        p.progress = "applying…".into();
        p.applied = Some((0, 0));
        self.sync_confirmed = Some((confirmed.confirmed_by().to_string(), std::time::Instant::now()));
        let spec = confirmed.spec(&crate::ops::Target::new(
            t.name.clone(),
            t.tag,
            t.read_only,
            t.spec.clone(),
        ));
        spawn_apply(spec, (**d).clone(), p.delete_missing, ctl, tx);
    }

    /// A message from the panel's tasks.
    pub(super) fn on_sync(&mut self, ev: SyncEvent) {
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
            SyncEvent::Diffed(res) => {
                let Some(p) = self.sync.as_mut() else { return };
                p.token = None;
                match *res {
                    Ok(d) => p.set_diff(d),
                    Err(e) if e == "cancelled" => {
                        p.stage = Stage::Tables;
                        p.message = Some((Level::Warn, "diff cancelled: Enter runs it again".into()));
                    }
                    Err(e) => {
                        p.stage = Stage::Tables;
                        p.message = Some((Level::Error, crate::sanitize::sanitize(&e).into_owned()));
                    }
                }
            }
            SyncEvent::Applied(res) => self.sync_applied(res),
        }
    }

    fn sync_applied(&mut self, res: Result<ApplyReport, String>) {
        let Some(p) = self.sync.as_mut() else { return };
        p.token = None;
        p.stage = Stage::Result;
        let (confirmed_by, started) = self
            .sync_confirmed
            .take()
            .unwrap_or_else(|| (String::new(), std::time::Instant::now()));
        let tgt = p.target.as_ref().map(|t| t.name.clone()).unwrap_or_default();
        let table = p.table.clone().unwrap_or_default();
        let mut entry = AuditEntry {
            connection: Some(tgt.clone()),
            action: "sync".into(),
            statement: Some(format!(
                "sync data --source {} --target {tgt} --table {table} --strategy source-wins{}",
                self.conn.name,
                if p.delete_missing { " --delete-missing" } else { "" }
            )),
            duration_ms: Some(started.elapsed().as_millis() as i64),
            confirmed_by: Some(confirmed_by),
            ..AuditEntry::default()
        };
        let (level, msg) = match res {
            Ok(r) => {
                entry.outcome = "ok".into();
                entry.rows_affected = Some(r.total() as i64);
                (
                    Level::Info,
                    format!("applied {} change(s) to '{tgt}'; press r to diff again", r.total()),
                )
            }
            Err(e) => {
                entry.outcome = if e == "cancelled" {
                    "cancelled".into()
                } else {
                    format!("error: {e}")
                };
                (Level::Error, format!("sync failed: {e}"))
            }
        };
        let msg = crate::sanitize::sanitize(&msg).into_owned();
        p.message = Some((level, msg.clone()));
        if let Some(store) = self.store.as_ref()
            && let Err(e) = store.append_audit(&entry, self.audit_jsonl.as_deref())
        {
            tracing::warn!("cannot append to the audit log: {e}");
        }
        self.set_status(level, msg);
    }
}
