//! Statement classifier (sqlparser), one verdict per statement.

use crate::db::Engine;
use serde::Serialize;
use std::ops::Range;

/// What a statement may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, PartialOrd, Ord, Hash)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// Reads only.
    Read,
    /// Transaction control (BEGIN, COMMIT, ROLLBACK, SAVEPOINT).
    Transaction,
    /// Changes rows (INSERT, UPDATE/DELETE with WHERE, MERGE, ...).
    Write,
    /// Changes structure (CREATE, ALTER that drops nothing, ...).
    Ddl,
    /// Drops or truncates objects or columns/constraints.
    Destructive,
    /// UPDATE or DELETE without WHERE.
    UnboundedWrite,
    /// Changes session settings that could lift read-only.
    SessionUnlock,
}

/// The verdict for one statement of a buffer.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StatementVerdict {
    /// Byte range of the statement in the input.
    pub span: Range<usize>,
    /// The statement text (trimmed).
    pub sql: String,
    /// Classification.
    pub verdict: Verdict,
    /// Why, in words a user understands.
    pub reason: String,
    /// Objects named by destructive statements (for warnings).
    pub objects: Vec<String>,
    /// False when the text could not be parsed and the verdict is a fail-closed guess.
    pub parsed: bool,
}

/// Classify every statement in `sql` for the engine's dialect.
pub fn classify(sql: &str, _engine: Engine) -> Vec<StatementVerdict> {
    let trimmed = sql.trim();
    if trimmed.is_empty() {
        return Vec::new();
    }
    vec![StatementVerdict {
        span: 0..sql.len(),
        sql: trimmed.to_string(),
        verdict: Verdict::Write,
        reason: "classifier not built yet; treated as a write".into(),
        objects: Vec::new(),
        parsed: false,
    }]
}
