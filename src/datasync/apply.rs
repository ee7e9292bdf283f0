//! Write a sync plan to the target in batches, one transaction per batch.
//! A killed run leaves whole batches committed; running the same sync
//! again recomputes the diff from the current state and converges.

use super::plan::SyncPlan;
use super::rowdiff::Row;
use super::sql::{SideTable, begin};
use super::{Control, DataSyncError, Progress, SyncResult, typemap};
use crate::db::{BulkTarget, DbError, Engine, Session, Value, query_all, quote};
use serde::Serialize;
use std::time::Instant;

/// What an apply did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct ApplyReport {
    /// Rows inserted.
    pub inserted: u64,
    /// Rows updated.
    pub updated: u64,
    /// Rows deleted.
    pub deleted: u64,
    /// Transactions committed.
    pub batches: u64,
    /// Wall time in milliseconds.
    pub elapsed_ms: u64,
}

impl ApplyReport {
    /// Rows changed in total.
    pub fn total(&self) -> u64 {
        self.inserted + self.updated + self.deleted
    }
}

enum Op<'a> {
    Delete(&'a [Value]),
    Update(&'a super::plan::RowUpdate),
    Insert(&'a Row),
}

/// One batch of an apply, as it is recorded before it is sent and after it
/// ended (the audit log's intent and outcome of each committed batch).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Batch {
    /// 1-based position.
    pub number: u64,
    /// Batches planned in all.
    pub of: u64,
    /// Position of its first change in the plan (1-based).
    pub first: u64,
    /// Position of its last change in the plan (inclusive).
    pub last: u64,
    /// Rows it inserts.
    pub inserts: u64,
    /// Rows it updates.
    pub updates: u64,
    /// Rows it deletes.
    pub deletes: u64,
}

impl Batch {
    /// Changes in the batch.
    pub fn changes(&self) -> u64 {
        self.last + 1 - self.first
    }
}

/// Where each batch is recorded. `before` runs before anything of the batch
/// is sent: an error stops the apply there (fail closed). `after` runs once
/// the batch committed or failed: an error stops the apply too, so nothing
/// further is sent while a record is incomplete.
pub trait BatchLog: Send {
    /// The batch is about to be sent; `Err(message)` keeps it from being sent.
    fn before(&mut self, batch: &Batch) -> Result<(), String>;
    /// The batch ended: committed (`Ok`), or rolled back with the error.
    fn after(&mut self, batch: &Batch, outcome: Result<(), &DbError>) -> Result<(), String>;
}

/// No record of batches: for services-level tests and benchmarks only.
/// Faces apply through `ops::sync_table`, which audits every batch.
#[derive(Debug, Default, Clone, Copy)]
pub struct Unrecorded;

impl BatchLog for Unrecorded {
    fn before(&mut self, _: &Batch) -> Result<(), String> {
        Ok(())
    }

    fn after(&mut self, _: &Batch, _: Result<(), &DbError>) -> Result<(), String> {
        Ok(())
    }
}

/// Error of a batch, with what was already committed.
fn batch_error(done: &ApplyReport, source: DbError) -> DataSyncError {
    DataSyncError::Apply(format!(
        "target: a sync batch failed after {} change(s) in {} batch(es) were committed: {source}. \
         Fix the cause and run the same sync again: it continues from the current state",
        done.total(),
        done.batches
    ))
}

async fn run(session: &mut dyn Session, sql: &str) -> Result<(), DbError> {
    query_all(session, sql).await.map(|_| ())
}

/// Target columns a sync must never write: generated columns (computed by
/// the server, on every engine).
async fn generated_columns(
    session: &mut dyn Session,
    table: &SideTable,
    written: &(Option<String>, String),
) -> Result<Vec<String>, DbError> {
    let engine = table.engine;
    let (schema, name) = (written.0.as_deref(), written.1.as_str());
    let sql = match engine {
        Engine::Postgres => format!(
            "SELECT attname FROM pg_attribute WHERE attrelid = to_regclass({}) AND attnum > 0 \
             AND NOT attisdropped AND attgenerated <> ''",
            quote::string(engine, &table.quoted)
        ),
        Engine::Mysql => format!(
            "SELECT COLUMN_NAME FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = {} AND TABLE_NAME = {} \
             AND (EXTRA LIKE '%GENERATED%' AND EXTRA NOT LIKE '%DEFAULT_GENERATED%')",
            schema.map_or_else(|| "DATABASE()".to_string(), |s| quote::string(engine, s)),
            quote::string(engine, name)
        ),
        Engine::Sqlite => format!(
            "SELECT name FROM pragma_table_xinfo({}) WHERE hidden IN (2, 3)",
            quote::string(engine, name)
        ),
    };
    let (_, rows, _) = query_all(session, &sql).await?;
    Ok(rows
        .into_iter()
        .filter_map(|r| r.into_iter().next())
        .map(|v| match v {
            Value::Bytes(b) => String::from_utf8_lossy(&b).into_owned(),
            other => other.render(),
        })
        .collect())
}

/// Where inserted rows go, and which of the compared columns they fill.
struct Writable {
    bulk: BulkTarget,
    /// Positions (in the compared columns) of the columns written.
    index: Vec<usize>,
}

impl Writable {
    fn new(table: &SideTable, written: &(Option<String>, String), generated: &[String]) -> Writable {
        let (schema, name) = (written.0.as_deref(), written.1.as_str());
        let index: Vec<usize> = (0..table.columns.len())
            .filter(|&i| !generated.iter().any(|g| g.eq_ignore_ascii_case(&table.columns[i])))
            .collect();
        Writable {
            bulk: BulkTarget {
                schema: schema.map(str::to_string),
                table: name.to_string(),
                columns: index.iter().map(|&i| table.columns[i].clone()).collect(),
                types: index.iter().map(|&i| table.types[i].clone()).collect(),
            },
            index,
        }
    }

    fn writes(&self, column: usize) -> bool {
        self.index.contains(&column)
    }
}

/// The table's `(schema, name)` unquoted, from its quoted form.
fn written_name(table: &SideTable) -> (Option<String>, String) {
    let q = if table.engine == Engine::Mysql { '`' } else { '"' };
    let mut parts = Vec::new();
    let mut cur = String::new();
    let mut chars = table.quoted.chars().peekable();
    let mut inside = false;
    while let Some(c) = chars.next() {
        if c == q {
            if inside && chars.peek() == Some(&q) {
                cur.push(q);
                chars.next();
            } else {
                inside = !inside;
            }
        } else if c == '.' && !inside {
            parts.push(std::mem::take(&mut cur));
        } else {
            cur.push(c);
        }
    }
    parts.push(cur);
    let name = parts.pop().unwrap_or_default();
    (parts.pop(), name)
}

async fn apply_batch(
    session: &mut dyn Session,
    table: &SideTable,
    target: &Writable,
    ops: &[Op<'_>],
) -> Result<(u64, u64, u64), DbError> {
    let deletes: Vec<Vec<Value>> = ops
        .iter()
        .filter_map(|o| if let Op::Delete(k) = o { Some(k.to_vec()) } else { None })
        .collect();
    let inserts: Vec<Row> = ops
        .iter()
        .filter_map(|o| {
            if let Op::Insert(r) = o {
                Some((*r).clone())
            } else {
                None
            }
        })
        .collect();
    let mut updated = 0;
    run(session, begin(table.engine)).await?;
    let body = async {
        if !deletes.is_empty() {
            run(session, &table.delete(&deletes)).await?;
        }
        for op in ops {
            if let Op::Update(u) = op {
                // Generated columns follow from the others: never written.
                let sets: Vec<(usize, &Value)> = u
                    .changes
                    .iter()
                    .filter(|c| target.writes(c.column))
                    .map(|c| (c.column, &c.new))
                    .collect();
                if !sets.is_empty() {
                    run(session, &table.update(&u.key, &sets)).await?;
                }
                updated += 1;
            }
        }
        if !inserts.is_empty() {
            // The engine's bulk path (COPY writes identity columns as given,
            // GENERATED ALWAYS included), inside this batch's transaction.
            let rows: Vec<Row> = inserts
                .iter()
                .map(|r| {
                    target
                        .index
                        .iter()
                        .map(|&i| typemap::bulk_value(table.engine, &table.types[i], &r[i]))
                        .collect()
                })
                .collect();
            let (tx, rx) = tokio::sync::mpsc::channel(1);
            let _ = tx.send(Ok(rows)).await;
            drop(tx);
            session.bulk_load(&target.bulk, rx).await?;
        }
        run(session, "COMMIT").await
    };
    match body.await {
        Ok(()) => Ok((inserts.len() as u64, updated, deletes.len() as u64)),
        Err(e) => {
            let _ = run(session, "ROLLBACK").await;
            Err(e)
        }
    }
}

/// The batch `chunk` (the `number`-th of `of`, starting after `done`
/// changes) as recorded.
fn describe(number: u64, of: u64, done: u64, chunk: &[Op<'_>]) -> Batch {
    let count = |f: fn(&Op<'_>) -> bool| chunk.iter().filter(|o| f(o)).count() as u64;
    Batch {
        number,
        of,
        first: done + 1,
        last: done + chunk.len() as u64,
        inserts: count(|o| matches!(o, Op::Insert(_))),
        updates: count(|o| matches!(o, Op::Update(_))),
        deletes: count(|o| matches!(o, Op::Delete(_))),
    }
}

/// Apply `plan` to `target` in batches of `batch_size` changes (deletes
/// first, then updates, then inserts, so freed unique values can be
/// reused). Cancellation takes effect between batches. Each batch is
/// recorded in `log` before it is sent and after it ended; a record that
/// cannot be written stops the apply before anything further is sent.
pub async fn apply_plan(
    target: &mut dyn Session,
    table: &SideTable,
    plan: &SyncPlan,
    batch_size: usize,
    ctl: &Control,
    log: &mut dyn BatchLog,
) -> SyncResult<ApplyReport> {
    let started = Instant::now();
    let mut ops: Vec<Op<'_>> = Vec::with_capacity(plan.total() as usize);
    ops.extend(plan.deletes.iter().map(|k| Op::Delete(k)));
    ops.extend(plan.updates.iter().map(Op::Update));
    ops.extend(plan.inserts.iter().map(Op::Insert));
    let total = ops.len() as u64;
    let mut report = ApplyReport::default();
    let written = written_name(table);
    let generated = generated_columns(target, table, &written)
        .await
        .map_err(|e| batch_error(&report, e))?;
    let writable = Writable::new(table, &written, &generated);
    ctl.emit(Progress::Phase { name: "apply".into() });
    ctl.emit(Progress::Applied { done: 0, total });
    let size = batch_size.max(1);
    let of = ops.len().div_ceil(size) as u64;
    for (n, chunk) in ops.chunks(size).enumerate() {
        ctl.check()?;
        let batch = describe(n as u64 + 1, of, report.total(), chunk);
        log.before(&batch).map_err(DataSyncError::Audit)?;
        let applied = apply_batch(target, table, &writable, chunk).await;
        let recorded = log.after(&batch, applied.as_ref().map(|_| ()));
        let (i, u, d) = applied.map_err(|e| batch_error(&report, e))?;
        recorded.map_err(DataSyncError::Audit)?;
        report.inserted += i;
        report.updated += u;
        report.deleted += d;
        report.batches += 1;
        ctl.emit(Progress::Applied {
            done: report.total(),
            total,
        });
    }
    report.elapsed_ms = started.elapsed().as_millis() as u64;
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn written_names_come_back_from_quoted_ones() {
        let t = |engine, quoted: &str| SideTable {
            engine,
            quoted: quoted.into(),
            columns: Vec::new(),
            types: Vec::new(),
            key: Vec::new(),
            filter: None,
            record_hash: false,
        };
        assert_eq!(
            written_name(&t(Engine::Postgres, "\"public\".\"a\"\"b\"")),
            (Some("public".to_string()), "a\"b".to_string())
        );
        assert_eq!(written_name(&t(Engine::Mysql, "`t`")), (None, "t".to_string()));
        assert_eq!(written_name(&t(Engine::Postgres, "\"a.b\"")), (None, "a.b".to_string()));
    }
}
