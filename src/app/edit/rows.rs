//! Staged new rows in the grid: drawn after the result's rows of their
//! table, the cursor moves onto them, and their cells are edited, put back
//! to their defaults, or the whole row removed, like the rows read.

use super::{CellEditor, CellRef, EditState, NotEditable, RowForm, open_editor};
use crate::app::results::{MAX_COL_WIDTH, NULL_SYMBOL, display_text};
use crate::app::{App, Level};
use crate::db::Value;
use crate::edit::{EditTarget, NewRow};
use crate::sanitize::sanitize;
use unicode_width::UnicodeWidthStr;

/// What a cell of a staged new row shows.
#[derive(Debug, Clone, PartialEq)]
pub enum NewCell {
    /// A value the user set (NULL included).
    Set(Value),
    /// Not set: the column's default expression applies.
    Default(String),
    /// Not set: the server fills it (identity, auto-increment, generated).
    Server(&'static str),
    /// Not set, nullable, no default: NULL.
    DefaultNull,
    /// Not set, NOT NULL, no default: the commit refuses until it is set.
    Required,
    /// The result column is an expression, not a column of the table.
    NotAColumn,
}

impl NewCell {
    /// What the grid shows for it (one line, sanitized).
    pub fn text(&self) -> String {
        match self {
            NewCell::Set(v) => display_text(v),
            NewCell::Default(d) => format!("DEFAULT {}", sanitize(d)),
            NewCell::Server(what) => (*what).to_string(),
            NewCell::DefaultNull => format!("DEFAULT {NULL_SYMBOL}"),
            NewCell::Required => "required".to_string(),
            NewCell::NotAColumn => String::new(),
        }
    }
}

/// What cell `result_col` of new row `row` shows.
pub fn new_cell(state: &EditState, target: &EditTarget, row: usize, result_col: usize) -> NewCell {
    let Some(column) = target.column_of(result_col) else {
        return NewCell::NotAColumn;
    };
    let staged = &state.staged;
    if let Some((_, v)) = staged
        .inserts
        .get(row)
        .and_then(|r| r.values.iter().find(|(c, _)| *c == column))
    {
        return NewCell::Set(v.clone());
    }
    let Some(col) = staged.target.columns.get(column) else {
        return NewCell::NotAColumn;
    };
    match &col.default {
        _ if col.generated => NewCell::Server("(generated)"),
        Some(d) => NewCell::Default(d.clone()),
        None if col.server_filled || col.filled_when_omitted => NewCell::Server("(auto)"),
        None if col.nullable => NewCell::DefaultNull,
        None => NewCell::Required,
    }
}

/// An editor on column `column` of new row `row`, or why it cannot be set.
pub(super) fn new_cell_editor(state: &EditState, row: usize, column: usize) -> Result<CellEditor, NotEditable> {
    let col = &state.staged.target.columns[column];
    if col.generated {
        return Err(NotEditable::Generated(col.name.clone()));
    }
    let set = state
        .staged
        .inserts
        .get(row)
        .and_then(|r| r.values.iter().find(|(c, _)| *c == column))
        .map(|(_, v)| v.clone());
    // Not set yet: start from empty text, not from the NULL choice.
    let shown = set.unwrap_or(Value::Text(String::new()));
    Ok(open_editor(CellRef::New { row, column }, &shown))
}

impl App {
    /// Staged new rows of the table the current result shows (drawn after
    /// it), and the widths their cells need by result column.
    fn new_rows_shown(&self) -> (usize, Vec<usize>) {
        let Some(state) = self.edits.as_ref().filter(|e| !e.staged.inserts.is_empty()) else {
            return (0, Vec::new());
        };
        let target = match self.edit_target() {
            Ok(t) if t.schema == state.staged.target.schema && t.table == state.staged.target.table => t,
            _ => return (0, Vec::new()),
        };
        let n = state.staged.inserts.len();
        let widths = (0..self.grid.cols())
            .map(|rc| {
                (0..n)
                    .map(|row| new_cell(state, &target, row, rc).text().width())
                    .max()
                    .unwrap_or(0)
                    .min(MAX_COL_WIDTH)
            })
            .collect();
        (n, widths)
    }

