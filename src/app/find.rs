//! Search, filter and sort in the grid. Scans of the whole result (memory
//! and page file) run on a blocking thread with progress; a sort of a
//! partial result re-runs the query on the server with ORDER BY.

use super::grid::{GridPrompt, PromptKind, Scan, ScanKind, ViewOp};
use super::query::JobEvent;
use super::results::ResultSet;
use super::results::find::{self, Direction, Needle};
use super::{App, Level};
use crate::safety::{Verdict, classify};
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use tokio_util::sync::CancellationToken;

/// Most rows sorted on the client; larger results are sorted by the server.
pub const SORT_CLIENT_MAX: usize = 200_000;

/// Results of background grid scans.
#[derive(Debug)]
pub enum GridEvent {
    /// Pages scanned so far.
    Progress {
        /// Scan ticket.
        ticket: u64,
        /// Pages done.
        done: usize,
        /// Pages in all.
        total: usize,
    },
    /// A search ended: the matching cell, or none.
    Found {
        /// Scan ticket.
        ticket: u64,
        /// Row and column.
        at: Option<(usize, usize)>,
    },
    /// A filter or sort produced a new result.
    Derived {
        /// Scan ticket.
        ticket: u64,
        /// The rows.
        result: Box<ResultSet>,
        /// What was applied.
        op: ViewOp,
    },
    /// The scan failed (reading the page file) or was cancelled.
    Failed {
        /// Scan ticket.
        ticket: u64,
        /// Why.
        message: String,
    },
}

/// Why a result cannot be sorted on the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SortError {
    /// Nothing ran yet.
    #[error("no result to sort")]
    NoResult,
    /// The column index is past the result's columns.
    #[error("no such column")]
    NoColumn,
    /// Re-running is only done for one read-only statement.
    #[error(
        "this result is partial, and sorting it re-runs the query on the server, which is only done for one read-only statement"
    )]
    NotOneRead,
}

impl App {
    /// Keys typed into the grid's bottom-line prompt.
    pub(super) fn grid_prompt_key(&mut self, key: KeyEvent) {
        let Some(mut p) = self.grid.prompt.take() else { return };
        match key.code {
            KeyCode::Esc => {
                if p.kind == PromptKind::Search {
                    self.cancel_scan();
                    (self.grid.row, self.grid.col) = p.origin;
                }
                return;
            }
            KeyCode::Enter => {
                match p.kind {
                    PromptKind::Search if !p.input.is_empty() => self.grid.needle = Some(Needle::new(&p.input)),
                    PromptKind::Search => {}
                    PromptKind::Filter(col) => self.apply_filter(col, p.input.trim()),
                }
                return;
            }
            KeyCode::Backspace => {
                p.input.pop();
            }
            KeyCode::Char('u') if key.modifiers.contains(KeyModifiers::CONTROL) => p.input.clear(),
            KeyCode::Char(c) if !key.modifiers.contains(KeyModifiers::CONTROL) => p.input.push(c),
            _ => {}
        }
        let incremental = (p.kind == PromptKind::Search).then(|| (p.input.clone(), p.origin));
        self.grid.prompt = Some(p);
        if let Some((text, origin)) = incremental {
            if text.is_empty() {
                self.cancel_scan();
                (self.grid.row, self.grid.col) = origin;
            } else {
                self.start_search(Needle::new(&text), origin, Direction::Forward);
            }
        }
    }

    /// `/`: open the search prompt.
    pub(super) fn open_search(&mut self) {
        if self.grid.result.is_none() {
            self.set_status(Level::Info, "no result to search: run a query first");
            return;
        }
        let origin = (self.grid.row, self.grid.col);
        self.grid.prompt = Some(GridPrompt {
            kind: PromptKind::Search,
            input: String::new(),
            origin,
        });
    }

    /// `n` / `N`: the next or previous match of the last search.
    pub(super) fn search_again(&mut self, dir: Direction) {
        let Some(needle) = self.grid.needle.clone() else {
            let key = self
                .keymap
                .key_for(crate::keymap::Context::Grid, crate::keymap::Action::Search)
                .unwrap_or_else(|| "/".into());
            self.set_status(Level::Info, format!("no search yet: press {key} and type"));
            return;
        };
        let from = (self.grid.row, self.grid.col);
        self.start_search(needle, from, dir);
    }

    fn next_scan(&mut self, kind: ScanKind) -> (u64, CancellationToken) {
        self.cancel_scan();
        self.grid_ticket += 1;
        let token = CancellationToken::new();
        self.grid.scan = Some(Scan {
            ticket: self.grid_ticket,
            kind,
            done: (0, 1),
            token: token.clone(),
        });
        (self.grid_ticket, token)
    }

    /// Stop the scan of the shown tab, if any.
    pub(super) fn cancel_scan(&mut self) -> bool {
        match self.grid.scan.take() {
            Some(s) => {
                s.token.cancel();
                true
            }
            None => false,
        }
    }

