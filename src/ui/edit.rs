//! Staged edits on screen: changed cells and rows to delete marked in the
//! grid, the cell editor at the bottom of the grid, the new-row form, the
//! SQL preview and the discard question.

use super::popup::{centered, frame_box};
use super::text::{fit, put};
use super::theme::Slot;
use crate::app::App;
use crate::app::edit::{CellEditor, CellRef, EditState, NewCell, key_of, new_cell};
use crate::app::results::{NULL_SYMBOL, display_text};
use crate::db::Value;
use crate::edit::{EditTarget, StagedKind};
use crate::sanitize::sanitize;
use ratatui::Frame;
use ratatui::layout::Rect;
use unicode_width::UnicodeWidthStr;

/// Keys of the staged edits beyond the grid's own, for the help overlay.
pub const KEYS: &[(&str, &str)] = &[
    (
        "e (on a cell)",
        "Edit it: typed checks, Ctrl+N NULL, Alt+Enter newline, Enter stages, Esc cancels",
    ),
    (
        "o",
        "New row below the result: its cells show the defaults, e sets one, u puts it back",
    ),
    (
        "D",
        "Mark the row for deletion (again to unmark); on a new row, remove it",
    ),
    (
        "Enter (new row)",
        "Form with every column of the new row, those outside the result too",
    ),
    ("P", "Preview the exact SQL: d unstages a statement, W commits"),
    ("W", "Commit in one transaction through the write rules (unlock, audit)"),
    ("X", "Discard everything staged (asks first)"),
];

/// What the grid draws differently for staged edits of the result on screen.
pub struct Overlay<'a> {
    state: &'a EditState,
    target: EditTarget,
    failed_key: Option<Vec<Value>>,
    failed_insert: Option<usize>,
}

/// Staged marks of one row.
pub struct RowMarks {
    /// Marked for deletion.
    pub deleted: bool,
    /// The last commit failed on this row.
    pub failed: bool,
    /// New values by result column, as drawn.
    pub changed: Vec<(usize, String)>,
}