    /// Keep the grid's new rows (count, widths) and its cursor in step with what is staged.
    pub fn sync_new_rows(&mut self) {
        let (n, widths) = self.new_rows_shown();
        let g = &mut *self.grid;
        g.new_rows = n;
        g.new_row_widths = widths;
        let end = g.rows() + n;
        if g.row >= end && g.row >= g.rows() {
            g.row = end.saturating_sub(1);
        }
    }

    /// `o` in the grid: stage a new row, drawn after the result, and put the cursor on it.
    pub fn add_row(&mut self) {
        let Some(target) = self.target_for_editing() else {
            return;
        };
        let Some(state) = self.edits.as_mut() else { return };
        state.staged.inserts.push(NewRow::default());
        let n = state.staged.inserts.len();
        let columns = &state.staged.target.columns;
        let outside: Vec<&str> = columns
            .iter()
            .enumerate()
            .filter(|(i, c)| target.result_col(*i).is_none() && c.required())
            .map(|(_, c)| c.name.as_str())
            .collect();
        let outside = if outside.is_empty() {
            String::new()
        } else {
            format!("; {} not in the result: Enter fills them", outside.join(", "))
        };
        let fillable = (0..self.grid.cols()).find(|rc| {
            target
                .column_of(*rc)
                .and_then(|c| columns.get(c))
                .is_some_and(|c| !c.server_filled && !c.generated)
        });
        self.sync_new_rows();
        self.grid.row = self.grid.rows() + n - 1;
        if let Some(rc) = fillable {
            self.grid.col = rc;
        }
        self.set_status(
            Level::Info,
            format!("new row {n} staged below the result: e sets a cell, u puts it back to its default, D removes the row{outside}"),
        );
    }

    /// `e` on new row `row`: edit the cursor cell.
    pub(super) fn edit_new_cell(&mut self, row: usize, column: usize) {
        let Some(state) = self.edits.as_mut() else { return };
        match new_cell_editor(state, row, column) {
            Ok(ed) => state.editor = Some(ed),
            Err(why) => self.set_status(Level::Warn, why.to_string()),
        }
    }

    /// `u` on new row `row`: the cursor cell goes back to its default.
    pub(super) fn revert_new_cell(&mut self, row: usize, column: Option<usize>) {
        let Some(state) = self.edits.as_mut() else { return };
        let Some(r) = state.staged.inserts.get_mut(row) else {
            return;
        };
        let before = r.values.len();
        r.values.retain(|(c, _)| Some(*c) != column);
        let msg = if r.values.len() == before {
            "nothing set on this cell (D removes the new row)"
        } else {
            state.failed = None;
            "back to the column's default"
        };
        self.set_status(Level::Info, msg);
    }

    /// `D` on new row `row`: remove it.
    pub(super) fn remove_new_row(&mut self, row: usize) {
        let Some(state) = self.edits.as_mut() else { return };
        if row < state.staged.inserts.len() {
            state.staged.inserts.remove(row);
            state.failed = None;
        }
        if state.staged.is_empty() {
            self.edits = None;
        }
        self.sync_new_rows();
        self.set_status(Level::Info, "new row removed");
    }

    /// Enter on new row `row`: its form, with every column of the table.
    pub(in crate::app) fn open_row_form(&mut self, row: usize) {
        let column = self.edit_target().ok().and_then(|t| t.column_of(self.grid.col));
        let Some(state) = self.edits.as_mut() else { return };
        let mut form = RowForm::new(row, &state.staged.target);
        if let Some(c) = column {
            form.selected = c;
        }
        state.form = Some(form);
    }
}
