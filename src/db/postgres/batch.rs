//! Row batching for streamed results: rows go out in frames of about
//! `BATCH_ROWS`, and a partial batch is handed over when the server is slow.

use crate::db::{BATCH_ROWS, DbError, DbResult, ErrorCode, Frame, Value};
use futures::{FutureExt, Stream, StreamExt};
use std::time::Duration;
use tokio::sync::mpsc;
use tokio::time::Instant;

/// How long rows may wait in a partial batch while the server is slow,
/// so the first rows of a trickling result show without a full batch.
const FLUSH_AFTER: Duration = Duration::from_millis(100);

/// The next stream item; when none is ready and the pending batch is older
/// than `FLUSH_AFTER`, hand the batch over first.
pub(super) async fn next_or_flush<S: Stream + Unpin>(
    stream: &mut S,
    batch: &mut Batch<'_>,
) -> DbResult<Option<S::Item>> {
    if let Some(item) = stream.next().now_or_never() {
        return Ok(item);
    }
    let Some(started) = batch.started else {
        return Ok(stream.next().await);
    };
    match tokio::time::timeout_at(started + FLUSH_AFTER, stream.next()).await {
        Ok(item) => Ok(item),
        Err(_) => {
            batch.flush().await?;
            Ok(stream.next().await)
        }
    }
}

/// Accumulates rows and sends them in batches of about `BATCH_ROWS`.
pub(super) struct Batch<'a> {
    tx: &'a mpsc::Sender<Frame>,
    rows: Vec<Vec<Value>>,
    /// Rows pushed so far.
    pub(super) total: u64,
    /// When the first row of the pending batch arrived.
    started: Option<Instant>,
}

impl<'a> Batch<'a> {
    /// An empty batch sending into `tx`.
    pub(super) fn new(tx: &'a mpsc::Sender<Frame>) -> Self {
        Self {
            tx,
            rows: Vec::with_capacity(BATCH_ROWS),
            total: 0,
            started: None,
        }
    }

    /// Add a row, sending the batch when it is full.
    pub(super) async fn push(&mut self, row: Vec<Value>) -> DbResult<()> {
        if self.rows.is_empty() {
            self.started = Some(Instant::now());
        }
        self.rows.push(row);
        self.total += 1;
        if self.rows.len() >= BATCH_ROWS {
            self.flush().await?;
        }
        Ok(())
    }

    /// Send the pending rows, if any.
    pub(super) async fn flush(&mut self) -> DbResult<()> {
        if self.rows.is_empty() {
            return Ok(());
        }
        self.started = None;
        let rows = std::mem::replace(&mut self.rows, Vec::with_capacity(BATCH_ROWS));
        send(self.tx, Frame::Rows(rows)).await
    }
}

pub(super) async fn send(tx: &mpsc::Sender<Frame>, frame: Frame) -> DbResult<()> {
    tx.send(frame).await.map_err(|_| receiver_gone())
}

pub(super) fn receiver_gone() -> DbError {
    DbError::new(
        ErrorCode::QueryCancelled,
        "the statement was cancelled: nothing is reading its results any more",
    )
}
