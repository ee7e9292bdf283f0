//! Editor buffers: ratatui-textarea for editing, our own syntect-based
//! highlighting into semantic theme slots, and scrolling that follows the cursor.

mod edit;

pub use edit::{EditKind, normalize_newlines};

use crate::ui::theme::Slot;
use ratatui_textarea::TextArea;
use std::sync::OnceLock;
use syntect::parsing::{ParseState, ScopeStack, SyntaxSet};

/// Lines highlighted at most; longer buffers show the rest plain.
const HIGHLIGHT_LINES: usize = 5000;

/// A highlighted span: byte range in the line and its slot.
pub type Span = (usize, usize, Slot);

/// One editor tab.
pub struct Buffer {
    /// The text and cursor.
    pub textarea: TextArea<'static>,
    /// Tab title.
    pub name: String,
    /// Highlight spans per line, recomputed after each change.
    pub spans: Vec<Vec<Span>>,
    /// First visible line.
    pub top: usize,
    /// First visible column (chars).
    pub left: usize,
    history: edit::History,
}

impl Buffer {
    /// A buffer holding `text`.
    pub fn new(name: &str, text: &str) -> Buffer {
        let lines: Vec<String> = text.split('\n').map(String::from).collect();
        let mut b = Buffer {
            textarea: edit::textarea(lines),
            name: name.to_string(),
            spans: Vec::new(),
            top: 0,
            left: 0,
            history: edit::History::default(),
        };
        b.rehighlight();
        b
    }

    /// The whole text.
    pub fn text(&self) -> String {
        self.textarea.lines().join("\n")
    }

    /// Replace the whole text, cursor at the end (undoable).
    pub fn set_text(&mut self, text: &str) {
        let text = normalize_newlines(text);
        self.edit(EditKind::Other, |ta| {
            let lines: Vec<String> = text.split('\n').map(String::from).collect();
            let mut new = edit::textarea(lines);
            new.move_cursor(ratatui_textarea::CursorMove::Bottom);
            new.move_cursor(ratatui_textarea::CursorMove::End);
            *ta = new;
            true
        });
    }

    /// Recompute highlight spans.
    pub fn rehighlight(&mut self) {
        self.spans = highlight(self.textarea.lines());
    }

    /// Keep the cursor inside a `height` x `width` viewport.
    pub fn follow_cursor(&mut self, height: usize, width: usize) {
        let ratatui_textarea::DataCursor(row, col) = self.textarea.cursor();
        let height = height.max(1);
        let width = width.max(1);
        if row < self.top {
            self.top = row;
        } else if row >= self.top + height {
            self.top = row + 1 - height;
        }
        if col < self.left {
            self.left = col;
        } else if col >= self.left + width {
            self.left = col + 1 - width;
        }
    }
}

fn syntax_set() -> &'static SyntaxSet {
    static SET: OnceLock<SyntaxSet> = OnceLock::new();
    SET.get_or_init(SyntaxSet::load_defaults_newlines)
}

/// Highlight SQL lines into semantic slots.
pub fn highlight(lines: &[String]) -> Vec<Vec<Span>> {
    // An empty buffer needs no grammar; loading it later keeps start-up fast.
    if lines.iter().all(|l| l.trim().is_empty()) {
        return vec![Vec::new(); lines.len()];
    }
    let ss = syntax_set();
    let Some(syntax) = ss.find_syntax_by_extension("sql") else {
        return vec![Vec::new(); lines.len()];
    };
    let mut state = ParseState::new(syntax);
    let mut stack = ScopeStack::new();
    let mut out = Vec::with_capacity(lines.len());
    for (i, line) in lines.iter().enumerate() {
        if i >= HIGHLIGHT_LINES {
            out.push(Vec::new());
            continue;
        }
        let text = format!("{line}\n");
        let Ok(ops) = state.parse_line(&text, ss) else {
            out.push(Vec::new());
            continue;
        };
        let mut spans = Vec::new();
        let mut pos = 0;
        for (at, op) in ops {
            let at = at.min(line.len());
            if at > pos {
                push_span(&mut spans, pos, at, classify(&stack));
            }
            pos = pos.max(at);
            if stack.apply(&op).is_err() {
                stack = ScopeStack::new();
            }
        }
        if pos < line.len() {
            push_span(&mut spans, pos, line.len(), classify(&stack));
        }
        out.push(spans);
    }
    out
}

