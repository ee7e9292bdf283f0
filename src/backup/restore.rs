//! Restore: plan (what will be created or replaced), then apply all of it
//! in one transaction. Checks that can fail (key, manifest, chunks,
//! columns) run before the first write; the caller takes the pre-restore
//! snapshot between `plan` and `apply`.
//!
//! Atomicity per engine: Postgres and SQLite run DDL and data in one
//! transaction. MariaDB/MySQL commit DDL implicitly, so missing tables are
//! created first (they hold nothing to lose and are dropped again if the
//! data transaction fails), then every DELETE and INSERT runs in one InnoDB
//! transaction with foreign key checks off for the session.

mod create;
pub mod ddl;
pub mod undoable;

use create::{pg_identity, same_engine_ddl};

use super::crypto::BackupKey;
use super::manifest::{Manifest, TableEntry};
use super::progress::{Progress, ProgressTx, emit};
use super::read::fetch_sealed;
use super::{BackupError, BackupResult, ChunkStore};
use crate::db::{Engine, Session, Value, query_all, quote};
use serde::Serialize;
use tokio_util::sync::CancellationToken;

/// Rows per INSERT statement.
const INSERT_ROWS: usize = 500;
/// Soft size cap of one INSERT statement.
const INSERT_BYTES: usize = 1 << 20;

/// One table of a restore plan.
#[derive(Debug, Clone, Serialize)]
pub struct PlannedTable {
    /// The table as backed up.
    #[serde(skip)]
    pub entry: TableEntry,
    /// `schema.table` in the backup.
    pub table: String,
    /// Quoted name on the target.
    pub target: String,
    /// `schema.table` on the target (what a pre-restore snapshot captures).
    pub target_table: String,
    /// Whether the target already has it (its rows will be replaced).
    pub exists: bool,
    /// Rows in the target now.
    pub current_rows: u64,
    /// Rows the backup holds.
    pub backup_rows: u64,
    /// Postgres: insert with OVERRIDING SYSTEM VALUE (GENERATED ALWAYS columns).
    #[serde(skip)]
    pub overriding: bool,
    /// Postgres: columns whose sequence is moved past the restored values.
    #[serde(skip)]
    pub serials: Vec<String>,
    /// Whether the target column allows NULL, for created tables.
    #[serde(skip)]
    pub nullable: Vec<bool>,
}

/// What a restore will do.
#[derive(Debug, Clone, Serialize)]
pub struct RestorePlan {
    /// Backup id.
    pub backup: String,
    /// Engine the backup came from.
    pub source_engine: Engine,
    /// Engine of the target.
    pub target_engine: Engine,
    /// Tables, parents before children.
    pub tables: Vec<PlannedTable>,
    /// Same-engine restores: DDL from the shared migration planner that
    /// creates the missing tables with their types, keys, indexes and
    /// foreign keys (empty: per-table CREATE TABLE from `ddl`).
    pub create: Vec<String>,
}

impl RestorePlan {
    /// Target names (`schema.table`) of tables that exist and will be
    /// replaced (what a pre-restore snapshot must capture).
    pub fn replaced(&self) -> Vec<String> {
        self.tables
            .iter()
            .filter(|t| t.exists)
            .map(|t| t.target_table.clone())
            .collect()
    }
}

/// Totals of an applied restore.
#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct RestoreReport {
    /// Tables restored.
    pub tables: u64,
    /// Rows inserted.
    pub rows: u64,
    /// Rows deleted from replaced tables.
    pub deleted: u64,
}

async fn exec(session: &mut dyn Session, sql: &str) -> BackupResult<u64> {
    let (_, _, s) = query_all(session, sql).await?;
    Ok(s.rows_affected.unwrap_or(0))
}

async fn count(session: &mut dyn Session, target: &str) -> BackupResult<u64> {
    let (_, rows, _) = query_all(session, &format!("SELECT count(*) FROM {target}")).await?;
    Ok(match rows.first().and_then(|r| r.first()) {
        Some(Value::Int(n)) => (*n).max(0) as u64,
        Some(Value::UInt(n)) => *n,
        Some(v) => v.to_string().parse().unwrap_or(0),
        None => 0,
    })
}

