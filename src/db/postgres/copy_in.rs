//! Bulk load through `COPY ... FROM STDIN` in text format.
//!
//! Text rather than binary: the binary format needs the exact wire type of
//! every target column (int4 vs int8, enums, domains, arrays of them), while
//! the text format lets the server parse each value with the column's own
//! input function, as pg_restore does. Rows are encoded into large buffers
//! on the client while the server parses the previous buffer.

use super::errors::query_error;
use crate::db::{BulkRows, BulkTarget, DbResult, Value, bulk_aborted, quote};
use crate::db::{DbError, Engine, ErrorCode};
use bytes::{BufMut, Bytes, BytesMut};
use futures::SinkExt;
use std::pin::pin;
use tokio_postgres::Client;

/// Bytes gathered before a CopyData message is sent.
const SEND_BYTES: usize = 256 * 1024;

/// `COPY target (columns) FROM STDIN`.
pub(super) fn copy_sql(target: &BulkTarget) -> String {
    let cols: Vec<String> = target
        .columns
        .iter()
        .map(|c| quote::ident(Engine::Postgres, c))
        .collect();
    format!(
        "COPY {} ({}) FROM STDIN",
        quote::qualified(Engine::Postgres, target.schema.as_deref(), &target.table),
        cols.join(", ")
    )
}

/// Stream every batch from `rows` into the table.
pub(super) async fn copy_in(client: &Client, target: &BulkTarget, mut rows: BulkRows) -> DbResult<u64> {
    let sink = client
        .copy_in::<_, Bytes>(&copy_sql(target))
        .await
        .map_err(|e| query_error(&e))?;
    // Dropping the sink before `finish` sends CopyFail: the server discards
    // everything this COPY wrote.
    let mut sink = pin!(sink);
    let mut buf = BytesMut::with_capacity(SEND_BYTES * 2);
    let width = target.columns.len();
    while let Some(batch) = rows.recv().await {
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
            encode_row(row, &mut buf);
        }
        if buf.len() >= SEND_BYTES {
            sink.send(buf.split().freeze()).await.map_err(|e| query_error(&e))?;
        }
    }
    if !buf.is_empty() {
        sink.send(buf.split().freeze()).await.map_err(|e| query_error(&e))?;
    }
    sink.as_mut().finish().await.map_err(|e| query_error(&e))
}

/// Append one row as a COPY text line.
pub(super) fn encode_row(row: &[Value], buf: &mut BytesMut) {
    let mut text = String::new();
    for (i, v) in row.iter().enumerate() {
        if i > 0 {
            buf.put_u8(b'\t');
        }
        if v.is_null() {
            buf.put_slice(b"\\N");
            continue;
        }
        text.clear();
        value_text(v, &mut text);
        escape_into(&text, buf);
    }
    buf.put_u8(b'\n');
}

/// The server's text input form of a value (before COPY escaping).
fn value_text(v: &Value, out: &mut String) {
    match v {
        Value::Bytes(b) => {
            out.push_str("\\x");
            out.push_str(&hex::encode(b));
        }
        Value::Array(items) => array_text(items, out),
        Value::Interval(_) | Value::Float(_) | Value::Uuid(_) => {
            use std::fmt::Write as _;
            let _ = write!(out, "{v}");
        }
        other => other.write_text(out),
    }
}

/// An array literal with every element quoted, which the input function of
/// any element type accepts.
fn array_text(items: &[Value], out: &mut String) {
    out.push('{');
    for (i, v) in items.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        match v {
            Value::Null => out.push_str("NULL"),
            Value::Array(inner) => array_text(inner, out),
            other => {
                let mut s = String::new();
                value_text(other, &mut s);
                out.push('"');
                for c in s.chars() {
                    if c == '"' || c == '\\' {
                        out.push('\\');
                    }
                    out.push(c);
                }
                out.push('"');
            }
        }
    }
    out.push('}');
}

/// COPY text escaping: backslash, and the delimiter and line characters.
fn escape_into(s: &str, buf: &mut BytesMut) {
    let bytes = s.as_bytes();
    let mut start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        let esc: &[u8] = match b {
            b'\\' => b"\\\\",
            b'\t' => b"\\t",
            b'\n' => b"\\n",
            b'\r' => b"\\r",
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

    fn line(row: &[Value]) -> String {
        let mut b = BytesMut::new();
        encode_row(row, &mut b);
        String::from_utf8(b.to_vec()).unwrap()
    }

    #[test]
    fn rows_encode_as_copy_text() {
        assert_eq!(
            line(&[
                Value::Int(1),
                Value::Null,
                Value::Text("a\tb\\c\nd".into()),
                Value::Bool(true)
            ]),
            "1\t\\N\ta\\tb\\\\c\\nd\tt\n"
        );
        assert_eq!(line(&[Value::Bytes(vec![0, 255])]), "\\\\x00ff\n");
        assert_eq!(
            line(&[Value::Array(vec![
                Value::Text("a \"q\"".into()),
                Value::Null,
                Value::Array(vec![Value::Int(2)])
            ])]),
            "{\"a \\\\\"q\\\\\"\",NULL,{\"2\"}}\n"
        );
        assert_eq!(line(&[Value::Float(f64::NAN)]), "NaN\n");
    }

    #[test]
    fn copy_statement_quotes_names() {
        let t = BulkTarget {
            schema: Some("s".into()),
            table: "t\"x".into(),
            columns: vec!["a".into(), "b c".into()],
            types: Vec::new(),
        };
        assert_eq!(copy_sql(&t), "COPY \"s\".\"t\"\"x\" (\"a\", \"b c\") FROM STDIN");
    }
}
