//! Editing the grid's rows: cells, new rows and deletions are staged (never
//! sent), highlighted, previewed as the exact SQL, then committed in one
//! transaction through the editor's gate. Staging names rows by their key,
//! so it survives sorting, filtering and re-running a query on the table.

mod commit;
mod form;
mod rows;

use super::{App, Level};
use crate::db::Value;
use crate::edit::{EditTarget, Staged, check_scale, editable, parse_input};
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

pub use commit::EditsDone;
pub use form::{Preview, RowForm};
pub use rows::{NewCell, new_cell};

/// Which cell the editor writes to.
#[derive(Debug, Clone, PartialEq)]
pub enum CellRef {
    /// A column of an existing row, found by its key.
    Existing {
        /// Key values of the row.
        key: Vec<Value>,
        /// Table column.
        column: usize,
        /// The value read from the database.
        original: Value,
    },
    /// A column of staged new row `row`.
    New {
        /// Index among the staged new rows.
        row: usize,
        /// Table column.
        column: usize,
    },
}

/// The one-line cell editor.
#[derive(Debug, Clone, PartialEq)]
pub struct CellEditor {
    /// Where the value goes.
    pub cell: CellRef,
    /// Typed text.
    pub input: String,
    /// Cursor position, in characters.
    pub cursor: usize,
    /// NULL chosen (the text is kept but not used).
    pub null: bool,
    /// Why the last Enter was refused.
    pub error: Option<String>,
}

/// Staged edits and the dialogs working on them.
#[derive(Debug, Clone)]
pub struct EditState {
    /// What is staged, on which table.
    pub staged: Staged,
    /// The cell editor, when open.
    pub editor: Option<CellEditor>,
    /// The new-row form, when open.
    pub form: Option<RowForm>,
    /// The SQL preview, when open.
    pub preview: Option<Preview>,
    /// Discard asked: `y` drops everything.
    pub confirm_discard: bool,
    /// The last commit failed here: the statement's index and why; the edits stay staged.
    pub failed: Option<(usize, String)>,
    /// A commit is running.
    pub committing: bool,
}

impl EditState {
    /// True when a dialog of the edits has the keyboard.
    pub fn modal(&self) -> bool {
        self.editor.is_some() || self.form.is_some() || self.preview.is_some() || self.confirm_discard
    }
}

impl App {
    /// The edit target of the current result, or why it is read-only.
    pub fn edit_target(&self) -> Result<EditTarget, String> {
        let rs = self
            .grid
            .result
            .as_ref()
            .ok_or("no result to edit: run a query first")?;
        let schema = self
            .tree
            .schema
            .as_ref()
            .ok_or("the schema is still loading: try again in a moment")?;
        if self.grid.partial && self.running.is_some() {
            return Err("the result is still arriving: edit when it is complete".into());
        }
        editable(&self.grid.sql, self.engine(), &rs.columns, schema)
    }

    /// The target, checked against what is staged already (one table at a time).
    fn target_for_editing(&mut self) -> Option<EditTarget> {
        if self.plan.is_some() || self.chart.is_some() {
            self.set_status(Level::Warn, "close the plan or chart first (Esc) to edit the result");
            return None;
        }
        let target = match self.edit_target() {
            Ok(t) => t,
            Err(why) => {
                self.set_status(Level::Warn, why);
                return None;
            }
        };
        if let Some(e) = &self.edits
            && !e.staged.is_empty()
            && (e.staged.target.schema != target.schema || e.staged.target.table != target.table)
        {
            let msg = format!(
                "edits are staged on {} ({}): commit them (W) or discard them (X) before editing {}",
                e.staged.target.display_name(),
                e.staged.summary(),
                target.display_name()
            );
            self.set_status(Level::Warn, msg);
            return None;
        }
        let state = self.edits.get_or_insert_with(|| EditState {
            staged: Staged::new(target.clone()),
            editor: None,
            form: None,
            preview: None,
            confirm_discard: false,
            failed: None,
            committing: false,
        });
        // The same table read by another query: the result's column mapping is this one's.
        state.staged.target.mapping = target.mapping.clone();
        Some(target)
    }

    /// Key values and cells of the cursor row, for a target.
    fn cursor_row(&mut self, target: &EditTarget) -> Option<(Vec<Value>, Vec<Value>)> {
        let row_index = self.grid.row;
        let rs = self.grid.result.as_mut()?;
        if rs.ensure(row_index, row_index + 1).is_err() {
            return None;
        }
        let row = rs.row(row_index)?.to_vec();
        let key = key_of(target, &row)?;
        Some((key, row))
    }

