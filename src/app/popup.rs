//! Overlays: help, cell inspector, confirmations, command palette,
//! history, saved queries, connection selector, prompts and completion.
//! Their keys are fixed (arrows, Enter, Esc, typing) so they work in every keymap.

use super::{App, Effect, Focus, Level};
use crate::keymap::Action;
use crate::store::connections::Tag;
use crate::store::history::HistoryEntry;
use crate::store::saved::SavedQuery;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// What a text prompt is for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PromptPurpose {
    /// Save the buffer under a `folder/name` path.
    SaveQuery,
    /// Export the result to a file.
    Export,
    /// Rename a saved query.
    RenameSaved(i64),
    /// Move a saved query to a folder.
    MoveSaved(i64),
    /// Confirm deleting a saved query by typing its name.
    DeleteSaved(i64, String),
}

/// What a text viewer shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ViewerKind {
    /// DDL of a schema object (`e` opens it in a new editor tab).
    Ddl,
    /// The message log.
    Log,
}

/// Scroll keys shared by the help, the inspector and the viewers: bounded by `max`.
fn scroll_key(scroll: &mut usize, key: &KeyEvent, max: usize, page: usize) -> bool {
    match key.code {
        KeyCode::Up | KeyCode::Char('k') => *scroll = scroll.saturating_sub(1),
        KeyCode::Down | KeyCode::Char('j') => *scroll += 1,
        KeyCode::PageUp | KeyCode::Char('b') => *scroll = scroll.saturating_sub(page),
        KeyCode::PageDown | KeyCode::Char(' ') => *scroll += page,
        KeyCode::Char('g') | KeyCode::Home => *scroll = 0,
        KeyCode::Char('G') | KeyCode::End => *scroll = max,
        _ => return false,
    }
    *scroll = (*scroll).min(max);
    true
}

/// A saved connection as listed in the selector.
#[derive(Debug, Clone)]
pub struct ConnEntry {
    /// Name.
    pub name: String,
    /// Engine.
    pub engine: String,
    /// Tag.
    pub tag: Tag,
    /// Read-only.
    pub read_only: bool,
}

/// An open overlay.
#[derive(Debug, Clone)]
pub enum Popup {
    /// Key help generated from the keymap.
    Help {
        /// First line shown.
        scroll: usize,
    },
    /// A cell's full value.
    Inspector {
        /// Column name and type.
        title: String,
        /// Sanitized, possibly pretty-printed text.
        text: String,
        /// First line shown.
        scroll: usize,
    },
    /// A read-only text: an object's DDL or the session's message log.
    Viewer {
        /// Title.
        title: String,
        /// The text (sanitized per line when drawn).
        text: String,
        /// First line shown.
        scroll: usize,
        /// What it shows (decides the extra keys).
        kind: ViewerKind,
    },
    /// Quit while a statement runs or a transaction is open?
    ConfirmQuit {
        /// What is at stake.
        message: String,
    },
    /// A question of the one confirmation rule: the connection name must be typed.
    TypedConfirm {
        /// What is at stake.
        message: String,
        /// The text to type (the connection name).
        expect: String,
        /// Typed so far.
        input: String,
        /// What confirming answers.
        ask: crate::safety::gate::AskKind,
        /// Unlock dialogs: minutes chosen with Tab (`None`: this run only).
        minutes: Option<u32>,
        /// What waits behind the dialog.
        pending: Box<super::guard::Pending>,
        /// What was granted before this question.
        grants: Box<crate::safety::gate::Grants>,
    },
    /// Every action, filtered by typing.
    Palette {
        /// Filter text.
        input: String,
        /// Selected match.
        selected: usize,
    },
    /// Query history of this connection.
    History {
        /// Search text.
        input: String,
        /// Matches, newest first.
        items: Vec<HistoryEntry>,
        /// Selected entry.
        selected: usize,
    },
    /// Saved queries.
    Saved {
        /// All saved queries.
        items: Vec<SavedQuery>,
        /// Selected entry.
        selected: usize,
    },
    /// Saved connections.
    Connections {
        /// Entries.
        items: Vec<ConnEntry>,
        /// Selected entry.
        selected: usize,
    },
    /// A one-line text prompt.
    Prompt {
        /// Purpose.
        purpose: PromptPurpose,
        /// Text typed.
        input: String,
    },
    /// Completion candidates for the word before the cursor.
    Complete {
        /// Candidates.
        items: Vec<String>,
        /// Selected candidate.
        selected: usize,
        /// Characters of the word already typed.
        prefix_len: usize,
    },
}

