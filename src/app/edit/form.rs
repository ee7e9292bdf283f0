//! The new-row form (one line per column, defaults shown) and the preview
//! of the exact SQL a commit sends (unstage a statement, open a new row).

use crate::app::{App, Level};
use crate::edit::{EditTarget, StagedKind};
use ratatui::crossterm::event::{KeyCode, KeyEvent};

/// The form filling staged new row `row`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowForm {
    /// Index among the staged new rows.
    pub row: usize,
    /// Selected column (table column index).
    pub selected: usize,
}

impl RowForm {
    /// A form on new row `row`, on its first column the user would fill.
    pub fn new(row: usize, target: &EditTarget) -> RowForm {
        let selected = target
            .columns
            .iter()
            .position(|c| !c.server_filled && !c.generated)
            .unwrap_or(0);
        RowForm { row, selected }
    }
}

/// The SQL preview's cursor.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Preview {
    /// Selected statement.
    pub selected: usize,
}

impl App {
    pub(super) fn form_key(&mut self, key: KeyEvent) {
        let Some(state) = self.edits.as_mut() else { return };
        let Some(form) = state.form.as_mut() else { return };
        let n = state.staged.target.columns.len();
        match key.code {
            KeyCode::Esc | KeyCode::Char('q') => state.form = None,
            KeyCode::Down | KeyCode::Char('j') | KeyCode::Tab => {
                form.selected = (form.selected + 1).min(n.saturating_sub(1))
            }
            KeyCode::Up | KeyCode::Char('k') | KeyCode::BackTab => form.selected = form.selected.saturating_sub(1),
            KeyCode::Enter | KeyCode::Char('e') => {
                let (row, column) = (form.row, form.selected);
                match super::rows::new_cell_editor(state, row, column) {
                    Ok(ed) => state.editor = Some(ed),
                    Err(why) => self.set_status(Level::Warn, why.to_string()),
                }
            }
            KeyCode::Char('d') => {
                let (row, col) = (form.row, form.selected);
                if let Some(r) = state.staged.inserts.get_mut(row) {
                    r.values.retain(|(c, _)| *c != col);
                }
            }
            KeyCode::Char('x') => {
                let row = form.row;
                state.form = None;
                self.remove_new_row(row);
            }
            _ => {}
        }
    }

    pub(super) fn preview_key(&mut self, key: KeyEvent) {
        let Some(state) = self.edits.as_mut() else { return };
        let statements = state.staged.statements();
        let Some(p) = state.preview.as_mut() else { return };
        let n = statements.len();
        match key.code {
            KeyCode::Esc | KeyCode::Char('q') => state.preview = None,
            KeyCode::Down | KeyCode::Char('j') => p.selected = (p.selected + 1).min(n.saturating_sub(1)),
            KeyCode::Up | KeyCode::Char('k') => p.selected = p.selected.saturating_sub(1),
            KeyCode::Char('W') => {
                state.preview = None;
                self.commit_edits();
            }
            KeyCode::Enter => {
                if let Some(StagedKind::Insert(row)) = statements.get(p.selected).map(|s| s.kind.clone()) {
                    state.preview = None;
                    state.form = Some(RowForm::new(row, &state.staged.target));
                }
            }
            KeyCode::Char('d') | KeyCode::Delete => {
                match statements.get(p.selected).map(|s| s.kind.clone()) {
                    Some(StagedKind::Delete(k)) => {
                        state.staged.toggle_delete(k);
                    }
                    Some(StagedKind::Update(k)) => state.staged.updates.retain(|u| u.key != k),
                    Some(StagedKind::Insert(r)) => {
                        state.staged.inserts.remove(r);
                    }
                    None => {}
                }
                state.failed = None;
                let left = state.staged.statements().len();
                if left == 0 {
                    state.preview = None;
                } else if let Some(p) = state.preview.as_mut() {
                    p.selected = p.selected.min(left - 1);
                }
            }
            _ => {}
        }
    }
}
