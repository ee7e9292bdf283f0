//! What the statement text says about a statement: its leading keyword,
//! COPY direction, and the command tag the server would print.

use crate::db::Summary;

/// The leading SQL keyword, upper-cased, skipping comments and parens.
pub(super) fn first_keyword(sql: &str) -> String {
    words(sql).next().unwrap_or_default()
}

/// SQL words, upper-cased, skipping comments and punctuation.
fn words(sql: &str) -> impl Iterator<Item = String> + '_ {
    let mut rest = sql;
    std::iter::from_fn(move || {
        loop {
            rest = rest.trim_start_matches(|c: char| !(c.is_alphanumeric() || c == '_' || c == '-' || c == '/'));
            if let Some(r) = rest.strip_prefix("--") {
                rest = r.split_once('\n').map(|(_, t)| t).unwrap_or("");
            } else if let Some(r) = rest.strip_prefix("/*") {
                rest = r.split_once("*/").map(|(_, t)| t).unwrap_or("");
            } else if rest.starts_with(['-', '/']) {
                rest = &rest[1..];
            } else {
                break;
            }
        }
        let end = rest
            .find(|c: char| !(c.is_alphanumeric() || c == '_'))
            .unwrap_or(rest.len());
        if end == 0 {
            return None;
        }
        let word = rest[..end].to_ascii_uppercase();
        rest = &rest[end..];
        Some(word)
    })
}

/// `CREATE TABLE`, `DROP MATERIALIZED VIEW`, ...: the verb and the object
/// kind, as the server's command tag names them.
pub(super) fn ddl_tag(sql: &str) -> String {
    const MODIFIERS: &[&str] = &[
        "OR",
        "REPLACE",
        "UNIQUE",
        "TEMP",
        "TEMPORARY",
        "UNLOGGED",
        "GLOBAL",
        "LOCAL",
        "RECURSIVE",
        "TRUSTED",
        "PROCEDURAL",
        "CONSTRAINT",
    ];
    let mut w = words(sql);
    let verb = w.next().unwrap_or_default();
    let mut rest = w.skip_while(|x| MODIFIERS.contains(&x.as_str()));
    let mut tag = verb;
    if let Some(kind) = rest.next() {
        let two = matches!(
            kind.as_str(),
            "MATERIALIZED" | "FOREIGN" | "EVENT" | "ACCESS" | "USER" | "TEXT"
        );
        tag = format!("{tag} {kind}");
        if two && let Some(next) = rest.next() {
            tag = format!("{tag} {next}");
        }
    }
    tag
}

/// `COPY ... FROM STDIN`: data would have to come from the client.
pub(super) fn copies_from_client(sql: &str) -> bool {
    has_pair(sql, "FROM", "STDIN")
}

/// `COPY ... TO STDOUT`: the server streams data to the client.
pub(super) fn copies_to_client(sql: &str) -> bool {
    has_pair(sql, "TO", "STDOUT")
}

fn has_pair(sql: &str, a: &str, b: &str) -> bool {
    let w: Vec<String> = words(sql).collect();
    w.windows(2).any(|p| p[0] == a && p[1] == b)
}

/// The summary with a command tag like the server's (`SELECT 3`,
/// `INSERT 0 2`, `CREATE TABLE`): tokio-postgres only exposes the count.
pub(super) fn summary(keyword: &str, returned: u64, count: Option<u64>, has_columns: bool) -> Summary {
    let dml =
        matches!(keyword, "INSERT" | "UPDATE" | "DELETE" | "MERGE" | "COPY") || (keyword == "WITH" && !has_columns);
    let rows_affected = if dml { count } else { None };
    let tag = match (keyword, count) {
        ("", _) => None,
        ("INSERT", Some(n)) => Some(format!("INSERT 0 {n}")),
        ("WITH" | "VALUES" | "TABLE" | "SHOW" | "EXPLAIN", _) if has_columns => Some(format!("SELECT {returned}")),
        ("SELECT" | "UPDATE" | "DELETE" | "MERGE" | "COPY" | "FETCH" | "MOVE", Some(n)) => {
            Some(format!("{keyword} {n}"))
        }
        _ => Some(keyword.to_string()),
    };
    Summary {
        rows_returned: returned,
        rows_affected,
        tag,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keywords_skip_comments_and_tags_look_like_the_server() {
        assert_eq!(first_keyword("  -- hi\n /* x */ (select 1)"), "SELECT");
        assert_eq!(first_keyword(""), "");
        assert!(copies_from_client("copy t (a) from stdin with csv"));
        assert!(!copies_from_client("copy t to stdout"));
        assert!(copies_to_client("COPY (SELECT 1) TO STDOUT (FORMAT csv)"));
        let s = summary("INSERT", 0, Some(2), false);
        assert_eq!((s.tag.as_deref(), s.rows_affected), (Some("INSERT 0 2"), Some(2)));
        let s = summary("SELECT", 3, Some(3), true);
        assert_eq!((s.tag.as_deref(), s.rows_affected), (Some("SELECT 3"), None));
        assert_eq!(ddl_tag("create or replace view v as select 1"), "CREATE VIEW");
        assert_eq!(ddl_tag("CREATE UNIQUE INDEX CONCURRENTLY i ON t (a)"), "CREATE INDEX");
        assert_eq!(ddl_tag("drop materialized view m"), "DROP MATERIALIZED VIEW");
    }
}
