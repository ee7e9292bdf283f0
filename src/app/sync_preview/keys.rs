//! The panel's keys: open it, choose the target and the tables, start the
//! preview, switch strategy, delete choice and shown table.

use super::super::error::AppError;
use super::super::popup::ConnEntry;
use super::super::{App, ConnInfo, Effect, Level};
use super::tasks::{progress_control, spawn_preview};
use super::{Stage, SyncPanel};
use crate::datasync::Strategy;
use crate::ops::sync_table::{Endpoint, SyncRequest, table_name};
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

impl App {
    /// Open the data sync panel: asks the loop for saved connections.
    pub(in crate::app) fn open_sync_preview(&mut self) {
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
                    .map(|t| table_name(engine, database, &t.schema, &t.name))
                    .collect()
            })
            .unwrap_or_default();
        tables.sort();
        let items = items.into_iter().filter(|c| c.name != self.conn.name).collect();
        self.sync = Some(SyncPanel::new(items, tables));
        self.mark_dirty();
    }

    /// The loop resolved the chosen target (or failed to).
    pub fn sync_target_resolved(&mut self, res: Result<ConnInfo, AppError>) {
        let Some(p) = self.sync.as_mut() else { return };
        match res {
            Ok(info) => {
                p.target = Some(info);
                p.stage = Stage::Tables;
                p.selected = 0;
                p.message = None;
            }
            Err(e) => p.message = Some((Level::Error, crate::sanitize::sanitize(&e.to_string()).into_owned())),
        }
        self.mark_dirty();
    }

    /// True while the panel runs a task.
    pub fn sync_busy(&self) -> bool {
        self.sync.as_ref().is_some_and(|p| p.token.is_some())
    }

    /// A key while the panel is open.
    pub(in crate::app) fn sync_key(&mut self, key: KeyEvent) {
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
                if matches!(p.stage, Stage::Result) && p.compared() > 0 =>
            {
                p.show((p.shown + 1) % p.compared());
            }
            KeyCode::Char('[') | KeyCode::Left | KeyCode::Char('h')
                if matches!(p.stage, Stage::Result) && p.compared() > 0 =>
            {
                p.show((p.shown + p.compared() - 1) % p.compared());
            }
            KeyCode::Char('a') if matches!(p.stage, Stage::Result) => self.ask_sync_apply(),
            _ => {}
        }
    }

    fn start_data_diff(&mut self) {
        let tx = self.job_tx.clone();
        let source = Endpoint::new(self.conn.name.clone(), self.conn.spec.clone());
        let Some(p) = self.sync.as_mut() else { return };
        let Some(t) = p.target.as_ref() else { return };
        if p.chosen.is_empty() {
            return;
        }
        let mut req = SyncRequest::new(source, Endpoint::new(t.name.clone(), t.spec.clone()), p.chosen.clone());
        req.strategy = p.strategy.clone();
        req.delete_missing = p.delete_missing;
        let ctl = progress_control(&tx);
        p.token = Some(ctl.cancel.clone());
        p.stage = Stage::Running;
        p.fetched = 0;
        p.applied = None;
        p.at_table = 0;
        p.progress = format!("comparing {}…", p.chosen[0]);
        p.message = None;
        spawn_preview(req, ctl, tx);
    }
}
