//! Function calls resolved as the server resolves them. A call is a read
//! only when the name is a built-in of this engine that changes nothing
//! (per-engine lists generated from the servers, see the `.txt` files) and
//! nothing in the database's catalog could be called instead: a
//! user-defined Postgres function of that name may be chosen by overload
//! resolution (`public.lower(int)`), a MariaDB name that is not a native
//! function is a stored function or a UDF (`btrim`), and on MariaDB a
//! space before `(` turns some built-in names into stored-function calls.

use super::Verdict;
use crate::db::Engine;
use crate::safety::catalog::Catalog;
use sqlparser::ast::{Ident, ObjectName, ObjectNamePart};
use std::collections::HashSet;
use std::sync::OnceLock;

const POSTGRES: &str = include_str!("functions/postgres.txt");
const MYSQL: &str = include_str!("functions/mysql.txt");
const SQLITE: &str = include_str!("functions/sqlite.txt");

fn list(text: &'static str) -> HashSet<&'static str> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .collect()
}

/// Whether `name` (as the server compares it) is a read-only built-in.
pub(crate) fn is_builtin_read(engine: Engine, name: &str) -> bool {
    static PG: OnceLock<HashSet<&'static str>> = OnceLock::new();
    static MY: OnceLock<HashSet<&'static str>> = OnceLock::new();
    static LITE: OnceLock<HashSet<&'static str>> = OnceLock::new();
    let set = match engine {
        Engine::Postgres => PG.get_or_init(|| list(POSTGRES)),
        Engine::Mysql => MY.get_or_init(|| list(MYSQL)),
        Engine::Sqlite => LITE.get_or_init(|| list(SQLITE)),
    };
    set.contains(name)
}

/// Schemas whose functions are the built-ins themselves (Postgres).
const TRUSTED_SCHEMAS: &[&str] = &["pg_catalog", "information_schema"];

/// Why well-known writing functions are writes, in words.
fn known_write(name: &str) -> Option<&'static str> {
    Some(match name {
        "nextval" | "setval" => "advances or sets a sequence",
        "lo_import" | "lo_export" | "lo_unlink" | "lo_create" | "lo_creat" | "lo_put" | "lo_from_bytea" => {
            "works on large objects or server files"
        }
        "pg_read_file" | "pg_read_binary_file" | "pg_ls_dir" | "pg_stat_file" | "load_file" | "pg_file_write" => {
            "reads or writes files on the server"
        }
        "pg_terminate_backend" | "pg_cancel_backend" | "pg_reload_conf" | "pg_rotate_logfile" | "pg_promote" => {
            "signals server processes"
        }
        "pg_advisory_lock"
        | "pg_advisory_xact_lock"
        | "pg_try_advisory_lock"
        | "pg_advisory_lock_shared"
        | "get_lock"
        | "release_lock"
        | "release_all_locks" => "takes or releases locks that outlive the statement",
        "dblink" | "dblink_exec" | "dblink_connect" | "dblink_connect_u" | "dblink_send_query" | "dblink_open" => {
            "runs SQL over another connection, outside this session's read-only transaction"
        }
        "load_extension" => "loads native code into the server",
        _ => return None,
    })
}

/// The name of a call as the server compares it: Postgres folds unquoted
/// names to lower case and keeps quoted ones; MySQL and SQLite ignore case.
fn part_name(engine: Engine, id: &Ident) -> String {
    match (engine, id.quote_style) {
        (Engine::Postgres, Some(_)) => id.value.clone(),
        _ => id.value.to_lowercase(),
    }
}

fn parts(engine: Engine, name: &ObjectName) -> Vec<String> {
    name.0
        .iter()
        .map(|p| match p {
            ObjectNamePart::Identifier(id) => part_name(engine, id),
            other => other.to_string().to_lowercase(),
        })
        .collect()
}

