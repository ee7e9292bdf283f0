//! The schema snapshots panel: list the current connection's snapshots,
//! pick two (or one and "live"), read the per-object diff, preview the
//! migration that makes the current connection match the other side, and
//! apply it behind the typed confirmation, verified by a re-introspection.

mod apply;
mod backups;
mod restore;
mod restore_setup;
mod sources;

pub use backups::{BackupDiffView, BackupTab, LineKind, diff_view as backups_diff_view};
pub use restore::{RestoreOutcome, RestoreState};
pub use restore_setup::{RestorePreview, RestoreSetup, SetupTable};

use super::error::{AppError, Unavailable};
use super::query::JobEvent;
use super::{App, Level};
use crate::schema::Schema;
use crate::schema::diff::{DiffOptions, SchemaDiff, Status, diff};
use crate::schema::migrate::{MigrateOptions, Plan, plan};
use crate::store::schema_snapshots::SnapshotInfo;
use ratatui::crossterm::event::{KeyCode, KeyEvent};
use tokio::sync::mpsc;

/// One side of a comparison.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    /// A fresh introspection of the current connection.
    Live,
    /// A stored snapshot.
    Snapshot(i64),
    /// Another saved connection, introspected when compared (index in `connections`).
    Connection(usize),
}

/// Messages from the panel's background tasks.
#[derive(Debug)]
pub enum SnapEvent {
    /// Live introspection finished (ticket, result).
    Live(u64, Result<Box<Schema>, AppError>),
    /// A migration step is about to run: (done, total, first line of the statement).
    Progress(usize, usize, String),
    /// The migration finished: statements run and the re-introspected schema, or the failure.
    Applied(Result<Box<crate::ops::migration::Applied>, ApplyFailure>),
    /// A backup diff finished.
    BackupDiff(Result<Box<crate::backup::diff::BackupDiff>, AppError>),
    /// Progress of a backup restore.
    RestoreProgress(crate::backup::progress::Progress),
    /// A backup restore finished.
    Restored(Box<RestoreOutcome>),
    /// Another connection's schema was read (name, ticket, result).
    Remote(String, u64, Result<Box<Schema>, AppError>),
    /// The tables of the backup being set up for a restore were read.
    RestoreTables(Result<Vec<SetupTable>, AppError>),
    /// The preview of a restore choice was read (ticket, result).
    RestorePreview(u64, Box<Result<RestorePreview, AppError>>),
}

/// A failed migration, as the panel reports it.
#[derive(Debug, Clone)]
pub struct ApplyFailure {
    /// The statement that failed (empty when connecting failed).
    pub statement: String,
    /// The full error text.
    pub message: String,
    /// The transaction was rolled back.
    pub rolled_back: bool,
}

/// The computed comparison.
#[derive(Debug, Clone)]
pub struct DiffView {
    /// The side the diff is read towards (`+` lines).
    pub source_label: String,
    /// The side read from (`-` lines).
    pub target_label: String,
    /// The diff itself.
    pub diff: SchemaDiff,
    /// Plain rendered lines (sanitized at draw time).
    pub lines: Vec<String>,
    /// First line of each object section.
    pub starts: Vec<usize>,
    /// Object under the cursor.
    pub object: usize,
    /// First line shown.
    pub scroll: usize,
    /// Migration making the current connection equal the other side, or why there is none.
    pub plan: Result<Plan, AppError>,
    /// Rendered migration script.
    pub script: String,
    /// Show the migration SQL instead of the diff.
    pub show_sql: bool,
    /// The schema the migration aims at.
    pub goal: Box<Schema>,
    /// Label of the goal side.
    pub goal_label: String,
}

/// A migration in flight or finished.
#[derive(Debug, Clone, Default)]
pub struct ApplyState {
    /// Still running.
    pub running: bool,
    /// Last progress line.
    pub line: String,
}

