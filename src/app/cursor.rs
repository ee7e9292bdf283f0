//! Editor cursor helpers on top of the one splitter
//! (`ops::run_statements::split`, which is `safety::split` per dialect):
//! which statement the cursor is in, and byte offsets to (row, column).

use crate::ops::run_statements::Piece;

/// The statement the cursor (byte offset) is in or right after; the first
/// one when the cursor is before every statement.
pub fn statement_at(pieces: &[Piece], cursor: usize) -> Option<&Piece> {
    // A cursor after a statement's `;` on the same stretch still means that statement.
    pieces
        .iter()
        .rev()
        .find(|p| p.offset <= cursor)
        .or_else(|| pieces.first())
}

/// Byte offset of a (row, char column) cursor in lines joined by `\n`.
pub fn byte_offset(lines: &[String], row: usize, col: usize) -> usize {
    let mut off = 0;
    for (i, l) in lines.iter().enumerate() {
        if i == row {
            return off + l.char_indices().nth(col).map_or(l.len(), |(b, _)| b);
        }
        off += l.len() + 1;
    }
    off.saturating_sub(1)
}

/// (row, char column) of a byte offset in `text`.
pub fn row_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = &text[..text.floor_char_boundary(offset)];
    let row = before.matches('\n').count();
    let line_start = before.rfind('\n').map_or(0, |p| p + 1);
    (row, before[line_start..].chars().count())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::Engine;
    use crate::ops::run_statements::split;

    fn at(s: &str, cursor: usize, e: Engine) -> String {
        let pieces = split(s, e);
        statement_at(&pieces, cursor).map(|p| p.sql.clone()).unwrap_or_default()
    }

    #[test]
    fn picks_statement_under_cursor() {
        let s = "select 1;\nselect 2;\n\nselect 3";
        assert_eq!(at(s, 0, Engine::Postgres), "select 1");
        assert_eq!(at(s, 12, Engine::Postgres), "select 2");
        assert_eq!(at(s, 19, Engine::Postgres), "select 2");
        assert_eq!(at(s, s.len(), Engine::Postgres), "select 3");
        let lines: Vec<String> = s.lines().map(String::from).collect();
        assert_eq!(byte_offset(&lines, 1, 3), 13);
        assert_eq!(row_col(s, 13), (1, 3));
    }

    /// The editor splits as the server does (issue 12: the TUI's own splitter
    /// treated `#` as a comment everywhere and cut SQLite triggers apart).
    #[test]
    fn editor_uses_the_dialect_splitter() {
        let pg = "SELECT data #>> '{a}' FROM t; DELETE FROM t WHERE id = 1";
        let pieces = split(pg, Engine::Postgres);
        assert_eq!(pieces.len(), 2, "{pieces:?}");
        assert_eq!(pieces[1].sql, "DELETE FROM t WHERE id = 1");
        for op in ["#>", "#-", "#>>"] {
            let s = format!("SELECT data {op} '{{a}}' FROM t; SELECT 2");
            assert_eq!(split(&s, Engine::Postgres).len(), 2, "{s}");
        }
        let trig = "CREATE TRIGGER tr AFTER INSERT ON t BEGIN UPDATE u SET n = n + 1; DELETE FROM v WHERE id = new.id; END;\nSELECT 1";
        let pieces = split(trig, Engine::Sqlite);
        assert_eq!(pieces.len(), 2, "{pieces:?}");
        assert!(pieces[0].sql.ends_with("END"), "{}", pieces[0].sql);
        assert_eq!(at(trig, 40, Engine::Sqlite), pieces[0].sql);
        let dollar = "CREATE FUNCTION f() RETURNS int AS $b$ SELECT 1; $b$ LANGUAGE sql; SELECT 2";
        assert_eq!(split(dollar, Engine::Postgres).len(), 2);
        let my = "SELECT 1 # a comment; with a semicolon\n; SELECT 2 -- another; one\n; SELECT /* ; */ 3";
        let pieces = split(my, Engine::Mysql);
        assert_eq!(pieces.len(), 3, "{pieces:?}");
    }
}
