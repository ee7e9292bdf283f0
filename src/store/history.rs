//! Query history, per connection.

use super::{Store, StoreResult};
use rusqlite::params;
use serde::Serialize;

/// One executed statement.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HistoryEntry {
    /// Row id.
    pub id: i64,
    /// Connection name.
    pub connection: String,
    /// Statement text.
    pub sql: String,
    /// Start time (RFC 3339).
    pub started_at: String,
    /// Duration in milliseconds.
    pub duration_ms: Option<i64>,
    /// Rows returned or affected.
    pub rows: Option<i64>,
    /// `ok`, `error`, `cancelled`, `blocked`.
    pub outcome: String,
    /// Error message, if any.
    pub error: Option<String>,
}

/// A new history entry (no id yet).
#[derive(Debug, Clone)]
pub struct NewHistory<'a> {
    /// Connection name.
    pub connection: &'a str,
    /// Statement text.
    pub sql: &'a str,
    /// Start time.
    pub started_at: String,
    /// Duration.
    pub duration_ms: Option<i64>,
    /// Rows.
    pub rows: Option<i64>,
    /// Outcome.
    pub outcome: &'a str,
    /// Error message.
    pub error: Option<&'a str>,
}

/// History entries kept per connection; older ones are pruned.
pub const HISTORY_KEEP: i64 = 10_000;

impl Store {
    /// Record an executed statement.
    /// Secrets in the statement and the error are masked here, whoever calls.
    pub fn add_history(&self, h: &NewHistory<'_>) -> StoreResult<i64> {
        let sql = crate::safety::redact::any_engine(h.sql);
        let error = h.error.map(crate::safety::redact::text);
        self.conn().execute(
            "INSERT INTO query_history (connection, sql, started_at, duration_ms, rows, outcome, error) VALUES (?1,?2,?3,?4,?5,?6,?7)",
            params![h.connection, sql, h.started_at, h.duration_ms, h.rows, h.outcome, error],
        )?;
        let id = self.conn().last_insert_rowid();
        self.conn().execute(
            "DELETE FROM query_history WHERE connection = ?1 AND id <= ?2 - ?3",
            params![h.connection, id, HISTORY_KEEP * 2],
        )?;
        Ok(id)
    }

    /// Most recent first, optionally filtered by a substring (case-insensitive).
    pub fn list_history(
        &self,
        connection: Option<&str>,
        search: Option<&str>,
        limit: usize,
    ) -> StoreResult<Vec<HistoryEntry>> {
        let pattern = search.map(|s| format!("%{}%", s.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_")));
        let mut stmt = self.conn().prepare(
            "SELECT id, connection, sql, started_at, duration_ms, rows, outcome, error FROM query_history
             WHERE (?1 IS NULL OR connection = ?1) AND (?2 IS NULL OR sql LIKE ?2 ESCAPE '\\')
             ORDER BY id DESC LIMIT ?3",
        )?;
        let rows = stmt.query_map(params![connection, pattern, limit as i64], |r| {
            Ok(HistoryEntry {
                id: r.get(0)?,
                connection: r.get(1)?,
                sql: r.get(2)?,
                started_at: r.get(3)?,
                duration_ms: r.get(4)?,
                rows: r.get(5)?,
                outcome: r.get(6)?,
                error: r.get(7)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}
