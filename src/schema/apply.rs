//! Run a migration plan through a session: pre-transaction steps, then the
//! transactional steps between BEGIN and COMMIT (rolled back on the first
//! error), then post-commit steps.

use super::migrate::{Plan, Stage, Step};
use crate::db::{DbError, Session, query_all};
use thiserror::Error;

/// A failed apply.
#[derive(Debug, Error)]
#[error("{}", describe(.statement, .error, *.rolled_back, *.executed))]
pub struct ApplyError {
    /// The statement that failed.
    pub statement: String,
    /// The server's error.
    pub error: DbError,
    /// Whether the transaction was rolled back (nothing of it stayed).
    pub rolled_back: bool,
    /// Statements that completed before the failure.
    pub executed: usize,
}

impl crate::error::Coded for ApplyError {
    fn code(&self) -> &'static str {
        self.error.code()
    }

    fn exit(&self) -> crate::error::ExitStatus {
        self.error.exit()
    }
}

fn describe(statement: &str, error: &DbError, rolled_back: bool, executed: usize) -> String {
    let outcome = if rolled_back {
        "the transaction was rolled back, the target is unchanged by it".to_string()
    } else {
        format!("{executed} statement(s) before it stayed applied (this engine cannot roll back DDL)")
    };
    format!("migration statement failed: {error}\n  statement: {statement}\n  {outcome}")
}

/// Execute `plan`, calling `progress(done, total, sql)` before each step.
/// Returns how many statements ran.
pub async fn apply(
    session: &mut dyn Session,
    plan: &Plan,
    mut progress: impl FnMut(usize, usize, &str),
) -> Result<usize, ApplyError> {
    let total = plan.steps.len();
    let mut done = 0;
    let mut in_tx = false;
    for step in &plan.steps {
        if step.stage == Stage::Tx && !in_tx && plan.transactional {
            exec(session, "BEGIN", done, false).await?;
            in_tx = true;
        }
        if step.stage == Stage::Post && in_tx {
            exec(session, "COMMIT", done, true).await.map_err(|mut e| {
                e.rolled_back = true;
                e
            })?;
            in_tx = false;
        }
        progress(done, total, &step.sql);
        if let Err(mut e) = run_step(session, step, done).await {
            if in_tx {
                let _ = query_all(session, "ROLLBACK").await;
                e.rolled_back = true;
            }
            // SQLite: put foreign key enforcement back even after a failure.
            if let Some(post) = plan
                .steps
                .iter()
                .find(|s| s.stage == Stage::Post && s.sql.starts_with("PRAGMA"))
            {
                let _ = query_all(session, &post.sql).await;
            }
            return Err(e);
        }
        done += 1;
    }
    if in_tx {
        exec(session, "COMMIT", done, true).await?;
    }
    Ok(done)
}

async fn run_step(session: &mut dyn Session, step: &Step, done: usize) -> Result<(), ApplyError> {
    let (_, rows, _) = query_all(session, &step.sql).await.map_err(|error| ApplyError {
        statement: step.sql.clone(),
        error,
        rolled_back: false,
        executed: done,
    })?;
    if step.expect_no_rows && !rows.is_empty() {
        let detail: Vec<String> = rows
            .iter()
            .take(5)
            .map(|r| r.iter().map(|v| v.to_string()).collect::<Vec<_>>().join(" "))
            .collect();
        return Err(ApplyError {
            statement: step.sql.clone(),
            error: DbError::new(
                crate::db::ErrorCode::QueryError,
                format!(
                    "foreign key check found {} violation(s): {}",
                    rows.len(),
                    detail.join("; ")
                ),
            ),
            rolled_back: false,
            executed: done,
        });
    }
    Ok(())
}

async fn exec(session: &mut dyn Session, sql: &str, done: usize, rolled_back: bool) -> Result<(), ApplyError> {
    query_all(session, sql).await.map(|_| ()).map_err(|error| ApplyError {
        statement: sql.to_string(),
        error,
        rolled_back,
        executed: done,
    })
}
