//! Text and JSON rendering of a data diff and a sync plan.

use crate::datasync::rowdiff::{ChangedRow, Row};
use crate::datasync::{DataDiff, SyncPlan, describe_key};
use crate::db::Value;
use crate::output::value_to_json;
use crate::sanitize::sanitize;
use serde_json::{Map, Value as Json, json};
use std::fmt::Write;

fn cell(v: &Value) -> String {
    match v {
        Value::Null => "NULL".into(),
        Value::Text(s) => format!("'{}'", sanitize(s)),
        other => sanitize(&other.to_string()).into_owned(),
    }
}

fn key_text(d: &DataDiff, row: &Row) -> String {
    let parts: Vec<String> = d.pair.source.key.iter().map(|&i| cell(&row[i])).collect();
    parts.join(", ")
}

fn row_text(d: &DataDiff, row: &Row) -> String {
    let parts: Vec<String> = d
        .columns
        .iter()
        .zip(row)
        .enumerate()
        .filter(|(i, _)| !d.pair.source.key.contains(i))
        .map(|(_, (c, v))| format!("{}={}", sanitize(c), cell(v)))
        .collect();
    parts.join(" ")
}

/// The summary block: counts first, then traffic.
pub fn summary(d: &DataDiff, source: &str, target: &str) -> String {
    let mut out = String::new();
    let r = &d.diff;
    let _ = writeln!(
        out,
        "Table {} ({} -> {}), key ({})",
        sanitize(&d.table),
        sanitize(source),
        sanitize(target),
        sanitize(&d.key.join(", "))
    );
    let _ = writeln!(out, "  only in source: {}", r.only_in_source.len());
    let _ = writeln!(out, "  only in target: {}", r.only_in_target.len());
    let _ = writeln!(out, "  changed:        {}", r.changed.len());
    let _ = writeln!(out, "  identical:      {}", r.equal);
    let s = &d.stats;
    let _ = writeln!(
        out,
        "  method {}; fetched {} rows / {} bytes from source, {} rows / {} bytes from target; {} segments compared, {} differed; {} ms",
        s.method,
        s.source.rows_fetched,
        s.source.bytes_fetched,
        s.target.rows_fetched,
        s.target.bytes_fetched,
        s.segments.compared,
        s.segments.mismatched,
        s.elapsed_ms
    );
    for n in &d.notes {
        let _ = writeln!(out, "  note: {}", sanitize(n));
    }
    out
}

fn changed_text(d: &DataDiff, c: &ChangedRow, out: &mut String) {
    let key: Vec<String> = c.key.iter().map(cell).collect();
    let _ = writeln!(out, "~ ({})", key.join(", "));
    for ch in &c.changes {
        let name = d.columns.get(ch.column).map(String::as_str).unwrap_or("?");
        let _ = writeln!(out, "    {}: {} -> {}", sanitize(name), cell(&ch.old), cell(&ch.new));
    }
}

/// Rows, at most `limit` per kind: `+` only in source, `-` only in target,
/// `~` changed with `column: target-value -> source-value`.
pub fn rows(d: &DataDiff, limit: usize) -> String {
    let mut out = String::new();
    let r = &d.diff;
    for row in r.only_in_source.iter().take(limit) {
        let _ = writeln!(out, "+ ({}) {}", key_text(d, row), row_text(d, row));
    }
    for row in r.only_in_target.iter().take(limit) {
        let _ = writeln!(out, "- ({}) {}", key_text(d, row), row_text(d, row));
    }
    for c in r.changed.iter().take(limit) {
        changed_text(d, c, &mut out);
    }
    let hidden = r.only_in_source.len().saturating_sub(limit)
        + r.only_in_target.len().saturating_sub(limit)
        + r.changed.len().saturating_sub(limit);
    if hidden > 0 {
        let _ = writeln!(
            out,
            "... {hidden} more row(s); use --limit N, --json or --out FILE for all"
        );
    }
    out
}

fn row_json(columns: &[String], row: &Row) -> Json {
    let mut m = Map::new();
    for (c, v) in columns.iter().zip(row) {
        m.insert(c.clone(), value_to_json(v));
    }
    Json::Object(m)
}