impl Popup {
    /// An empty palette.
    pub fn palette() -> Popup {
        Popup::Palette {
            input: String::new(),
            selected: 0,
        }
    }

    /// A prompt with initial text.
    pub fn prompt(purpose: PromptPurpose, initial: &str) -> Popup {
        Popup::Prompt {
            purpose,
            input: initial.to_string(),
        }
    }
}

/// Palette entries matching `input` fuzzily on description and name, best first.
pub fn palette_matches(input: &str) -> Vec<Action> {
    struct Entry(Action, String);
    impl AsRef<str> for Entry {
        fn as_ref(&self) -> &str {
            &self.1
        }
    }
    let entries = Action::ALL
        .iter()
        .map(|a| Entry(*a, format!("{} {}", a.description(), a.name())));
    super::fuzzy::rank(input, entries).into_iter().map(|e| e.0).collect()
}

fn move_sel(sel: &mut usize, len: usize, key: &KeyEvent) -> bool {
    let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
    match key.code {
        KeyCode::Up => *sel = sel.saturating_sub(1),
        KeyCode::Char('p') if ctrl => *sel = sel.saturating_sub(1),
        KeyCode::Down => *sel = (*sel + 1).min(len.saturating_sub(1)),
        KeyCode::Char('n') if ctrl => *sel = (*sel + 1).min(len.saturating_sub(1)),
        KeyCode::PageUp => *sel = sel.saturating_sub(10),
        KeyCode::PageDown => *sel = (*sel + 10).min(len.saturating_sub(1)),
        _ => return false,
    }
    true
}

fn edit_line(input: &mut String, key: &KeyEvent) -> bool {
    match key.code {
        KeyCode::Backspace => {
            input.pop();
        }
        KeyCode::Char('u') if key.modifiers.contains(KeyModifiers::CONTROL) => input.clear(),
        KeyCode::Char(c) if !key.modifiers.contains(KeyModifiers::CONTROL) => input.push(c),
        _ => return false,
    }
    true
}

