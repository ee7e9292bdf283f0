//! Streaming one statement's results in batches with bounded memory.

use super::convert::{Kind, kind_of, type_name, value_of};
use super::error::{Target, map_err};
use super::session::Killer;
use super::wire::{Conn, Reply, RowPoll, WireError, cells};
use crate::db::{BATCH_ROWS, Column, DbError, DbResult, ErrorCode, Frame, Summary, Value};
use std::time::Duration;
use tokio::sync::mpsc;
use tokio::time::Instant;

/// A partly filled batch is sent after this long, so slow queries still
/// show their first rows promptly.
const BATCH_MAX_WAIT: Duration = Duration::from_millis(100);
/// After this many rows of one set, a result counts as large: the reader
/// waits for the socket in bulk (fewer wake-ups for the server to pay).
const BULK_AFTER_ROWS: u64 = 4 * BATCH_ROWS as u64;

enum SetOutcome {
    /// All rows of the set were sent; how many.
    Finished(u64),
    /// The receiver was dropped; the rest of the result is unwanted.
    ReceiverGone,
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
    conn.query(sql).await.map_err(|e| map_err(e, target))?;
    let mut rows_returned: Option<u64> = None;
    let mut rows_affected: Option<u64> = None;
    let mut receiver_gone = false;
    // One pass per result: a statement without rows, or a row set.
    while let Some(reply) = conn.next_result().await.map_err(|e| map_err(e, target))? {
        match reply {
            Reply::Done { affected } => rows_affected = Some(rows_affected.unwrap_or(0) + affected),
            Reply::Rows(columns) => match stream_set(conn, &columns, tx, target).await? {
                SetOutcome::Finished(n) => rows_returned = Some(rows_returned.unwrap_or(0) + n),
                SetOutcome::ReceiverGone => {
                    receiver_gone = true;
                    break;
                }
            },
        }
    }
    if receiver_gone {
        // Stop the server from producing rows nobody reads, then read what is
        // already in flight so the connection is clean for the next statement.
        let _ = killer.kill().await;
        let _ = conn.settle().await;
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

/// One row's values, converted by column kind.
fn row_values(row: &[u8], kinds: &[Kind]) -> Result<Vec<Value>, WireError> {
    let mut values = Vec::with_capacity(kinds.len());
    let mut cell_iter = cells(row);
    for kind in kinds {
        match cell_iter.next() {
            Some(cell) => values.push(value_of(cell?, *kind)),
            None => return Err(WireError::Protocol("a row has fewer values than columns".into())),
        }
    }
    if cell_iter.next().is_some() {
        return Err(WireError::Protocol("a row has more values than columns".into()));
    }
    Ok(values)
}

/// Stream the rows of the current result set.
///
/// Rows already in the connection's buffer are parsed without an await;
/// only when it runs dry does the loop wait, and only then are the
/// receiver and the flush timer looked at (the wait is cancel-safe, so the
/// timer firing loses no bytes).
async fn stream_set(
    conn: &mut Conn,
    columns: &[mysql_common::packets::Column],
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
    // Off for the rest of the set once the server turned out to be slow.
    let mut bulk_ok = true;
    loop {
        match conn.try_row().map_err(|e| map_err(e, target))? {
            RowPoll::Row(row) => {
                batch.push(row_values(row, &kinds).map_err(|e| map_err(e, target))?);
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
            RowPoll::End => break,
            RowPoll::Pending => loop {
                let bulk = bulk_ok && count >= BULK_AFTER_ROWS;
                tokio::select! {
                    biased;
                    ready = conn.wait_rows(bulk) => {
                        if ready.map_err(|e| map_err(e, target))? {
                            break;
                        }
                        bulk_ok = false;
                    }
                    () = tx.closed() => return Ok(SetOutcome::ReceiverGone),
                    () = sleep_until(flush_at), if flush_at.is_some() => {
                        flush_at = None;
                        let rows = std::mem::replace(&mut batch, Vec::with_capacity(BATCH_ROWS));
                        if tx.send(Frame::Rows(rows)).await.is_err() {
                            return Ok(SetOutcome::ReceiverGone);
                        }
                    }
                }
            },
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