fn key_json(d: &DataDiff, key: &[Value]) -> Json {
    let mut m = Map::new();
    for (c, v) in d.key.iter().zip(key) {
        m.insert(c.clone(), value_to_json(v));
    }
    Json::Object(m)
}

fn changed_json(d: &DataDiff, c: &ChangedRow) -> Json {
    let mut cols = Map::new();
    for ch in &c.changes {
        let name = d.columns.get(ch.column).cloned().unwrap_or_default();
        cols.insert(
            name,
            json!({"old": value_to_json(&ch.old), "new": value_to_json(&ch.new)}),
        );
    }
    json!({"key": key_json(d, &c.key), "columns": cols})
}

/// The whole diff as JSON (every row).
pub fn diff_json(d: &DataDiff, source: &str, target: &str) -> Json {
    let r = &d.diff;
    json!({
        "table": d.table,
        "source": source,
        "target": target,
        "key": d.key,
        "columns": d.columns,
        "identical": r.is_empty(),
        "summary": {
            "only_in_source": r.only_in_source.len(),
            "only_in_target": r.only_in_target.len(),
            "changed": r.changed.len(),
            "identical": r.equal,
        },
        "stats": d.stats,
        "notes": d.notes,
        "only_in_source": r.only_in_source.iter().map(|x| row_json(&d.columns, x)).collect::<Vec<_>>(),
        "only_in_target": r.only_in_target.iter().map(|x| row_json(&d.columns, x)).collect::<Vec<_>>(),
        "changed": r.changed.iter().map(|c| changed_json(d, c)).collect::<Vec<_>>(),
    })
}

/// Counts of a sync plan.
pub fn plan_summary(p: &SyncPlan) -> Json {
    json!({
        "insert": p.inserts.len(),
        "update": p.updates.len(),
        "delete": p.deletes.len(),
        "kept_changed": p.kept.len(),
        "kept_target_only": p.target_only_kept,
    })
}

/// The plan as text: counts, then rows (at most `limit` per kind).
pub fn plan_text(d: &DataDiff, p: &SyncPlan, limit: usize) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Sync plan: insert {}, update {}, delete {}; kept {} changed row(s) and {} target-only row(s)",
        p.inserts.len(),
        p.updates.len(),
        p.deletes.len(),
        p.kept.len(),
        p.target_only_kept
    );
    for row in p.inserts.iter().take(limit) {
        let _ = writeln!(out, "INSERT ({}) {}", key_text(d, row), row_text(d, row));
    }
    for u in p.updates.iter().take(limit) {
        let key: Vec<String> = u.key.iter().map(cell).collect();
        let sets: Vec<String> = u
            .changes
            .iter()
            .map(|c| {
                let name = d.columns.get(c.column).map(String::as_str).unwrap_or("?");
                format!("{}: {} -> {}", sanitize(name), cell(&c.old), cell(&c.new))
            })
            .collect();
        let _ = writeln!(out, "UPDATE ({}) {}", key.join(", "), sets.join("; "));
    }
    for k in p.deletes.iter().take(limit) {
        let _ = writeln!(out, "DELETE ({})", sanitize(&describe_key(k)));
    }
    for k in p.kept.iter().take(limit) {
        let _ = writeln!(
            out,
            "KEEP   ({}) {}",
            sanitize(&describe_key(&k.key)),
            sanitize(&k.reason)
        );
    }
    out
}

/// The plan as JSON (every row).
pub fn plan_json(d: &DataDiff, p: &SyncPlan) -> Json {
    json!({
        "summary": plan_summary(p),
        "inserts": p.inserts.iter().map(|r| row_json(&d.columns, r)).collect::<Vec<_>>(),
        "updates": p.updates.iter().map(|u| {
            let mut cols = Map::new();
            for c in &u.changes {
                let name = d.columns.get(c.column).cloned().unwrap_or_default();
                cols.insert(name, json!({"old": value_to_json(&c.old), "new": value_to_json(&c.new)}));
            }
            json!({"key": key_json(d, &u.key), "columns": cols})
        }).collect::<Vec<_>>(),
        "deletes": p.deletes.iter().map(|k| key_json(d, k)).collect::<Vec<_>>(),
        "kept": p.kept.iter().map(|k| json!({"key": key_json(d, &k.key), "reason": k.reason})).collect::<Vec<_>>(),
    })
}
