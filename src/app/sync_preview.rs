//! The data sync panel: the current connection is the source; pick a
//! target connection and one or several tables, diff them in the background
//! (cancellable), read the per-table summary, the sync plan under the chosen
//! strategy (source wins, target wins, newest by a column; deleting
//! target-only rows or not) and the row-level differences, and apply the plan
//! behind the typed confirmation with live progress.

use super::guard::Operation;
use super::popup::ConnEntry;
use super::query::JobEvent;
use super::{App, ConnInfo, Effect, Level};
use crate::datasync::apply::ApplyReport;
use crate::datasync::diff::{DataDiff, DiffSpec, diff_table};
use crate::datasync::{Control, Progress, Strategy, SyncPlan, plan_sync};
use crate::db::ConnSpec;
use crate::store::audit::AuditEntry;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use std::collections::BTreeSet;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

/// Messages from the panel's background tasks.
#[derive(Debug)]
pub enum SyncEvent {
    /// Progress of the diff or the apply.
    Progress(Progress),
    /// The task moved on to the table at this index of the chosen ones.
    Table(usize),
    /// The diff of every chosen table finished (or the first failure).
    Diffed(Box<Result<Vec<DataDiff>, String>>),
    /// The apply finished: one report per table reached, in order; it stops
    /// at the first failure.
    Applied(Vec<(String, Result<ApplyReport, String>)>),
}

