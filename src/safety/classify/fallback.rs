//! Keyword-level judgement for text sqlparser cannot parse (never below a
//! write), and the scan for settings that could lift read-only, which runs
//! on every statement because sqlparser does not model all of them.

use super::{Finding, Verdict};
use crate::safety::lex::{Token, TokenKind, words};

/// Upper-cased words of a statement's tokens (comments and strings skipped).
fn upper_words(sql: &str, toks: &[Token]) -> Vec<String> {
    words(sql, toks).map(|(_, w)| w).collect()
}

/// Fail-closed verdict for an unparseable statement.
pub(super) fn classify_unparsed(sql: &str, toks: &[Token]) -> Finding {
    let w = upper_words(sql, toks);
    let head = w.first().map(String::as_str).unwrap_or("");
    let note = "could not be parsed, so it is treated as a write (fail closed)";
    let mut f = Finding::new(Verdict::Write, format!("statement {note}"));
    let mut upgrade = |verdict: Verdict, what: String, objects: Vec<String>| {
        f.add(Finding {
            verdict,
            reason: format!("{what}; the statement {note}"),
            objects,
        });
    };
    match head {
        "VACUUM" | "ANALYZE" | "ANALYSE" | "REINDEX" | "CLUSTER" | "CHECKPOINT" | "OPTIMIZE" | "REFRESH" => {
            upgrade(Verdict::Ddl, format!("{head} is maintenance"), Vec::new())
        }
        "CREATE" | "ALTER" | "GRANT" | "REVOKE" | "COMMENT" | "RENAME" | "SECURITY" | "IMPORT" => {
            upgrade(Verdict::Ddl, format!("{head} changes the schema"), Vec::new())
        }
        "DROP" | "TRUNCATE" => {
            let objs = objects_after(sql, toks, head);
            upgrade(Verdict::Destructive, format!("{head} {}", objs.join(", ")), objs)
        }
        "DELETE" | "UPDATE" if !w.iter().any(|x| x == "WHERE") => {
            upgrade(Verdict::UnboundedWrite, format!("{head} without WHERE"), Vec::new())
        }
        "DO" => upgrade(
            Verdict::Write,
            "DO runs an anonymous code block, which may write".into(),
            Vec::new(),
        ),
        _ => {}
    }
    // Anywhere in unparseable text (odd syntax, vendor prefixes), a
    // DROP/TRUNCATE or a DELETE/UPDATE without WHERE is assumed to run.
    // Definitions (CREATE PROCEDURE/TRIGGER bodies) do not run what they contain;
    // `ON DELETE`, `FOR UPDATE`, `BEFORE UPDATE` are clauses, not statements.
    let definition = head == "CREATE";
    let clause = |i: usize| {
        i == 0
            || matches!(
                w[i - 1].as_str(),
                "ON" | "FOR" | "KEY" | "BEFORE" | "AFTER" | "OF" | "OR" | "INSTEAD"
            )
    };
    if let Some(i) = w.iter().position(|x| x == "DROP" || x == "TRUNCATE")
        && !definition
        && !matches!(head, "DROP" | "TRUNCATE" | "ALTER")
    {
        upgrade(Verdict::Destructive, format!("mentions {}", w[i]), Vec::new());
    }
    if !w.iter().any(|x| x == "WHERE")
        && w.iter()
            .enumerate()
            .any(|(i, x)| (x == "DELETE" || x == "UPDATE") && !clause(i) && !definition)
    {
        upgrade(
            Verdict::UnboundedWrite,
            "DELETE/UPDATE without WHERE".into(),
            Vec::new(),
        );
    }
    // ALTER TABLE ... DROP inside unparseable text is still destructive.
    if head == "ALTER" && w.iter().any(|x| x == "DROP") {
        upgrade(Verdict::Destructive, "ALTER ... DROP".into(), Vec::new());
    }
    f
}

