//! Result grid state: one tab per statement of the last run, each with its
//! result, cursor, scroll position and view (filter, sort, widths, search).
//! Drawing reads it; only the app mutates it. `GridState` dereferences to
//! the active tab, so `grid.row` is the active tab's cursor row.

pub mod widths;

use super::results::ResultSet;
use super::results::find::Needle;
use std::collections::HashMap;
use std::ops::{Deref, DerefMut};
use tokio_util::sync::CancellationToken;

/// Most result tabs one run keeps; older ones are dropped.
pub const MAX_TABS: usize = 64;

/// A one-line prompt typed at the bottom of the grid.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PromptKind {
    /// Incremental search (`/`).
    Search,
    /// Keep rows whose column contains the text.
    Filter(usize),
}

/// The grid's bottom-line prompt.
#[derive(Debug, Clone)]
pub struct GridPrompt {
    /// What the text is for.
    pub kind: PromptKind,
    /// Typed so far.
    pub input: String,
    /// Cursor when the prompt opened (a cancelled search goes back there).
    pub origin: (usize, usize),
}

/// What a background scan of the result does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScanKind {
    /// Looking for the next or previous match.
    Search,
    /// Building the filtered rows.
    Filter,
    /// Sorting on the client.
    Sort,
}

/// A background scan in progress.
#[derive(Debug, Clone)]
pub struct Scan {
    /// Ticket; events of older scans are dropped.
    pub ticket: u64,
    /// What it does.
    pub kind: ScanKind,
    /// Pages done and pages in all.
    pub done: (usize, usize),
    /// Cancels it.
    pub token: CancellationToken,
}

/// A filter or sort applied to the result on the client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ViewOp {
    /// Rows whose column contains the text.
    Filter {
        /// Column index.
        col: usize,
        /// Text.
        text: String,
    },
    /// Ordered by a column.
    Sort {
        /// Column index.
        col: usize,
        /// Descending.
        desc: bool,
    },
}

/// One statement's tab.
#[derive(Debug, Default)]
pub struct ResultTab {
    /// The result shown.
    pub result: Option<ResultSet>,
    /// Cursor row.
    pub row: usize,
    /// Cursor column.
    pub col: usize,
    /// First visible row.
    pub top: usize,
    /// First visible column.
    pub left: usize,
    /// A one-line note shown when there is no result (DML tags, errors).
    pub note: Option<String>,
    /// The SQL that produced the result.
    pub sql: String,
    /// Anchor row of a marked range (the range runs to the cursor row).
    pub mark: Option<usize>,
    /// Keep the cursor on the last row while rows stream in (`G` during a run).
    pub follow_tail: bool,
    /// Draw the cursor row wrapped over several lines.
    pub wrap: bool,
    /// Column widths the user set (`<`, `>`), by column.
    pub manual_widths: HashMap<usize, usize>,
    /// The result as it came from the server, while a filter or sort shows a derived one.
    pub base: Option<Box<ResultSet>>,
    /// Filters and sorts applied on the client, in order.
    pub view: Vec<ViewOp>,
    /// Sorted on the server by re-running: (column, descending).
    pub server_sort: Option<(usize, bool)>,
    /// The last search text (for `n` / `N`).
    pub needle: Option<Needle>,
    /// The bottom-line prompt, when open.
    pub prompt: Option<GridPrompt>,
    /// A scan in progress.
    pub scan: Option<Scan>,
    /// The table this result previews (schema, name), for server-side sorting.
    pub preview: Option<(String, String)>,
    /// Not every row of the query is here (stopped at the cap, cancelled, failed or still running).
    pub partial: bool,
    /// Still receiving rows.
    pub streaming: bool,
    /// Staged new rows drawn after the result's rows (the cursor reaches
    /// them at `rows()..rows() + new_rows`); kept in step by the app.
    pub new_rows: usize,
    /// Widths the new rows' cells need, by column (the columns widen for them).
    pub new_row_widths: Vec<usize>,
}

