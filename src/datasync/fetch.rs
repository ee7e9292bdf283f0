//! Running the comparison queries: cancellable, with traffic accounting,
//! and the streamed merge join over two live result streams.

use super::canonical::value_bytes;
use super::rowdiff::{Merger, Row, RowDiff};
use super::sql::{KeyRange, SideTable};
use super::{Control, DataSyncError, Progress, SyncResult};
use crate::db::{Frame, Session, query_all};
use serde::Serialize;
use std::cmp::Ordering;
use std::collections::VecDeque;
use tokio::sync::mpsc;

/// Traffic and work on one side.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct SideStats {
    /// Statements sent.
    pub queries: u64,
    /// Rows received (data rows, checksums and boundaries).
    pub rows_fetched: u64,
    /// Approximate bytes of values received.
    pub bytes_fetched: u64,
}

/// One side of a comparison: its session, table and counters.
pub struct SideCtx<'a> {
    /// `source` or `target`.
    pub name: &'static str,
    /// The live session.
    pub session: &'a mut dyn Session,
    /// The table on this side.
    pub table: &'a SideTable,
    /// Counters.
    pub stats: SideStats,
}

fn count(stats: &mut SideStats, rows: &[Row]) {
    stats.rows_fetched += rows.len() as u64;
    stats.bytes_fetched += rows.iter().flatten().map(value_bytes).sum::<u64>();
}

impl SideCtx<'_> {
    /// Run a statement and collect its (small) result, cancellably.
    pub async fn query(&mut self, sql: &str, ctl: &Control) -> SyncResult<Vec<Row>> {
        ctl.check()?;
        self.stats.queries += 1;
        tracing::debug!(side = self.name, sql, "datasync query");
        let canceller = self.session.canceller();
        let result = tokio::select! {
            r = query_all(&mut *self.session, sql) => r,
            _ = ctl.cancel.cancelled() => {
                let _ = canceller.cancel().await;
                return Err(DataSyncError::Cancelled);
            }
        };
        let (_, rows, _) = result.map_err(DataSyncError::db(self.name))?;
        count(&mut self.stats, &rows);
        Ok(rows)
    }
}

/// Rows arriving in frames, one at a time.
struct RowStream {
    rx: mpsc::Receiver<Frame>,
    buf: VecDeque<Row>,
    rows: u64,
    bytes: u64,
}

impl RowStream {
    async fn next(&mut self) -> Option<Row> {
        loop {
            if let Some(r) = self.buf.pop_front() {
                self.rows += 1;
                self.bytes += r.iter().map(value_bytes).sum::<u64>();
                return Some(r);
            }
            match self.rx.recv().await? {
                Frame::Rows(rows) => self.buf.extend(rows),
                Frame::Columns(_) => {}
            }
        }
    }
}

async fn merge(mut s: RowStream, mut t: RowStream, key: &[usize], ctl: &Control) -> (RowDiff, [(u64, u64); 2]) {
    let mut m = Merger::new(key);
    let mut a = s.next().await;
    let mut b = t.next().await;
    let mut seen: u64 = 0;
    loop {
        seen += 1;
        if seen.is_multiple_of(20_000) {
            ctl.emit(Progress::Rows {
                fetched: s.rows + t.rows,
            });
            if ctl.cancel.is_cancelled() {
                break;
            }
        }
        match (a.take(), b.take()) {
            (Some(x), Some(y)) => match m.order(&x, &y) {
                Ordering::Less => {
                    m.source_only(x);
                    b = Some(y);
                    a = s.next().await;
                }
                Ordering::Greater => {
                    m.target_only(y);
                    a = Some(x);
                    b = t.next().await;
                }
                Ordering::Equal => {
                    m.pair(x, y);
                    a = s.next().await;
                    b = t.next().await;
                }
            },
            (Some(x), None) => {
                m.source_only(x);
                a = s.next().await;
            }
            (None, Some(y)) => {
                m.target_only(y);
                b = t.next().await;
            }
            (None, None) => break,
        }
    }
    ctl.emit(Progress::Rows {
        fetched: s.rows + t.rows,
    });
    (m.finish(), [(s.rows, s.bytes), (t.rows, t.bytes)])
}

/// Stream the rows of `range` from both sides in key order and merge-join
/// them; memory holds only the differences.
pub async fn merge_range(
    src: &mut SideCtx<'_>,
    tgt: &mut SideCtx<'_>,
    range: &KeyRange,
    ctl: &Control,
) -> SyncResult<RowDiff> {
    merge_ranges(src, tgt, std::slice::from_ref(range), ctl).await
}

/// [`merge_range`] over the rows in any of `ranges`, in one statement per side.
pub async fn merge_ranges(
    src: &mut SideCtx<'_>,
    tgt: &mut SideCtx<'_>,
    ranges: &[KeyRange],
    ctl: &Control,
) -> SyncResult<RowDiff> {
    ctl.check()?;
    let (sql_s, sql_t) = (src.table.select_rows_in(ranges), tgt.table.select_rows_in(ranges));
    src.stats.queries += 1;
    tgt.stats.queries += 1;
    let (txs, rxs) = mpsc::channel(4);
    let (txt, rxt) = mpsc::channel(4);
    let (cs, ct) = (src.session.canceller(), tgt.session.canceller());
    let key = src.table.key.clone();
    let streams = (
        RowStream {
            rx: rxs,
            buf: VecDeque::new(),
            rows: 0,
            bytes: 0,
        },
        RowStream {
            rx: rxt,
            buf: VecDeque::new(),
            rows: 0,
            bytes: 0,
        },
    );
    let work = async {
        tokio::join!(
            src.session.execute(&sql_s, txs),
            tgt.session.execute(&sql_t, txt),
            merge(streams.0, streams.1, &key, ctl)
        )
    };
    let (rs, rt, (diff, traffic)) = tokio::select! {
        r = work => r,
        _ = ctl.cancel.cancelled() => {
            let _ = cs.cancel().await;
            let _ = ct.cancel().await;
            return Err(DataSyncError::Cancelled);
        }
    };
    ctl.check()?;
    rs.map_err(DataSyncError::db(src.name))?;
    rt.map_err(DataSyncError::db(tgt.name))?;
    src.stats.rows_fetched += traffic[0].0;
    src.stats.bytes_fetched += traffic[0].1;
    tgt.stats.rows_fetched += traffic[1].0;
    tgt.stats.bytes_fetched += traffic[1].1;
    Ok(diff)
}
