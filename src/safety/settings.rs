//! `SET` statements read from their tokens, names compared the way the
//! server compares them (quotes removed, `U&"..."` escapes decoded,
//! `@@session.` prefixes understood, case folded), and judged against
//! short per-engine lists: harmless session settings pass on a read-only
//! connection, settings that lift read-only or change how text is lexed
//! never do, and everything else counts as a write.

mod lists;
mod parse;

use super::Verdict;
use super::lex::Token;
use crate::db::{Engine, Lexing};
use lists::*;
use parse::significant;
pub(crate) use parse::{Assignment, Scope, SetStatement, Value, parse, unicode_unescape, unquote};

/// `SET NAMES utf8mb4` and the like: a charset that lexes like UTF-8.
fn safe_charset(a: &Assignment) -> bool {
    CHARSET_SETTINGS.contains(&a.name.as_str())
        && match &a.value {
            Value::Literal(v) => {
                let v = v.to_ascii_lowercase().replace('-', "");
                SAFE_CHARSETS
                    .iter()
                    .any(|c| c.replace('-', "") == v || c.replace('_', "") == v)
            }
            Value::Default => true,
            Value::Expression => false,
        }
}

/// The verdict of a `SET` statement (assignments judged one by one, worst wins).
pub(crate) fn verdict(set: &SetStatement, engine: Engine) -> (Verdict, String) {
    match set {
        SetStatement::Assign(list) | SetStatement::Statement(list, _) => {
            let mut worst = (Verdict::Setting, "changes a harmless session setting".to_string());
            if list.is_empty() {
                return (Verdict::Write, "SET of an unrecognised form; treated as a write".into());
            }
            for a in list {
                let v = assignment_verdict(a, engine);
                if v.0 > worst.0 {
                    worst = v;
                }
            }
            worst
        }
        SetStatement::Transaction { session, words } => {
            let joined = words.join(" ");
            if joined.contains("READ WRITE") || joined.contains("READ_WRITE") {
                (
                    Verdict::SessionUnlock,
                    "asks for READ WRITE transactions, which would lift read-only".into(),
                )
            } else if *session && words.len() == 2 && joined == "READ ONLY" {
                (Verdict::Setting, "keeps transactions read-only".into())
            } else {
                (Verdict::Transaction, "sets transaction characteristics".into())
            }
        }
        SetStatement::Role => (
            Verdict::Write,
            "changes the role or authorization of the session; not a harmless setting".into(),
        ),
        SetStatement::Password => (Verdict::Ddl, "SET PASSWORD changes a password".into()),
    }
}

fn assignment_verdict(a: &Assignment, engine: Engine) -> (Verdict, String) {
    let name = a.name.as_str();
    let (harmless, read_only, lexing): (&[&str], &[&str], &[&str]) = match engine {
        Engine::Postgres => (PG_HARMLESS, PG_READ_ONLY, PG_LEXING),
        Engine::Mysql => (MY_HARMLESS, MY_READ_ONLY, MY_LEXING),
        Engine::Sqlite => (&[], &[], &[]),
    };
    if a.scope == Scope::User {
        return (Verdict::Setting, "sets a user variable".into());
    }
    if a.scope != Scope::Global && safe_charset(a) {
        return (
            Verdict::Setting,
            format!("sets {name} to a character set that lexes like UTF-8"),
        );
    }
    if read_only.contains(&name) || name == "all" || name.contains("read_only") {
        return (
            Verdict::SessionUnlock,
            format!("changes {name}, which could lift read-only"),
        );
    }
    if lexing.contains(&name) {
        return (
            Verdict::SessionUnlock,
            format!("changes {name}, which changes how the server reads SQL text; refused on read-only connections"),
        );
    }
    if a.scope == Scope::Global {
        return (Verdict::Ddl, format!("changes the server-wide setting {name}"));
    }
    if harmless.contains(&name) {
        return (Verdict::Setting, format!("changes the session setting {name}"));
    }
    (
        Verdict::Write,
        format!("changes {name}, which is not a known harmless session setting; treated as a write"),
    )
}

/// How a statement changes the lexing settings for the statements after it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum LexEffect {
    /// No change.
    Unchanged,
    /// The settings are now these.
    Now(Lexing),
    /// They may have changed to values dbn cannot know.
    Unknown,
}

/// The effect of one statement (by its tokens) on `current`.
pub(crate) fn lexing_effect(sql: &str, toks: &[Token], engine: Engine, current: &Lexing) -> LexEffect {
    let words: Vec<String> = significant(sql, toks)
        .iter()
        .map(|(_, s)| s.to_ascii_uppercase())
        .collect();
    let head = words.first().map(String::as_str).unwrap_or("");
    match parse(sql, toks, engine) {
        Some(SetStatement::Assign(list)) => {
            let mut now = *current;
            let mut changed = false;
            for a in list.iter().filter(|a| matches!(a.scope, Scope::Session | Scope::Local)) {
                let lexing_name = match engine {
                    Engine::Postgres => PG_LEXING.contains(&a.name.as_str()) || a.name == "all",
                    Engine::Mysql => MY_LEXING.contains(&a.name.as_str()),
                    Engine::Sqlite => false,
                };
                if !lexing_name || safe_charset(a) {
                    continue;
                }
                match (&a.value, a.name.as_str(), a.scope) {
                    (Value::Literal(v), "standard_conforming_strings", Scope::Session) => {
                        match v.to_ascii_lowercase().as_str() {
                            "on" | "true" | "yes" | "1" => now.standard_strings = true,
                            "off" | "false" | "no" | "0" => now.standard_strings = false,
                            _ => return LexEffect::Unknown,
                        }
                        changed = true;
                    }
                    (Value::Literal(v), "sql_mode", Scope::Session) => {
                        let m = Lexing::from_sql_mode(v);
                        now.no_backslash_escapes = m.no_backslash_escapes;
                        now.ansi_quotes = m.ansi_quotes;
                        changed = true;
                    }
                    // backslash_quote only decides whether \' is an error.
                    (_, "backslash_quote", _) => {}
                    _ => return LexEffect::Unknown,
                }
            }
            if changed {
                LexEffect::Now(now)
            } else {
                LexEffect::Unchanged
            }
        }
        Some(SetStatement::Statement(..) | SetStatement::Transaction { .. } | SetStatement::Role) => {
            LexEffect::Unchanged
        }
        Some(SetStatement::Password) => LexEffect::Unchanged,
        None => match head {
            // Reads by built-ins and plain data changes leave the session's
            // settings alone; code dbn cannot see may not (functions calling
            // set_config, procedures, a ROLLBACK undoing an earlier SET).
            "SELECT" | "WITH" | "VALUES" | "TABLE" | "SHOW" | "EXPLAIN" | "DESCRIBE" | "DESC" | "INSERT" | "UPDATE"
            | "DELETE" | "CREATE" | "ALTER" | "DROP" | "TRUNCATE" | "BEGIN" | "START" | "COMMIT" | "END"
            | "SAVEPOINT" | "RELEASE" | "GRANT" | "REVOKE" | "COMMENT" | "PRAGMA" | "USE" | "LOCK" | "UNLOCK"
                if !words.iter().any(|w| w.contains("SET_CONFIG")) =>
            {
                LexEffect::Unchanged
            }
            _ => LexEffect::Unknown,
        },
    }
}

#[cfg(test)]
mod tests;
