//! Bulk load through `LOAD DATA LOCAL INFILE`, fed from a stream.
//!
//! The server asks the client for "the file"; the connection answers with
//! rows encoded on the fly, so nothing touches the disk and no file name
//! chosen by the server is ever opened (a server asking at any other time
//! gets an empty file and the statement an error).
//! Binary and spatial columns travel as hex through a user variable
//! (`SET col = UNHEX(@v)`), so their bytes survive the connection charset.

use super::error::{Target, map_err};
use super::wire::{Conn, WireError};
use crate::db::{BulkRows, BulkTarget, DbError, DbResult, Engine, ErrorCode, Value, bulk_aborted, quote};
use bytes::{BufMut, Bytes, BytesMut};
use tokio::sync::mpsc;

/// Bytes gathered before a packet is handed to the driver.
const SEND_BYTES: usize = 256 * 1024;

/// Whether a column's bytes go through hex.
fn is_binary(type_name: &str) -> bool {
    let t = type_name.to_ascii_lowercase();
    [
        "blob",
        "binary",
        "geometry",
        "point",
        "linestring",
        "polygon",
        "geometrycollection",
    ]
    .iter()
    .any(|k| t.contains(k))
}

/// The `LOAD DATA` statement for a target. Separators are hex literals so
/// the statement means the same under NO_BACKSLASH_ESCAPES.
pub(super) fn load_sql(target: &BulkTarget) -> String {
    let mut cols = Vec::new();
    let mut sets = Vec::new();
    for (i, c) in target.columns.iter().enumerate() {
        let q = quote::ident(Engine::Mysql, c);
        if target.types.get(i).is_some_and(|t| is_binary(t)) {
            cols.push(format!("@dbn_h{i}"));
            sets.push(format!("{q} = UNHEX(@dbn_h{i})"));
        } else {
            cols.push(q);
        }
    }
    let mut sql = format!(
        "LOAD DATA LOCAL INFILE 'dbn-stream' INTO TABLE {} CHARACTER SET utf8mb4 \
         FIELDS TERMINATED BY X'09' ESCAPED BY X'5C' LINES TERMINATED BY X'0A' ({})",
        quote::qualified(Engine::Mysql, target.schema.as_deref(), &target.table),
        cols.join(", ")
    );
    if !sets.is_empty() {
        sql.push_str(" SET ");
        sql.push_str(&sets.join(", "));
    }
    sql
}

/// Load every batch from `rows` into the table; returns rows loaded. On a
/// failure rows already sent stay in the caller's transaction, which the
/// caller rolls back.
pub(super) async fn load(conn: &mut Conn, target: &BulkTarget, mut rows: BulkRows, t: &Target<'_>) -> DbResult<u64> {
    let hex: Vec<bool> = (0..target.columns.len())
        .map(|i| target.types.get(i).is_some_and(|t| is_binary(t)))
        .collect();
    let width = target.columns.len();
    let table = target.table.clone();
    let (tx, rx) = mpsc::channel::<std::io::Result<Bytes>>(4);
    // The producer's own failure, kept apart from the driver's error.
    let (why_tx, mut why_rx) = mpsc::channel::<String>(1);
    let encoder = tokio::spawn(async move {
        let mut buf = BytesMut::with_capacity(SEND_BYTES * 2);
        let fail = |why: String| std::io::Error::other(why);
        while let Some(batch) = rows.recv().await {
            let batch = match batch {
                Ok(b) => b,
                Err(why) => {
                    let _ = why_tx.send(why.clone()).await;
                    let _ = tx.send(Err(fail(why))).await;
                    return;
                }
            };
            for row in &batch {
                if row.len() != width {
                    let why = format!(
                        "bulk load into {table}: a row has {} values for {width} columns",
                        row.len()
                    );
                    let _ = why_tx.send(why.clone()).await;
                    let _ = tx.send(Err(fail(why))).await;
                    return;
                }
                encode_row(row, &hex, &mut buf);
            }
            if buf.len() >= SEND_BYTES && tx.send(Ok(buf.split().freeze())).await.is_err() {
                return;
            }
        }
        if !buf.is_empty() {
            let _ = tx.send(Ok(buf.split().freeze())).await;
        }
    });
    let result = conn.load_local(&load_sql(target), rx).await;
    let _ = encoder.await;
    if let Ok(why) = why_rx.try_recv() {
        return Err(bulk_aborted(&why));
    }
    match result {
        Ok(loaded) => Ok(loaded),
        Err(WireError::Server { code, message }) if code == 1148 || code == 3948 || code == 4166 => Err(DbError::new(
            ErrorCode::QueryError,
            format!(
                "the server refuses LOAD DATA LOCAL INFILE ({message}); enable it with `SET GLOBAL local_infile = 1`"
            ),
        )),
        Err(e) => Err(map_err(e, t)),
    }
}

