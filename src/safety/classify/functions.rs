//! Function calls inside otherwise read-only statements. A function the
//! classifier does not know may write (PL/pgSQL, stored functions, UDFs),
//! so only built-ins known not to change data pass as reads.

use super::Verdict;
use sqlparser::ast::ObjectName;

/// Built-in functions known not to change data (one per line, `#` comments).
const KNOWN_READ_FUNCTIONS: &str = include_str!("read_functions.txt");

fn known_read(name: &str) -> bool {
    KNOWN_READ_FUNCTIONS
        .lines()
        .map(str::trim)
        .any(|l| !l.starts_with('#') && l == name)
}

/// Schemas whose functions are the built-ins themselves.
const TRUSTED_SCHEMAS: &[&str] = &["pg_catalog", "information_schema"];

/// Functions that change data or sequences, named so the reason is precise.
const KNOWN_WRITE_FUNCTIONS: &[&str] = &[
    "nextval",
    "setval",
    "lastval",
    "lo_import",
    "lo_export",
    "lo_unlink",
    "pg_terminate_backend",
    "pg_cancel_backend",
    "pg_reload_conf",
    "pg_advisory_lock",
    "pg_advisory_xact_lock",
    "get_lock",
    "release_lock",
    "txid_current",
    "pg_switch_wal",
    "pg_create_restore_point",
    "dblink_exec",
    "load_extension",
    "sys_exec",
    "pg_write_file",
    "pg_file_write",
];

fn split_name(name: &ObjectName) -> (Option<String>, String) {
    let parts: Vec<String> = name
        .0
        .iter()
        .map(|p| p.to_string().trim_matches('"').trim_matches('`').to_ascii_lowercase())
        .collect();
    match parts.as_slice() {
        [] => (None, String::new()),
        [only] => (None, only.clone()),
        [.., schema, last] => (Some(schema.clone()), last.clone()),
    }
}

/// The verdict a function call contributes, or `None` when it is a known read.
/// `text` is the call as written (for `set_config('...read_only...')`).
pub(super) fn function_verdict(name: &ObjectName, text: &str) -> Option<(Verdict, String)> {
    let (schema, fname) = split_name(name);
    if fname == "set_config" {
        if text.to_ascii_lowercase().contains("read_only") {
            return Some((
                Verdict::SessionUnlock,
                "set_config(...read_only...) would lift read-only".into(),
            ));
        }
        return Some((Verdict::Write, "set_config changes a server setting".into()));
    }
    if KNOWN_WRITE_FUNCTIONS.contains(&fname.as_str()) {
        return Some((Verdict::Write, format!("{fname}() changes server state")));
    }
    let trusted_schema = schema.as_deref().is_none_or(|s| TRUSTED_SCHEMAS.contains(&s));
    if trusted_schema && known_read(&fname) {
        return None;
    }
    Some((
        Verdict::Write,
        format!("calls {name}(), which is not a known read-only built-in; treated as a write"),
    ))
}

/// Table functions in FROM (`SELECT * FROM f()`), judged like calls.
pub(super) fn table_function_verdict(name: &ObjectName, text: &str) -> Option<(Verdict, String)> {
    function_verdict(name, text)
}