impl App {
    pub(super) fn popup_key(&mut self, key: KeyEvent) {
        let Some(mut popup) = self.popup.take() else { return };
        if key.code == KeyCode::Esc
            || (key.code == KeyCode::Char('q')
                && matches!(
                    popup,
                    Popup::Help { .. } | Popup::Inspector { .. } | Popup::Viewer { .. }
                ))
        {
            return;
        }
        let (max, page) = self.scroll_limits(&popup);
        let keep = match &mut popup {
            Popup::Help { scroll } | Popup::Inspector { scroll, .. } => {
                if !scroll_key(scroll, &key, max, page)
                    && matches!(key.code, KeyCode::Enter | KeyCode::F(1) | KeyCode::Char('?'))
                {
                    return;
                }
                true
            }
            Popup::Viewer { scroll, text, kind, .. } => {
                if !scroll_key(scroll, &key, max, page) {
                    match (key.code, *kind) {
                        (KeyCode::Char('y'), _) => {
                            let n = text.chars().count();
                            self.effects.push(Effect::Clipboard(super::copy::osc52(text)));
                            self.set_status(Level::Info, format!("copied {n} chars via OSC 52"));
                        }
                        (KeyCode::Char('e') | KeyCode::Enter, ViewerKind::Ddl) => {
                            let text = text.clone();
                            self.editor.new_buffer(&text);
                            self.focus = Focus::Editor;
                            return;
                        }
                        _ => {}
                    }
                }
                true
            }
            Popup::ConfirmQuit { .. } => {
                if matches!(key.code, KeyCode::Char('y' | 'Y') | KeyCode::Enter) {
                    self.quit = true;
                    return;
                }
                if matches!(key.code, KeyCode::Char('n' | 'N' | 'q')) {
                    return;
                }
                true
            }
            Popup::TypedConfirm {
                expect,
                input,
                ask,
                minutes,
                pending,
                grants,
                ..
            } => {
                if key.code == KeyCode::Enter {
                    let (ask, expect, input, minutes) = (*ask, expect.clone(), input.clone(), *minutes);
                    let (pending, grants) = ((**pending).clone(), (**grants).clone());
                    self.confirm_typed(ask, &expect, input.trim(), minutes, pending, grants);
                    return;
                }
                if key.code == KeyCode::Tab && *ask == crate::safety::gate::AskKind::Unlock {
                    *minutes = App::next_unlock_choice(*minutes);
                } else {
                    edit_line(input, &key);
                }
                true
            }
            Popup::Palette { input, selected } => {
                let matches = palette_matches(input);
                if key.code == KeyCode::Enter {
                    if let Some(a) = matches.get(*selected).copied() {
                        self.dispatch(a);
                    }
                    return;
                }
                if !move_sel(selected, matches.len(), &key) && edit_line(input, &key) {
                    *selected = 0;
                }
                true
            }
            Popup::History { input, items, selected } => {
                if key.code == KeyCode::Enter {
                    if let Some(h) = items.get(*selected) {
                        let sql = h.sql.clone();
                        self.load_sql(&sql);
                        if !key.modifiers.contains(KeyModifiers::ALT) {
                            self.run(super::actions::RunScope::Buffer);
                        }
                    }
                    return;
                }
                if !move_sel(selected, items.len(), &key) && edit_line(input, &key) {
                    *selected = 0;
                    *items = self.history_items(input);
                }
                true
            }
            Popup::Saved { items, selected } => self.saved_key(key, items, selected),
            Popup::Connections { items, selected } => {
                if key.code == KeyCode::Enter {
                    if let Some(c) = items.get(*selected) {
                        self.effects.push(Effect::SwitchConnection(c.name.clone()));
                    }
                    return;
                }
                move_sel(selected, items.len(), &key);
                true
            }
            Popup::Prompt { purpose, input } => {
                if key.code == KeyCode::Enter {
                    let (purpose, input) = (purpose.clone(), input.clone());
                    self.prompt_done(purpose, input.trim());
                    return;
                }
                edit_line(input, &key);
                true
            }
            Popup::Complete {
                items,
                selected,
                prefix_len,
            } => {
                if matches!(key.code, KeyCode::Enter | KeyCode::Tab) {
                    if let Some(word) = items.get(*selected) {
                        let (word, n) = (word.clone(), *prefix_len);
                        self.editor.buf_mut().replace_word_before_cursor(n, &word);
                    }
                    return;
                }
                move_sel(selected, items.len(), &key);
                true
            }
        };
        if keep && self.popup.is_none() {
            self.popup = Some(popup);
        }
    }

    /// Largest scroll and page height of a scrolling popup at the current size.
    fn scroll_limits(&self, p: &Popup) -> (usize, usize) {
        let (w, h) = crate::ui::viewer_size(self.size);
        let lines = match p {
            Popup::Help { .. } => crate::ui::help_len(self),
            Popup::Inspector { text, .. } | Popup::Viewer { text, .. } => crate::ui::wrapped_len(text, w),
            _ => 0,
        };
        (lines.saturating_sub(h), h.max(1))
    }

    fn saved_key(&mut self, key: KeyEvent, items: &mut [SavedQuery], selected: &mut usize) -> bool {
        let current = items.get(*selected).cloned();
        match (key.code, current) {
            (KeyCode::Enter, Some(q)) => {
                self.load_sql(&q.sql);
                self.editor.buf_mut().name = q.name.clone();
                false
            }
            (KeyCode::Char('r'), Some(q)) => {
                self.popup = Some(Popup::prompt(PromptPurpose::RenameSaved(q.id), &q.name));
                false
            }
            (KeyCode::Char('m'), Some(q)) => {
                self.popup = Some(Popup::prompt(PromptPurpose::MoveSaved(q.id), &q.folder));
                false
            }
            (KeyCode::Char('d'), Some(q)) => {
                self.popup = Some(Popup::prompt(PromptPurpose::DeleteSaved(q.id, q.name.clone()), ""));
                false
            }
            _ => {
                move_sel(selected, items.len(), &key);
                true
            }
        }
    }

