//! Editor tabs saved per workspace (the metadata store) and connection,
//! restored when dbn starts on that connection again.

use super::App;
use super::editor::{Buffer, EditorState};
use serde::{Deserialize, Serialize};

/// Buffers larger than this are not saved (a pasted dump is not a session).
const MAX_SAVED_BYTES: usize = 4 * 1024 * 1024;

#[derive(Debug, Serialize, Deserialize)]
struct SavedTab {
    name: String,
    text: String,
    cursor: (usize, usize),
}

#[derive(Debug, Serialize, Deserialize)]
struct SavedSession {
    active: usize,
    tabs: Vec<SavedTab>,
}

fn key(conn: &str) -> String {
    format!("tui.editor_tabs.{conn}")
}

impl App {
    /// Save the editor tabs for this connection (errors go to the log only).
    pub fn save_session(&mut self) {
        let Some(store) = self.store.as_ref() else { return };
        let engine = self.engine();
        let mut total = 0;
        let tabs: Vec<SavedTab> = self
            .editor
            .buffers
            .iter()
            .filter_map(|b| {
                // The store is on disk: secrets masked by the one rule
                // (history, audit log), so a typed password is never kept.
                let text = crate::safety::redact::statement(&b.text(), engine);
                total += text.len();
                (total <= MAX_SAVED_BYTES).then(|| {
                    let ratatui_textarea::DataCursor(r, c) = b.textarea.cursor();
                    SavedTab {
                        name: b.name.clone(),
                        text,
                        cursor: (r, c),
                    }
                })
            })
            .collect();
        let saved = SavedSession {
            active: self.editor.active.min(tabs.len().saturating_sub(1)),
            tabs,
        };
        let res = serde_json::to_string(&saved)
            .map_err(|e| e.to_string())
            .and_then(|json| {
                store
                    .set_setting(&key(&self.conn.name), &json)
                    .map_err(|e| e.to_string())
            });
        if let Err(e) = res {
            tracing::warn!("cannot save editor tabs: {e}");
        }
    }

    /// Bring back the tabs saved for this connection, if any.
    pub(super) fn restore_session(&mut self) {
        let Some(store) = self.store.as_ref() else { return };
        let Ok(Some(json)) = store.setting(&key(&self.conn.name)) else {
            return;
        };
        let Ok(saved) = serde_json::from_str::<SavedSession>(&json) else {
            tracing::warn!("saved editor tabs of '{}' do not parse; starting empty", self.conn.name);
            return;
        };
        if saved.tabs.is_empty() {
            return;
        }
        let buffers: Vec<Buffer> = saved
            .tabs
            .iter()
            .map(|t| {
                let mut b = Buffer::new(&t.name, &t.text);
                let clamp = |v: usize| u16::try_from(v).unwrap_or(u16::MAX);
                b.textarea
                    .move_cursor(ratatui_textarea::CursorMove::Jump(clamp(t.cursor.0), clamp(t.cursor.1)));
                b
            })
            .collect();
        self.editor = EditorState::from_buffers(buffers, saved.active);
    }
}