    /// `e` in the grid: edit the cursor cell.
    pub fn edit_cell(&mut self) {
        if self.edits.as_ref().is_some_and(|e| e.committing) {
            return self.set_status(Level::Warn, "a commit is running");
        }
        let Some(target) = self.target_for_editing() else {
            return;
        };
        let col = self.grid.col;
        if let Some(why) = target.why_not_editable(col) {
            return self.set_status(Level::Warn, format!("read-only column: {why}"));
        }
        let Some(column) = target.column_of(col) else { return };
        if let Some(n) = self.grid.new_row_at_cursor() {
            return self.edit_new_cell(n, column);
        }
        let Some((key, row)) = self.cursor_row(&target) else {
            return self.set_status(Level::Warn, "no row under the cursor");
        };
        let Some(state) = self.edits.as_mut() else { return };
        if state.staged.is_deleted(&key) {
            return self.set_status(Level::Warn, "this row is marked for deletion: D unmarks it");
        }
        let original = row.get(col).cloned().unwrap_or(Value::Null);
        let shown = state
            .staged
            .change(&key, column)
            .map_or_else(|| original.clone(), |c| c.value.clone());
        let original = state
            .staged
            .change(&key, column)
            .map_or(original, |c| c.original.clone());
        state.editor = Some(open_editor(CellRef::Existing { key, column, original }, &shown));
    }

    /// `D` in the grid: mark or unmark the cursor row for deletion.
    pub fn toggle_delete_row(&mut self) {
        let Some(target) = self.target_for_editing() else {
            return;
        };
        if let Some(n) = self.grid.new_row_at_cursor() {
            return self.remove_new_row(n);
        }
        let Some((key, _)) = self.cursor_row(&target) else {
            return self.set_status(Level::Warn, "no row under the cursor");
        };
        let Some(state) = self.edits.as_mut() else { return };
        let marked = state.staged.toggle_delete(key);
        let msg = if marked {
            "row marked for deletion (staged; P previews, W commits, D unmarks)"
        } else {
            "row unmarked"
        };
        self.set_status(Level::Info, msg);
    }

    /// `u` in the grid: drop the staged change of the cursor cell (or the row's deletion mark).
    pub fn revert_edit(&mut self) {
        let Ok(target) = self.edit_target() else {
            return self.set_status(Level::Info, "nothing staged here");
        };
        let column = target.column_of(self.grid.col);
        if let Some(n) = self.grid.new_row_at_cursor() {
            return self.revert_new_cell(n, column);
        }
        let Some((key, _)) = self.cursor_row(&target) else {
            return;
        };
        let Some(state) = self.edits.as_mut() else {
            return self.set_status(Level::Info, "nothing staged");
        };
        let reverted = column.is_some_and(|c| state.staged.revert_cell(&key, c));
        let msg = if reverted {
            "change reverted"
        } else if state.staged.is_deleted(&key) {
            state.staged.toggle_delete(key);
            "deletion mark removed"
        } else {
            "nothing staged on this cell"
        };
        self.set_status(Level::Info, msg);
    }

    /// `X`: ask, then drop everything staged.
    pub fn discard_edits(&mut self) {
        match self.edits.as_mut() {
            Some(e) if !e.staged.is_empty() && !e.committing => e.confirm_discard = true,
            _ => self.set_status(Level::Info, "nothing staged"),
        }
    }

    /// `P`: the exact SQL a commit sends.
    pub fn preview_edits(&mut self) {
        match self.edits.as_mut() {
            Some(e) if !e.staged.is_empty() => e.preview = Some(Preview::default()),
            _ => self.set_status(
                Level::Info,
                "nothing staged: e edits a cell, o adds a row, D marks a row for deletion",
            ),
        }
    }

    /// Keys for the edit dialogs; false when none is open.
    pub(super) fn edit_key(&mut self, key: KeyEvent) -> bool {
        let Some(state) = self.edits.as_mut() else { return false };
        if state.confirm_discard {
            state.confirm_discard = false;
            if matches!(key.code, KeyCode::Char('y' | 'Y')) {
                let summary = state.staged.summary();
                self.edits = None;
                self.sync_new_rows();
                self.set_status(Level::Info, format!("discarded {summary}"));
            } else {
                self.set_status(Level::Info, "kept the staged edits");
            }
            return true;
        }
        if state.editor.is_some() {
            self.editor_key(key);
            return true;
        }
        if state.preview.is_some() {
            self.preview_key(key);
            return true;
        }
        if state.form.is_some() {
            self.form_key(key);
            return true;
        }
        false
    }

