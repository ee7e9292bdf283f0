//! Editing a buffer: every change goes through `Buffer::edit`, which keeps
//! our own undo history of whole-buffer snapshots taken at the start of each
//! group of edits (a run of typing, a paste, an indent, a replaced text), so
//! one Ctrl+Z undoes what a person thinks of as one change.

use super::Buffer;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui_textarea::{CursorMove, DataCursor, TextArea};
use std::time::{Duration, Instant};

/// Undo steps kept per buffer.
const MAX_UNDO: usize = 200;
/// Bytes of snapshots kept per buffer (a huge pasted buffer keeps fewer steps).
const MAX_UNDO_BYTES: usize = 32 * 1024 * 1024;
/// Typing pauses longer than this start a new undo step.
const GROUP_PAUSE: Duration = Duration::from_secs(2);
/// Spaces one indent adds or removes.
pub const INDENT: usize = 4;

/// What kind of change an edit is, for grouping undo steps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EditKind {
    /// Typing characters and newlines.
    Type,
    /// Deleting characters.
    Delete,
    /// Anything else: one undo step of its own.
    Other,
}

#[derive(Debug, Clone)]
struct Snapshot {
    lines: Vec<String>,
    cursor: (usize, usize),
}

impl Snapshot {
    fn bytes(&self) -> usize {
        self.lines.iter().map(|l| l.len() + 1).sum()
    }
}

/// Undo and redo stacks of one buffer.
#[derive(Debug, Default)]
pub struct History {
    undo: Vec<Snapshot>,
    redo: Vec<Snapshot>,
    last: Option<(EditKind, Instant, (usize, usize))>,
}

/// A text area with our settings: its own history is off (we keep ours).
pub fn textarea(lines: Vec<String>) -> TextArea<'static> {
    let mut ta = TextArea::new(lines);
    ta.set_max_histories(0);
    ta
}

/// Turn CR LF and lone CR line ends (terminals paste with CR) into LF.
pub fn normalize_newlines(text: &str) -> String {
    text.replace("\r\n", "\n").replace('\r', "\n")
}

fn cursor_of(ta: &TextArea<'_>) -> (usize, usize) {
    let DataCursor(r, c) = ta.cursor();
    (r, c)
}

fn jump(ta: &mut TextArea<'_>, (r, c): (usize, usize)) {
    let clamp = |v: usize| u16::try_from(v).unwrap_or(u16::MAX);
    ta.move_cursor(CursorMove::Jump(clamp(r), clamp(c)));
}

/// How a key changes the text, or `None` when it only moves the cursor.
fn key_kind(key: &KeyEvent) -> Option<EditKind> {
    let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
    let alt = key.modifiers.contains(KeyModifiers::ALT);
    match key.code {
        KeyCode::Char(_) | KeyCode::Enter | KeyCode::Tab if !ctrl && !alt => Some(EditKind::Type),
        KeyCode::Backspace | KeyCode::Delete => Some(EditKind::Delete),
        KeyCode::Char('h' | 'd' | 'k' | 'j' | 'w') if ctrl => Some(EditKind::Delete),
        KeyCode::Char('h' | 'd') if alt => Some(EditKind::Delete),
        KeyCode::Char('x' | 'y' | 'm' | 'v') if ctrl => Some(EditKind::Other),
        KeyCode::Char(_) | KeyCode::Enter if ctrl || alt => None,
        KeyCode::Up
        | KeyCode::Down
        | KeyCode::Left
        | KeyCode::Right
        | KeyCode::Home
        | KeyCode::End
        | KeyCode::PageUp
        | KeyCode::PageDown => None,
        _ => Some(EditKind::Other),
    }
}