/// Parents before children, by the backup's foreign keys (cycles keep
/// their backup order).
fn order_by_fk(m: &Manifest, tables: Vec<&TableEntry>) -> Vec<TableEntry> {
    let mut left: Vec<TableEntry> = tables.into_iter().cloned().collect();
    let mut out: Vec<TableEntry> = Vec::new();
    while !left.is_empty() {
        let ready = left.iter().position(|t| {
            let deps = m
                .schema
                .table(&t.schema, &t.name)
                .map(|s| s.foreign_keys.clone())
                .unwrap_or_default();
            deps.iter().all(|fk| {
                (fk.ref_schema == t.schema && fk.ref_table == t.name)
                    || !left.iter().any(|o| o.schema == fk.ref_schema && o.name == fk.ref_table)
            })
        });
        out.push(left.remove(ready.unwrap_or(0)));
    }
    out
}

/// Plan a restore of `tables` (empty: all) from `m` into the database
/// behind `session`. Reads only.
pub async fn plan(session: &mut dyn Session, m: &Manifest, tables: &[String]) -> BackupResult<RestorePlan> {
    let chosen: Vec<&TableEntry> = if tables.is_empty() {
        m.tables.iter().collect()
    } else {
        tables
            .iter()
            .map(|w| m.table(w).ok_or_else(|| BackupError::UnknownTable(w.clone())))
            .collect::<BackupResult<_>>()?
    };
    let dst = session.engine();
    let mut live = session.introspect().await?;
    live.normalize();
    let mut out = Vec::new();
    for entry in order_by_fk(m, chosen) {
        let target_table = ddl::find_target(&live, m.engine, &entry);
        let src_cols = m.schema.table(&entry.schema, &entry.name);
        let nullable = entry
            .columns
            .iter()
            .map(|c| src_cols.and_then(|t| t.column(c)).is_none_or(|c| c.nullable))
            .collect();
        let mut p = PlannedTable {
            table: entry.qualified(),
            target: ddl::target_name(m.engine, dst, &entry),
            target_table: entry.name.clone(),
            exists: target_table.is_some(),
            current_rows: 0,
            backup_rows: entry.rows,
            overriding: false,
            serials: Vec::new(),
            nullable,
            entry,
        };
        if let Some(t) = target_table {
            p.target = quote::qualified(dst, Some(&t.schema), &t.name);
            p.target_table = format!("{}.{}", t.schema, t.name);
            for c in &p.entry.columns {
                if t.column(c).is_none() {
                    return Err(BackupError::Unsupported(format!(
                        "table {} on the target has no column '{c}' that the backup holds; the schema changed since the backup. Restore with --new-database NAME, or add the column first",
                        p.table
                    )));
                }
            }
            (p.overriding, p.serials) = pg_identity(dst, t, &p.entry.columns);
            p.current_rows = count(session, &p.target).await?;
        }
        out.push(p);
    }
    let missing: Vec<&TableEntry> = out.iter().filter(|t| !t.exists).map(|t| &t.entry).collect();
    let create = if missing.is_empty() {
        Vec::new()
    } else {
        same_engine_ddl(m, &live, &missing).unwrap_or_default()
    };
    if !create.is_empty() {
        // Tables created as the backup defined them keep identity columns.
        for p in out.iter_mut().filter(|p| !p.exists) {
            if let Some(t) = m.schema.table(&p.entry.schema, &p.entry.name) {
                (p.overriding, p.serials) = pg_identity(dst, t, &p.entry.columns);
            }
        }
    }
    Ok(RestorePlan {
        backup: m.id.clone(),
        source_engine: m.engine,
        target_engine: dst,
        tables: out,
        create,
    })
}