/// Where the panel is.
#[derive(Debug, Clone)]
pub enum Stage {
    /// Choosing the target connection.
    Targets,
    /// Choosing the tables.
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
    /// Indexes into `tables` marked with Space (several tables at once).
    pub marked: BTreeSet<usize>,
    /// Selected row of the current list.
    pub selected: usize,
    /// The resolved target.
    pub target: Option<ConnInfo>,
    /// The tables compared (and applied), in order.
    pub chosen: Vec<String>,
    /// Index into `chosen` of the table the running task is at.
    pub at_table: usize,
    /// Last progress line.
    pub progress: String,
    /// Rows fetched so far (for the gauge).
    pub fetched: u64,
    /// Apply gauge: done, total.
    pub applied: Option<(u64, u64)>,
    /// One diff per chosen table.
    pub diffs: Vec<DataDiff>,
    /// The sync plan of each diff under `strategy` and `delete_missing`
    /// (an error when the strategy does not fit the table).
    pub plans: Vec<Result<SyncPlan, String>>,
    /// Index into `diffs` of the table shown.
    pub shown: usize,
    /// Conflict strategy for rows that differ.
    pub strategy: Strategy,
    /// Rows of the shown table's list.
    pub rows: Vec<RowRef>,
    /// Per changed row of the shown table: the strategy keeps the target's row.
    pub kept: Vec<bool>,
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
            marked: BTreeSet::new(),
            selected: 0,
            target: None,
            chosen: Vec::new(),
            at_table: 0,
            progress: String::new(),
            fetched: 0,
            applied: None,
            diffs: Vec::new(),
            plans: Vec::new(),
            shown: 0,
            strategy: Strategy::SourceWins,
            rows: Vec::new(),
            kept: Vec::new(),
            detail: false,
            delete_missing: false,
            message: None,
            token: None,
        }
    }

    /// Put the finished diffs (one per chosen table) into the panel.
    pub fn set_diffs(&mut self, diffs: Vec<DataDiff>) {
        self.diffs = diffs;
        self.shown = 0;
        self.stage = Stage::Result;
        self.replan();
    }

    /// The diff of the table shown.
    pub fn diff(&self) -> Option<&DataDiff> {
        self.diffs.get(self.shown)
    }

    /// The plan of the table shown.
    pub fn plan(&self) -> Option<&Result<SyncPlan, String>> {
        self.plans.get(self.shown)
    }

    /// Recompute the plans after the diffs, the strategy or the
    /// delete-missing choice changed, and the shown table's row list.
    pub fn replan(&mut self) {
        self.plans = self
            .diffs
            .iter()
            .map(|d| plan_sync(d, &self.strategy, self.delete_missing).map_err(|e| e.to_string()))
            .collect();
        self.show(self.shown);
    }

    /// Show the table at `i` of the diffs.
    pub fn show(&mut self, i: usize) {
        self.shown = i.min(self.diffs.len().saturating_sub(1));
        self.selected = 0;
        self.detail = false;
        let Some(d) = self.diffs.get(self.shown) else {
            self.rows.clear();
            self.kept.clear();
            return;
        };
        let r = &d.diff;
        self.rows = (0..r.only_in_source.len())
            .map(RowRef::OnlySource)
            .chain((0..r.only_in_target.len()).map(RowRef::OnlyTarget))
            .chain((0..r.changed.len()).map(RowRef::Changed))
            .collect();
        // The plan keeps changed rows in the diff's order: walk both.
        let kept_keys = match self.plans.get(self.shown) {
            Some(Ok(p)) => p.kept.iter().map(|k| &k.key).collect::<Vec<_>>(),
            _ => Vec::new(),
        };
        let mut next = 0;
        self.kept = r
            .changed
            .iter()
            .map(|c| {
                let hit = kept_keys.get(next).is_some_and(|k| **k == c.key);
                if hit {
                    next += 1;
                }
                hit
            })
            .collect();
    }

    /// The strategies `w` cycles through: source wins, target wins, then
    /// newest by each column every compared table has (time-like names first).
    pub fn strategies(&self) -> Vec<Strategy> {
        let mut out = vec![Strategy::SourceWins, Strategy::TargetWins];
        let Some(first) = self.diffs.first() else {
            return out;
        };
        let mut cols: Vec<&String> = first
            .columns
            .iter()
            .filter(|c| !first.key.contains(c))
            .filter(|c| {
                self.diffs[1..]
                    .iter()
                    .all(|d| d.columns.iter().any(|o| o.eq_ignore_ascii_case(c)))
            })
            .collect();
        let timeish = |c: &str| {
            let c = c.to_ascii_lowercase();
            ["updated", "modified", "changed", "_at", "time", "date", "version"]
                .iter()
                .any(|w| c.contains(w))
        };
        cols.sort_by_key(|c| !timeish(c));
        out.extend(cols.into_iter().map(|c| Strategy::Newest(c.clone())));
        out
    }

    /// Totals of the plans: insert, update, delete, kept changed, kept
    /// target-only; the first table whose plan failed, with why.
    pub fn totals(&self) -> Result<(usize, usize, usize, usize, u64), String> {
        let mut t = (0, 0, 0, 0, 0);
        for (d, p) in self.diffs.iter().zip(&self.plans) {
            let p = p.as_ref().map_err(|e| format!("{}: {e}", d.table))?;
            t.0 += p.inserts.len();
            t.1 += p.updates.len();
            t.2 += p.deletes.len();
            t.3 += p.kept.len();
            t.4 += p.target_only_kept;
        }
        Ok(t)
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

fn spawn_diff(src: ConnSpec, tgt: ConnSpec, tables: Vec<String>, ctl: Control, tx: mpsc::UnboundedSender<JobEvent>) {
    tokio::spawn(async move {
        // Dedicated sessions: the diff changes session settings.
        let res = async {
            let mut s = crate::db::connect(&src)
                .await
                .map_err(|e| format!("cannot connect to the source: {e}"))?;
            let mut t = crate::db::connect(&tgt)
                .await
                .map_err(|e| format!("cannot connect to the target: {e}"))?;
            let mut out = Vec::with_capacity(tables.len());
            for (i, table) in tables.iter().enumerate() {
                let _ = tx.send(JobEvent::Sync(SyncEvent::Table(i)));
                let d = diff_table(s.as_mut(), t.as_mut(), &DiffSpec::table(table), &ctl)
                    .await
                    .map_err(|e| {
                        let e = e.to_string();
                        if e == "cancelled" || tables.len() == 1 {
                            e
                        } else {
                            format!("{table}: {e}")
                        }
                    })?;
                out.push(d);
            }
            Ok(out)
        }
        .await;
        let _ = tx.send(JobEvent::Sync(SyncEvent::Diffed(Box::new(res))));
    });
}

/// What an apply task needs besides the work: the target as the rule
/// cleared it, the audit store, and what the audit entries name.
struct ApplyTask {
    target: crate::ops::Target,
    confirmed: crate::ops::gate::Confirmed,
    meta: super::query::MetaPaths,
    source: String,
    strategy: Strategy,
    delete_missing: bool,
}

/// Apply the plans through `ops::sync_table`, every batch audited (face `tui`).
fn spawn_apply(task: ApplyTask, work: Vec<(DataDiff, SyncPlan)>, ctl: Control, tx: mpsc::UnboundedSender<JobEvent>) {
    tokio::spawn(async move {
        let mut done: Vec<(String, Result<ApplyReport, String>)> = Vec::new();
        let mut records = task.meta.open_records();
        let session = crate::ops::sync_table::open_target(&task.confirmed, &task.target)
            .await
            .map_err(|e| format!("cannot connect to the target for writing: {e}"));
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
                    .await
                    .map_err(|e| e.to_string());
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

/// How the panel names a table for both sides. On MariaDB/MySQL the
/// "schema" is the source's database: qualifying with it would make the
/// target read the source's table, so the name stays bare and each side
/// reads its own database. Postgres keeps `schema.table`; SQLite's `main`
/// is dropped.
fn panel_table_name(engine: crate::db::Engine, database: Option<&str>, schema: &str, name: &str) -> String {
    // Tables of the default schema by bare name, so the same name resolves on a
    // target of another engine (public.t vs db.t), and a MariaDB target reads
    // its own database rather than the source's.
    if schema.is_empty()
        || schema == "main"
        || schema == "public"
        || engine == crate::db::Engine::Mysql
        || database == Some(schema)
    {
        name.to_string()
    } else {
        format!("{schema}.{name}")
    }
}

impl App {
    /// Open the data sync panel: asks the loop for saved connections.
    pub(super) fn open_sync_preview(&mut self) {
        self.effects.push(Effect::SyncTargets);
    }

    /// The loop listed the saved connections: show the panel.
    pub fn show_sync_targets(&mut self, items: Vec<ConnEntry>) {
        let engine = self.conn.spec.engine;
        let database = self.conn.spec.database.as_deref();
        let mut tables: Vec<String> = self
            .tree
            .schema
            .as_ref()
            .map(|s| {
                s.tables
                    .iter()
                    .map(|t| panel_table_name(engine, database, &t.schema, &t.name))
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
                    // The marked tables, or the one under the cursor.
                    let chosen: Vec<String> = if p.marked.is_empty() {
                        p.tables.get(p.selected).cloned().into_iter().collect()
                    } else {
                        p.marked.iter().filter_map(|&i| p.tables.get(i).cloned()).collect()
                    };
                    if !chosen.is_empty() {
                        p.chosen = chosen;
                        self.start_data_diff();
                    }
                }
                Stage::Result => p.detail = !p.detail,
                Stage::Running => {}
            },
            KeyCode::Char(' ') if matches!(p.stage, Stage::Tables) => {
                if !p.marked.remove(&p.selected) && p.selected < p.tables.len() {
                    p.marked.insert(p.selected);
                }
                p.selected = (p.selected + 1).min(len.saturating_sub(1));
            }
            KeyCode::Char('*') if matches!(p.stage, Stage::Tables) => {
                if p.marked.len() == p.tables.len() {
                    p.marked.clear();
                } else {
                    p.marked = (0..p.tables.len()).collect();
                }
            }
            KeyCode::Char('r') if matches!(p.stage, Stage::Result) => self.start_data_diff(),
            KeyCode::Char('d') if matches!(p.stage, Stage::Result) => {
                p.delete_missing = !p.delete_missing;
                p.replan();
            }
            KeyCode::Char('w') if matches!(p.stage, Stage::Result) => {
                let all = p.strategies();
                let at = all.iter().position(|s| *s == p.strategy).map_or(0, |i| i + 1);
                p.strategy = all.get(at).cloned().unwrap_or(Strategy::SourceWins);
                p.replan();
            }
            KeyCode::Char(']') | KeyCode::Right | KeyCode::Char('l')
                if matches!(p.stage, Stage::Result) && !p.diffs.is_empty() =>
            {
                p.show((p.shown + 1) % p.diffs.len());
            }
            KeyCode::Char('[') | KeyCode::Left | KeyCode::Char('h')
                if matches!(p.stage, Stage::Result) && !p.diffs.is_empty() =>
            {
                p.show((p.shown + p.diffs.len() - 1) % p.diffs.len());
            }
            KeyCode::Char('a') if matches!(p.stage, Stage::Result) => self.ask_sync_apply(),
            _ => {}
        }
    }

    fn start_data_diff(&mut self) {
        let tx = self.job_tx.clone();
        let src = self.conn.spec.clone();
        let Some(p) = self.sync.as_mut() else { return };
        let Some(t) = p.target.as_ref() else { return };
        if p.chosen.is_empty() {
            return;
        }
        let ctl = progress_control(&tx);
        p.token = Some(ctl.cancel.clone());
        p.stage = Stage::Running;
        p.fetched = 0;
        p.applied = None;
        p.at_table = 0;
        p.progress = format!("comparing {}…", p.chosen[0]);
        p.message = None;
        spawn_diff(src, t.spec.clone(), p.chosen.clone(), ctl, tx);
    }

    /// The tables of the plan in a confirmation or audit line.
    fn sync_tables_text(p: &SyncPanel) -> String {
        match p.diffs.as_slice() {
            [d] => crate::sanitize::sanitize(&d.table).into_owned(),
            ds => format!(
                "{} tables ({})",
                ds.len(),
                ds.iter()
                    .map(|d| crate::sanitize::sanitize(&d.table).into_owned())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        }
    }

    fn ask_sync_apply(&mut self) {
        let Some(p) = self.sync.as_ref() else { return };
        let Some(t) = p.target.as_ref() else { return };
        if p.diffs.is_empty() {
            return;
        }
        let (inserts, updates, deletes, kept, _) = match p.totals() {
            Ok(t) => t,
            Err(e) => {
                let m = format!("cannot apply: {}", crate::sanitize::sanitize(&e));
                if let Some(p) = self.sync.as_mut() {
                    p.message = Some((Level::Error, m));
                }
                return;
            }
        };
        if inserts + updates + deletes == 0 {
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
        let kept = if kept > 0 {
            format!(", {kept} changed row(s) kept")
        } else {
            String::new()
        };
        let what = format!(
            "Sync {} into '{name}' ({}): {inserts} insert(s), {updates} update(s), {deletes} delete(s){kept}.",
            Self::sync_tables_text(p),
            p.strategy,
        );
        let target = crate::ops::Target::new(t.name.clone(), t.tag, t.read_only, t.spec.clone());
        self.guarded_operation(Operation::DataSync, what, target);
    }

    /// The typed confirmation for a data sync was answered correctly: run it.
    pub(super) fn start_data_sync(&mut self, confirmed: crate::ops::gate::Confirmed) {
        let tx = self.job_tx.clone();
        let Some(p) = self.sync.as_mut() else { return };
        let Some(t) = p.target.as_ref() else { return };
        // Only tables with something to write; the plans were shown in the preview.
        let work: Vec<(DataDiff, SyncPlan)> = p
            .diffs
            .iter()
            .zip(&p.plans)
            .filter_map(|(d, pl)| {
                pl.as_ref()
                    .ok()
                    .filter(|pl| pl.total() > 0)
                    .map(|pl| (d.clone(), pl.clone()))
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
            meta: super::query::MetaPaths {
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
            SyncEvent::Diffed(res) => {
                let Some(p) = self.sync.as_mut() else { return };
                p.token = None;
                match *res {
                    Ok(d) => p.set_diffs(d),
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

    fn sync_applied(&mut self, done: Vec<(String, Result<ApplyReport, String>)>) {
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
                .diffs
                .iter()
                .position(|d| d.table == *table)
                .and_then(|i| p.plans.get(i))
                .and_then(|pl| pl.as_ref().ok());
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
                    entry.outcome = if e == "cancelled" {
                        "cancelled".into()
                    } else {
                        format!("error: {e}")
                    };
                    failure = Some((table.clone(), e.clone()));
                }
            }
            entries.push(entry);
        }
        let (level, msg) = match failure {
            None => (
                Level::Info,
                format!("applied {applied} change(s) to '{tgt}'; press r to diff again"),
            ),
            Some((table, e)) if done.len() > 1 || p.diffs.len() > 1 => (
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