/// Panel state.
#[derive(Debug, Clone)]
pub struct SnapshotPanel {
    /// Snapshots of the current connection, newest first (row 0 of the list is "live").
    pub items: Vec<SnapshotInfo>,
    /// Selected list row (0 = live).
    pub selected: usize,
    /// Picked sides, in order.
    pub picked: Vec<Side>,
    /// Live schema, once introspected.
    pub live: Option<Box<Schema>>,
    /// Live introspection running.
    pub live_loading: bool,
    /// Take a snapshot when the live schema arrives.
    pub snapshot_pending: bool,
    /// The comparison, when two sides are picked and loaded.
    pub view: Option<DiffView>,
    /// Migration progress.
    pub apply: Option<ApplyState>,
    /// Last message (errors, results).
    pub message: Option<(Level, String)>,
    /// The backups tab, when shown instead of the schema snapshots.
    pub backups: Option<BackupTab>,
    /// Other saved connections that can be compared.
    pub connections: Vec<String>,
    /// Their schemas, read when picked (fresh for every comparison).
    pub remote: std::collections::HashMap<String, Result<Box<Schema>, AppError>>,
    /// Connections being read now.
    pub remote_loading: std::collections::HashSet<String>,
    live_ticket: u64,
    remote_ticket: u64,
}

impl DiffView {
    /// Compare side A with side B ("changes to make A match B") and plan the
    /// migration that makes `live` (the current connection) equal the goal side
    /// (A when `goal_is_a`, else B).
    pub fn build(
        a: (String, Box<Schema>),
        b: (String, Box<Schema>),
        goal_is_a: bool,
        live: Option<&Schema>,
        conn: &str,
    ) -> DiffView {
        let ((tgt_label, sa), (src_label, sb)) = (a, b);
        let d = diff(&sb, &sa, DiffOptions::default());
        let (lines, starts) = diff_lines(&d, &src_label, &tgt_label);
        let (goal, goal_label) = if goal_is_a {
            (sa, tgt_label.clone())
        } else {
            (sb, src_label.clone())
        };
        let (plan, script) = match live {
            None => (Err(Unavailable::LiveLoading.into()), String::new()),
            Some(live) => match plan(&goal, live, MigrateOptions::default()) {
                Ok(pl) => {
                    let header = format!(
                        "dbn schema migration: make {conn} match {goal_label}\n{} statement(s), {} with hazards.",
                        pl.steps.len(),
                        pl.hazard_count()
                    );
                    let s = pl.render(&header);
                    (Ok(pl), s)
                }
                Err(e) => (Err(e.into()), String::new()),
            },
        };
        DiffView {
            source_label: src_label,
            target_label: tgt_label,
            diff: d,
            lines,
            starts,
            object: 0,
            scroll: 0,
            plan,
            script: crate::sanitize::sanitize_multiline(&script),
            show_sql: false,
            goal,
            goal_label,
        }
    }
}

impl SnapshotPanel {
    /// An empty panel over these snapshots (nothing picked, live not loaded).
    pub fn new(items: Vec<SnapshotInfo>) -> SnapshotPanel {
        SnapshotPanel {
            items,
            selected: 0,
            picked: Vec::new(),
            live: None,
            live_loading: false,
            snapshot_pending: false,
            view: None,
            apply: None,
            message: None,
            backups: None,
            connections: Vec::new(),
            remote: Default::default(),
            remote_loading: Default::default(),
            live_ticket: 0,
            remote_ticket: 0,
        }
    }

    /// Rows of the list (live, snapshots, other connections).
    pub fn rows(&self) -> usize {
        self.items.len() + 1 + self.connections.len()
    }

    /// The side at list row `i`.
    pub fn side_at(&self, i: usize) -> Option<Side> {
        if i == 0 {
            Some(Side::Live)
        } else if i <= self.items.len() {
            self.items.get(i - 1).map(|s| Side::Snapshot(s.id))
        } else {
            let c = i - 1 - self.items.len();
            (c < self.connections.len()).then_some(Side::Connection(c))
        }
    }
}