fn push_span(spans: &mut Vec<Span>, start: usize, end: usize, slot: Option<Slot>) {
    if let Some(slot) = slot {
        spans.push((start, end, slot));
    }
}

fn classify(stack: &ScopeStack) -> Option<Slot> {
    for scope in stack.as_slice().iter().rev() {
        let s = scope.build_string();
        let slot = if s.starts_with("comment") {
            Slot::Comment
        } else if s.starts_with("string") {
            Slot::String
        } else if s.starts_with("constant.numeric") {
            Slot::Number
        } else if s.starts_with("keyword.operator") {
            Slot::Operator
        } else if s.starts_with("keyword") || s.starts_with("storage") || s.starts_with("constant.language") {
            Slot::Keyword
        } else if s.starts_with("support.function") || s.starts_with("entity.name.function") {
            Slot::Function
        } else {
            continue;
        };
        return Some(slot);
    }
    None
}

/// All editor tabs.
pub struct EditorState {
    /// Open buffers (never empty).
    pub buffers: Vec<Buffer>,
    /// The active buffer.
    pub active: usize,
    counter: usize,
}

impl Default for EditorState {
    fn default() -> Self {
        EditorState {
            buffers: vec![Buffer::new("query 1", "")],
            active: 0,
            counter: 1,
        }
    }
}

impl EditorState {
    /// The active buffer.
    pub fn buf(&self) -> &Buffer {
        &self.buffers[self.active.min(self.buffers.len() - 1)]
    }

    /// The active buffer, mutably.
    pub fn buf_mut(&mut self) -> &mut Buffer {
        let i = self.active.min(self.buffers.len() - 1);
        &mut self.buffers[i]
    }

    /// Tabs brought back from a saved session (never empty: an empty list gives one empty tab).
    pub fn from_buffers(buffers: Vec<Buffer>, active: usize) -> EditorState {
        if buffers.is_empty() {
            return EditorState::default();
        }
        // New tabs continue the numbering of restored "query N" tabs.
        let counter = buffers
            .iter()
            .filter_map(|b| b.name.strip_prefix("query ").and_then(|n| n.parse::<usize>().ok()))
            .max()
            .unwrap_or(0)
            .max(buffers.len());
        EditorState {
            active: active.min(buffers.len() - 1),
            buffers,
            counter,
        }
    }

    /// Open a new empty buffer and make it active.
    pub fn new_buffer(&mut self, text: &str) {
        self.counter += 1;
        self.buffers.push(Buffer::new(&format!("query {}", self.counter), text));
        self.active = self.buffers.len() - 1;
    }

    /// Close the active buffer (the last one is emptied instead).
    pub fn close_buffer(&mut self) {
        if self.buffers.len() == 1 {
            self.buffers[0] = Buffer::new("query 1", "");
            self.counter = 1;
            return;
        }
        self.buffers.remove(self.active);
        self.active = self.active.min(self.buffers.len() - 1);
    }

    /// Cycle buffers by `delta`.
    pub fn cycle(&mut self, delta: isize) {
        let n = self.buffers.len() as isize;
        self.active = ((self.active as isize + delta).rem_euclid(n)) as usize;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sql_is_highlighted_into_slots() {
        let spans = highlight(&["SELECT 'a', 42 -- note".to_string()]);
        let slots: Vec<Slot> = spans[0].iter().map(|s| s.2).collect();
        assert!(slots.contains(&Slot::Keyword), "{spans:?}");
        assert!(slots.contains(&Slot::String), "{spans:?}");
        assert!(slots.contains(&Slot::Number), "{spans:?}");
        assert!(slots.contains(&Slot::Comment), "{spans:?}");
    }
}
