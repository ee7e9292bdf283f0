//! Capture: one consistent read of the source, streamed table by table in
//! key order into sealed chunks, then the manifest.

use super::chunker::{Chunker, PlainChunk};
use super::crypto::BackupKey;
use super::crypto::base_of;
use super::manifest::{ChunkRef, FORMAT_VERSION, Manifest, TableEntry};
use super::progress::{Progress, ProgressTx, emit};
use super::{BackupError, BackupResult, ChunkId, Repo, new_backup_id};
use crate::db::{Engine, ErrorCode, Frame, Session, Value, query_all, quote};
use crate::schema::{Schema, Table};
use std::collections::HashMap;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

/// What to capture.
#[derive(Debug, Clone, Default)]
pub struct CaptureOptions {
    /// Connection name recorded in the manifest.
    pub connection: String,
    /// Tables to capture (`t` or `schema.t`); empty means all.
    pub tables: Vec<String>,
    /// Optional label.
    pub label: Option<String>,
}

/// What a capture wrote.
#[derive(Debug, Clone)]
pub struct CaptureReport {
    /// The manifest as written.
    pub manifest: Manifest,
    /// Chunks written by this backup.
    pub new_chunks: u64,
    /// Stored bytes written by this backup (chunks only).
    pub new_bytes: u64,
    /// Chunks that were already stored and reused.
    pub reused_chunks: u64,
    /// Size of the manifest file.
    pub manifest_bytes: u64,
}

/// Start the engine's consistent read-only snapshot on the session.
pub async fn begin_snapshot(session: &mut dyn Session) -> BackupResult<()> {
    session.begin_read_snapshot().await?;
    Ok(())
}

/// End the snapshot transaction (it never wrote anything).
pub async fn end_snapshot(session: &mut dyn Session) {
    let _ = session.end_read_snapshot().await;
}

/// Tables to capture from a schema, by user-written names.
pub fn select_tables<'a>(schema: &'a Schema, wanted: &[String], conn: &str) -> BackupResult<Vec<&'a Table>> {
    if wanted.is_empty() {
        // A partition's rows are read (and restored) through its partitioned
        // table, where the server routes each row to its partition.
        return Ok(schema.tables.iter().filter(|t| t.partition_of.is_none()).collect());
    }
    wanted
        .iter()
        .map(|w| {
            schema.find_table(w).ok_or_else(|| {
                BackupError::Unsupported(format!(
                    "table '{w}' does not exist in connection '{conn}'; check the name with `dbn query --conn {conn}`"
                ))
            })
        })
        .collect()
}

/// Columns a backup stores for a table: all but generated ones.
pub fn stored_columns(t: &Table) -> Vec<(String, String)> {
    t.columns
        .iter()
        .filter(|c| c.generated.is_none())
        .map(|c| (c.name.clone(), c.data_type.clone()))
        .collect()
}

/// `SELECT cols FROM t ORDER BY key` for a table.
pub fn select_sql(engine: Engine, t: &Table, columns: &[String], key: &[String]) -> String {
    // SQLite: `likely(x)` returns x unchanged but without the declared type,
    // so values arrive as stored (storage class exact), not reinterpreted
    // by the column's declared type.
    let cols: Vec<String> = columns
        .iter()
        .map(|c| match engine {
            Engine::Sqlite => format!("likely({}) AS {}", quote::ident(engine, c), quote::ident(engine, c)),
            _ => quote::ident(engine, c),
        })
        .collect();
    let mut sql = format!(
        "SELECT {} FROM {}",
        if cols.is_empty() {
            "*".to_string()
        } else {
            cols.join(", ")
        },
        quote::qualified(engine, Some(&t.schema), &t.name)
    );
    // Keyless tables are ordered by every comparable column, so the same
    // rows always stream in the same order (stable chunks and hashes).
    let order: Vec<String> = if key.is_empty() {
        t.columns
            .iter()
            .filter(|c| columns.contains(&c.name))
            .filter(|c| {
                let ty = c.data_type.to_ascii_lowercase();
                !(ty.contains("json") || ty.contains("xml") || ty.contains("geometry") || ty.contains("point"))
            })
            .map(|c| quote::ident(engine, &c.name))
            .collect()
    } else {
        key.iter().map(|c| quote::ident(engine, c)).collect()
    };
    if !order.is_empty() {
        sql.push_str(&format!(" ORDER BY {}", order.join(", ")));
    }
    sql
}