impl ResultTab {
    /// Rows in the result.
    pub fn rows(&self) -> usize {
        self.result.as_ref().map_or(0, ResultSet::len)
    }

    /// Columns in the result.
    pub fn cols(&self) -> usize {
        self.result.as_ref().map_or(0, |r| r.columns.len())
    }

    /// Start a new result.
    pub fn reset(&mut self, result: Option<ResultSet>, sql: &str) {
        if let Some(s) = self.scan.take() {
            s.token.cancel();
        }
        *self = ResultTab {
            result,
            sql: sql.to_string(),
            ..ResultTab::default()
        };
    }

    /// Rows a copy covers: the marked range, or the cursor row.
    pub fn copy_range(&self) -> std::ops::RangeInclusive<usize> {
        match self.mark {
            Some(m) => m.min(self.row)..=m.max(self.row),
            None => self.row..=self.row,
        }
    }

    /// The cursor is on staged new row `n` (drawn after the result's rows).
    pub fn new_row_at_cursor(&self) -> Option<usize> {
        self.row.checked_sub(self.rows()).filter(|n| *n < self.new_rows)
    }

    /// Move the cursor row by `delta` (clamped); any move stops following the tail.
    pub fn move_row(&mut self, delta: isize) {
        let last = (self.rows() + self.new_rows).saturating_sub(1) as isize;
        self.row = (self.row as isize + delta).clamp(0, last.max(0)) as usize;
        self.follow_tail = false;
    }

    /// Move the cursor column by `delta` (clamped).
    pub fn move_col(&mut self, delta: isize) {
        let last = self.cols().saturating_sub(1) as isize;
        self.col = (self.col as isize + delta).clamp(0, last.max(0)) as usize;
    }

    /// Column widths for `width` cells of room.
    pub fn widths(&self, width: usize) -> Vec<usize> {
        match &self.result {
            Some(rs) if self.new_row_widths.is_empty() => widths::fit(&rs.widths, &self.manual_widths, width),
            Some(rs) => {
                let natural: Vec<usize> = rs
                    .widths
                    .iter()
                    .enumerate()
                    .map(|(i, w)| (*w).max(self.new_row_widths.get(i).copied().unwrap_or(0)))
                    .collect();
                widths::fit(&natural, &self.manual_widths, width)
            }
            None => Vec::new(),
        }
    }

    /// Scroll so the cursor is visible in `height` data rows and `width` cells.
    pub fn follow(&mut self, height: usize, width: usize) {
        if self.follow_tail {
            self.row = self.rows().saturating_sub(1);
        }
        let h = height.max(1);
        // A wrapped cursor row takes more lines: keep the rows above it fewer.
        let h = if self.wrap {
            h.saturating_sub(self.wrap_extra(width, h)).max(1)
        } else {
            h
        };
        if self.row < self.top {
            self.top = self.row;
        } else if self.row >= self.top + h {
            self.top = self.row + 1 - h;
        }
        if self.col < self.left {
            self.left = self.col;
        }
        let ws = self.widths(width);
        if ws.is_empty() {
            return;
        }
        // Move `left` right until the cursor column fits.
        while self.left < self.col {
            let used: usize = ws[self.left..=self.col].iter().map(|w| w + 1).sum();
            if used <= width.max(1) {
                break;
            }
            self.left += 1;
        }
    }

    /// Extra lines the wrapped cursor row takes beyond one, at most `height - 1`.
    pub fn wrap_extra(&self, width: usize, height: usize) -> usize {
        let Some(rs) = &self.result else { return 0 };
        let Some(row) = rs.row(self.row) else { return 0 };
        let ws = self.widths(width);
        let lines = row
            .iter()
            .zip(&ws)
            .map(|(v, w)| widths::wrapped_lines(&super::results::display_text(v), *w))
            .max()
            .unwrap_or(1);
        lines.saturating_sub(1).min(height.saturating_sub(1))
    }

