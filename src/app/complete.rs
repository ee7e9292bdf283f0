//! Completion of the word before the cursor from SQL keywords and the
//! introspected schema's table and column names.

use super::popup::Popup;
use super::{App, Level};

const SQL_KEYWORDS: &[&str] = &[
    "SELECT",
    "FROM",
    "WHERE",
    "GROUP BY",
    "ORDER BY",
    "HAVING",
    "LIMIT",
    "OFFSET",
    "INSERT INTO",
    "VALUES",
    "UPDATE",
    "SET",
    "DELETE FROM",
    "JOIN",
    "LEFT JOIN",
    "INNER JOIN",
    "ON",
    "AND",
    "OR",
    "NOT",
    "NULL",
    "IS NULL",
    "IN",
    "EXISTS",
    "BETWEEN",
    "LIKE",
    "DISTINCT",
    "COUNT",
    "CASE",
    "WHEN",
    "THEN",
    "ELSE",
    "END",
    "AS",
    "WITH",
    "UNION",
    "CREATE TABLE",
    "ALTER TABLE",
    "DROP TABLE",
    "EXPLAIN",
    "BEGIN",
    "COMMIT",
    "ROLLBACK",
];

impl App {
    pub(super) fn open_completion(&mut self) {
        let b = self.editor.buf();
        let ratatui_textarea::DataCursor(row, col) = b.textarea.cursor();
        let line = b.textarea.lines().get(row).cloned().unwrap_or_default();
        let before: String = line.chars().take(col).collect();
        let prefix: String = before
            .chars()
            .rev()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect();
        if prefix.is_empty() {
            self.set_status(Level::Info, "type the start of a word, then complete");
            return;
        }
        let lower = prefix.to_lowercase();
        let words: Vec<String> = self
            .tree
            .completion_words()
            .into_iter()
            .chain(SQL_KEYWORDS.iter().map(|s| s.to_string()))
            .filter(|w| w.to_lowercase() != lower)
            .collect();
        // Fuzzy: "cstmr" finds "customers"; words starting with what was typed come first.
        let (mut items, rest): (Vec<String>, Vec<String>) = super::fuzzy::rank(&prefix, words)
            .into_iter()
            .partition(|w| w.to_lowercase().starts_with(&lower));
        items.extend(rest);
        items.dedup();
        // Keep the user's case for keywords.
        if prefix.chars().all(|c| c.is_lowercase() || !c.is_alphabetic()) {
            for w in &mut items {
                if SQL_KEYWORDS.contains(&w.as_str()) {
                    *w = w.to_lowercase();
                }
            }
        }
        match items.len() {
            0 => self.set_status(Level::Info, format!("no completion for '{prefix}'")),
            1 => {
                let n = prefix.chars().count();
                self.editor.buf_mut().replace_word_before_cursor(n, &items[0]);
            }
            _ => {
                self.popup = Some(Popup::Complete {
                    items,
                    selected: 0,
                    prefix_len: prefix.chars().count(),
                })
            }
        }
    }
}