async fn count_rows(session: &mut dyn Session, t: &Table) -> BackupResult<u64> {
    let sql = format!(
        "SELECT count(*) FROM {}",
        quote::qualified(session.engine(), Some(&t.schema), &t.name)
    );
    let (_, rows, _) = query_all(session, &sql).await?;
    Ok(match rows.first().and_then(|r| r.first()) {
        Some(Value::Int(n)) => (*n).max(0) as u64,
        Some(Value::UInt(n)) => *n,
        Some(Value::Decimal(d)) | Some(Value::Text(d)) => d.parse().unwrap_or(0),
        _ => 0,
    })
}

/// Stream one table's rows in key order into `sink`, one batch at a time,
/// stopping early on cancel. Shared by capture and live diff.
pub async fn stream_table<F>(
    session: &mut dyn Session,
    sql: &str,
    cancel: &CancellationToken,
    mut sink: F,
) -> BackupResult<()>
where
    F: FnMut(Vec<Vec<Value>>) -> BackupResult<()> + Send,
{
    let (tx, mut rx) = mpsc::channel::<Frame>(4);
    let consume = async {
        let r: BackupResult<()> = async {
            while let Some(frame) = rx.recv().await {
                if cancel.is_cancelled() {
                    return Err(BackupError::Cancelled);
                }
                if let Frame::Rows(rows) = frame {
                    sink(rows)?;
                }
            }
            Ok(())
        }
        .await;
        // Closing the channel stops the driver's stream on an early return.
        rx.close();
        r
    };
    let (exec, consumed) = tokio::join!(session.execute(sql, tx), consume);
    consumed?;
    match exec {
        Ok(_) => Ok(()),
        Err(e) if cancel.is_cancelled() || e.code == ErrorCode::QueryCancelled => Err(BackupError::Cancelled),
        Err(e) => Err(BackupError::Db(e)),
    }
}

/// Take a backup through `session` (open it read-only) into `repo`.
pub async fn capture(
    session: &mut dyn Session,
    repo: &Repo,
    key: &BackupKey,
    opts: &CaptureOptions,
    progress: &ProgressTx,
    cancel: &CancellationToken,
) -> BackupResult<CaptureReport> {
    let started = std::time::Instant::now();
    let created_at = crate::store::now();
    // Held until the manifest lands: a GC meanwhile deletes nothing.
    let lease = super::lease::Lease::backup(std::sync::Arc::clone(&repo.backend)).await?;
    let server_version = session.server_version().await?;
    begin_snapshot(session).await?;
    let result = capture_in_snapshot(session, repo, key, opts, progress, cancel).await;
    end_snapshot(session).await;
    let (schema, tables, counters, stats) = result?;
    let mut manifest = Manifest {
        format_version: FORMAT_VERSION,
        dbn_version: env!("CARGO_PKG_VERSION").to_string(),
        id: new_backup_id(),
        created_at,
        connection: opts.connection.clone(),
        engine: session.engine(),
        server_version,
        label: opts.label.clone(),
        key_fingerprint: key.fingerprint().to_string(),
        schema,
        tables,
        counters,
        duration_ms: started.elapsed().as_millis() as u64,
        mac: String::new(),
        raw: None,
    };
    manifest.seal(key)?;
    if cancel.is_cancelled() {
        return Err(BackupError::Cancelled);
    }
    let manifest_bytes = repo.manifests.write(&manifest).await?;
    lease.release().await;
    emit(progress, Progress::Done);
    Ok(CaptureReport {
        manifest,
        new_chunks: stats.0,
        new_bytes: stats.1,
        reused_chunks: stats.2,
        manifest_bytes,
    })
}