    /// Load the pages the viewport needs from the page file.
    pub fn prefetch(&mut self, height: usize) -> std::io::Result<()> {
        let (top, n) = (self.top, self.rows());
        match self.result.as_mut() {
            Some(rs) => {
                let (a, b) = (top.min(n), (top + height + 1).min(n));
                rs.ensure(a, b)?;
                rs.widen(a, b);
                Ok(())
            }
            None => Ok(()),
        }
    }

    /// Short text of the filters and sorts in force, for the title.
    pub fn view_text(&self) -> String {
        let name = |c: usize| {
            self.result
                .as_ref()
                .and_then(|r| r.columns.get(c))
                .map_or_else(|| format!("#{c}"), |c| c.name.clone())
        };
        let mut parts: Vec<String> = self
            .view
            .iter()
            .map(|op| match op {
                ViewOp::Filter { col, text } => format!("{} ~ {text}", name(*col)),
                ViewOp::Sort { col, desc } => format!("{} {}", name(*col), if *desc { "▼" } else { "▲" }),
            })
            .collect();
        if let Some((col, desc)) = self.server_sort {
            parts.push(format!("{} {} (server)", name(col), if desc { "▼" } else { "▲" }));
        }
        parts.join(" · ")
    }
}

/// Grid pane state: the result tabs of the last run.
#[derive(Debug)]
pub struct GridState {
    /// Tabs, one per statement (never empty).
    pub tabs: Vec<ResultTab>,
    /// The tab shown.
    pub active: usize,
    /// Tabs dropped from the front because a run had more than `MAX_TABS` statements.
    pub dropped: usize,
}

impl Default for GridState {
    fn default() -> Self {
        GridState {
            tabs: vec![ResultTab::default()],
            active: 0,
            dropped: 0,
        }
    }
}

impl Deref for GridState {
    type Target = ResultTab;
    fn deref(&self) -> &ResultTab {
        &self.tabs[self.active.min(self.tabs.len() - 1)]
    }
}

impl DerefMut for GridState {
    fn deref_mut(&mut self) -> &mut ResultTab {
        let i = self.active.min(self.tabs.len() - 1);
        &mut self.tabs[i]
    }
}

impl GridState {
    /// Forget every tab and start one for `sql`.
    pub fn clear_tabs(&mut self, sql: &str) {
        for t in &mut self.tabs {
            if let Some(s) = t.scan.take() {
                s.token.cancel();
            }
        }
        self.tabs = vec![ResultTab::default()];
        self.active = 0;
        self.dropped = 0;
        self.tabs[0].sql = sql.to_string();
    }

    /// Add a tab for the next statement of a run and show it.
    pub fn push_tab(&mut self, sql: &str) {
        self.park_active();
        if self.tabs.len() >= MAX_TABS {
            self.tabs.remove(0);
            self.dropped += 1;
        }
        self.tabs.push(ResultTab {
            sql: sql.to_string(),
            ..ResultTab::default()
        });
        self.active = self.tabs.len() - 1;
    }

    fn park_active(&mut self) {
        if let Some(rs) = self.tabs.get_mut(self.active).and_then(|t| t.result.as_mut()) {
            rs.park();
        }
    }

    /// Show the tab `delta` away (wrapping).
    pub fn cycle_tab(&mut self, delta: isize) {
        let n = self.tabs.len() as isize;
        if n < 2 {
            return;
        }
        self.park_active();
        self.active = ((self.active as isize + delta).rem_euclid(n)) as usize;
    }

    /// The tab rows of the running statement go to.
    pub fn last_mut(&mut self) -> &mut ResultTab {
        let i = self.tabs.len() - 1;
        &mut self.tabs[i]
    }

    /// Whether the tab bar is shown.
    pub fn has_tab_bar(&self) -> bool {
        self.tabs.len() > 1
    }
}
