//! Bulk load on SQLite: one prepared INSERT stepped per row, inside the
//! caller's transaction or, when none is open, one of its own.

use super::error::map_err;
use crate::db::{BulkRows, BulkTarget, DbError, DbResult, Engine, ErrorCode, Value, bulk_aborted, quote};
use rusqlite::Connection;
use rusqlite::types::{ToSqlOutput, Value as Sql};

/// `INSERT INTO t (a, b) VALUES (?1, ?2)`.
pub(super) fn insert_sql(target: &BulkTarget) -> String {
    let cols: Vec<String> = target.columns.iter().map(|c| quote::ident(Engine::Sqlite, c)).collect();
    let params: Vec<String> = (1..=cols.len()).map(|i| format!("?{i}")).collect();
    format!(
        "INSERT INTO {} ({}) VALUES ({})",
        quote::qualified(Engine::Sqlite, target.schema.as_deref(), &target.table),
        cols.join(", "),
        params.join(", ")
    )
}

/// Load every batch from `rows`; returns the rows inserted.
pub(super) fn load(conn: &Connection, target: &BulkTarget, mut rows: BulkRows) -> DbResult<u64> {
    let own_tx = conn.is_autocommit();
    if own_tx {
        conn.execute_batch("BEGIN IMMEDIATE").map_err(map_err)?;
    }
    let result = (|| {
        let mut stmt = conn.prepare(&insert_sql(target)).map_err(map_err)?;
        let width = target.columns.len();
        let mut n = 0u64;
        while let Some(batch) = rows.blocking_recv() {
            let batch = batch.map_err(|why| bulk_aborted(&why))?;
            for row in &batch {
                if row.len() != width {
                    return Err(DbError::new(
                        ErrorCode::QueryError,
                        format!(
                            "bulk load into {}: a row has {} values for {width} columns",
                            target.table,
                            row.len()
                        ),
                    ));
                }
                stmt.execute(rusqlite::params_from_iter(row.iter().map(to_sql)))
                    .map_err(map_err)?;
                n += 1;
            }
        }
        Ok(n)
    })();
    if own_tx {
        let end = if result.is_ok() { "COMMIT" } else { "ROLLBACK" };
        if let Err(e) = conn.execute_batch(end)
            && result.is_ok()
        {
            let _ = conn.execute_batch("ROLLBACK");
            return Err(map_err(e));
        }
    }
    result
}

/// A value bound as the storage class it stands for.
fn to_sql(v: &Value) -> ToSqlOutput<'static> {
    ToSqlOutput::Owned(match v {
        Value::Null => Sql::Null,
        Value::Bool(b) => Sql::Integer(i64::from(*b)),
        Value::Int(i) => Sql::Integer(*i),
        Value::UInt(u) => i64::try_from(*u)
            .map(Sql::Integer)
            .unwrap_or_else(|_| Sql::Text(u.to_string())),
        Value::Float(f) => Sql::Real(*f),
        Value::Bytes(b) => Sql::Blob(b.clone()),
        Value::Decimal(s) | Value::Text(s) | Value::Json(s) => Sql::Text(s.clone()),
        Value::Uuid(u) => Sql::Text(u.to_string()),
        Value::TimestampTz(_) | Value::Date(_) | Value::Time(_) | Value::Timestamp(_) => Sql::Text(v.render()),
        Value::Array(_) | Value::Interval(_) => Sql::Text(v.to_string()),
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn loads_in_one_transaction_and_aborts_cleanly() {
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch("CREATE TABLE t (a INTEGER, b TEXT, c BLOB)")
            .unwrap();
        let target = BulkTarget {
            schema: None,
            table: "t".into(),
            columns: vec!["a".into(), "b".into(), "c".into()],
            types: Vec::new(),
        };
        let (tx, rx) = tokio::sync::mpsc::channel(4);
        tx.try_send(Ok(vec![
            vec![Value::Int(1), Value::Text("x".into()), Value::Bytes(vec![0, 1])],
            vec![Value::Int(2), Value::Null, Value::Null],
        ]))
        .unwrap();
        drop(tx);
        assert_eq!(load(&conn, &target, rx).unwrap(), 2);
        let (tx, rx) = tokio::sync::mpsc::channel(4);
        tx.try_send(Ok(vec![vec![Value::Int(3), Value::Null, Value::Null]]))
            .unwrap();
        tx.try_send(Err("stop".into())).unwrap();
        drop(tx);
        assert!(load(&conn, &target, rx).unwrap_err().message.contains("stop"));
        let n: i64 = conn.query_row("SELECT count(*) FROM t", [], |r| r.get(0)).unwrap();
        assert_eq!(n, 2);
        assert!(conn.is_autocommit());
    }
}
