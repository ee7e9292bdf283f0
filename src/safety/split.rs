//! Statement splitting that respects strings, quoted identifiers, dollar
//! quotes, comments and procedural bodies (`BEGIN ... END` in triggers and
//! routines). Works on any text, parseable or not.

use super::lex::{Token, TokenKind, tokenize_with};
use super::settings::{LexEffect, lexing_effect};
use crate::db::{Engine, Lexing};
use std::ops::Range;

/// Byte ranges of the statements in `sql`, in order, without the
/// terminating `;` and without leading/trailing whitespace and comments.
/// Empty statements (`;;`, comment-only text) are skipped. Starts from the
/// server's default lexing settings and follows `SET`s that change them.
pub fn split(sql: &str, engine: Engine) -> Vec<Range<usize>> {
    split_with(sql, engine, Lexing::default())
        .into_iter()
        .map(|p| p.span)
        .collect()
}

/// One statement of a buffer and the lexing settings in force where it
/// starts (`None`: an earlier statement may have changed them to values
/// dbn cannot know, such as `SET sql_mode = CONCAT(...)` or a procedure).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Piece {
    /// Byte range in the buffer.
    pub span: Range<usize>,
    /// Settings it is read under.
    pub lexing: Option<Lexing>,
}

/// Split `sql` the way the server will read it, starting from `start`
/// (the session's current settings): after a statement that changes how
/// text is lexed (`SET standard_conforming_strings`, `SET sql_mode`), the
/// rest is split under the new settings.
pub fn split_with(sql: &str, engine: Engine, start: Lexing) -> Vec<Piece> {
    let mut out = Vec::new();
    let mut lexing = Some(start);
    let mut from = 0usize;
    'outer: while from < sql.len() {
        let rest = &sql[from..];
        let current = lexing.unwrap_or_default();
        let tokens = tokenize_with(rest, engine, &current);
        for r in split_tokens(rest, &tokens) {
            let span = tokens[r.start].span.start..tokens[r.end - 1].span.end;
            let text = &rest[span.clone()];
            out.push(Piece {
                span: from + span.start..from + span.end,
                lexing,
            });
            let effect = lexing_effect(text, &tokens[r.clone()], engine, &current);
            match effect {
                LexEffect::Unchanged => {}
                LexEffect::Unknown => {
                    if lexing.is_some() {
                        // Later statements are judged under every reading;
                        // the split itself goes on with the last known one.
                        lexing = None;
                    }
                }
                LexEffect::Now(next) => {
                    // A literal value settles every setting dbn tracks.
                    let changed = lexing != Some(next);
                    lexing = Some(next);
                    if changed {
                        // Re-read what follows with the new settings.
                        from += span.end;
                        continue 'outer;
                    }
                }
            }
        }
        break;
    }
    out
}

/// Token index ranges of the statements (each non-empty, significant at both ends).
pub(crate) fn split_tokens(sql: &str, tokens: &[Token]) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    let mut first: Option<usize> = None;
    let mut last = 0usize;
    let mut block = BlockTracker::default();
    for (n, t) in tokens.iter().enumerate() {
        let significant = !matches!(t.kind, TokenKind::Space | TokenKind::Comment);
        let text = sql.get(t.span.clone()).unwrap_or("");
        if t.kind == TokenKind::Punct && text == ";" && block.depth == 0 {
            if let Some(f) = first.take() {
                out.push(f..last + 1);
            }
            block = BlockTracker::default();
            continue;
        }
        if significant {
            if first.is_none() {
                first = Some(n);
            }
            last = n;
            if t.kind == TokenKind::Word {
                block.word(&text.to_ascii_uppercase());
            }
        }
    }
    if let Some(f) = first {
        out.push(f..last + 1);
    }
    out
}

/// Tracks `BEGIN ... END` nesting inside routine and trigger definitions,
/// where `;` ends inner statements, not the definition.
#[derive(Default)]
struct BlockTracker {
    /// Words seen so far in this statement (only the head matters).
    seen: usize,
    /// True once the head says this statement defines a routine or trigger.
    routine: bool,
    /// True while the head is still `CREATE [OR REPLACE] [modifiers]`.
    in_head: bool,
    /// Open `BEGIN`/`CASE` blocks.
    depth: usize,
    /// The previous word was `END` (so `END IF` etc. close nothing new).
    after_end: bool,
}

impl BlockTracker {
    fn word(&mut self, w: &str) {
        self.seen += 1;
        if self.seen == 1 {
            self.in_head = w == "CREATE";
            return;
        }
        if self.in_head {
            match w {
                "TRIGGER" | "PROCEDURE" | "FUNCTION" | "EVENT" => {
                    self.routine = true;
                    self.in_head = false;
                }
                "OR" | "REPLACE" | "TEMP" | "TEMPORARY" | "DEFINER" | "IF" | "NOT" | "EXISTS" | "AGGREGATE" => {}
                // DEFINER = user@host: the value words are part of the head.
                _ if self.seen <= 6 && !matches!(w, "TABLE" | "VIEW" | "INDEX" | "SCHEMA" | "DATABASE") => {}
                _ => self.in_head = false,
            }
            return;
        }
        if !self.routine {
            return;
        }
        if self.after_end {
            self.after_end = false;
            if matches!(w, "IF" | "LOOP" | "WHILE" | "REPEAT" | "FOR") {
                // `END IF` closes a construct we never counted; undo the END.
                self.depth += 1;
                return;
            }
        }
        match w {
            "BEGIN" | "CASE" => self.depth += 1,
            "END" => {
                self.depth = self.depth.saturating_sub(1);
                self.after_end = true;
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(sql: &str, e: Engine) -> Vec<&str> {
        split(sql, e).into_iter().map(|r| &sql[r]).collect()
    }

    #[test]
    fn splits_around_quotes_and_comments() {
        assert_eq!(
            parts("select 'a;b'; -- x; y\n delete from t; /* ; */", Engine::Postgres),
            vec!["select 'a;b'", "delete from t"]
        );
        assert_eq!(
            parts("DO $$ BEGIN PERFORM 1; END $$; SELECT $f$;$f$;", Engine::Postgres),
            vec!["DO $$ BEGIN PERFORM 1; END $$", "SELECT $f$;$f$"]
        );
        assert_eq!(parts(";;  ;\n-- only a comment", Engine::Sqlite), Vec::<&str>::new());
        assert_eq!(
            parts("SELECT `a;b`, \"c;\\\"d\" ; UPDATE t SET a=1", Engine::Mysql),
            vec!["SELECT `a;b`, \"c;\\\"d\"", "UPDATE t SET a=1"]
        );
    }

    #[test]
    fn keeps_trigger_bodies_whole() {
        let sql = "CREATE TRIGGER tr AFTER INSERT ON t BEGIN UPDATE u SET n = n + 1; DELETE FROM v; END; SELECT 1";
        let p = parts(sql, Engine::Sqlite);
        assert_eq!(p.len(), 2, "{p:?}");
        assert!(p[0].ends_with("END"));
        let sql = "CREATE DEFINER=`root`@`%` PROCEDURE p() BEGIN IF 1 THEN SELECT 1; END IF; SELECT CASE WHEN 1 THEN 2 END; END; BEGIN; COMMIT";
        let p = parts(sql, Engine::Mysql);
        assert_eq!(p.len(), 3, "{p:?}");
        assert_eq!(&p[1..], ["BEGIN", "COMMIT"]);
    }
}
