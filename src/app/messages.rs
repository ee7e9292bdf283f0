//! The session's message log (every status message, error and refusal in
//! full, since the status line cuts them) and the text viewers that show it
//! and an object's DDL.

use super::popup::{Popup, ViewerKind};
use super::{App, Level};

/// Entries kept; older ones are dropped.
pub const MAX_MESSAGES: usize = 1000;

/// One logged message.
#[derive(Debug, Clone)]
pub struct Message {
    /// Local time, `HH:MM:SS`.
    pub at: String,
    /// Severity.
    pub level: Level,
    /// Full text, possibly several lines (sanitized per line when drawn).
    pub text: String,
}

/// Every message of the session, oldest first.
#[derive(Debug, Clone, Default)]
pub struct MessageLog {
    /// Entries.
    pub entries: Vec<Message>,
}

impl MessageLog {
    /// Add an entry.
    pub fn push(&mut self, level: Level, text: &str) {
        self.entries.push(Message {
            at: chrono::Local::now().format("%H:%M:%S").to_string(),
            level,
            text: text.to_string(),
        });
        if self.entries.len() > MAX_MESSAGES {
            let extra = self.entries.len() - MAX_MESSAGES;
            self.entries.drain(..extra);
        }
    }

    /// Add detail to the newest entry (the statement behind an error).
    pub fn add_detail(&mut self, detail: &str) {
        if let Some(m) = self.entries.last_mut() {
            m.text.push('\n');
            m.text.push_str(detail);
        }
    }

    /// The log as text, one entry per block.
    pub fn text(&self) -> String {
        if self.entries.is_empty() {
            return "no messages yet".to_string();
        }
        let mut out = String::new();
        for m in &self.entries {
            let lvl = match m.level {
                Level::Info => "info ",
                Level::Warn => "warn ",
                Level::Error => "error",
            };
            let mut lines = m.text.lines();
            out.push_str(&format!("{} {lvl} {}\n", m.at, lines.next().unwrap_or("")));
            for l in lines {
                out.push_str(&format!("               {l}\n"));
            }
        }
        out
    }
}

impl App {
    /// Open the message log, scrolled to the newest entry.
    pub(super) fn open_message_log(&mut self) {
        let text = self.messages.text();
        let (w, h) = crate::ui::viewer_size(self.size);
        let scroll = crate::ui::wrapped_len(&text, w).saturating_sub(h);
        let n = self.messages.entries.len();
        self.popup = Some(Popup::Viewer {
            title: format!("Messages · {n}"),
            text,
            scroll,
            kind: ViewerKind::Log,
        });
    }

    /// Show the DDL of the selected tree row, rendered from the schema model.
    pub(super) fn show_ddl(&mut self) {
        let Some(r) = self.tree.current().and_then(|n| n.ddl.clone()) else {
            self.set_status(
                Level::Info,
                "no DDL for this row: pick a table, view, function, index, constraint or trigger",
            );
            return;
        };
        let Some(schema) = self.tree.schema.as_ref() else {
            return;
        };
        match r.render(schema) {
            Ok(text) => {
                self.popup = Some(Popup::Viewer {
                    title: format!("DDL · {}", r.title()),
                    text,
                    scroll: 0,
                    kind: ViewerKind::Ddl,
                })
            }
            Err(e) => self.set_status(Level::Warn, e.to_string()),
        }
    }
}