/// The verdict a call to `name` contributes, or `None` when it is a known
/// read. `text` is the call as written (for `set_config('...read_only...')`);
/// `spaced`: on MySQL, whitespace separates the name from its `(`.
pub(super) fn function_verdict(
    name: &ObjectName,
    text: &str,
    engine: Engine,
    catalog: Option<&Catalog>,
    spaced: bool,
) -> Option<(Verdict, String)> {
    let parts = parts(engine, name);
    let (schema, fname) = match parts.as_slice() {
        [] => return Some((Verdict::Write, "calls an unnamed function".into())),
        [only] => (None, only.clone()),
        [.., schema, last] => (Some(schema.clone()), last.clone()),
    };
    if fname == "set_config" {
        let lower = text.to_ascii_lowercase();
        if lower.contains("read_only") {
            return Some((
                Verdict::SessionUnlock,
                "set_config(...read_only...) would lift read-only".into(),
            ));
        }
        return Some((Verdict::Write, "set_config changes a server setting".into()));
    }
    if let Some(why) = known_write(&fname) {
        return Some((Verdict::Write, format!("{fname}() {why}")));
    }
    let shown = name.to_string();
    let user = catalog.is_some_and(|c| c.has_user_function(schema.as_deref(), &fname));
    if user {
        return Some((
            Verdict::Write,
            format!("calls {shown}(): a user-defined function of that name exists in this database, and it may write"),
        ));
    }
    let builtin_schema = match engine {
        Engine::Postgres => schema.as_deref().is_none_or(|s| TRUSTED_SCHEMAS.contains(&s)),
        // A qualified name is a stored function (`db.f()`).
        Engine::Mysql | Engine::Sqlite => schema.is_none(),
    };
    if builtin_schema && engine == Engine::Mysql && spaced {
        return Some((
            Verdict::Write,
            format!(
                "calls {shown} (...) with a space before the parenthesis, which MariaDB may resolve to a stored function"
            ),
        ));
    }
    if builtin_schema && is_builtin_read(engine, &fname) {
        return None;
    }
    let what = match engine {
        Engine::Mysql => "not a MariaDB/MySQL built-in, so a stored function or UDF",
        Engine::Postgres => "not a known read-only built-in",
        Engine::Sqlite => "not a known SQLite built-in",
    };
    Some((
        Verdict::Write,
        format!("calls {shown}(), which is {what}; treated as a write"),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn name(s: &str) -> ObjectName {
        ObjectName::from(
            s.split('.')
                .map(|p| match p.strip_prefix('"').and_then(|x| x.strip_suffix('"')) {
                    Some(q) => Ident::with_quote('"', q),
                    None => Ident::new(p),
                })
                .collect::<Vec<_>>(),
        )
    }

    fn verdict(n: &str, e: Engine, c: Option<&Catalog>) -> Option<Verdict> {
        function_verdict(&name(n), n, e, c, false).map(|v| v.0)
    }

    #[test]
    fn builtins_per_engine_and_schema() {
        let pg = Engine::Postgres;
        assert_eq!(verdict("lower", pg, None), None);
        assert_eq!(verdict("LOWER", pg, None), None);
        assert_eq!(verdict("pg_catalog.lower", pg, None), None);
        assert_eq!(verdict("\"LOWER\"", pg, None), Some(Verdict::Write));
        assert_eq!(verdict("public.lower", pg, None), Some(Verdict::Write));
        assert_eq!(verdict("nextval", pg, None), Some(Verdict::Write));
        assert_eq!(verdict("dblink_exec", pg, None), Some(Verdict::Write));
        assert_eq!(verdict("pg_sleep", pg, None), None);
        assert_eq!(verdict("btrim", pg, None), None);
        let my = Engine::Mysql;
        assert_eq!(verdict("btrim", my, None), Some(Verdict::Write));
        assert_eq!(verdict("TRIM", my, None), None);
        assert_eq!(verdict("json_extract", my, None), None);
        assert_eq!(verdict("get_lock", my, None), Some(Verdict::Write));
        assert_eq!(verdict("load_file", my, None), Some(Verdict::Write));
        assert_eq!(verdict("nextval", my, None), Some(Verdict::Write));
        assert_eq!(verdict("db.lower", my, None), Some(Verdict::Write));
        assert_eq!(
            function_verdict(&name("count"), "count (x)", my, None, true).map(|v| v.0),
            Some(Verdict::Write)
        );
        assert_eq!(verdict("load_extension", Engine::Sqlite, None), Some(Verdict::Write));
        assert_eq!(verdict("json_extract", Engine::Sqlite, None), None);
    }

    #[test]
    fn the_catalog_overrides_builtin_names() {
        let c = Catalog::from_parts(["public.lower", "public.length"], [] as [&str; 0]);
        assert_eq!(verdict("lower", Engine::Postgres, Some(&c)), Some(Verdict::Write));
        assert_eq!(
            verdict("public.lower", Engine::Postgres, Some(&c)),
            Some(Verdict::Write)
        );
        assert_eq!(verdict("pg_catalog.lower", Engine::Postgres, Some(&c)), None);
        assert_eq!(verdict("upper", Engine::Postgres, Some(&c)), None);
    }
}