type Captured = (Schema, Vec<TableEntry>, Vec<super::counters::Counter>, (u64, u64, u64));

async fn capture_in_snapshot(
    session: &mut dyn Session,
    repo: &Repo,
    key: &BackupKey,
    opts: &CaptureOptions,
    progress: &ProgressTx,
    cancel: &CancellationToken,
) -> BackupResult<Captured> {
    let schema = crate::schema::introspect::introspect(session).await?;
    let chosen: Vec<Table> = select_tables(&schema, &opts.tables, &opts.connection)?
        .into_iter()
        .cloned()
        .collect();
    let mut counts = Vec::with_capacity(chosen.len());
    for t in &chosen {
        counts.push(count_rows(session, t).await?);
    }
    emit(
        progress,
        Progress::Start {
            phase: "backup",
            tables: chosen.len(),
            rows: counts.iter().sum(),
        },
    );
    let engine = session.engine();
    let parent = Parent::find(repo, &opts.connection, key).await;
    let mut stats = (0u64, 0u64, 0u64);
    let mut done = 0u64;
    let mut entries = Vec::with_capacity(chosen.len());
    for (t, expected) in chosen.iter().zip(counts) {
        let cols = stored_columns(t);
        let names: Vec<String> = cols.iter().map(|c| c.0.clone()).collect();
        let key_cols = t.key_columns().unwrap_or_default();
        let key_idx: Vec<usize> = key_cols
            .iter()
            .filter_map(|k| names.iter().position(|c| c == k))
            .collect();
        emit(
            progress,
            Progress::Table {
                name: format!("{}.{}", t.schema, t.name),
                rows: expected,
            },
        );
        let sql = select_sql(engine, t, &names, &key_cols);
        let qualified = format!("{}.{}", t.schema, t.name);
        let mut chunker = Chunker::new(key, key_idx);
        let mut refs = Vec::new();
        let (tx, mut rx) = mpsc::channel::<Frame>(4);
        let consume = async {
            let r: BackupResult<()> = async {
                while let Some(frame) = rx.recv().await {
                    if cancel.is_cancelled() {
                        return Err(BackupError::Cancelled);
                    }
                    let Frame::Rows(rows) = frame else { continue };
                    for r in &rows {
                        if let Some(c) = chunker.push(r) {
                            let slot = Slot {
                                parent: parent.as_ref(),
                                table: qualified.clone(),
                                index: refs.len(),
                            };
                            refs.push(store_chunk(repo, key, c, slot, &mut stats).await?);
                        }
                    }
                    done += rows.len() as u64;
                    emit(progress, Progress::Rows { done, bytes: stats.1 });
                }
                if let Some(c) = chunker.flush() {
                    let slot = Slot {
                        parent: parent.as_ref(),
                        table: qualified.clone(),
                        index: refs.len(),
                    };
                    refs.push(store_chunk(repo, key, c, slot, &mut stats).await?);
                }
                Ok(())
            }
            .await;
            // Closing the channel stops the driver's stream on an early return.
            rx.close();
            r
        };
        let (exec, consumed) = tokio::join!(session.execute(&sql, tx), consume);
        consumed?;
        match exec {
            Err(e) if cancel.is_cancelled() || e.code == ErrorCode::QueryCancelled => {
                return Err(BackupError::Cancelled);
            }
            Err(e) => return Err(BackupError::Db(e)),
            Ok(_) => {}
        }
        entries.push(TableEntry {
            schema: t.schema.clone(),
            name: t.name.clone(),
            columns: names,
            types: cols.into_iter().map(|c| c.1).collect(),
            key: key_cols,
            rows: chunker.total_rows,
            hash: chunker.hash_hex(),
            bytes: chunker.total_bytes,
            chunks: refs,
        });
    }
    // Read after the data: a counter is never behind the rows captured.
    let counters = super::counters::capture(session).await?;
    Ok((schema, entries, counters, stats))
}