fn label_of(side: Side, p: &SnapshotPanel, conn: &str) -> String {
    let items = &p.items;
    match side {
        Side::Live => format!("{conn} (live)"),
        Side::Connection(i) => format!("{} (live)", p.connections.get(i).map_or("?", String::as_str)),
        Side::Snapshot(id) => {
            let labels = items
                .iter()
                .find(|s| s.id == id)
                .map(|s| s.labels.join(","))
                .unwrap_or_default();
            if labels.is_empty() {
                format!("snapshot {id}")
            } else {
                format!("snapshot {id} [{labels}]")
            }
        }
    }
}

/// Lines of the rendered diff and the first line of each object section.
pub fn diff_lines(d: &SchemaDiff, source: &str, target: &str) -> (Vec<String>, Vec<usize>) {
    let lines: Vec<String> = d.render(source, target, false).lines().map(str::to_string).collect();
    let mut starts = Vec::new();
    let mut next = 0;
    for (i, l) in lines.iter().enumerate() {
        let Some(c) = d.changes.get(next) else { break };
        let word = match c.status {
            Status::Added => "added",
            Status::Removed => "removed",
            Status::Changed => "changed",
        };
        if *l == format!("{} {} ({word})", c.kind.singular(), c.name) {
            starts.push(i);
            next += 1;
        }
    }
    (lines, starts)
}

fn spawn_live(ticket: u64, spec: crate::db::ConnSpec, tx: mpsc::UnboundedSender<JobEvent>) {
    tokio::spawn(async move {
        let res = async {
            let mut s = crate::db::connect(&spec).await?;
            crate::schema::introspect::introspect(s.as_mut()).await
        }
        .await
        .map(Box::new)
        .map_err(AppError::from);
        let _ = tx.send(JobEvent::Snap(SnapEvent::Live(ticket, res)));
    });
}

impl App {
    /// Open the schema snapshots panel for the current connection.
    pub(super) fn open_snapshots(&mut self) {
        let Some(store) = self.store.as_ref() else {
            self.set_status(Level::Warn, "schema snapshots need a workspace: run `dbn init`");
            return;
        };
        let items = match store.list_schema_snapshots(Some(&self.conn.name)) {
            Ok(i) => i,
            Err(e) => {
                self.set_status(Level::Error, format!("cannot list schema snapshots: {e}"));
                return;
            }
        };
        self.snapshots = Some(SnapshotPanel::new(items));
        self.refresh_live();
        // Other saved connections join the list once the loop has listed them.
        self.effects.push(super::Effect::SnapshotSources);
    }

    fn refresh_live(&mut self) {
        let spec = self.conn.spec.clone();
        let tx = self.job_tx.clone();
        if let Some(p) = self.snapshots.as_mut() {
            p.live_ticket += 1;
            p.live_loading = true;
            spawn_live(p.live_ticket, spec, tx);
        }
    }

    fn snap_message(&mut self, level: Level, text: impl Into<String>) {
        let text = crate::sanitize::sanitize(&text.into()).into_owned();
        if let Some(p) = self.snapshots.as_mut() {
            p.message = Some((level, text));
        }
    }