    fn editor_key(&mut self, key: KeyEvent) {
        let Some(state) = self.edits.as_mut() else { return };
        let Some(ed) = state.editor.as_mut() else { return };
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        let alt = key.modifiers.contains(KeyModifiers::ALT);
        let chars = ed.input.chars().count();
        ed.error = None;
        match key.code {
            KeyCode::Esc => state.editor = None,
            KeyCode::Enter if alt => insert(ed, '\n'),
            KeyCode::Enter => self.stage_editor(),
            KeyCode::Char('n') if ctrl => {
                let column = match &ed.cell {
                    CellRef::Existing { column, .. } | CellRef::New { column, .. } => *column,
                };
                let col = &state.staged.target.columns[column];
                if col.nullable || ed.null {
                    ed.null = !ed.null;
                } else {
                    ed.error = Some(format!("'{}' is NOT NULL", col.name));
                }
            }
            KeyCode::Char('u') if ctrl => {
                ed.input.clear();
                ed.cursor = 0;
                ed.null = false;
            }
            KeyCode::Char(c) if !ctrl => {
                ed.null = false;
                insert(ed, c);
            }
            KeyCode::Backspace if ed.cursor > 0 => {
                ed.null = false;
                ed.cursor -= 1;
                remove_at(ed, ed.cursor);
            }
            KeyCode::Delete if ed.cursor < chars => remove_at(ed, ed.cursor),
            KeyCode::Left => ed.cursor = ed.cursor.saturating_sub(1),
            KeyCode::Right => ed.cursor = (ed.cursor + 1).min(chars),
            KeyCode::Home => ed.cursor = 0,
            KeyCode::End => ed.cursor = chars,
            _ => {}
        }
    }

    /// Enter in the cell editor: check the input against the column's type and stage it.
    fn stage_editor(&mut self) {
        let Some(state) = self.edits.as_mut() else { return };
        let Some(ed) = state.editor.as_mut() else { return };
        let column = match &ed.cell {
            CellRef::Existing { column, .. } | CellRef::New { column, .. } => *column,
        };
        let col = &state.staged.target.columns[column];
        let value = if ed.null {
            Value::Null
        } else {
            match parse_input(col.kind, &ed.input).and_then(|v| check_scale(&col.data_type, &v).map(|()| v)) {
                Ok(v) => v,
                Err(e) => {
                    ed.error = Some(e);
                    return;
                }
            }
        };
        if value.is_null() && !col.nullable {
            ed.error = Some(format!("'{}' is NOT NULL", col.name));
            return;
        }
        let cell = ed.cell.clone();
        state.editor = None;
        state.failed = None;
        match cell {
            CellRef::Existing { key, column, original } => state.staged.set(key, column, original, value),
            CellRef::New { row, column } => {
                if let Some(r) = state.staged.inserts.get_mut(row) {
                    r.values.retain(|(c, _)| *c != column);
                    r.values.push((column, value));
                    r.values.sort_by_key(|(c, _)| *c);
                }
            }
        }
        let summary = state.staged.summary();
        if summary.is_empty() {
            self.set_status(Level::Info, "no change staged");
        } else {
            self.set_status(
                Level::Info,
                format!("staged: {summary} (P previews the SQL, W commits, X discards)"),
            );
        }
    }
}

/// The key values of `row` of a result mapped by `target`.
pub fn key_of(target: &EditTarget, row: &[Value]) -> Option<Vec<Value>> {
    target
        .key
        .iter()
        .map(|k| target.result_col(*k).and_then(|c| row.get(c)).cloned())
        .collect()
}

/// An editor over `shown` (NULL starts as the NULL choice with empty text).
pub(super) fn open_editor(cell: CellRef, shown: &Value) -> CellEditor {
    let input = if shown.is_null() {
        String::new()
    } else {
        shown.to_string()
    };
    CellEditor {
        cell,
        cursor: input.chars().count(),
        input,
        null: shown.is_null(),
        error: None,
    }
}

fn insert(ed: &mut CellEditor, c: char) {
    let at = ed
        .input
        .char_indices()
        .nth(ed.cursor)
        .map_or(ed.input.len(), |(i, _)| i);
    ed.input.insert(at, c);
    ed.cursor += 1;
}

fn remove_at(ed: &mut CellEditor, pos: usize) {
    if let Some((i, _)) = ed.input.char_indices().nth(pos) {
        ed.input.remove(i);
    }
}