/// Append one row as a tab-separated line.
fn encode_row(row: &[Value], hex: &[bool], buf: &mut BytesMut) {
    let mut text = String::new();
    for (i, v) in row.iter().enumerate() {
        if i > 0 {
            buf.put_u8(b'\t');
        }
        let as_hex = hex.get(i).copied().unwrap_or(false);
        match v {
            Value::Null => buf.put_slice(b"\\N"),
            Value::Float(f) if !f.is_finite() => buf.put_slice(b"\\N"),
            Value::Bytes(b) if as_hex => buf.put_slice(hex::encode(b).as_bytes()),
            Value::Bytes(b) => escape_into(b, buf),
            other => {
                text.clear();
                value_text(other, &mut text);
                if as_hex {
                    buf.put_slice(hex::encode(text.as_bytes()).as_bytes());
                } else {
                    escape_into(text.as_bytes(), buf);
                }
            }
        }
    }
    buf.put_u8(b'\n');
}

/// The server's input form of a value.
fn value_text(v: &Value, out: &mut String) {
    use std::fmt::Write as _;
    match v {
        Value::Bool(b) => out.push(if *b { '1' } else { '0' }),
        Value::TimestampTz(t) => Value::Timestamp(t.naive_utc()).write_text(out),
        Value::Interval(i) => {
            // MariaDB TIME: hours may exceed 24.
            let total = i64::from(i.months) * 30 * 86_400_000_000 + i64::from(i.days) * 86_400_000_000 + i.micros;
            let sign = if total < 0 { "-" } else { "" };
            let a = total.unsigned_abs();
            let (secs, frac) = (a / 1_000_000, a % 1_000_000);
            let _ = write!(
                out,
                "{sign}{}:{:02}:{:02}.{frac:06}",
                secs / 3600,
                (secs / 60) % 60,
                secs % 60
            );
        }
        Value::Float(_) | Value::Uuid(_) | Value::Array(_) => {
            let _ = write!(out, "{v}");
        }
        other => other.write_text(out),
    }
}

/// Escape the escape character, separators and NUL.
fn escape_into(bytes: &[u8], buf: &mut BytesMut) {
    let mut start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        let esc: &[u8] = match b {
            b'\\' => b"\\\\",
            b'\t' => b"\\t",
            b'\n' => b"\\n",
            b'\r' => b"\\r",
            0 => b"\\0",
            _ => continue,
        };
        buf.put_slice(&bytes[start..i]);
        buf.put_slice(esc);
        start = i + 1;
    }
    buf.put_slice(&bytes[start..]);
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn rows_and_statement() {
        let mut b = BytesMut::new();
        encode_row(
            &[
                Value::Int(1),
                Value::Null,
                Value::Text("a\tb\\\n\0".into()),
                Value::Bytes(vec![0, 255]),
                Value::Bool(false),
            ],
            &[false, false, false, true, false],
            &mut b,
        );
        assert_eq!(&b[..], b"1\t\\N\ta\\tb\\\\\\n\\0\t00ff\t0\n");
        let t = BulkTarget {
            schema: Some("d".into()),
            table: "t".into(),
            columns: vec!["a".into(), "b".into()],
            types: vec!["int".into(), "varbinary(10)".into()],
        };
        let sql = load_sql(&t);
        assert!(sql.contains("INTO TABLE `d`.`t`"), "{sql}");
        assert!(sql.ends_with("(`a`, @dbn_h1) SET `b` = UNHEX(@dbn_h1)"), "{sql}");
    }
}