    /// A key while the panel is open (fixed keys, like popups).
    pub(super) fn snapshots_key(&mut self, key: KeyEvent) {
        let Some(p) = self.snapshots.as_mut() else { return };
        if p.backups.is_some() {
            self.backups_key(key);
            return;
        }
        if let Some(v) = p.view.as_mut() {
            let n = if v.show_sql {
                v.script.lines().count()
            } else {
                v.lines.len()
            };
            match key.code {
                KeyCode::Esc | KeyCode::Backspace => {
                    p.view = None;
                    p.picked.clear();
                }
                KeyCode::Char('n' | 'j') if !v.show_sql => {
                    v.object = (v.object + 1).min(v.starts.len().saturating_sub(1));
                    v.scroll = v.starts.get(v.object).copied().unwrap_or(0);
                }
                KeyCode::Char('p' | 'k') if !v.show_sql => {
                    v.object = v.object.saturating_sub(1);
                    v.scroll = v.starts.get(v.object).copied().unwrap_or(0);
                }
                KeyCode::Down | KeyCode::Char('j' | 'n') => v.scroll = (v.scroll + 1).min(n.saturating_sub(1)),
                KeyCode::Up | KeyCode::Char('k' | 'p') => v.scroll = v.scroll.saturating_sub(1),
                KeyCode::PageDown | KeyCode::Char(' ') => v.scroll = (v.scroll + 10).min(n.saturating_sub(1)),
                KeyCode::PageUp => v.scroll = v.scroll.saturating_sub(10),
                KeyCode::Char('g') | KeyCode::Home => {
                    v.scroll = 0;
                    v.object = 0;
                }
                KeyCode::Char('m') => {
                    v.show_sql = !v.show_sql;
                    v.scroll = 0;
                }
                KeyCode::Char('a') => self.ask_apply(),
                KeyCode::Char('s') => self.take_snapshot(),
                _ => {}
            }
            return;
        }
        match key.code {
            KeyCode::Esc | KeyCode::Char('q') => self.snapshots = None,
            KeyCode::Down | KeyCode::Char('j') => p.selected = (p.selected + 1).min(p.rows().saturating_sub(1)),
            KeyCode::Up | KeyCode::Char('k') => p.selected = p.selected.saturating_sub(1),
            KeyCode::Enter | KeyCode::Char(' ') => {
                if let Some(side) = p.side_at(p.selected) {
                    if let Some(i) = p.picked.iter().position(|s| *s == side) {
                        p.picked.remove(i);
                    } else {
                        p.picked.push(side);
                    }
                }
                if p.picked.len() == 2 {
                    self.compare_afresh();
                }
            }
            KeyCode::Char('l') => {
                // Shortcut: the selected snapshot against live.
                if let Some(side @ (Side::Snapshot(_) | Side::Connection(_))) = p.side_at(p.selected) {
                    p.picked = vec![side, Side::Live];
                    self.compare_afresh();
                }
            }
            KeyCode::Char('s') => self.take_snapshot(),
            KeyCode::Char('r') => self.refresh_live(),
            KeyCode::Char('b') => self.toggle_backups(),
            _ => {}
        }
    }

    fn take_snapshot(&mut self) {
        if let Some(p) = self.snapshots.as_mut() {
            p.snapshot_pending = true;
        }
        self.snap_message(Level::Info, "introspecting the connection for a new snapshot…");
        self.refresh_live();
    }

    fn load_side(&self, side: Side) -> Result<Option<Box<Schema>>, AppError> {
        match side {
            Side::Live => Ok(self.snapshots.as_ref().and_then(|p| p.live.clone())),
            Side::Connection(i) => self.remote_side(i),
            Side::Snapshot(id) => {
                let store = self.store.as_ref().ok_or(Unavailable::NoStore)?;
                Ok(store.schema_snapshot(id).map(|(_, s)| Some(Box::new(s)))?)
            }
        }
    }

    /// Compare the picked pair against a live schema read now, never an earlier one:
    /// the diff waits for the fresh introspection.
    fn compare_afresh(&mut self) {
        if let Some(p) = self.snapshots.as_mut() {
            p.live = None;
            p.view = None;
        }
        self.refresh_live();
        self.read_picked_connections();
        self.compute_diff();
    }