/// The previous backup of the same connection, whose chunks serve as
/// delta bases: the k-th new chunk of a table is tried as a delta against
/// the k-th chunk of that table in the parent (boundaries follow keys, so
/// after updates they line up).
pub struct Parent {
    tables: HashMap<String, Vec<ChunkRef>>,
}

impl Parent {
    /// The newest complete backup of `connection` sealed with `key`.
    pub async fn find(repo: &Repo, connection: &str, key: &BackupKey) -> Option<Parent> {
        let ids = repo.manifests.ids().await.ok()?;
        let mut found = None;
        for id in ids.iter().rev() {
            let Ok(m) = repo.manifests.read(id).await else { continue };
            if m.connection == connection && m.key_fingerprint == key.fingerprint() {
                found = Some(m);
                break;
            }
        }
        let m = found?;
        Some(Parent {
            tables: m.tables.into_iter().map(|t| (t.qualified(), t.chunks)).collect(),
        })
    }
}

/// Where a new chunk sits, for delta matching.
struct Slot<'p> {
    parent: Option<&'p Parent>,
    table: String,
    index: usize,
}

async fn delta_base(repo: &Repo, key: &BackupKey, slot: &Slot<'_>) -> Option<(ChunkId, Vec<u8>)> {
    let pc = slot.parent?.tables.get(&slot.table)?.get(slot.index)?;
    let base = pc.base.unwrap_or(pc.id);
    let sealed = repo.chunks.get(&base).await.ok()?;
    if base_of(&sealed).is_some() {
        return None;
    }
    Some((base, key.open(&base, &sealed, None).ok()?))
}

/// Whether the stored chunk `id` still opens (length, decryption,
/// decompression and its hash against its address; a delta through its
/// base, which must open too). `Some(base)` when it does.
async fn intact(repo: &Repo, key: &BackupKey, id: &ChunkId) -> Option<Option<ChunkId>> {
    let sealed = repo.chunks.get(id).await.ok()?;
    match base_of(&sealed) {
        None => key.open(id, &sealed, None).ok().map(|_| None),
        Some(base) => {
            let base_sealed = repo.chunks.get(&base).await.ok()?;
            if base_of(&base_sealed).is_some() {
                return None;
            }
            let base_plain = key.open(&base, &base_sealed, None).ok()?;
            key.open(id, &sealed, Some(&base_plain)).ok().map(|_| Some(base))
        }
    }
}

/// Seal and store one chunk, as a delta against the parent's matching
/// chunk when that is at most half the size; counts (new chunks, new
/// bytes, reused).
async fn store_chunk(
    repo: &Repo,
    key: &BackupKey,
    c: PlainChunk,
    slot: Slot<'_>,
    stats: &mut (u64, u64, u64),
) -> BackupResult<ChunkRef> {
    let bad = |e: crate::backup::crypto::OpenError| BackupError::CorruptChunk {
        id: "(new chunk)".into(),
        why: e.to_string(),
    };
    let id = key.address(&c.plain);
    if repo.chunks.contains(&id).await? {
        // A stored chunk counts as present only when it still opens: a
        // truncated or damaged copy reused here would make this backup and
        // every later one unrestorable, so it is stored again instead.
        if let Some(base) = intact(repo, key, &id).await {
            stats.2 += 1;
            return Ok(ChunkRef { id, rows: c.rows, base });
        }
        tracing::warn!(chunk = %id.to_hex(), "stored chunk is damaged; storing it again");
        repo.chunks.remove(&id).await?;
    }
    let (_, full) = key.seal(&c.plain).map_err(bad)?;
    let (sealed, base) = match delta_base(repo, key, &slot).await {
        Some((base, base_plain)) => {
            let (_, delta) = key.seal_delta(&c.plain, &base, &base_plain).map_err(bad)?;
            if delta.len() * 2 < full.len() {
                (delta, Some(base))
            } else {
                (full, None)
            }
        }
        None => (full, None),
    };
    if repo.chunks.put(&id, &sealed).await? {
        stats.0 += 1;
        stats.1 += sealed.len() as u64;
    } else {
        stats.2 += 1;
    }
    Ok(ChunkRef { id, rows: c.rows, base })
}
