//! The engines' own dumps, normalized only where the engine itself is
//! indifferent: comments and settings lines of pg_dump, the database name
//! and AUTO_INCREMENT counters of MySQL, the order of MySQL index lines,
//! quoting, case and spacing of SQLite's stored text.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use dbn::db::{Session, Value, query_all};
use std::process::Command;

/// `pg_dump --schema-only`, without comments, settings and blank lines.
pub fn pg_dump(url: &str) -> Result<String, String> {
    let bin = std::env::var("DBN_TEST_PG_BIN")
        .map(|b| format!("{b}/pg_dump"))
        .unwrap_or_else(|_| "pg_dump".into());
    let out = Command::new(bin)
        .args(["--schema-only", url])
        .output()
        .map_err(|e| e.to_string())?;
    if !out.status.success() {
        return Err(format!("pg_dump failed: {}", String::from_utf8_lossy(&out.stderr)));
    }
    let text = String::from_utf8_lossy(&out.stdout);
    Ok(text
        .lines()
        .filter(|l| {
            !(l.starts_with("--")
                || l.starts_with("SET ")
                || l.starts_with("SELECT pg_catalog.set_config")
                || l.starts_with("\\restrict")
                || l.starts_with("\\unrestrict")
                || l.trim().is_empty())
        })
        .collect::<Vec<_>>()
        .join("\n"))
}

fn text(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::Text(s) | Value::Json(s) => s.clone(),
        Value::Bytes(b) => String::from_utf8_lossy(b).into_owned(),
        other => other.to_string(),
    }
}

async fn rows(s: &mut dyn Session, sql: &str) -> Result<Vec<Vec<String>>, String> {
    let (_, rows, _) = query_all(s, sql).await.map_err(|e| format!("{sql}: {e}"))?;
    Ok(rows.iter().map(|r| r.iter().map(text).collect()).collect())
}

/// SHOW CREATE of every table, view, trigger and routine, by name.
pub async fn mysql_dump(s: &mut dyn Session, db: &str) -> Result<String, String> {
    let mut out = Vec::new();
    let q = |n: &str| format!("`{}`", n.replace('`', "``"));
    for r in rows(s, "SHOW FULL TABLES").await? {
        let (name, kind) = (&r[0], &r[1]);
        if kind == "VIEW" {
            let v = rows(s, &format!("SHOW CREATE VIEW {}", q(name))).await?;
            out.push(format!("VIEW {name}\n{}", v[0][1]));
        } else {
            let t = rows(s, &format!("SHOW CREATE TABLE {}", q(name))).await?;
            out.push(format!("TABLE {name}\n{}", mysql_table(&t[0][1])));
        }
    }
    for r in rows(
        s,
        "SELECT TRIGGER_NAME FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = DATABASE() ORDER BY 1",
    )
    .await?
    {
        let t = rows(s, &format!("SHOW CREATE TRIGGER {}", q(&r[0]))).await?;
        out.push(format!("TRIGGER {}\n{}", r[0], t[0][2]));
    }
    for r in rows(
        s,
        "SELECT ROUTINE_TYPE, ROUTINE_NAME FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = DATABASE() ORDER BY 1, 2",
    )
    .await?
    {
        let t = rows(s, &format!("SHOW CREATE {} {}", r[0], q(&r[1]))).await?;
        out.push(format!("{} {}\n{}", r[0], r[1], t[0][2]));
    }
    let text = out.join("\n\n");
    let definer = regex_free_definer(&text);
    Ok(definer.replace(&format!("`{db}`."), ""))
}

/// Column lines in order; key and constraint lines sorted (the server
/// lists them in creation order); counters removed.
fn mysql_table(create: &str) -> String {
    let mut head = Vec::new();
    let mut keys = Vec::new();
    let mut tail = Vec::new();
    for l in create.lines() {
        let t = l.trim_end_matches(',');
        let s = t.trim_start();
        if s.starts_with("KEY ")
            || s.starts_with("UNIQUE KEY")
            || s.starts_with("FULLTEXT KEY")
            || s.starts_with("SPATIAL KEY")
            || s.starts_with("CONSTRAINT ")
        {
            keys.push(t.to_string());
        } else if s.starts_with(')') || !tail.is_empty() {
            tail.push(strip_auto_increment(t));
        } else {
            head.push(t.to_string());
        }
    }
    keys.sort();
    head.into_iter().chain(keys).chain(tail).collect::<Vec<_>>().join("\n")
}

fn strip_auto_increment(line: &str) -> String {
    let mut out = Vec::new();
    for w in line.split(' ') {
        if w.starts_with("AUTO_INCREMENT=") {
            continue;
        }
        out.push(w);
    }
    out.join(" ")
}

/// Remove `DEFINER=`user`@`host`` clauses.
fn regex_free_definer(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(p) = rest.find("DEFINER=`") {
        out.push_str(&rest[..p]);
        let after = &rest[p + "DEFINER=".len()..];
        // `user`@`host` then a space
        let end = after.find(' ').unwrap_or(after.len());
        rest = after[end..].trim_start_matches(' ');
        if !out.ends_with(' ') && !out.is_empty() {
            out.push(' ');
        }
    }
    out.push_str(rest);
    out
}

/// `sqlite_master` rows, their SQL with quoting, case and spacing folded.
pub fn sqlite_dump(path: &str) -> Result<String, String> {
    let c = rusqlite::Connection::open(path).map_err(|e| e.to_string())?;
    let mut st = c
        .prepare("SELECT type, name, tbl_name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY type, lower(name)")
        .map_err(|e| e.to_string())?;
    let rows = st
        .query_map([], |r| {
            Ok(format!(
                "{} {} on {}\n{}",
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                fold_sql(&r.get::<_, Option<String>>(3)?.unwrap_or_default())
            ))
        })
        .map_err(|e| e.to_string())?
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| e.to_string())?;
    Ok(rows.join("\n"))
}

/// Fold SQLite text: identifiers unquoted and lowercased, keywords
/// lowercased, whitespace collapsed; string literals kept.
fn fold_sql(sql: &str) -> String {
    let b = sql.as_bytes();
    let mut toks: Vec<String> = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if c.is_ascii_whitespace() {
            i += 1;
        } else if c == b'\'' {
            let s = i;
            i += 1;
            while i < b.len() {
                if b[i] == b'\'' {
                    if b.get(i + 1) == Some(&b'\'') {
                        i += 2;
                        continue;
                    }
                    break;
                }
                i += 1;
            }
            i = (i + 1).min(b.len());
            toks.push(sql[s..i].to_string());
        } else if matches!(c, b'"' | b'`' | b'[') {
            let close = if c == b'[' { b']' } else { c };
            let s = i + 1;
            i += 1;
            while i < b.len() && b[i] != close {
                i += 1;
            }
            toks.push(sql[s..i.min(b.len())].to_lowercase());
            i = (i + 1).min(b.len());
        } else if c.is_ascii_alphanumeric() || c == b'_' || c >= 0x80 {
            let s = i;
            while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_' || b[i] >= 0x80) {
                i += 1;
            }
            toks.push(sql[s..i].to_lowercase());
        } else {
            toks.push((c as char).to_string());
            i += 1;
        }
    }
    toks.join(" ")
}

/// A unified diff of two dumps.
pub fn unified(a: &str, b: &str) -> String {
    similar::TextDiff::from_lines(a, b)
        .unified_diff()
        .context_radius(3)
        .to_string()
}