impl<'a> Overlay<'a> {
    /// Marks apply when edits are staged on the table the result shows.
    pub fn new(app: &'a App) -> Option<Overlay<'a>> {
        let state = app.edits.as_ref().filter(|e| !e.staged.is_empty())?;
        let target = app.edit_target().ok()?;
        let failed = state
            .failed
            .as_ref()
            .and_then(|(i, _)| state.staged.statements().get(*i).map(|s| s.kind.clone()));
        let (failed_key, failed_insert) = match failed {
            Some(StagedKind::Update(k) | StagedKind::Delete(k)) => (Some(k), None),
            Some(StagedKind::Insert(n)) => (None, Some(n)),
            None => (None, None),
        };
        (target.schema == state.staged.target.schema && target.table == state.staged.target.table).then_some(Overlay {
            state,
            target,
            failed_key,
            failed_insert,
        })
    }

    /// Staged new rows, drawn after the result's rows.
    pub fn new_rows(&self) -> usize {
        self.state.staged.inserts.len()
    }

    /// The last commit failed on new row `row`.
    pub fn new_row_failed(&self, row: usize) -> bool {
        self.failed_insert == Some(row)
    }

    /// Text and style of cell `result_col` of new row `row`: the value set,
    /// else what the server will put there, said as such.
    pub fn new_cell(&self, row: usize, result_col: usize) -> (String, Slot) {
        let cell = new_cell(self.state, &self.target, row, result_col);
        let slot = match cell {
            NewCell::Set(_) => Slot::EditChanged,
            NewCell::Required => Slot::Warning,
            _ => Slot::EditNew,
        };
        (cell.text(), slot)
    }

    /// Marks of a result row.
    pub fn row(&self, row: Option<&[crate::db::Value]>) -> Option<RowMarks> {
        let key = key_of(&self.target, row?)?;
        let staged = &self.state.staged;
        let deleted = staged.is_deleted(&key);
        let changed: Vec<(usize, String)> = staged
            .updates
            .iter()
            .find(|u| u.key == key)
            .map(|u| {
                u.changes
                    .iter()
                    .filter_map(|c| self.target.result_col(c.column).map(|rc| (rc, shown(&c.value))))
                    .collect()
            })
            .unwrap_or_default();
        let failed = self.failed_key.as_ref() == Some(&key);
        (deleted || failed || !changed.is_empty()).then_some(RowMarks {
            deleted,
            failed,
            changed,
        })
    }
}

fn shown(v: &Value) -> String {
    if v.is_null() {
        NULL_SYMBOL.to_string()
    } else {
        display_text(v)
    }
}

/// ` · staged: 2 cells in 1 row (P W X)` for the grid's title.
pub fn title_note(app: &App) -> String {
    match &app.edits {
        Some(e) if !e.staged.is_empty() => {
            let failed = if e.failed.is_some() { " · commit failed" } else { "" };
            format!(
                " · staged on {}: {}{failed} (P W X)",
                e.staged.target.table,
                e.staged.summary()
            )
        }
        _ => String::new(),
    }
}

/// Draw the open edit dialog over the grid pane `grid` (or the screen `area`).
pub fn draw(f: &mut Frame, area: Rect, grid: Rect, app: &App, state: &EditState) {
    if state.confirm_discard {
        let msg = format!(
            "Discard {} staged on {}? y discards, any other key keeps them.",
            state.staged.summary(),
            state.staged.target.display_name()
        );
        let w = (msg.width() as u16 + 4).min(area.width);
        let r = centered(area, w, 3);
        let inner = frame_box(f, app, r, "Discard edits");
        put(
            f.buffer_mut(),
            inner.x,
            inner.y,
            &msg,
            inner.width,
            app.theme.style(Slot::Warning),
        );
        return;
    }
    if let Some(p) = &state.preview {
        preview(f, area, app, state, p.selected);
    } else if let Some(form) = &state.form {
        row_form(f, area, app, state, form.row, form.selected);
    }
    if let Some(ed) = &state.editor {
        editor(f, grid, app, state, ed);
    }
}

fn editor(f: &mut Frame, grid: Rect, app: &App, state: &EditState, ed: &CellEditor) {
    let t = &app.theme;
    let column = match &ed.cell {
        CellRef::Existing { column, .. } | CellRef::New { column, .. } => *column,
    };
    let col = &state.staged.target.columns[column];
    let h = 4.min(grid.height);
    let r = Rect::new(grid.x, grid.y + grid.height.saturating_sub(h), grid.width, h);
    let null = if col.nullable { "" } else { ", NOT NULL" };
    let title = format!(
        "edit {}.{} ({}{null})",
        state.staged.target.table, col.name, col.data_type
    );
    let inner = frame_box(f, app, r, &sanitize(&title));
    if inner.height == 0 {
        return;
    }
    let out = f.buffer_mut();
    if ed.null {
        put(
            out,
            inner.x,
            inner.y,
            "NULL",
            inner.width,
            t.style(Slot::Null).patch(t.style(Slot::Selection)),
        );
        let note = "  (no value; type to enter text instead)";
        put(
            out,
            inner.x + 4,
            inner.y,
            note,
            inner.width.saturating_sub(4),
            t.style(Slot::Muted),
        );
    } else {
        // Scroll so the cursor stays in view; newlines show as ↵.
        let chars: Vec<char> = sanitize(&ed.input).chars().collect();
        let room = usize::from(inner.width.saturating_sub(1)).max(1);
        let start = ed.cursor.saturating_sub(room.saturating_sub(1));
        let visible: String = chars.iter().skip(start).take(room).collect();
        put(out, inner.x, inner.y, &visible, inner.width, t.style(Slot::Popup));
        let cx = inner.x + (ed.cursor - start) as u16;
        let under = chars.get(ed.cursor).map_or(" ".to_string(), |c| c.to_string());
        put(out, cx, inner.y, &under, 1, t.style(Slot::Cursor));
    }
    if inner.height > 1 {
        let (line, slot) = match &ed.error {
            Some(e) => (sanitize(e).into_owned(), Slot::Error),
            None => (
                format!(
                    "{} · Enter stages · Ctrl+N NULL · Alt+Enter newline · Esc cancels",
                    col.kind.expects()
                ),
                Slot::Muted,
            ),
        };
        put(out, inner.x, inner.y + 1, &line, inner.width, t.style(slot));
    }
}

fn row_form(f: &mut Frame, area: Rect, app: &App, state: &EditState, row: usize, selected: usize) {
    let t = &app.theme;
    let target = &state.staged.target;
    let h = (target.columns.len() as u16 + 4).min(area.height);
    let r = centered(area, 90, h);
    let title = format!("new row {} of {}", row + 1, target.display_name());
    let inner = frame_box(f, app, r, &sanitize(&title));
    let values = state
        .staged
        .inserts
        .get(row)
        .map(|r| r.values.as_slice())
        .unwrap_or(&[]);
    let name_w = target.columns.iter().map(|c| c.name.width()).max().unwrap_or(4).min(24);
    let type_w = target
        .columns
        .iter()
        .map(|c| c.data_type.width())
        .max()
        .unwrap_or(4)
        .min(20);
    let rows = usize::from(inner.height.saturating_sub(1));
    let top = selected.saturating_sub(rows.saturating_sub(1));
    let out = f.buffer_mut();
    for (i, c) in target.columns.iter().enumerate().skip(top).take(rows) {
        let y = inner.y + (i - top) as u16;
        let set = values.iter().find(|(col, _)| *col == i).map(|(_, v)| v);
        let (value, slot) = match set {
            Some(v) if v.is_null() => ("NULL".to_string(), Slot::Null),
            Some(v) => (display_text(v), Slot::Text),
            None if c.generated => ("(generated)".to_string(), Slot::Muted),
            None => match &c.default {
                Some(d) => (format!("default: {d}"), Slot::Muted),
                None if c.server_filled || c.filled_when_omitted => ("(filled by the server)".to_string(), Slot::Muted),
                None if c.nullable => ("NULL (no default)".to_string(), Slot::Muted),
                None => ("required".to_string(), Slot::Warning),
            },
        };
        let line = format!(
            "{} {} {}",
            fit(&sanitize(&c.name), name_w, false),
            fit(&sanitize(&c.data_type), type_w, false),
            sanitize(&value)
        );
        let mut style = t.style(slot);
        if i == selected {
            style = t.style(Slot::Selection);
        }
        put(out, inner.x, y, &line, inner.width, style);
    }
    let hints = "Enter edits · d back to default · x removes the row · Esc closes (the row stays staged)";
    put(
        out,
        inner.x,
        inner.y + inner.height.saturating_sub(1),
        hints,
        inner.width,
        t.style(Slot::Muted),
    );
}

fn preview(f: &mut Frame, area: Rect, app: &App, state: &EditState, selected: usize) {
    let t = &app.theme;
    let statements = state.staged.statements();
    let r = centered(
        area,
        area.width.saturating_sub(4).max(20),
        area.height.saturating_sub(2).max(5),
    );
    let title = format!(
        "{} statement{} in one transaction on {}",
        statements.len(),
        if statements.len() == 1 { "" } else { "s" },
        state.staged.target.display_name()
    );
    let inner = frame_box(f, app, r, &sanitize(&title));
    let width = usize::from(inner.width.saturating_sub(4)).max(1);
    let mut lines: Vec<(usize, String)> = Vec::new();
    for (i, s) in statements.iter().enumerate() {
        let text = sanitize(&format!("{};", s.sql)).into_owned();
        let chars: Vec<char> = text.chars().collect();
        for (k, chunk) in chars.chunks(width).enumerate() {
            let prefix = if k == 0 {
                format!("{:>2}  ", i + 1)
            } else {
                "    ".to_string()
            };
            lines.push((i, format!("{prefix}{}", chunk.iter().collect::<String>())));
        }
        if let Some((fi, why)) = &state.failed
            && *fi == i
        {
            lines.push((i, format!("    ✗ {}", sanitize(why))));
        }
    }
    let rows = usize::from(inner.height.saturating_sub(1));
    let first_selected = lines.iter().position(|(i, _)| *i == selected).unwrap_or(0);
    let top = first_selected.saturating_sub(rows.saturating_sub(2).max(1));
    let out = f.buffer_mut();
    for (n, (i, line)) in lines.iter().enumerate().skip(top).take(rows) {
        let y = inner.y + (n - top) as u16;
        let failed = line.starts_with("    ✗");
        let style = if failed {
            t.style(Slot::Error)
        } else if *i == selected {
            t.style(Slot::Selection)
        } else {
            t.style(Slot::Keyword)
        };
        put(out, inner.x, y, line, inner.width, style);
    }
    let hints =
        "W commits (one transaction, through the write rules) · d unstages · Enter opens a new row · Esc closes";
    put(
        out,
        inner.x,
        inner.y + inner.height.saturating_sub(1),
        hints,
        inner.width,
        t.style(Slot::Muted),
    );
}
