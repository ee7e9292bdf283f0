//! Diff two backups, or a backup and the live database: per-table counts
//! and schema changes, then row-level detail with column old/new values.
//!
//! Chunks both sides share hold identical rows (keys are unique, so a row
//! lives in exactly one chunk per side) and are skipped without being
//! decrypted; only the differing chunks are decoded and compared by key.

mod compare;
mod live;

use super::crypto::BackupKey;
use super::manifest::{ChunkRef, Manifest, TableEntry};
use super::read::chunk_rows;
use super::{BackupResult, ChunkId, ChunkStore};
use crate::db::Value;
use crate::schema::Schema;
use crate::schema::diff::{DiffOptions, ObjectDiff, Status};
use crate::schema::objects::Kind;
use serde::Serialize;
use std::collections::HashMap;

pub use compare::{ColumnChange, RowChange, RowChangeKind, compare_rows};
pub use live::diff_live;

/// Differences in one table.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct TableDiff {
    /// `schema.table`.
    pub table: String,
    /// `added` / `removed` when the table exists on one side only, else `changed` / `same`.
    pub status: String,
    /// Rows only in the newer side.
    pub rows_added: u64,
    /// Rows only in the older side.
    pub rows_removed: u64,
    /// Rows whose key is on both sides with different values.
    pub rows_changed: u64,
    /// Schema changes (column added/removed/retyped, key changed).
    pub schema_changes: Vec<String>,
    /// Row detail, up to the limit asked for.
    pub rows: Vec<RowChange>,
    /// Whether `rows` was cut at the limit.
    pub truncated: bool,
}

/// A whole diff.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct BackupDiff {
    /// Older side (backup id).
    pub from: String,
    /// Newer side (backup id or `live:CONN`).
    pub to: String,
    /// Tables in name order; unchanged tables included with status `same`.
    pub tables: Vec<TableDiff>,
    /// Every schema object that differs (tables, indexes, views, types, ...),
    /// from `crate::schema::diff`: `added` = only in the newer side.
    pub schema: Vec<ObjectDiff>,
}

impl BackupDiff {
    /// True when nothing differs.
    pub fn is_empty(&self) -> bool {
        self.tables.iter().all(|t| t.status == "same") && self.schema.is_empty()
    }
}

/// Schema objects that differ between `old` and `new` (the shared schema
/// diff), limited to the given tables' objects when a filter is set; each
/// table's own definition change is also noted on its `TableDiff`.
pub(crate) fn schema_changes(
    old: &Schema,
    new: &Schema,
    tables: &mut [TableDiff],
    filter: Option<&[String]>,
) -> Vec<ObjectDiff> {
    let mut changes = crate::schema::diff::diff(new, old, DiffOptions::default()).changes;
    let table_names: Vec<(String, String)> = tables
        .iter()
        .map(|t| {
            let bare = t.table.rsplit('.').next().unwrap_or(&t.table).to_string();
            (t.table.clone(), bare)
        })
        .collect();
    if filter.is_some() {
        changes.retain(|c| {
            table_names
                .iter()
                .any(|(q, b)| c.name == *q || c.name == *b || c.name.starts_with(&format!("{q}.")))
                || (c.kind != Kind::Table
                    && c.source
                        .as_deref()
                        .or(c.target.as_deref())
                        .is_some_and(|ddl| table_names.iter().any(|(_, b)| ddl.contains(b.as_str()))))
        });
    }
    for c in changes
        .iter()
        .filter(|c| c.kind == Kind::Table && c.status == Status::Changed)
    {
        if let Some(t) = tables.iter_mut().find(|t| {
            let bare = t.table.rsplit('.').next().unwrap_or(&t.table);
            c.name == t.table || c.name == bare
        }) {
            if t.schema_changes.is_empty() {
                t.schema_changes.push("table definition changed".into());
            }
            t.status = "changed".into();
        }
    }
    changes
}

/// One side of a table comparison.
pub(crate) struct Side<'a> {
    pub entry: TableEntry,
    /// Plaintext of chunks held in memory (live side); others come from the store.
    pub plain: HashMap<ChunkId, Vec<u8>>,
    pub store: &'a dyn ChunkStore,
}

impl Side<'_> {
    async fn rows_of(&self, key: &BackupKey, refs: &[ChunkRef]) -> BackupResult<Vec<Vec<Value>>> {
        let mut out = Vec::new();
        let ctx = format!("table {}", self.entry.qualified());
        for c in refs {
            match self.plain.get(&c.id) {
                Some(p) => out.extend(
                    super::codec::decode_rows(p).map_err(|e| super::BackupError::CorruptChunk {
                        id: c.id.to_hex(),
                        why: e.to_string(),
                    })?,
                ),
                None => out.extend(chunk_rows(self.store, key, c, &ctx).await?),
            }
        }
        Ok(out)
    }
}