impl Buffer {
    /// Apply `f` to the text area as one edit of `kind`; returns whether the text changed.
    pub fn edit(&mut self, kind: EditKind, f: impl FnOnce(&mut TextArea<'static>) -> bool) -> bool {
        let at = cursor_of(&self.textarea);
        let grouped = kind != EditKind::Other
            && self
                .history
                .last
                .is_some_and(|(k, t, c)| k == kind && t.elapsed() < GROUP_PAUSE && c == at);
        let before = (!grouped).then(|| self.snapshot());
        let changed = f(&mut self.textarea);
        if changed {
            if let Some(s) = before {
                self.push_undo(s);
            }
            self.history.redo.clear();
            self.history.last = Some((kind, Instant::now(), cursor_of(&self.textarea)));
            self.rehighlight();
        }
        changed
    }

    /// Handle a key the editor does not bind: typing, deleting, moving.
    pub fn input_key(&mut self, key: KeyEvent) -> bool {
        match key_kind(&key) {
            Some(kind) => self.edit(kind, |ta| ta.input(key)),
            None => {
                self.textarea.input(key);
                false
            }
        }
    }

    /// Insert pasted text at the cursor (replacing a selection), CR line ends made LF.
    pub fn paste(&mut self, text: &str) -> bool {
        let text = normalize_newlines(text);
        self.edit(EditKind::Other, |ta| ta.insert_str(text))
    }

    /// Replace the `n` characters before the cursor with `word` (completion).
    pub fn replace_word_before_cursor(&mut self, n: usize, word: &str) -> bool {
        self.edit(EditKind::Type, |ta| {
            for _ in 0..n {
                ta.delete_char();
            }
            ta.insert_str(word);
            true
        })
    }

    fn snapshot(&self) -> Snapshot {
        Snapshot {
            lines: self.textarea.lines().to_vec(),
            cursor: cursor_of(&self.textarea),
        }
    }

    fn restore(&mut self, s: Snapshot) {
        let mut ta = textarea(s.lines);
        jump(&mut ta, s.cursor);
        self.textarea = ta;
        self.history.last = None;
        self.rehighlight();
    }

    fn push_undo(&mut self, s: Snapshot) {
        let h = &mut self.history;
        h.undo.push(s);
        let mut total: usize = h.undo.iter().map(Snapshot::bytes).sum();
        while h.undo.len() > MAX_UNDO || (total > MAX_UNDO_BYTES && h.undo.len() > 1) {
            total -= h.undo.remove(0).bytes();
        }
    }

    /// Undo the last group of edits; false when there is nothing to undo.
    pub fn undo(&mut self) -> bool {
        let Some(s) = self.history.undo.pop() else { return false };
        let now = self.snapshot();
        self.history.redo.push(now);
        self.restore(s);
        true
    }

    /// Redo what undo took back; false when there is nothing to redo.
    pub fn redo(&mut self) -> bool {
        let Some(s) = self.history.redo.pop() else { return false };
        let now = self.snapshot();
        self.history.undo.push(now);
        self.restore(s);
        true
    }

    /// Indent (`by > 0`) or dedent the selected lines, or the cursor line.
    pub fn shift_lines(&mut self, indent: bool) -> bool {
        let sel = self.textarea.selection_range();
        let cursor = cursor_of(&self.textarea);
        let (first, last) = match sel {
            // A selection ending at column 0 does not take that line.
            Some(((r1, _), (r2, c2))) if r2 > r1 && c2 == 0 => (r1, r2 - 1),
            Some(((r1, _), (r2, _))) => (r1, r2),
            None => (cursor.0, cursor.0),
        };
        let mut lines = self.textarea.lines().to_vec();
        let mut delta = vec![0isize; lines.len()];
        for (i, line) in lines.iter_mut().enumerate().take(last + 1).skip(first) {
            if indent {
                if !line.is_empty() {
                    line.insert_str(0, &" ".repeat(INDENT));
                    delta[i] = INDENT as isize;
                }
            } else {
                let n = line.chars().take(INDENT).take_while(|c| *c == ' ').count();
                let n = if n == 0 && line.starts_with('\t') { 1 } else { n };
                line.drain(..n);
                delta[i] = -(n as isize);
            }
        }
        if delta.iter().all(|d| *d == 0) {
            return false;
        }
        let moved = |(r, c): (usize, usize)| (r, (c as isize + delta.get(r).copied().unwrap_or(0)).max(0) as usize);
        self.edit(EditKind::Other, |ta| {
            let mut new = textarea(lines);
            match sel {
                Some((a, b)) => {
                    let (a, b) = (moved(a), moved(b));
                    // Keep the selection, with the cursor at the end it was at.
                    let (from, to) = if cursor == b || cursor > a { (a, b) } else { (b, a) };
                    jump(&mut new, from);
                    new.start_selection();
                    jump(&mut new, to);
                }
                None => jump(&mut new, moved(cursor)),
            }
            *ta = new;
            true
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(c: char) -> KeyEvent {
        KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE)
    }

    #[test]
    fn typing_undoes_as_one_step_and_redoes() {
        let mut b = Buffer::new("t", "");
        for c in "select 1".chars() {
            b.input_key(key(c));
        }
        b.paste("\r\nfrom t\rwhere x");
        assert_eq!(b.text(), "select 1\nfrom t\nwhere x");
        assert!(b.undo());
        assert_eq!(b.text(), "select 1");
        assert!(b.undo());
        assert_eq!(b.text(), "");
        assert!(!b.undo());
        assert!(b.redo());
        assert_eq!(b.text(), "select 1");
        // Moving the cursor away starts a new step.
        b.input_key(KeyEvent::new(KeyCode::Home, KeyModifiers::NONE));
        b.input_key(key('x'));
        assert_eq!(b.text(), "xselect 1");
        b.undo();
        assert_eq!(b.text(), "select 1");
    }

    #[test]
    fn indent_and_dedent_lines_keep_the_selection() {
        let mut b = Buffer::new("t", "select\nfrom t\n\nwhere x");
        b.textarea.move_cursor(CursorMove::Bottom);
        assert!(b.shift_lines(true));
        assert_eq!(b.text(), "select\nfrom t\n\n    where x");
        b.textarea.move_cursor(CursorMove::Jump(0, 2));
        b.textarea.start_selection();
        b.textarea.move_cursor(CursorMove::Jump(1, 3));
        assert!(b.shift_lines(true));
        assert_eq!(b.text(), "    select\n    from t\n\n    where x");
        assert!(b.textarea.selection_range().is_some());
        assert!(b.shift_lines(false));
        assert_eq!(b.text(), "select\nfrom t\n\n    where x");
        assert!(!b.shift_lines(false));
        b.undo();
        assert_eq!(b.text(), "    select\n    from t\n\n    where x");
    }
}