    /// Compute the diff for the picked pair; waits for the live schema when needed.
    fn compute_diff(&mut self) {
        let Some(p) = self.snapshots.as_ref() else { return };
        let [a, b] = p.picked[..] else { return };
        let (la, lb, conn) = (
            label_of(a, p, &self.conn.name),
            label_of(b, p, &self.conn.name),
            self.conn.name.clone(),
        );
        let (sa, sb, live) = match (self.load_side(a), self.load_side(b), self.load_side(Side::Live)) {
            (Ok(Some(sa)), Ok(Some(sb)), Ok(live)) => (sa, sb, live),
            (Err(e), _, _) | (_, Err(e), _) => {
                self.snap_message(Level::Error, format!("cannot load the snapshot: {e}"));
                return;
            }
            _ => {
                self.snap_message(Level::Info, "waiting for the live introspection…");
                return;
            }
        };
        if live.is_none() && self.snapshots.as_ref().is_some_and(|p| p.live_loading) {
            // The migration plan is made against live as it is now: wait for it.
            self.snap_message(Level::Info, "reading the live schema…");
            return;
        }
        // Diff reads "changes to make A match B": A is the older pick.
        let goal_is_a = b == Side::Live;
        let view = DiffView::build((la, sa), (lb, sb), goal_is_a, live.as_deref(), &conn);
        if let Some(p) = self.snapshots.as_mut() {
            p.message = None;
            p.view = Some(view);
        }
    }

    /// A message from the panel's tasks.
    pub(super) fn on_snap(&mut self, ev: SnapEvent) {
        match ev {
            SnapEvent::Live(ticket, res) => {
                let Some(p) = self.snapshots.as_mut() else { return };
                if ticket != p.live_ticket {
                    return;
                }
                p.live_loading = false;
                match res {
                    Ok(s) => {
                        p.live = Some(s);
                        if p.snapshot_pending {
                            p.snapshot_pending = false;
                            self.save_live_snapshot();
                        }
                        let waiting = self
                            .snapshots
                            .as_ref()
                            .is_some_and(|p| p.picked.len() == 2 && p.view.is_none());
                        if waiting {
                            self.compute_diff();
                        }
                    }
                    Err(e) => {
                        p.snapshot_pending = false;
                        self.snap_message(Level::Error, format!("cannot introspect '{}': {e}", self.conn.name));
                    }
                }
            }
            SnapEvent::Progress(i, n, sql) => {
                if let Some(a) = self.snapshots.as_mut().and_then(|p| p.apply.as_mut()) {
                    a.line = format!("[{}/{n}] {}", i + 1, crate::sanitize::sanitize(&sql));
                }
            }
            SnapEvent::Applied(res) => self.migration_done(res),
            SnapEvent::BackupDiff(res) => self.backup_diff_done(res),
            SnapEvent::RestoreProgress(pr) => self.restore_progress(pr),
            SnapEvent::Restored(out) => self.restore_done(*out),
            SnapEvent::RestorePreview(ticket, res) => self.restore_preview_read(ticket, *res),
            SnapEvent::RestoreTables(res) => self.restore_tables_read(res),
            SnapEvent::Remote(name, ticket, res) => self.remote_read(name, ticket, res),
        }
    }

    fn save_live_snapshot(&mut self) {
        let Some(live) = self.snapshots.as_ref().and_then(|p| p.live.clone()) else {
            return;
        };
        let name = self.conn.name.clone();
        let Some(store) = self.store.as_mut() else { return };
        let res = store.save_schema_snapshot(&name, &live, None);
        let items = store.list_schema_snapshots(Some(&name));
        match res {
            Ok(s) if s.created => self.snap_message(Level::Info, format!("saved snapshot {} of '{name}'", s.id)),
            Ok(s) => self.snap_message(
                Level::Info,
                format!("the schema is unchanged: snapshot {} already holds it", s.id),
            ),
            Err(e) => self.snap_message(Level::Error, format!("cannot save the snapshot: {e}")),
        }
        if let (Ok(items), Some(p)) = (items, self.snapshots.as_mut()) {
            p.items = items;
        }
    }
}