/// Column-level schema changes between two table entries.
pub fn column_changes(old: &TableEntry, new: &TableEntry) -> Vec<String> {
    let mut out = Vec::new();
    for (c, ty) in old.columns.iter().zip(&old.types) {
        match new.columns.iter().position(|n| n == c) {
            None => out.push(format!("column {c} removed")),
            Some(i) if new.types[i] != *ty => out.push(format!("column {c} type {ty} -> {}", new.types[i])),
            Some(_) => {}
        }
    }
    for (c, ty) in new.columns.iter().zip(&new.types) {
        if !old.columns.contains(c) {
            out.push(format!("column {c} added ({ty})"));
        }
    }
    if old.key != new.key {
        out.push(format!("key ({}) -> ({})", old.key.join(", "), new.key.join(", ")));
    }
    out
}

/// Compare one table across two sides.
pub(crate) async fn diff_table(
    key: &BackupKey,
    old: &Side<'_>,
    new: &Side<'_>,
    limit: usize,
) -> BackupResult<TableDiff> {
    let schema_changes = column_changes(&old.entry, &new.entry);
    let mut d = TableDiff {
        table: new.entry.qualified(),
        status: "same".into(),
        schema_changes,
        ..Default::default()
    };
    if old.entry.hash == new.entry.hash && d.schema_changes.is_empty() {
        return Ok(d);
    }
    // Multiset difference of chunk lists: shared chunks hold identical rows.
    let mut counts: HashMap<ChunkId, i64> = HashMap::new();
    for c in &old.entry.chunks {
        *counts.entry(c.id).or_default() += 1;
    }
    let mut new_only = Vec::new();
    for c in &new.entry.chunks {
        match counts.get_mut(&c.id) {
            Some(n) if *n > 0 => *n -= 1,
            _ => new_only.push(*c),
        }
    }
    let mut left = counts;
    let mut old_only = Vec::new();
    for c in &old.entry.chunks {
        if let Some(n) = left.get_mut(&c.id)
            && *n > 0
        {
            *n -= 1;
            old_only.push(*c);
        }
    }
    let old_rows = old.rows_of(key, &old_only).await?;
    let new_rows = new.rows_of(key, &new_only).await?;
    let cmp = compare_rows(&old.entry, &new.entry, old_rows, new_rows, limit);
    d.rows_added = cmp.added;
    d.rows_removed = cmp.removed;
    d.rows_changed = cmp.changed;
    d.truncated = cmp.truncated;
    d.rows = cmp.rows;
    if d.rows_added + d.rows_removed + d.rows_changed > 0 || !d.schema_changes.is_empty() {
        d.status = "changed".into();
    }
    Ok(d)
}

/// A table present on one side only: every row counts as added/removed.
pub(crate) async fn one_sided(key: &BackupKey, side: &Side<'_>, added: bool, limit: usize) -> BackupResult<TableDiff> {
    let empty = TableEntry {
        rows: 0,
        hash: String::new(),
        bytes: 0,
        chunks: Vec::new(),
        ..side.entry.clone()
    };
    let all = side.rows_of(key, &side.entry.chunks).await?;
    let cmp = if added {
        compare_rows(&empty, &side.entry, Vec::new(), all, limit)
    } else {
        compare_rows(&side.entry, &empty, all, Vec::new(), limit)
    };
    Ok(TableDiff {
        table: side.entry.qualified(),
        status: if added { "added" } else { "removed" }.into(),
        rows_added: cmp.added,
        rows_removed: cmp.removed,
        rows_changed: 0,
        schema_changes: vec![if added { "table added" } else { "table removed" }.into()],
        rows: cmp.rows,
        truncated: cmp.truncated,
    })
}

fn wanted(t: &TableEntry, tables: Option<&[String]>) -> bool {
    tables.is_none_or(|w| w.iter().any(|n| t.matches(n) || t.qualified() == *n))
}

/// Diff two backups (both already checked against the key).
pub async fn diff_backups(
    store: &dyn ChunkStore,
    key: &BackupKey,
    a: &Manifest,
    b: &Manifest,
    tables: Option<&[String]>,
    limit: usize,
) -> BackupResult<BackupDiff> {
    let side = |t: &TableEntry| Side {
        entry: t.clone(),
        plain: HashMap::new(),
        store,
    };
    let mut out = BackupDiff {
        from: a.id.clone(),
        to: b.id.clone(),
        tables: Vec::new(),
        schema: Vec::new(),
    };
    for t in a.tables.iter().filter(|t| wanted(t, tables)) {
        let d = match b.tables.iter().find(|n| n.qualified() == t.qualified()) {
            Some(n) => diff_table(key, &side(t), &side(n), limit).await?,
            None => one_sided(key, &side(t), false, limit).await?,
        };
        out.tables.push(d);
    }
    for n in b.tables.iter().filter(|t| wanted(t, tables)) {
        if !a.tables.iter().any(|t| t.qualified() == n.qualified()) {
            out.tables.push(one_sided(key, &side(n), true, limit).await?);
        }
    }
    out.tables.sort_by(|x, y| x.table.cmp(&y.table));
    out.schema = schema_changes(&a.schema, &b.schema, &mut out.tables, tables);
    Ok(out)
}
