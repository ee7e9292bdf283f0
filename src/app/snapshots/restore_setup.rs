//! Choosing what a backup restore does before it is confirmed: which of the
//! backup's tables (all by default), into which saved connection (this one
//! by default), and the preview `dbn backup restore` prints for that choice
//! (tables replaced with their row counts now and in the backup, tables
//! created), read from the target afresh.

use super::super::error::{AppError, Unavailable};
use super::super::query::JobEvent;
use super::super::{App, ConnInfo, Effect, Level};
use super::SnapEvent;
use crate::backup::Repo;
use ratatui::crossterm::event::{KeyCode, KeyEvent};
use std::collections::BTreeSet;

/// One table of the backup.
#[derive(Debug, Clone)]
pub struct SetupTable {
    /// `schema.table` in the backup.
    pub name: String,
    /// Rows the backup holds.
    pub rows: u64,
}

/// The preview of a chosen restore.
#[derive(Debug, Clone)]
pub struct RestorePreview {
    /// Lines as `dbn backup restore` prints them before it asks.
    pub lines: Vec<String>,
    /// The resolved target (name, tag, spec).
    pub target: ConnInfo,
}

/// The restore choice of one backup.
#[derive(Debug, Clone)]
pub struct RestoreSetup {
    /// Backup id.
    pub backup: String,
    /// The backup's tables.
    pub tables: Vec<SetupTable>,
    /// Indexes into `tables` to restore.
    pub marked: BTreeSet<usize>,
    /// Cursor in the table list.
    pub selected: usize,
    /// Saved connections to restore into; the first is this connection.
    pub targets: Vec<String>,
    /// Index into `targets`.
    pub target: usize,
    /// Add the tables that reference the chosen ones (`--with-dependents`).
    pub with_dependents: bool,
    /// The preview for the current choice, once read (or why it could not be).
    pub preview: Option<Result<RestorePreview, AppError>>,
    /// A preview is being read.
    pub loading: bool,
    /// Drops answers to an older choice.
    pub ticket: u64,
}

impl RestoreSetup {
    /// The marked table names, in the backup's order.
    pub fn chosen(&self) -> Vec<String> {
        self.marked
            .iter()
            .filter_map(|&i| self.tables.get(i).map(|t| t.name.clone()))
            .collect()
    }

    /// The tables to hand the restore: empty (the whole backup, schema
    /// objects beyond tables too) when every table is marked.
    pub fn restore_tables(&self) -> Vec<String> {
        if self.marked.len() == self.tables.len() {
            Vec::new()
        } else {
            self.chosen()
        }
    }

    /// The target connection's name.
    pub fn target_name(&self) -> &str {
        self.targets.get(self.target).map(String::as_str).unwrap_or("")
    }

    /// The choice changed: the preview no longer holds.
    fn changed(&mut self) {
        self.preview = None;
        self.loading = false;
        self.ticket += 1;
    }
}

impl App {
    /// `R` on a backup: choose tables and target, then preview, then confirm.
    pub(super) fn open_restore_setup(&mut self) {
        let me = self.conn.name.clone();
        let Some(p) = self.snapshots.as_mut() else { return };
        let others = p.connections.clone();
        let Some(b) = p.backups.as_mut() else { return };
        let Some(rec) = b.items.get(b.selected).cloned() else {
            return;
        };
        let (Some(key), Some(dir)) = (b.key(), b.repo_dir.clone()) else {
            let why = b.why_no_key();
            self.snap_message(Level::Error, why);
            return;
        };
        // The manifest is read in the background; the list fills in when it arrives.
        let (id, tx) = (rec.id.clone(), self.job_tx.clone());
        tokio::spawn(async move {
            let res = Repo::local(&dir)
                .load_with(&id, &key)
                .await
                .map(|(m, _)| {
                    m.tables
                        .iter()
                        .map(|t| SetupTable {
                            name: t.qualified(),
                            rows: t.rows,
                        })
                        .collect()
                })
                .map_err(|e| AppError::ReadBackup {
                    id: id.clone(),
                    source: std::sync::Arc::new(e),
                });
            let _ = tx.send(JobEvent::Snap(SnapEvent::RestoreTables(res)));
        });
        let mut targets = vec![me];
        targets.extend(others);
        b.setup = Some(RestoreSetup {
            backup: rec.id,
            marked: BTreeSet::new(),
            tables: Vec::new(),
            selected: 0,
            targets,
            target: 0,
            with_dependents: false,
            preview: None,
            loading: true,
            ticket: 0,
        });
        self.mark_dirty();
    }