    fn prompt_done(&mut self, purpose: PromptPurpose, input: &str) {
        let Some(store) = self.store.as_ref() else {
            if purpose == PromptPurpose::Export {
                self.export_to(input);
            } else {
                self.set_status(
                    Level::Error,
                    "no workspace metadata store is open: run `dbn init` first",
                );
            }
            return;
        };
        let res = match &purpose {
            PromptPurpose::Export => {
                self.export_to(input);
                return;
            }
            PromptPurpose::SaveQuery => {
                let sql = self.editor.buf().text();
                store
                    .save_query(input, &sql, Some(&self.conn.name))
                    .map(|_| format!("saved as '{input}'"))
            }
            PromptPurpose::RenameSaved(id) => store.rename_saved(*id, input).map(|()| format!("renamed to '{input}'")),
            PromptPurpose::MoveSaved(id) => store.move_saved(*id, input).map(|()| format!("moved to '{input}/'")),
            PromptPurpose::DeleteSaved(id, name) => {
                if input != name {
                    self.set_status(Level::Info, format!("not deleted: type '{name}' exactly to delete it"));
                    return;
                }
                store.delete_saved(*id).map(|()| format!("deleted '{name}'"))
            }
        };
        match res {
            Ok(m) => self.set_status(Level::Info, m),
            Err(e) => self.set_status(Level::Error, e.to_string()),
        }
        if !matches!(purpose, PromptPurpose::SaveQuery) {
            self.open_saved();
        }
    }

    /// Replace the active buffer's text (or open a new buffer when it has text).
    pub fn load_sql(&mut self, sql: &str) {
        if self.editor.buf().text().trim().is_empty() {
            self.editor.buf_mut().set_text(sql);
        } else {
            self.editor.new_buffer(sql);
            self.editor.buf_mut().set_text(sql);
        }
        self.focus = Focus::Editor;
    }

    fn history_items(&self, search: &str) -> Vec<HistoryEntry> {
        let s = (!search.is_empty()).then_some(search);
        self.store
            .as_ref()
            .and_then(|st| st.list_history(Some(&self.conn.name), s, 500).ok())
            .unwrap_or_default()
    }

    pub(super) fn open_history(&mut self) {
        if self.store.is_none() {
            self.set_status(Level::Warn, "history needs a workspace: run `dbn init`");
            return;
        }
        let items = self.history_items("");
        self.popup = Some(Popup::History {
            input: String::new(),
            items,
            selected: 0,
        });
    }

    pub(super) fn open_saved(&mut self) {
        let Some(store) = self.store.as_ref() else {
            self.set_status(Level::Warn, "saved queries need a workspace: run `dbn init`");
            return;
        };
        match store.list_saved() {
            Ok(items) => self.popup = Some(Popup::Saved { items, selected: 0 }),
            Err(e) => self.set_status(Level::Error, e.to_string()),
        }
    }

    /// Show the connection selector with these entries.
    pub fn show_connections(&mut self, items: Vec<ConnEntry>) {
        self.refresh_conn_colors();
        let selected = items.iter().position(|c| c.name == self.conn.name).unwrap_or(0);
        self.popup = Some(Popup::Connections { items, selected });
        self.mark_dirty();
    }

    /// Switch to another connection: drop the session, clear results, reload the schema.
    pub fn switch_to(&mut self, conn: super::ConnInfo) {
        if self.running.is_some() {
            self.cancel();
        }
        // An unlock belongs to the database being left: it ends here.
        if self.unlock.is_some() {
            self.end_unlock("switched connection in dbn ui");
        }
        self.running = None;
        self.save_session();
        if self.tx_since.take().is_some() {
            // Roll the old session's transaction back explicitly before it closes.
            let old = self.session.clone();
            tokio::spawn(async move {
                let mut guard = old.lock().await;
                if let Some(s) = guard.as_mut() {
                    let _ = crate::db::query_all(s.as_mut(), "ROLLBACK").await;
                }
                *guard = None;
            });
        }
        self.conn = conn;
        self.session = std::sync::Arc::new(tokio::sync::Mutex::new(None));
        self.grid.clear_tabs("");
        self.tree = super::tree::TreeState {
            root: self.conn.name.clone(),
            ..Default::default()
        };
        self.last_run = None;
        self.close_activity();
        self.reload_schema();
        self.refresh_unlock();
        self.set_status(Level::Info, format!("switched to '{}'", self.conn.name));
        self.mark_dirty();
    }
}