    fn start_search(&mut self, needle: Needle, from: (usize, usize), dir: Direction) {
        let Some(rs) = self.grid.result.as_ref() else { return };
        let reader = rs.reader();
        let (ticket, token) = self.next_scan(ScanKind::Search);
        let tx = self.job_tx.clone();
        tokio::task::spawn_blocking(move || {
            let mut last = std::time::Instant::now();
            let mut progress = |done, total| {
                // A few updates a second are enough for a gauge.
                if last.elapsed().as_millis() >= 100 {
                    last = std::time::Instant::now();
                    let _ = tx.send(JobEvent::Grid(GridEvent::Progress { ticket, done, total }));
                }
            };
            let ev = match find::find(&reader, &needle, from, dir, &token, &mut progress) {
                Ok(at) => GridEvent::Found { ticket, at },
                Err(e) => GridEvent::Failed {
                    ticket,
                    message: e.to_string(),
                },
            };
            let _ = tx.send(JobEvent::Grid(ev));
        });
    }

    /// `f`: open the filter prompt for the cursor column.
    pub(super) fn open_filter(&mut self) {
        if self.grid.result.is_none() {
            self.set_status(Level::Info, "no result to filter: run a query first");
            return;
        }
        let origin = (self.grid.row, self.grid.col);
        self.grid.prompt = Some(GridPrompt {
            kind: PromptKind::Filter(self.grid.col),
            input: String::new(),
            origin,
        });
    }

    fn apply_filter(&mut self, col: usize, text: &str) {
        if text.is_empty() {
            self.clear_view();
            return;
        }
        let Some(rs) = self.grid.result.as_ref() else { return };
        let reader = rs.reader();
        let template = rs.empty_like(self.spill.clone());
        let needle = Needle::new(text);
        let op = ViewOp::Filter {
            col,
            text: text.to_string(),
        };
        let (ticket, token) = self.next_scan(ScanKind::Filter);
        let tx = self.job_tx.clone();
        tokio::task::spawn_blocking(move || {
            let mut progress = |done, total| {
                let _ = tx.send(JobEvent::Grid(GridEvent::Progress { ticket, done, total }));
            };
            let ev = match find::filter(&reader, template, col, &needle, &token, &mut progress) {
                Ok(rs) => GridEvent::Derived {
                    ticket,
                    result: Box::new(rs),
                    op,
                },
                Err(e) => GridEvent::Failed {
                    ticket,
                    message: e.to_string(),
                },
            };
            let _ = tx.send(JobEvent::Grid(ev));
        });
    }

    /// Drop filters and sorts: show the result as the server sent it.
    pub(super) fn clear_view(&mut self) {
        self.cancel_scan();
        let g = &mut *self.grid;
        match g.base.take() {
            Some(base) => {
                g.result = Some(*base);
                g.view.clear();
                g.row = 0;
                g.top = 0;
                g.mark = None;
                self.set_status(Level::Info, "filter and sort cleared");
            }
            None => self.set_status(Level::Info, "no filter or sort to clear"),
        }
    }

    /// `s`: sort by the cursor column, ascending, then descending, then as sent.
    pub(super) fn sort_column(&mut self) {
        let col = self.grid.col;
        let Some(rs) = self.grid.result.as_ref() else {
            self.set_status(Level::Info, "no result to sort: run a query first");
            return;
        };
        let rows = rs.len();
        let preview_full = self.grid.preview.is_some() && rows >= self.preview_limit as usize;
        let partial = self.grid.partial || self.grid.streaming || rs.capped || preview_full;
        if partial || rows > SORT_CLIENT_MAX || self.grid.server_sort.is_some() {
            let desc = matches!(self.grid.server_sort, Some((c, false)) if c == col);
            self.sort_on_server(col, desc);
            return;
        }
        let current = self.grid.view.iter().rev().find_map(|op| match op {
            ViewOp::Sort { col: c, desc } => Some((*c, *desc)),
            ViewOp::Filter { .. } => None,
        });
        let desc = match current {
            Some((c, false)) if c == col => true,
            Some((c, true)) if c == col => {
                self.clear_view();
                return;
            }
            _ => false,
        };
        let reader = rs.reader();
        let template = rs.empty_like(self.spill.clone());
        let (ticket, token) = self.next_scan(ScanKind::Sort);
        let tx = self.job_tx.clone();
        tokio::task::spawn_blocking(move || {
            let mut progress = |done, total| {
                let _ = tx.send(JobEvent::Grid(GridEvent::Progress { ticket, done, total }));
            };
            let ev = match find::sort(&reader, template, col, desc, &token, &mut progress) {
                Ok(rs) => GridEvent::Derived {
                    ticket,
                    result: Box::new(rs),
                    op: ViewOp::Sort { col, desc },
                },
                Err(e) => GridEvent::Failed {
                    ticket,
                    message: e.to_string(),
                },
            };
            let _ = tx.send(JobEvent::Grid(ev));
        });
    }

