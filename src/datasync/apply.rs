//! Write a sync plan to the target in batches, one transaction per batch.
//! A killed run leaves whole batches committed; running the same sync
//! again recomputes the diff from the current state and converges.

use super::plan::SyncPlan;
use super::rowdiff::Row;
use super::sql::{SideTable, begin};
use super::{Control, DataSyncError, Progress, SyncResult};
use crate::db::{DbError, Session, Value, query_all};
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

async fn apply_batch(session: &mut dyn Session, table: &SideTable, ops: &[Op<'_>]) -> Result<(u64, u64, u64), DbError> {
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
                let sets: Vec<(usize, &Value)> = u.changes.iter().map(|c| (c.column, &c.new)).collect();
                run(session, &table.update(&u.key, &sets)).await?;
                updated += 1;
            }
        }
        if !inserts.is_empty() {
            run(session, &table.insert(&inserts)).await?;
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

/// Apply `plan` to `target` in batches of `batch_size` changes (deletes
/// first, then updates, then inserts, so freed unique values can be
/// reused). Cancellation takes effect between batches.
pub async fn apply_plan(
    target: &mut dyn Session,
    table: &SideTable,
    plan: &SyncPlan,
    batch_size: usize,
    ctl: &Control,
) -> SyncResult<ApplyReport> {
    let started = Instant::now();
    let mut ops: Vec<Op<'_>> = Vec::with_capacity(plan.total() as usize);
    ops.extend(plan.deletes.iter().map(|k| Op::Delete(k)));
    ops.extend(plan.updates.iter().map(Op::Update));
    ops.extend(plan.inserts.iter().map(Op::Insert));
    let total = ops.len() as u64;
    let mut report = ApplyReport::default();
    ctl.emit(Progress::Phase { name: "apply".into() });
    ctl.emit(Progress::Applied { done: 0, total });
    for chunk in ops.chunks(batch_size.max(1)) {
        ctl.check()?;
        let (i, u, d) = apply_batch(target, table, chunk)
            .await
            .map_err(|e| batch_error(&report, e))?;
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
