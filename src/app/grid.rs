//! Result grid state: the current result, the cursor cell and the scroll
//! position. Drawing reads it; only the app mutates it.

use super::results::ResultSet;

/// Grid pane state.
#[derive(Debug, Default)]
pub struct GridState {
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
}

impl GridState {
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
        self.result = result;
        self.row = 0;
        self.col = 0;
        self.top = 0;
        self.left = 0;
        self.note = None;
        self.mark = None;
        self.sql = sql.to_string();
    }

    /// Rows a copy covers: the marked range, or the cursor row.
    pub fn copy_range(&self) -> std::ops::RangeInclusive<usize> {
        match self.mark {
            Some(m) => m.min(self.row)..=m.max(self.row),
            None => self.row..=self.row,
        }
    }

    /// Move the cursor row by `delta` (clamped).
    pub fn move_row(&mut self, delta: isize) {
        let last = self.rows().saturating_sub(1) as isize;
        self.row = (self.row as isize + delta).clamp(0, last.max(0)) as usize;
    }

    /// Move the cursor column by `delta` (clamped).
    pub fn move_col(&mut self, delta: isize) {
        let last = self.cols().saturating_sub(1) as isize;
        self.col = (self.col as isize + delta).clamp(0, last.max(0)) as usize;
    }

    /// Scroll so the cursor is visible in `height` data rows and `width` cells.
    pub fn follow(&mut self, height: usize, width: usize) {
        let h = height.max(1);
        if self.row < self.top {
            self.top = self.row;
        } else if self.row >= self.top + h {
            self.top = self.row + 1 - h;
        }
        if self.col < self.left {
            self.left = self.col;
        }
        let Some(rs) = &self.result else { return };
        // Move `left` right until the cursor column fits.
        while self.left < self.col {
            let used: usize = rs.widths[self.left..=self.col].iter().map(|w| w + 1).sum();
            if used <= width.max(1) {
                break;
            }
            self.left += 1;
        }
    }

    /// Load the pages the viewport needs from the spill file.
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
}