/// Object names following `DROP <kind> [IF EXISTS]` or `TRUNCATE [TABLE]`.
fn objects_after(sql: &str, toks: &[Token], head: &str) -> Vec<String> {
    let skip = [
        head,
        "TABLE",
        "VIEW",
        "INDEX",
        "SCHEMA",
        "DATABASE",
        "SEQUENCE",
        "FUNCTION",
        "PROCEDURE",
        "TRIGGER",
        "TYPE",
        "IF",
        "EXISTS",
        "MATERIALIZED",
        "TEMPORARY",
        "ONLY",
        "CONCURRENTLY",
        "EXTENSION",
        "ROLE",
        "USER",
        "DOMAIN",
    ];
    let mut out: Vec<String> = Vec::new();
    let mut started = false;
    for t in toks {
        let text = sql.get(t.span.clone()).unwrap_or("");
        match t.kind {
            TokenKind::Space | TokenKind::Comment => continue,
            TokenKind::Word if !started && skip.contains(&text.to_ascii_uppercase().as_str()) => continue,
            TokenKind::Word | TokenKind::QuotedIdent => {
                started = true;
                match out.last_mut() {
                    Some(last) if last_ends_with_dot(last.as_str()) => last.push_str(text),
                    _ => out.push(text.to_string()),
                }
            }
            TokenKind::Punct if text == "." && started => {
                if let Some(last) = out.last_mut() {
                    last.push('.');
                }
            }
            TokenKind::Punct if text == "," => {}
            _ if started => break,
            _ => {}
        }
        if out.len() > 20 {
            break;
        }
    }
    // Trailing keywords such as CASCADE are not objects.
    out.retain(|o| !matches!(o.to_ascii_uppercase().as_str(), "CASCADE" | "RESTRICT" | "PURGE"));
    out
}

fn last_ends_with_dot(s: &str) -> bool {
    s.ends_with('.')
}

/// Settings and statements that could lift read-only, found by words.
/// `any_head` also scans statements that do not start with a session
/// keyword (used for unparseable text).
pub(super) fn unlock_scan(sql: &str, toks: &[Token], any_head: bool) -> Finding {
    let w = upper_words(sql, toks);
    let none = Finding::new(Verdict::Read, "reads only");
    let head = w.first().map(String::as_str).unwrap_or("");
    let second = w.get(1).map(String::as_str).unwrap_or("");
    let session_head = matches!(head, "SET" | "RESET" | "BEGIN" | "START" | "PRAGMA" | "ATTACH")
        || (head == "ALTER" && matches!(second, "DATABASE" | "ROLE" | "USER" | "SYSTEM"));
    if !session_head && !any_head {
        return none;
    }
    let hit = |reason: &str| Finding::new(Verdict::SessionUnlock, reason.to_string());
    // PRAGMA query_only is judged by the pragma parser (reading it is harmless).
    if session_head && head != "PRAGMA" && w.iter().any(|x| x.contains("READ_ONLY")) {
        return hit("changes a read-only setting, which would lift read-only");
    }
    if w.windows(2).any(|p| p[0] == "READ" && p[1] == "WRITE") {
        return hit("asks for READ WRITE, which would lift read-only");
    }
    if w.windows(2).any(|p| p[0] == "SESSION" && p[1] == "CHARACTERISTICS") {
        return hit("SET SESSION CHARACTERISTICS changes the default access mode");
    }
    if head == "RESET" && w.get(1).is_some_and(|x| x == "ALL") {
        return hit("RESET ALL restores default_transaction_read_only to the server default");
    }
    if head == "ATTACH" {
        return hit("ATTACH opens another database file, possibly writable");
    }
    none
}

/// MySQL `/*!NNNNN body */`: blank the markers so the body parses as code.
/// Lengths are kept, so byte offsets stay valid.
pub(super) fn unwrap_exec_comments(text: &str, offset: usize, toks: &[Token]) -> String {
    let mut bytes = text.as_bytes().to_vec();
    let mut open = 0usize;
    for t in toks {
        let (s, e) = (t.span.start - offset, t.span.end - offset);
        if e > bytes.len() {
            break;
        }
        match t.kind {
            TokenKind::ExecCommentStart => {
                open += 1;
                bytes[s..e].fill(b' ');
            }
            TokenKind::Comment if open > 0 && &bytes[s..e] == b"*/" => {
                open -= 1;
                bytes[s..e].fill(b' ');
            }
            _ => {}
        }
    }
    String::from_utf8(bytes).unwrap_or_else(|_| text.to_string())
}

/// MySQL `/*!NNNNN body */` read as a plain comment (a server older than
/// NNNNN, or MySQL for `/*M!`): blank the markers and the body.
pub(super) fn strip_exec_comments(text: &str, offset: usize, toks: &[Token]) -> String {
    let mut bytes = text.as_bytes().to_vec();
    let mut open = 0usize;
    for t in toks {
        let (s, e) = (t.span.start - offset, t.span.end - offset);
        if e > bytes.len() {
            break;
        }
        let closes = t.kind == TokenKind::Comment && open > 0 && &bytes[s..e] == b"*/";
        if t.kind == TokenKind::ExecCommentStart {
            open += 1;
        }
        if open > 0 {
            // Keep newlines and the byte length (UTF-8 stays valid: whole
            // tokens are replaced by spaces).
            for b in &mut bytes[s..e] {
                if *b != b'\n' {
                    *b = b' ';
                }
            }
        }
        if closes {
            open -= 1;
        }
    }
    String::from_utf8(bytes).unwrap_or_else(|_| text.to_string())
}