/// Apply a plan: all tables or none. Run `verify::preflight` first.
pub async fn apply(
    session: &mut dyn Session,
    store: &dyn ChunkStore,
    key: &BackupKey,
    plan: &RestorePlan,
    progress: &ProgressTx,
    cancel: &CancellationToken,
) -> BackupResult<RestoreReport> {
    let dst = session.engine();
    emit(
        progress,
        Progress::Start {
            phase: "restore",
            tables: plan.tables.len(),
            rows: plan.tables.iter().map(|t| t.backup_rows).sum(),
        },
    );
    let mut created_outside = Vec::new();
    if dst == Engine::Mysql && !plan.create.is_empty() {
        for s in &plan.create {
            if let Err(e) = exec(session, s).await {
                drop_created(session, &created_outside).await;
                return Err(e);
            }
        }
        created_outside.extend(plan.tables.iter().filter(|t| !t.exists).map(|t| t.target.clone()));
    } else if dst == Engine::Mysql {
        for t in plan.tables.iter().filter(|t| !t.exists) {
            for s in create_sql(plan, t) {
                if let Err(e) = exec(session, &s).await {
                    drop_created(session, &created_outside).await;
                    return Err(e);
                }
            }
            created_outside.push(t.target.clone());
        }
        exec(session, "SET FOREIGN_KEY_CHECKS = 0").await?;
    }
    let begin: &[&str] = match dst {
        Engine::Postgres => &["BEGIN"],
        Engine::Sqlite => &["BEGIN IMMEDIATE", "PRAGMA defer_foreign_keys = ON"],
        Engine::Mysql => &["START TRANSACTION"],
    };
    let mut result = Ok(RestoreReport::default());
    for s in begin {
        if let Err(e) = exec(session, s).await {
            result = Err(e);
            break;
        }
    }
    if result.is_ok() {
        result = apply_in_tx(session, store, key, plan, progress, cancel).await;
    }
    match result {
        Ok(rep) => match exec(session, "COMMIT").await {
            Ok(_) => {
                if dst == Engine::Mysql {
                    let _ = exec(session, "SET FOREIGN_KEY_CHECKS = 1").await;
                }
                emit(progress, Progress::Done);
                Ok(rep)
            }
            Err(e) => {
                let _ = exec(session, "ROLLBACK").await;
                drop_created(session, &created_outside).await;
                Err(e)
            }
        },
        Err(e) => {
            let _ = exec(session, "ROLLBACK").await;
            if dst == Engine::Mysql {
                let _ = exec(session, "SET FOREIGN_KEY_CHECKS = 1").await;
            }
            drop_created(session, &created_outside).await;
            Err(e)
        }
    }
}

async fn drop_created(session: &mut dyn Session, names: &[String]) {
    // Children were created after their parents: drop them first.
    for n in names.iter().rev() {
        let _ = exec(session, &format!("DROP TABLE IF EXISTS {n}")).await;
    }
}

fn create_sql(plan: &RestorePlan, t: &PlannedTable) -> Vec<String> {
    let nullable = |c: &str| {
        t.entry
            .columns
            .iter()
            .position(|x| x == c)
            .and_then(|i| t.nullable.get(i).copied())
            .unwrap_or(true)
    };
    ddl::create_table(plan.source_engine, plan.target_engine, &t.entry, &nullable)
}

