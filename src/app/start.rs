//! The start screen: every saved connection with its overview (tag, colour,
//! reachability, server facts, backups, writes), filled in as the parallel
//! checks report. Shown at start when several connections exist, and on
//! `start_screen` (Alt+0) later.

use super::{App, Effect};
use crate::db::Engine;
use crate::overview::{self, Entry, Live, Local};
use crate::store::connections::Tag;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// Seconds one connection's checks may take on the start screen.
const CHECK_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(4);

/// One connection on the start screen.
#[derive(Debug, Clone)]
pub struct StartRow {
    /// Connection name.
    pub name: String,
    /// Environment tag.
    pub tag: Tag,
    /// Its colour, if set.
    pub color: Option<String>,
    /// Read-only unless unlocked.
    pub read_only: bool,
    /// Engine.
    pub engine: Engine,
    /// Where it points (no secrets).
    pub target: String,
    /// Live checks; `None` while they run.
    pub live: Option<Live>,
    /// Workspace facts.
    pub local: Local,
}

/// The start screen's state.
#[derive(Debug, Clone, Default)]
pub struct StartScreen {
    /// Connections in saved order.
    pub rows: Vec<StartRow>,
    /// Highlighted row.
    pub selected: usize,
    /// Checks of older refreshes are ignored.
    pub generation: u64,
    /// A connection is open behind the screen, so Esc may close it.
    pub can_close: bool,
}

/// One finished live check.
#[derive(Debug)]
pub struct OverviewEvent {
    /// Refresh it belongs to.
    pub generation: u64,
    /// Row index.
    pub index: usize,
    /// What the check found.
    pub live: Live,
}

impl App {
    /// Ask the loop for the connections to show (start screen on the next effect).
    pub fn request_start_screen(&mut self) {
        self.effects.push(Effect::LoadOverview);
    }

    /// Show the start screen for `entries` and start their checks in parallel.
    pub fn show_start_screen(&mut self, entries: Vec<Entry>) {
        let locals = overview::local_facts(self.store.as_ref(), &entries);
        let generation = self.start_screen.as_ref().map(|s| s.generation + 1).unwrap_or(1);
        let selected = self
            .start_screen
            .as_ref()
            .map(|s| s.selected)
            .or_else(|| entries.iter().position(|e| e.name == self.conn.name))
            .unwrap_or(0)
            .min(entries.len().saturating_sub(1));
        for (index, e) in entries.iter().enumerate() {
            let tx = self.overview_tx.clone();
            let spec = e.spec.clone();
            tokio::spawn(async move {
                let live = overview::check(spec, CHECK_TIMEOUT).await;
                let _ = tx.send(OverviewEvent {
                    generation,
                    index,
                    live,
                });
            });
        }
        let rows = entries
            .into_iter()
            .zip(locals)
            .map(|(e, local)| StartRow {
                name: e.name,
                tag: e.tag,
                color: e.color,
                read_only: e.read_only,
                engine: e.engine,
                target: e.target,
                live: None,
                local,
            })
            .collect();
        let can_close = self
            .start_screen
            .as_ref()
            .map(|s| s.can_close)
            .unwrap_or(self.connected_once);
        self.start_screen = Some(StartScreen {
            rows,
            selected,
            generation,
            can_close,
        });
        self.mark_dirty();
    }

    /// A live check finished.
    pub fn on_overview(&mut self, ev: OverviewEvent) {
        if let Some(s) = &mut self.start_screen
            && s.generation == ev.generation
            && let Some(row) = s.rows.get_mut(ev.index)
        {
            row.live = Some(ev.live);
            self.mark_dirty();
        }
    }

    /// Keys while the start screen is up.
    pub(super) fn start_screen_key(&mut self, key: KeyEvent) {
        let Some(s) = &mut self.start_screen else { return };
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        match key.code {
            KeyCode::Char('q') if ctrl => self.quit = true,
            KeyCode::Char('c') if ctrl => self.quit = true,
            KeyCode::Up | KeyCode::Char('k') => s.selected = s.selected.saturating_sub(1),
            KeyCode::Down | KeyCode::Char('j') => {
                s.selected = (s.selected + 1).min(s.rows.len().saturating_sub(1));
            }
            KeyCode::Home | KeyCode::Char('g') => s.selected = 0,
            KeyCode::End | KeyCode::Char('G') => s.selected = s.rows.len().saturating_sub(1),
            KeyCode::Char('r') | KeyCode::F(5) => self.effects.push(Effect::LoadOverview),
            KeyCode::Enter => {
                if let Some(row) = s.rows.get(s.selected) {
                    let name = row.name.clone();
                    self.start_screen = None;
                    self.connected_once = true;
                    self.effects.push(Effect::SwitchConnection(name));
                }
            }
            KeyCode::Esc if s.can_close => self.start_screen = None,
            KeyCode::Char('q') if !s.can_close => self.quit = true,
            _ => {}
        }
        self.mark_dirty();
    }
}