    /// A key while the restore choice is shown.
    pub(super) fn restore_setup_key(&mut self, key: KeyEvent) {
        let Some(s) = self.restore_setup_mut() else {
            return;
        };
        let n = s.tables.len();
        match key.code {
            KeyCode::Esc | KeyCode::Char('q') if s.preview.is_some() || s.loading => s.changed(),
            KeyCode::Esc | KeyCode::Char('q') => {
                if let Some(b) = self.backups_mut() {
                    b.setup = None;
                }
            }
            KeyCode::Down | KeyCode::Char('j') => s.selected = (s.selected + 1).min(n.saturating_sub(1)),
            KeyCode::Up | KeyCode::Char('k') => s.selected = s.selected.saturating_sub(1),
            KeyCode::Char(' ') => {
                if !s.marked.remove(&s.selected) && s.selected < n {
                    s.marked.insert(s.selected);
                }
                s.selected = (s.selected + 1).min(n.saturating_sub(1));
                s.changed();
            }
            KeyCode::Char('*') => {
                if s.marked.len() == n {
                    s.marked.clear();
                } else {
                    s.marked = (0..n).collect();
                }
                s.changed();
            }
            KeyCode::Char('c') => {
                s.target = (s.target + 1) % s.targets.len().max(1);
                s.changed();
            }
            KeyCode::Char('d') => {
                s.with_dependents = !s.with_dependents;
                s.changed();
            }
            KeyCode::Enter => match &s.preview {
                Some(Ok(_)) => self.ask_restore(),
                _ if s.loading || s.tables.is_empty() => {}
                _ if s.marked.is_empty() => {
                    s.preview = Some(Err(Unavailable::NoTableMarked.into()));
                }
                _ => self.read_restore_preview(),
            },
            _ => {}
        }
        self.mark_dirty();
    }

    /// Resolve the target (this connection directly, another through the
    /// loop) and read the preview from it.
    fn read_restore_preview(&mut self) {
        let me = self.conn.clone();
        let Some(s) = self.restore_setup_mut() else {
            return;
        };
        s.loading = true;
        s.ticket += 1;
        let name = s.target_name().to_string();
        if name == me.name {
            self.restore_target_resolved(Ok(me));
        } else {
            self.effects.push(Effect::ResolveRestoreTarget(name));
        }
    }

    /// The loop resolved the restore target (or failed to): read the preview.
    pub fn restore_target_resolved(&mut self, res: Result<ConnInfo, AppError>) {
        let tx = self.job_tx.clone();
        let Some(b) = self.backups_mut() else {
            return;
        };
        let (key, dir) = (b.key(), b.repo_dir.clone());
        let Some(s) = b.setup.as_mut() else { return };
        let ticket = s.ticket;
        let info = match res {
            Ok(i) => i,
            Err(e) => {
                s.loading = false;
                s.preview = Some(Err(e));
                self.mark_dirty();
                return;
            }
        };
        let (Some(key), Some(dir)) = (key, dir) else {
            s.loading = false;
            s.preview = Some(Err(Unavailable::NoKey.into()));
            return;
        };
        let id = s.backup.clone();
        let opts = crate::backup::restore::RestoreOptions {
            tables: s.restore_tables(),
            with_dependents: s.with_dependents,
        };
        tokio::spawn(async move {
            let res = async {
                let (m, _) = Repo::local(&dir).load_with(&id, &key).await?;
                // Planned through a session opened as the connection is configured.
                let mut session = crate::db::connect(&info.spec)
                    .await
                    .map_err(|source| AppError::Connect {
                        name: info.name.clone(),
                        source,
                    })?;
                let plan = crate::backup::restore::plan(session.as_mut(), &m, &opts).await?;
                let lines = crate::backup::restore::preview::preview(&plan, &info.name);
                Ok(RestorePreview { lines, target: info })
            }
            .await;
            let _ = tx.send(JobEvent::Snap(SnapEvent::RestorePreview(ticket, Box::new(res))));
        });
        self.mark_dirty();
    }

    /// The backup's tables arrived: every one is marked.
    pub(super) fn restore_tables_read(&mut self, res: Result<Vec<SetupTable>, AppError>) {
        let Some(s) = self.restore_setup_mut() else {
            return;
        };
        s.loading = false;
        match res {
            Ok(t) => {
                s.marked = (0..t.len()).collect();
                s.tables = t;
            }
            Err(e) => s.preview = Some(Err(e)),
        }
        self.mark_dirty();
    }

    /// The preview of a restore choice arrived.
    pub(super) fn restore_preview_read(&mut self, ticket: u64, res: Result<RestorePreview, AppError>) {
        let Some(s) = self.restore_setup_mut() else {
            return;
        };
        if s.ticket != ticket {
            return;
        }
        s.loading = false;
        s.preview = Some(res);
        self.mark_dirty();
    }
}