    /// The query of the shown tab again, ordered by column `col` on the server.
    pub fn sorted_sql(&self, col: usize, desc: bool) -> Result<String, SortError> {
        let engine = self.engine();
        let dir = if desc { "DESC" } else { "ASC" };
        let rs = self.grid.result.as_ref().ok_or(SortError::NoResult)?;
        let name = &rs.columns.get(col).ok_or(SortError::NoColumn)?.name;
        if let Some((schema, table)) = &self.grid.preview {
            let q = crate::db::quote::qualified(engine, Some(schema.as_str()).filter(|s| !s.is_empty()), table);
            let c = crate::db::quote::ident(engine, name);
            return Ok(format!(
                "SELECT * FROM {q} ORDER BY {c} {dir} LIMIT {}",
                self.preview_limit
            ));
        }
        let sql = self.grid.sql.trim().trim_end_matches(';').trim_end();
        let verdicts = classify(sql, engine);
        if verdicts.len() != 1 || verdicts.iter().any(|v| v.verdict != Verdict::Read) {
            return Err(SortError::NotOneRead);
        }
        // By position, so no name from the result is pasted into SQL.
        Ok(format!(
            "SELECT * FROM ({sql}) AS dbn_sorted ORDER BY {} {dir}",
            col + 1
        ))
    }

    fn sort_on_server(&mut self, col: usize, desc: bool) {
        if self.running.is_some() {
            self.set_status(
                Level::Warn,
                "the result is still arriving: sorting it re-runs the query, so wait or cancel first (Ctrl+C)",
            );
            return;
        }
        let sql = match self.sorted_sql(col, desc) {
            Ok(s) => s,
            Err(e) => {
                self.set_status(Level::Warn, e.to_string());
                return;
            }
        };
        let preview = self.grid.preview.clone();
        let before = self.ticket();
        // A dbn-built re-run of the user's statement: the same gate as typing it.
        self.guarded_run(crate::ops::run_statements::generated(vec![(sql, None)], self.engine()));
        if self.running.as_ref().is_some_and(|r| r.ticket != before) {
            self.grid.preview = preview;
            self.grid.server_sort = Some((col, desc));
            self.grid.col = col;
        }
    }

    /// A background grid scan reported.
    pub(super) fn on_grid_event(&mut self, ev: GridEvent) {
        let ticket = match &ev {
            GridEvent::Progress { ticket, .. }
            | GridEvent::Found { ticket, .. }
            | GridEvent::Derived { ticket, .. }
            | GridEvent::Failed { ticket, .. } => *ticket,
        };
        let Some(i) = self
            .grid
            .tabs
            .iter()
            .position(|t| t.scan.as_ref().is_some_and(|s| s.ticket == ticket))
        else {
            return;
        };
        let shown = i == self.grid.active;
        let tab = &mut self.grid.tabs[i];
        match ev {
            GridEvent::Progress { done, total, .. } => {
                if let Some(s) = tab.scan.as_mut() {
                    s.done = (done, total.max(1));
                }
            }
            GridEvent::Found { at, .. } => {
                tab.scan = None;
                let typing = tab.prompt.as_ref().is_some_and(|p| p.kind == PromptKind::Search);
                match at {
                    Some((r, c)) => {
                        tab.row = r;
                        tab.col = c;
                        tab.follow_tail = false;
                        if shown && !typing {
                            self.status = None;
                        }
                    }
                    None => {
                        let text = tab
                            .prompt
                            .as_ref()
                            .map(|p| p.input.clone())
                            .or_else(|| tab.needle.as_ref().map(|n| n.text().to_string()))
                            .unwrap_or_default();
                        if let Some(p) = tab.prompt.as_ref() {
                            (tab.row, tab.col) = p.origin;
                        }
                        if shown {
                            self.set_status(Level::Warn, format!("no match for '{text}'"));
                        }
                    }
                }
            }
            GridEvent::Derived { result, op, .. } => {
                tab.scan = None;
                let old = tab.result.replace(*result);
                if tab.base.is_none() {
                    tab.base = old.map(Box::new);
                }
                if matches!(op, ViewOp::Sort { .. }) {
                    tab.view.retain(|o| !matches!(o, ViewOp::Sort { .. }));
                }
                let n = tab.rows();
                tab.view.push(op);
                tab.row = 0;
                tab.top = 0;
                tab.mark = None;
                if shown {
                    let what = tab.view_text();
                    let rows = crate::ui::group(n);
                    let noun = if n == 1 { "row" } else { "rows" };
                    self.set_status(Level::Info, format!("{what}: {rows} {noun}"));
                }
            }
            GridEvent::Failed { message, .. } => {
                tab.scan = None;
                if shown && message != "cancelled" {
                    self.set_status(Level::Error, format!("cannot read the result page file: {message}"));
                }
            }
        }
        self.after_move();
    }
}
