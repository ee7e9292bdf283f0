//! The backups tab of the snapshot history panel: the current connection's
//! database backups, and the row-level diff of two of them (or one and live).

use super::super::error::{AppError, Unavailable};
use super::super::query::JobEvent;
use super::super::{App, Level};
use super::SnapEvent;
use crate::backup::diff::{BackupDiff, RowChangeKind, diff_backups, diff_live};
use crate::backup::{BackupKey, Repo};
use crate::db::Value;
use crate::sanitize::sanitize;
use crate::store::backups::BackupRecord;
use ratatui::crossterm::event::{KeyCode, KeyEvent};
use std::path::{Path, PathBuf};
use tokio_util::sync::CancellationToken;

/// Rows of detail loaded per table.
const ROW_LIMIT: usize = 200;

/// What a rendered diff line shows, for its colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LineKind {
    /// Heading or summary header.
    Title,
    /// Plain text.
    Plain,
    /// Something only in the newer side.
    Added,
    /// Something only in the older side.
    Removed,
    /// Changed row or object.
    Changed,
    /// Secondary text.
    Muted,
}

/// The backups tab.
#[derive(Debug, Clone)]
pub struct BackupTab {
    /// Backups of the current connection, newest first.
    pub items: Vec<BackupRecord>,
    /// Selected row.
    pub selected: usize,
    /// Picked backup ids, in order.
    pub picked: Vec<String>,
    /// Why backups cannot be read (no key, no workspace), if so.
    pub unavailable: Option<AppError>,
    /// A diff is being computed.
    pub loading: bool,
    /// The rendered diff, when one is shown.
    pub view: Option<BackupDiffView>,
    /// The restore in flight or last finished.
    pub restore: Option<super::restore::RestoreState>,
    /// Backup the pending confirmation is about.
    pub(super) restore_target: Option<String>,
    /// The restore choice (tables, target, preview) while `R` is being set up.
    pub setup: Option<super::restore_setup::RestoreSetup>,
    key: Option<HeldKey>,
    pub(super) repo_dir: Option<PathBuf>,
    cancel: Option<CancellationToken>,
}

/// The resolved keys (`ops::backup_key`), shared with background tasks;
/// never printed.
#[derive(Clone)]
struct HeldKey(std::sync::Arc<Vec<BackupKey>>);

impl std::fmt::Debug for HeldKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("HeldKey(..)")
    }
}

/// A computed backup diff, as lines.
#[derive(Debug, Clone)]
pub struct BackupDiffView {
    /// Title (`OLD -> NEW`).
    pub title: String,
    /// Lines with their kind; text is sanitized.
    pub lines: Vec<(LineKind, String)>,
    /// First line shown.
    pub scroll: usize,
}

impl BackupTab {
    /// Why the backup key is not at hand, as the panel says it.
    pub(super) fn why_no_key(&self) -> String {
        self.unavailable
            .as_ref()
            .map_or_else(|| Unavailable::NoKey.to_string(), ToString::to_string)
    }

    /// A tab over these backups with the key and repository already resolved.
    pub fn new(
        items: Vec<BackupRecord>,
        keys: Result<Vec<BackupKey>, AppError>,
        repo_dir: Option<PathBuf>,
    ) -> BackupTab {
        let (key, unavailable) = match keys {
            Ok(k) => (Some(HeldKey(std::sync::Arc::new(k))), None),
            Err(e) => (None, Some(e)),
        };
        BackupTab {
            items,
            selected: 0,
            picked: Vec::new(),
            unavailable,
            loading: false,
            view: None,
            restore: None,
            restore_target: None,
            setup: None,
            key,
            repo_dir,
            cancel: None,
        }
    }

    /// The resolved keys, shared.
    pub(super) fn key(&self) -> Option<std::sync::Arc<Vec<BackupKey>>> {
        self.key.as_ref().map(|k| k.0.clone())
    }

    /// Use this key (read from elsewhere, e.g. a prompt or a test) instead of the resolved ones.
    pub fn set_key(&mut self, key: BackupKey) {
        self.key = Some(HeldKey(std::sync::Arc::new(vec![key])));
        self.unavailable = None;
    }
}

