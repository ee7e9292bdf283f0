//! SQLite `PRAGMA`s, parsed here because sqlparser rejects common forms
//! such as `PRAGMA table_info(users)`.

use super::Verdict;
use crate::safety::lex::{Token, TokenKind};

/// Pragmas that take a table, index or schema as argument and only report.
const ARG_PRAGMAS: &[&str] = &[
    "table_info",
    "table_xinfo",
    "table_list",
    "index_list",
    "index_info",
    "index_xinfo",
    "foreign_key_list",
    "foreign_key_check",
    "integrity_check",
    "quick_check",
];

/// Pragmas that report when given no value (and change settings when given one).
const READ_PRAGMAS: &[&str] = &[
    "database_list",
    "collation_list",
    "function_list",
    "module_list",
    "pragma_list",
    "compile_options",
    "user_version",
    "schema_version",
    "application_id",
    "data_version",
    "page_count",
    "page_size",
    "freelist_count",
    "max_page_count",
    "journal_mode",
    "encoding",
    "foreign_keys",
    "busy_timeout",
    "query_only",
    "cache_size",
    "auto_vacuum",
    "synchronous",
    "temp_store",
    "writable_schema",
];

/// Verdict for `PRAGMA name` (`has_value`: `= v` or `(v)` was given).
pub(super) fn verdict(name: &str, has_value: bool) -> (Verdict, String) {
    let n = name.trim_matches('"').to_ascii_lowercase();
    if (n == "query_only" || n == "writable_schema") && has_value {
        return (
            Verdict::SessionUnlock,
            format!("PRAGMA {n} changes what this session may write"),
        );
    }
    if ARG_PRAGMAS.contains(&n.as_str()) || (!has_value && READ_PRAGMAS.contains(&n.as_str())) {
        return (Verdict::Read, "PRAGMA reports information".into());
    }
    (
        Verdict::Write,
        format!("PRAGMA {n} may change the database or session; treated as a write"),
    )
}

/// Parse `PRAGMA [schema.]name [= value | (value)]` from tokens. `None`
/// when the tokens have any other shape.
pub(super) fn parse(sql: &str, toks: &[Token]) -> Option<(Verdict, String)> {
    let sig: Vec<&str> = toks
        .iter()
        .filter(|t| !matches!(t.kind, TokenKind::Space | TokenKind::Comment))
        .map(|t| sql.get(t.span.clone()).unwrap_or(""))
        .collect();
    let (head, rest) = sig.split_first()?;
    if !head.eq_ignore_ascii_case("pragma") {
        return None;
    }
    let rest = match rest {
        [_schema, ".", tail @ ..] => tail,
        r => r,
    };
    let (name, tail) = rest.split_first()?;
    let has_value = match tail {
        [] => false,
        ["=", _value] | ["=", "-", _value] | ["=", "+", _value] => true,
        ["(", _value, ")"] | ["(", "-", _value, ")"] => true,
        ["(", _schema, ".", _value, ")"] => true,
        _ => return None,
    };
    Some(verdict(name, has_value))
}
