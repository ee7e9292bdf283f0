//! Streaming one statement's results in batches with bounded memory.

use super::convert::{Kind, kind_of, type_name, value_of};
use super::error::{Target, map_err};
use super::session::Killer;
use crate::db::{BATCH_ROWS, Column, DbError, DbResult, ErrorCode, Frame, Summary, Value};
use mysql_async::prelude::Queryable;
use mysql_async::{Conn, QueryResult, TextProtocol};
use std::time::Duration;
use tokio::sync::mpsc;
use tokio::time::Instant;

/// A partly filled batch is sent after this long, so slow queries still
/// show their first rows promptly.
const BATCH_MAX_WAIT: Duration = Duration::from_millis(100);

enum SetOutcome {
    /// All rows of the set were sent; how many.
    Finished(u64),
    /// The receiver was dropped; the rest of the result is unwanted.
    ReceiverGone,
}

/// MariaDB error `ER_UNSUPPORTED_PS`: the statement parsed, but this kind
/// cannot be prepared (it can still be run as text).
const UNSUPPORTED_PS: u16 = 1295;

/// Have the server itself check that `sql` is exactly one statement.
///
/// mysql_async always negotiates `CLIENT_MULTI_STATEMENTS` and offers no
/// way to send `COM_SET_OPTION`, so a text query (COM_QUERY) would run every
/// `;`-separated statement in it. A prepared statement is parsed with
/// multi-statements off whatever the capability: the server's grammar
/// rejects anything after the first statement's `;` as a syntax error
/// (and raises `ER_UNSUPPORTED_PS` only after a complete parse). So the text
/// is prepared (COM_STMT_PREPARE) and closed at once; only when the server
/// accepted it is the very same text run as COM_QUERY on the same
/// connection, with the same session settings (sql_mode, character set,
/// version comments), so the server lexes it the same way both times.
/// The statement cache is off (`stmt_cache_size(0)`), so every check reaches
/// the server even if the settings changed since the same text was seen.
/// Preparing executes nothing. Results still come in the text protocol.
pub(super) async fn check_one_statement(conn: &mut Conn, sql: &str, target: &Target<'_>) -> DbResult<()> {
    match conn.prep(sql).await {
        Ok(stmt) => conn.close(stmt).await.map_err(|e| map_err(e, target)),
        Err(mysql_async::Error::Server(e)) if e.code == UNSUPPORTED_PS => Ok(()),
        Err(e) => Err(map_err(e, target)),
    }
}

/// Run `sql`, streaming every row set into `tx`, each after its own
/// `Frame::Columns` (a `CALL` may return several).
pub(super) async fn execute(
    conn: &mut Conn,
    sql: &str,
    tx: &mpsc::Sender<Frame>,
    killer: &Killer,
    target: &Target<'_>,
) -> DbResult<Summary> {
    let mut result = conn.query_iter(sql).await.map_err(|e| map_err(e, target))?;
    let mut rows_returned: Option<u64> = None;
    let mut rows_affected: Option<u64> = None;
    let mut receiver_gone = false;
    // One pass per result set: `columns()` describes the current set (empty
    // for a statement without rows) and is `None` once every set was read;
    // reading past a set's last row moves on to the next set.
    while let Some(columns) = result.columns() {
        if columns.is_empty() {
            rows_affected = Some(rows_affected.unwrap_or(0) + result.affected_rows());
            result.next().await.map_err(|e| map_err(e, target))?;
            continue;
        }
        match stream_set(&mut result, &columns, tx, target).await? {
            SetOutcome::Finished(n) => rows_returned = Some(rows_returned.unwrap_or(0) + n),
            SetOutcome::ReceiverGone => {
                receiver_gone = true;
                break;
            }
        }
    }
    if receiver_gone {
        // Stop the server from producing rows nobody reads, then read what is
        // already in flight so the connection is clean for the next statement.
        let _ = killer.kill().await;
        let _ = result.drop_result().await;
        return Err(DbError::new(
            ErrorCode::QueryCancelled,
            "query cancelled: the result reader stopped, so the query was stopped on the server",
        ));
    }
    Ok(Summary {
        rows_returned: rows_returned.unwrap_or(0),
        rows_affected,
        tag: crate::db::sqlite::command_tag(sql, rows_returned, rows_affected),
    })
}

/// Stream the rows of the current result set of `result`.
///
/// Rows are read with `QueryResult::next` (public, though hidden from the
/// docs: `for_each` and `drop_result` are built on it) rather than a
/// `ResultSetStream`, which boxes a new future for every row.
async fn stream_set(
    result: &mut QueryResult<'_, '_, TextProtocol>,
    columns: &[mysql_async::Column],
    tx: &mpsc::Sender<Frame>,
    target: &Target<'_>,
) -> DbResult<SetOutcome> {
    let meta: Vec<Column> = columns
        .iter()
        .map(|c| Column {
            name: c.name_str().into_owned(),
            type_name: type_name(c),
        })
        .collect();
    if tx.send(Frame::Columns(meta)).await.is_err() {
        return Ok(SetOutcome::ReceiverGone);
    }
    let kinds: Vec<Kind> = columns.iter().map(kind_of).collect();
    let mut batch: Vec<Vec<Value>> = Vec::with_capacity(BATCH_ROWS);
    let mut flush_at: Option<Instant> = None;
    let mut count = 0u64;
    loop {
        // The read of one row stays the same future while the flush timer
        // fires, so a row half-read is never dropped. A row that is ready
        // is taken first: the receiver and the timer are only looked at
        // while the server is slow (polling them for every row cost more
        // than decoding it; a gone receiver is also seen at the next send).
        let next = result.next();
        tokio::pin!(next);
        let row = loop {
            tokio::select! {
                biased;
                row = &mut next => break row.map_err(|e| map_err(e, target))?,
                () = tx.closed() => return Ok(SetOutcome::ReceiverGone),
                () = sleep_until(flush_at), if flush_at.is_some() => {
                    flush_at = None;
                    let rows = std::mem::replace(&mut batch, Vec::with_capacity(BATCH_ROWS));
                    if tx.send(Frame::Rows(rows)).await.is_err() {
                        return Ok(SetOutcome::ReceiverGone);
                    }
                }
            }
        };
        // `None`: the end of the set (the next set, if any, is now current).
        let Some(row) = row else { break };
        let values: Vec<Value> = row
            .unwrap_raw()
            .into_iter()
            .zip(kinds.iter())
            .map(|(v, kind)| v.map_or(Value::Null, |v| value_of(v, *kind)))
            .collect();
        batch.push(values);
        count += 1;
        flush_at.get_or_insert_with(|| Instant::now() + BATCH_MAX_WAIT);
        if batch.len() >= BATCH_ROWS {
            flush_at = None;
            let rows = std::mem::replace(&mut batch, Vec::with_capacity(BATCH_ROWS));
            if tx.send(Frame::Rows(rows)).await.is_err() {
                return Ok(SetOutcome::ReceiverGone);
            }
        }
    }
    if !batch.is_empty() && tx.send(Frame::Rows(batch)).await.is_err() {
        return Ok(SetOutcome::ReceiverGone);
    }
    Ok(SetOutcome::Finished(count))
}

async fn sleep_until(at: Option<Instant>) {
    if let Some(at) = at {
        tokio::time::sleep_until(at).await;
    }
}
