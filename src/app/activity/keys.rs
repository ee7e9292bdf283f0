//! Keys of the activity view. They are fixed (arrows, vi keys, letters) so
//! they work in every keymap; the help overlay lists them from [`KEYS`].

use super::{Detail, Tab};
use crate::activity::signal::Signal;
use crate::app::App;
use crate::app::popup::Popup;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// Fixed keys of the view, for the help overlay and the footer.
pub const KEYS: &[(&str, &str)] = &[
    ("j/k ↑/↓ PgUp/PgDn g/G", "Move through sessions or statements"),
    ("Enter", "Full text of the selected statement"),
    ("Tab", "Switch between sessions and top statements"),
    ("b", "Select the root blocker"),
    (
        "c",
        "Cancel the selected session's statement (a write: confirmed, audited)",
    ),
    ("t", "Terminate the selected session (a write: confirmed, audited)"),
    ("i", "Hide or show idle sessions"),
    ("r", "Refresh now"),
    ("p", "Pause or resume the 2 s refresh"),
    ("Esc, q", "Close the view (refreshing stops)"),
];

impl App {
    /// A key while the activity view is open.
    pub(crate) fn activity_key(&mut self, key: KeyEvent) {
        let Some(p) = self.activity.as_mut() else { return };
        if let Some(c) = p.confirm.as_mut() {
            match key.code {
                KeyCode::Esc => {
                    p.confirm = None;
                    p.message = Some((crate::app::Level::Info, "not sent".into()));
                }
                KeyCode::Enter => self.activity_confirmed(),
                KeyCode::Char('y' | 'Y') if c.expect.is_none() => self.activity_confirmed(),
                KeyCode::Char('n' | 'N' | 'q') if c.expect.is_none() => {
                    p.confirm = None;
                    p.message = Some((crate::app::Level::Info, "not sent".into()));
                }
                KeyCode::Backspace if c.expect.is_some() => {
                    c.input.pop();
                }
                KeyCode::Char(ch)
                    if c.expect.is_some() && !key.modifiers.intersects(KeyModifiers::CONTROL | KeyModifiers::ALT) =>
                {
                    c.input.push(ch);
                }
                _ => {}
            }
            return;
        }
        if let Some(d) = p.detail.as_mut() {
            let lines = d.text.lines().count();
            match key.code {
                KeyCode::Esc | KeyCode::Enter | KeyCode::Char('q') => p.detail = None,
                KeyCode::Down | KeyCode::Char('j') => d.scroll = (d.scroll + 1).min(lines.saturating_sub(1)),
                KeyCode::Up | KeyCode::Char('k') => d.scroll = d.scroll.saturating_sub(1),
                KeyCode::PageDown => d.scroll = (d.scroll + 10).min(lines.saturating_sub(1)),
                KeyCode::PageUp => d.scroll = d.scroll.saturating_sub(10),
                _ => {}
            }
            return;
        }
        let rows = p.rows();
        let page = usize::from(self.size.height / 2).max(1);
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        match key.code {
            KeyCode::Esc | KeyCode::Char('q') => {
                self.close_activity();
                return;
            }
            KeyCode::Char('c') if ctrl => {
                self.close_activity();
                return;
            }
            KeyCode::F(1) | KeyCode::Char('?') => {
                self.popup = Some(Popup::Help { scroll: 0 });
                return;
            }
            KeyCode::Down | KeyCode::Char('j') => p.selected = (p.selected + 1).min(rows.saturating_sub(1)),
            KeyCode::Up | KeyCode::Char('k') => p.selected = p.selected.saturating_sub(1),
            KeyCode::PageDown => p.selected = (p.selected + page).min(rows.saturating_sub(1)),
            KeyCode::PageUp => p.selected = p.selected.saturating_sub(page),
            KeyCode::Home | KeyCode::Char('g') => p.selected = 0,
            KeyCode::End | KeyCode::Char('G') => p.selected = rows.saturating_sub(1),
            KeyCode::Tab | KeyCode::BackTab => {
                p.tab = match p.tab {
                    Tab::Sessions => Tab::Statements,
                    Tab::Statements => Tab::Sessions,
                };
                p.selected = 0;
                p.scroll = 0;
            }
            KeyCode::Char('b') => {
                let root = p.snapshot.as_ref().and_then(|s| s.blocking.first()).map(|t| t.root);
                if let Some(root) = root {
                    p.tab = Tab::Sessions;
                    if let Some(i) = p.sessions().iter().position(|s| s.id == root) {
                        p.selected = i;
                    }
                }
            }
            KeyCode::Char('i') => {
                p.hide_idle = !p.hide_idle;
                p.reselect();
            }
            KeyCode::Char('c') => {
                self.activity_signal(Signal::Cancel);
                return;
            }
            KeyCode::Char('t') => {
                self.activity_signal(Signal::Terminate);
                return;
            }
            KeyCode::Char('r') => p.refresh_now(),
            KeyCode::Char('p') => p.toggle_pause(),
            KeyCode::Enter => p.detail = detail(p),
            _ => {}
        }
        p.selected_id = p.current().map(|s| s.id);
    }
}

fn detail(p: &super::ActivityPanel) -> Option<Detail> {
    match p.tab {
        Tab::Sessions => {
            let s = p.current()?;
            let mut head = crate::activity::format::describe(s);
            if let Some(cut) = head.find("): ") {
                head.truncate(cut + 1);
            }
            Some(Detail {
                title: format!("session {}", s.id),
                text: format!(
                    "{head}\n\n{}",
                    s.query.clone().unwrap_or_else(|| "(no statement)".into())
                ),
                scroll: 0,
            })
        }
        Tab::Statements => {
            let st = p.snapshot.as_ref()?.top.statements.get(p.selected)?;
            Some(Detail {
                title: "statement".into(),
                text: st.query.clone(),
                scroll: 0,
            })
        }
    }
}