fn lit(v: &Value) -> String {
    match v {
        Value::Null => "NULL".into(),
        Value::Text(s) | Value::Json(s) => format!("'{}'", sanitize(s)),
        other => sanitize(&other.to_string()).into_owned(),
    }
}

fn pairs(k: &[(String, Value)]) -> String {
    k.iter()
        .map(|(c, v)| format!("{}={}", sanitize(c), lit(v)))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Lines of a backup diff: per-table summary, schema changes, then row detail
/// with column-level `old -> new` values.
pub fn diff_view(d: &BackupDiff) -> BackupDiffView {
    use LineKind as K;
    let mut lines = Vec::new();
    if d.is_empty() {
        lines.push((K::Muted, "no differences".to_string()));
    }
    lines.push((
        K::Title,
        format!(
            "{:<32} {:>8} {:>8} {:>8}  SCHEMA",
            "TABLE", "ADDED", "REMOVED", "CHANGED"
        ),
    ));
    for t in &d.tables {
        let kind = match t.status.as_str() {
            "added" => K::Added,
            "removed" => K::Removed,
            "same" => K::Muted,
            _ => K::Changed,
        };
        let schema = if t.schema_changes.is_empty() {
            "-".to_string()
        } else {
            t.schema_changes.join("; ")
        };
        lines.push((
            kind,
            sanitize(&format!(
                "{:<32} {:>8} {:>8} {:>8}  {schema}",
                t.table, t.rows_added, t.rows_removed, t.rows_changed
            ))
            .into_owned(),
        ));
    }
    if !d.schema.is_empty() {
        lines.push((K::Plain, String::new()));
        lines.push((K::Title, "schema:".into()));
        for c in &d.schema {
            let (mark, kind) = match c.status {
                crate::schema::diff::Status::Added => ('+', K::Added),
                crate::schema::diff::Status::Removed => ('-', K::Removed),
                crate::schema::diff::Status::Changed => ('~', K::Changed),
            };
            lines.push((
                kind,
                sanitize(&format!("  {mark} {} {}", c.kind.singular(), c.name)).into_owned(),
            ));
        }
    }
    for t in d.tables.iter().filter(|t| !t.rows.is_empty()) {
        lines.push((K::Plain, String::new()));
        lines.push((K::Title, format!("{}:", sanitize(&t.table))));
        for r in &t.rows {
            match r.kind {
                RowChangeKind::Added => lines.push((
                    K::Added,
                    format!("  + {}", r.row.as_deref().map(pairs).unwrap_or_default()),
                )),
                RowChangeKind::Removed => {
                    lines.push((
                        K::Removed,
                        format!("  - {}", r.row.as_deref().map(pairs).unwrap_or_default()),
                    ));
                }
                RowChangeKind::Changed => {
                    lines.push((K::Changed, format!("  ~ {}", pairs(&r.key))));
                    for c in &r.columns {
                        lines.push((K::Removed, format!("      {}: {}", sanitize(&c.column), lit(&c.old))));
                        lines.push((
                            K::Added,
                            format!("      {}  -> {}", " ".repeat(c.column.chars().count()), lit(&c.new)),
                        ));
                    }
                }
            }
        }
        if t.truncated {
            lines.push((K::Muted, format!("  … more rows (first {ROW_LIMIT} shown)")));
        }
    }
    BackupDiffView {
        title: sanitize(&format!("{} -> {}", d.from, d.to)).into_owned(),
        lines,
        scroll: 0,
    }
}

/// The workspace root above the metadata store file.
fn workspace_root(store_path: &Path) -> Option<PathBuf> {
    store_path
        .ancestors()
        .find(|d| d.join(crate::workspace::CONFIG_FILE).is_file())
        .map(Path::to_path_buf)
}

/// The backup keys, resolved as every face resolves them
/// (`ops::backup_key`); the secret store is opened only when needed.
fn resolve_keys(store: &crate::store::Store, root: Option<&Path>) -> Result<Vec<BackupKey>, AppError> {
    use crate::ops::backup_key::{KeyError, KeySources};
    let src = KeySources::read(store)?;
    let keys = if src.needs_secrets() {
        let root = root.ok_or(Unavailable::NoWorkspace)?;
        let ws = crate::workspace::Workspace::discover(root, Some(root))?;
        let cfg = crate::config::Config::load(Some(&ws.config_path()))?;
        let id = store.workspace_id()?;
        let secrets = crate::secrets::Secrets::open(&ws, &id, &cfg.secrets)?;
        src.keys(Some(&secrets))
    } else {
        src.keys(None)
    };
    match keys {
        Ok(k) if k.is_empty() => Err(KeyError::NoKey.into()),
        Ok(k) => Ok(k),
        Err(e) => Err(e.into()),
    }
}

impl App {
    /// The backups tab, when the snapshot panel shows it.
    pub(super) fn backups_mut(&mut self) -> Option<&mut BackupTab> {
        self.snapshots.as_mut().and_then(|p| p.backups.as_mut())
    }

    /// The restore choice (tables, target) being made on the backups tab.
    pub(super) fn restore_setup_mut(&mut self) -> Option<&mut super::restore_setup::RestoreSetup> {
        self.backups_mut().and_then(|b| b.setup.as_mut())
    }

    /// The restore running (or finished) on the backups tab.
    pub(super) fn restore_run_mut(&mut self) -> Option<&mut super::restore::RestoreState> {
        self.backups_mut().and_then(|b| b.restore.as_mut())
    }

    /// Switch the snapshot panel between schema snapshots and backups.
    pub(super) fn toggle_backups(&mut self) {
        let Some(p) = self.snapshots.as_mut() else { return };
        if p.backups.take().is_some() {
            return;
        }
        let Some(store) = self.store.as_ref() else { return };
        // Newest first, like the schema snapshots.
        let items: Vec<BackupRecord> = match store.list_backups(Some(&self.conn.name)) {
            Ok(i) => i.into_iter().rev().collect(),
            Err(e) => {
                self.snap_message(Level::Error, format!("cannot list backups: {e}"));
                return;
            }
        };
        let root = workspace_root(store.path());
        let key = if items.is_empty() {
            Err(Unavailable::NoBackups.into())
        } else {
            resolve_keys(store, root.as_deref())
        };
        let dir = root
            .and_then(|r| crate::workspace::Workspace::discover(&r, Some(&r)).ok())
            .map(|w| w.snapshots_dir());
        if let Some(p) = self.snapshots.as_mut() {
            p.backups = Some(BackupTab::new(items, key, dir));
        }
    }

    /// A key on the backups tab.
    pub(super) fn backups_key(&mut self, key: KeyEvent) {
        let Some(b) = self.backups_mut() else {
            return;
        };
        if let Some(v) = b.view.as_mut() {
            let n = v.lines.len();
            match key.code {
                KeyCode::Esc | KeyCode::Backspace => {
                    b.view = None;
                    b.picked.clear();
                }
                KeyCode::Down | KeyCode::Char('j') => v.scroll = (v.scroll + 1).min(n.saturating_sub(1)),
                KeyCode::Up | KeyCode::Char('k') => v.scroll = v.scroll.saturating_sub(1),
                KeyCode::PageDown | KeyCode::Char(' ') => v.scroll = (v.scroll + 10).min(n.saturating_sub(1)),
                KeyCode::PageUp => v.scroll = v.scroll.saturating_sub(10),
                KeyCode::Char('g') | KeyCode::Home => v.scroll = 0,
                _ => {}
            }
            return;
        }
        let ctrl_c =
            key.code == KeyCode::Char('c') && key.modifiers.contains(ratatui::crossterm::event::KeyModifiers::CONTROL);
        if b.setup.is_some() && !b.restore.as_ref().is_some_and(|r| r.running) {
            self.restore_setup_key(key);
            return;
        }
        if b.restore.as_ref().is_some_and(|r| r.running) {
            if key.code == KeyCode::Esc || ctrl_c {
                self.cancel_restore();
            }
            return;
        }
        match key.code {
            _ if ctrl_c && b.loading => {
                if let Some(c) = &b.cancel {
                    c.cancel();
                }
            }
            KeyCode::Char('R') if !b.loading => self.open_restore_setup(),
            KeyCode::Esc if b.loading => {
                if let Some(c) = &b.cancel {
                    c.cancel();
                }
            }
            KeyCode::Esc | KeyCode::Char('q') => self.snapshots = None,
            KeyCode::Char('b') => self.toggle_backups(),
            KeyCode::Down | KeyCode::Char('j') => b.selected = (b.selected + 1).min(b.items.len().saturating_sub(1)),
            KeyCode::Up | KeyCode::Char('k') => b.selected = b.selected.saturating_sub(1),
            KeyCode::Enter | KeyCode::Char(' ') if !b.loading => {
                if let Some(id) = b.items.get(b.selected).map(|r| r.id.clone()) {
                    if let Some(i) = b.picked.iter().position(|s| *s == id) {
                        b.picked.remove(i);
                    } else {
                        b.picked.push(id);
                    }
                }
                if b.picked.len() == 2 {
                    self.spawn_backup_diff();
                }
            }
            KeyCode::Char('l') if !b.loading => {
                if let Some(id) = b.items.get(b.selected).map(|r| r.id.clone()) {
                    b.picked = vec![id];
                    self.spawn_backup_diff();
                }
            }
            _ => {}
        }
    }

    /// Diff the picked backups (one picked: against live) in the background.
    fn spawn_backup_diff(&mut self) {
        let spec = self.conn.spec.clone();
        let conn = self.conn.name.clone();
        let tx = self.job_tx.clone();
        let Some(b) = self.backups_mut() else {
            return;
        };
        let (Some(HeldKey(keys)), Some(dir)) = (b.key.clone(), b.repo_dir.clone()) else {
            let why = b.why_no_key();
            b.picked.clear();
            self.snap_message(Level::Error, why);
            return;
        };
        // Older first: the list is newest first.
        let mut picked = b.picked.clone();
        picked.sort_by_key(|id| std::cmp::Reverse(b.items.iter().position(|r| r.id == *id)));
        let cancel = CancellationToken::new();
        b.cancel = Some(cancel.clone());
        b.loading = true;
        self.snap_message(Level::Info, "reading the backup and comparing…");
        tokio::spawn(async move {
            let res = async {
                let repo = Repo::local(&dir);
                let (a, key) = repo.load_with(&picked[0], &keys).await?;
                if let Some(other) = picked.get(1) {
                    let m = repo.load(other, &key).await?;
                    diff_backups(repo.chunks.as_ref(), &key, &a, &m, None, ROW_LIMIT).await
                } else {
                    let mut spec = spec;
                    spec.read_only = true;
                    let mut s = crate::db::connect(&spec).await?;
                    diff_live(
                        repo.chunks.as_ref(),
                        &key,
                        &a,
                        s.as_mut(),
                        &conn,
                        None,
                        ROW_LIMIT,
                        &cancel,
                    )
                    .await
                }
            }
            .await
            .map(Box::new)
            .map_err(|e: crate::backup::BackupError| AppError::from(e));
            let _ = tx.send(JobEvent::Snap(SnapEvent::BackupDiff(res)));
        });
    }

    /// The background backup diff finished.
    pub(super) fn backup_diff_done(&mut self, res: Result<Box<BackupDiff>, AppError>) {
        let Some(b) = self.backups_mut() else {
            return;
        };
        b.loading = false;
        b.cancel = None;
        match res {
            Ok(d) => {
                b.view = Some(diff_view(&d));
                if let Some(p) = self.snapshots.as_mut() {
                    p.message = None;
                }
            }
            Err(e) => {
                b.picked.clear();
                self.snap_message(Level::Error, format!("cannot diff the backup: {e}"));
            }
        }
    }
}
