//! Terminal input: keys through the keymap (chords, repeats, the editor's
//! own keys), the grid filter line, and the mouse.

use super::*;
use ratatui::crossterm::event::{Event, KeyEvent, KeyEventKind};

impl App {
    /// Handle a terminal event.
    pub fn on_term(&mut self, ev: Event) {
        match ev {
            Event::Key(k) if k.kind == KeyEventKind::Press || k.kind == KeyEventKind::Repeat => self.on_key(k),
            Event::Resize(w, h) => {
                self.size = Rect::new(0, 0, w, h);
                self.after_move();
                self.dirty = true;
            }
            Event::Paste(text) if self.popup.is_none() && self.focus == Focus::Editor => {
                self.editor.buf_mut().paste(&text);
                self.after_move();
                self.dirty = true;
            }
            Event::Paste(text) if self.popup.is_none() && self.focus == Focus::Grid => {
                if let Some(p) = self.grid.prompt.as_mut() {
                    p.input.push_str(&crate::sanitize::sanitize(&text));
                    self.dirty = true;
                }
            }
            Event::FocusGained => self.dirty = true,
            Event::Mouse(m)
                if self.popup.is_none()
                    && self.snapshots.is_none()
                    && self.sync.is_none()
                    && self.activity.is_none() =>
            {
                self.on_mouse(m)
            }
            _ => {}
        }
    }

    /// Handle one key press.
    pub fn on_key(&mut self, key: KeyEvent) {
        self.dirty = true;
        if self.start_screen.is_some() {
            self.start_screen_key(key);
            return;
        }
        let open = self.panel_open();
        if open && !self.panel_seen {
            // A panel that just opened (F7, or F8 once its targets are listed) takes the keys.
            self.focus = Focus::Panel;
        }
        self.panel_seen = open;
        if self.popup.is_some() {
            self.popup_key(key);
            return;
        }
        if self.activity.is_some() {
            self.activity_key(key);
            return;
        }
        if self.panel_open() && self.focus == Focus::Panel {
            self.docked_panel_key(key);
            return;
        }
        if self.focus == Focus::Panel {
            self.focus = Focus::Editor;
        }
        if self.tree.filtering && self.focus == Focus::Tree {
            self.filter_key(key);
            return;
        }
        if self.edits.as_ref().is_some_and(edit::EditState::modal) && self.edit_key(key) {
            self.after_move();
            return;
        }
        if self.focus == Focus::Grid && self.plan.is_some() && self.plan_key(key) {
            return;
        }
        if self.focus == Focus::Grid && self.chart.is_some() && self.chart_key(key) {
            return;
        }
        if self.grid.prompt.is_some() && self.focus == Focus::Grid {
            self.grid_prompt_key(key);
            self.after_move();
            return;
        }
        let Some(kp) = KeyPress::from_event(&key) else {
            return;
        };
        match self.keymap.feed(self.focus.context(), kp) {
            Lookup::Action(a) => self.dispatch(a),
            Lookup::Pending => {}
            Lookup::Unbound(keys) => {
                if self.focus == Focus::Editor {
                    let last = keys.len().saturating_sub(1);
                    for (i, k) in keys.iter().enumerate() {
                        // Replay earlier chord keys from their normalized form; the last from the real event.
                        let ev = if i == last { key } else { to_event(*k) };
                        self.editor_input(ev);
                    }
                }
            }
        }
    }

    fn editor_input(&mut self, key: KeyEvent) {
        self.editor.buf_mut().input_key(key);
        self.after_move();
    }

    fn filter_key(&mut self, key: KeyEvent) {
        use ratatui::crossterm::event::KeyCode;
        match key.code {
            KeyCode::Esc => {
                self.tree.filtering = false;
                self.tree.filter.clear();
            }
            KeyCode::Enter => self.tree.filtering = false,
            KeyCode::Backspace => {
                self.tree.filter.pop();
            }
            KeyCode::Char(c) if !key.modifiers.contains(ratatui::crossterm::event::KeyModifiers::CONTROL) => {
                self.tree.filter.push(c);
            }
            _ => return,
        }
        self.tree.selected = 0;
        self.tree.top = 0;
        self.tree.rebuild();
    }
}

