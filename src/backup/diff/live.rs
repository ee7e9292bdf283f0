//! Diff a backup against the live database, read-only, in one snapshot.

use super::{BackupDiff, Side, diff_table, one_sided};
use crate::backup::capture::{begin_snapshot, end_snapshot, select_sql, stored_columns, stream_table};
use crate::backup::chunker::{Chunker, PlainChunk};
use crate::backup::crypto::BackupKey;
use crate::backup::manifest::{ChunkRef, Manifest, TableEntry};
use crate::backup::{BackupResult, ChunkId, ChunkStore};
use crate::db::Session;
use crate::schema::Table;
use std::collections::{HashMap, HashSet};
use tokio_util::sync::CancellationToken;

/// Read a live table into a diff side: chunks the backup also has are
/// kept as references only; the others are kept in memory.
async fn live_side<'a>(
    session: &mut dyn Session,
    key: &BackupKey,
    t: &Table,
    known: &HashSet<ChunkId>,
    store: &'a dyn ChunkStore,
    cancel: &CancellationToken,
) -> BackupResult<Side<'a>> {
    let cols = stored_columns(t);
    let names: Vec<String> = cols.iter().map(|c| c.0.clone()).collect();
    let key_cols = t.key_columns().unwrap_or_default();
    let key_idx: Vec<usize> = key_cols
        .iter()
        .filter_map(|k| names.iter().position(|c| c == k))
        .collect();
    let sql = select_sql(session.engine(), t, &names, &key_cols);
    let mut chunker = Chunker::new(key, key_idx);
    let mut refs = Vec::new();
    let mut plain = HashMap::new();
    let mut keep = |c: PlainChunk, refs: &mut Vec<ChunkRef>| {
        let id = key.address(&c.plain);
        if !known.contains(&id) {
            plain.insert(id, c.plain);
        }
        refs.push(ChunkRef {
            id,
            rows: c.rows,
            base: None,
        });
    };
    stream_table(session, &sql, cancel, |rows| {
        for r in &rows {
            if let Some(c) = chunker.push(r) {
                keep(c, &mut refs);
            }
        }
        Ok(())
    })
    .await?;
    if let Some(c) = chunker.flush() {
        keep(c, &mut refs);
    }
    let entry = TableEntry {
        schema: t.schema.clone(),
        name: t.name.clone(),
        columns: names,
        types: cols.into_iter().map(|c| c.1).collect(),
        key: key_cols,
        rows: chunker.total_rows,
        hash: chunker.hash_hex(),
        bytes: chunker.total_bytes,
        chunks: refs,
    };
    Ok(Side { entry, plain, store })
}

/// Diff backup `m` against the live database behind `session` (open it
/// read-only). `conn` names the live side in the result.
#[allow(clippy::too_many_arguments)]
pub async fn diff_live(
    store: &dyn ChunkStore,
    key: &BackupKey,
    m: &Manifest,
    session: &mut dyn Session,
    conn: &str,
    tables: Option<&[String]>,
    limit: usize,
    cancel: &CancellationToken,
) -> BackupResult<BackupDiff> {
    begin_snapshot(session).await?;
    let r = diff_in_snapshot(store, key, m, session, tables, limit, cancel).await;
    end_snapshot(session).await;
    let (tables_diff, live) = r?;
    let mut out = BackupDiff {
        from: m.id.clone(),
        to: format!("live:{conn}"),
        tables: tables_diff,
        schema: Vec::new(),
    };
    out.tables.sort_by(|x, y| x.table.cmp(&y.table));
    out.schema = super::schema_changes(&m.schema, &live, &mut out.tables, tables);
    Ok(out)
}

async fn diff_in_snapshot(
    store: &dyn ChunkStore,
    key: &BackupKey,
    m: &Manifest,
    session: &mut dyn Session,
    tables: Option<&[String]>,
    limit: usize,
    cancel: &CancellationToken,
) -> BackupResult<(Vec<super::TableDiff>, crate::schema::Schema)> {
    let live = crate::schema::introspect::introspect(session).await?;
    let mut out = Vec::new();
    for t in m.tables.iter().filter(|t| super::wanted(t, tables)) {
        let old = Side {
            entry: t.clone(),
            plain: HashMap::new(),
            store,
        };
        match live.table(&t.schema, &t.name) {
            Some(lt) => {
                let known: HashSet<ChunkId> = t.chunks.iter().map(|c| c.id).collect();
                let new = live_side(session, key, lt, &known, store, cancel).await?;
                out.push(diff_table(key, &old, &new, limit).await?);
            }
            None => out.push(one_sided(key, &old, false, limit).await?),
        }
    }
    // Tables created since the backup (not merely left out of a selective one).
    for lt in &live.tables {
        let in_backup_schema = m.schema.table(&lt.schema, &lt.name).is_some();
        let probe = TableEntry {
            schema: lt.schema.clone(),
            name: lt.name.clone(),
            columns: Vec::new(),
            types: Vec::new(),
            key: Vec::new(),
            rows: 0,
            hash: String::new(),
            bytes: 0,
            chunks: Vec::new(),
        };
        if in_backup_schema || !super::wanted(&probe, tables) {
            continue;
        }
        let new = live_side(session, key, lt, &HashSet::new(), store, cancel).await?;
        out.push(one_sided(key, &new, true, limit).await?);
    }
    Ok((out, live))
}