async fn apply_in_tx(
    session: &mut dyn Session,
    store: &dyn ChunkStore,
    key: &BackupKey,
    plan: &RestorePlan,
    progress: &ProgressTx,
    cancel: &CancellationToken,
) -> BackupResult<RestoreReport> {
    let dst = session.engine();
    let mut rep = RestoreReport::default();
    if dst != Engine::Mysql && !plan.create.is_empty() {
        for s in &plan.create {
            exec(session, s).await?;
        }
    } else if dst != Engine::Mysql {
        for t in plan.tables.iter().filter(|t| !t.exists) {
            for s in create_sql(plan, t) {
                exec(session, &s).await?;
            }
        }
    }
    // Children first, so a parent's rows are gone only after its children's.
    for t in plan.tables.iter().rev().filter(|t| t.exists) {
        rep.deleted += exec(session, &format!("DELETE FROM {}", t.target)).await?;
    }
    for t in &plan.tables {
        emit(
            progress,
            Progress::Table {
                name: t.table.clone(),
                rows: t.backup_rows,
            },
        );
        let cols: Vec<String> = t.entry.columns.iter().map(|c| quote::ident(dst, c)).collect();
        let head = format!(
            "INSERT INTO {} ({}){} VALUES ",
            t.target,
            cols.join(", "),
            if t.overriding { " OVERRIDING SYSTEM VALUE" } else { "" }
        );
        let ctx = format!("table {} of backup {}", t.table, plan.backup);
        // Decrypting, decoding and rendering chunk k+1 runs on a blocking
        // thread while the server executes chunk k's INSERTs.
        let mut pending: Option<RenderJob> = None;
        for c in t.entry.chunks.iter().map(Some).chain(std::iter::once(None)) {
            if cancel.is_cancelled() {
                return Err(BackupError::Cancelled);
            }
            let next = match c {
                Some(c) => {
                    let sealed = fetch_sealed(store, c, &ctx).await?;
                    let (key, head) = (key.clone(), head.clone());
                    Some(tokio::task::spawn_blocking(move || {
                        let rows = sealed.rows(&key)?;
                        Ok((rows.len() as u64, insert_statements(dst, &head, &rows)))
                    }))
                }
                None => None,
            };
            if let Some(job) = std::mem::replace(&mut pending, next) {
                let (n, stmts) = job
                    .await
                    .map_err(|e| BackupError::Unsupported(format!("restore worker failed: {e}")))??;
                for stmt in stmts {
                    exec(session, &stmt).await?;
                }
                rep.rows += n;
                emit(
                    progress,
                    Progress::Rows {
                        done: rep.rows,
                        bytes: 0,
                    },
                );
            }
        }
        for col in &t.serials {
            let seq = format!(
                "SELECT setval(pg_get_serial_sequence({}, {}), coalesce(max({c}), 1), max({c}) IS NOT NULL) FROM {}",
                quote::string(dst, &t.target),
                quote::string(dst, col),
                t.target,
                c = quote::ident(dst, col)
            );
            exec(session, &seq).await?;
        }
        rep.tables += 1;
    }
    Ok(rep)
}

/// A chunk being decrypted and rendered: its row count and INSERTs.
type RenderJob = tokio::task::JoinHandle<BackupResult<(u64, Vec<String>)>>;

/// Multi-row INSERT statements for a batch of rows.
pub fn insert_statements(dst: Engine, head: &str, rows: &[Vec<Value>]) -> Vec<String> {
    let mut out = Vec::new();
    let mut sql = String::new();
    let mut n = 0;
    for r in rows {
        if n == 0 {
            sql.push_str(head);
        } else {
            sql.push_str(", ");
        }
        sql.push('(');
        for (i, v) in r.iter().enumerate() {
            if i > 0 {
                sql.push_str(", ");
            }
            sql.push_str(&ddl::literal(dst, v));
        }
        sql.push(')');
        n += 1;
        if n >= INSERT_ROWS || sql.len() >= INSERT_BYTES {
            out.push(std::mem::take(&mut sql));
            n = 0;
        }
    }
    if n > 0 {
        out.push(sql);
    }
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn inserts_are_batched() {
        let rows: Vec<Vec<Value>> = (0..1001)
            .map(|i| vec![Value::Int(i), Value::Text("x".into())])
            .collect();
        let s = insert_statements(Engine::Sqlite, "INSERT INTO t (a, b) VALUES ", &rows);
        assert_eq!(s.len(), 3);
        assert!(s[2].ends_with("(1000, 'x')"));
        assert!(s[0].starts_with("INSERT INTO t (a, b) VALUES (0, 'x'), (1, 'x')"));
    }
}