impl App {
    /// Mouse (only with `ui.mouse`): wheel scrolls the pane under the pointer, a click focuses it.
    fn on_mouse(&mut self, m: ratatui::crossterm::event::MouseEvent) {
        use ratatui::crossterm::event::{MouseButton, MouseEventKind};
        let panes = self.panes();
        let at = ratatui::layout::Position::new(m.column, m.row);
        let pane = if panes.tree.is_some_and(|r| r.contains(at)) {
            Focus::Tree
        } else if panes.editor.contains(at) {
            Focus::Editor
        } else if panes.grid.contains(at) {
            Focus::Grid
        } else if panes.panel.is_some_and(|r| r.contains(at)) {
            // Clicking the panel focuses it; the panel has no mouse actions of its own.
            if matches!(m.kind, MouseEventKind::Down(MouseButton::Left)) {
                self.focus = Focus::Panel;
                self.dirty = true;
            }
            return;
        } else {
            return;
        };
        let delta: isize = match m.kind {
            MouseEventKind::ScrollDown => 3,
            MouseEventKind::ScrollUp => -3,
            MouseEventKind::Down(MouseButton::Left) => {
                self.focus = pane;
                if pane == Focus::Grid {
                    let first = panes.grid.y + 2 + crate::ui::grid_chrome(&self.grid).0;
                    if m.row >= first {
                        let row = self.grid.top + usize::from(m.row - first);
                        let at = self.grid.row as isize;
                        self.grid.move_row(row as isize - at);
                    }
                } else if pane == Focus::Tree
                    && let Some(t) = panes.tree
                    && m.row > t.y
                {
                    let offset = usize::from(m.row - t.y - 1);
                    let filter_line = usize::from(self.tree.filtering || !self.tree.filter.is_empty());
                    if let Some(i) = (self.tree.top + offset).checked_sub(filter_line) {
                        self.tree.selected = i.min(self.tree.nodes.len().saturating_sub(1));
                    }
                }
                self.after_move();
                self.dirty = true;
                return;
            }
            _ => return,
        };
        match pane {
            Focus::Panel => {}
            Focus::Grid => self.grid.move_row(delta),
            Focus::Tree => {
                let page = self.tree_page();
                self.tree.move_by(delta, page);
            }
            Focus::Editor => {
                let mv = if delta > 0 {
                    ratatui_textarea::CursorMove::Down
                } else {
                    ratatui_textarea::CursorMove::Up
                };
                for _ in 0..delta.unsigned_abs() {
                    self.editor.buf_mut().textarea.move_cursor(mv);
                }
            }
        }
        self.after_move();
        self.dirty = true;
    }
}

fn to_event(k: KeyPress) -> KeyEvent {
    use crate::keymap::Code;
    use ratatui::crossterm::event::{KeyCode, KeyModifiers};
    let code = match k.code {
        Code::Char(c) => KeyCode::Char(c),
        Code::F(n) => KeyCode::F(n),
        Code::Enter => KeyCode::Enter,
        Code::Esc => KeyCode::Esc,
        Code::Tab if k.shift => KeyCode::BackTab,
        Code::Tab => KeyCode::Tab,
        Code::Backspace => KeyCode::Backspace,
        Code::Delete => KeyCode::Delete,
        Code::Insert => KeyCode::Insert,
        Code::Up => KeyCode::Up,
        Code::Down => KeyCode::Down,
        Code::Left => KeyCode::Left,
        Code::Right => KeyCode::Right,
        Code::Home => KeyCode::Home,
        Code::End => KeyCode::End,
        Code::PageUp => KeyCode::PageUp,
        Code::PageDown => KeyCode::PageDown,
    };
    let mut m = KeyModifiers::NONE;
    if k.ctrl {
        m |= KeyModifiers::CONTROL;
    }
    if k.alt {
        m |= KeyModifiers::ALT;
    }
    if k.shift {
        m |= KeyModifiers::SHIFT;
    }
    KeyEvent::new(code, m)
}
