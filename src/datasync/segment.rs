//! Checksum-and-bisect comparison: both databases hash key-ordered
//! segments of the table themselves; only mismatching segments are split
//! further, and only small mismatching segments have their rows fetched.

use super::fetch::{SideCtx, merge_range};
use super::rowdiff::{Row, RowDiff};
use super::sql::KeyRange;
use super::{Control, DataSyncError, Progress, SyncResult};
use crate::db::Value;
use serde::Serialize;
use std::collections::{HashMap, VecDeque};

/// Knobs of the segment search.
#[derive(Debug, Clone, Copy)]
pub struct Tuning {
    /// Rows per top-level segment the search aims for.
    pub rows_per_segment: u64,
    /// Most top-level segments (bounds the size of the bucket expression).
    pub max_segments: u64,
    /// How many parts a mismatching segment is split into.
    pub fanout: u64,
    /// Segments with at most this many rows are fetched instead of split.
    pub leaf_rows: u64,
}

impl Default for Tuning {
    fn default() -> Self {
        Self {
            rows_per_segment: 4096,
            max_segments: 1024,
            fanout: 16,
            leaf_rows: 64,
        }
    }
}

/// What the segment search did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct SegmentStats {
    /// Segment checksums compared.
    pub compared: u64,
    /// Segments whose checksums differed.
    pub mismatched: u64,
    /// Segments whose rows were fetched.
    pub fetched: u64,
}

fn as_u64(v: Option<&Value>) -> u64 {
    match v {
        Some(Value::Int(i)) => u64::try_from(*i).unwrap_or(0),
        Some(Value::UInt(u)) => *u,
        Some(other) => other.render().parse().unwrap_or(0),
        None => 0,
    }
}

/// Per-bucket (count, checksum text).
fn checksums(rows: &[Row]) -> HashMap<u64, (u64, String)> {
    rows.iter()
        .map(|r| {
            (
                as_u64(r.first()),
                (as_u64(r.get(1)), r.get(2).map(Value::render).unwrap_or_default()),
            )
        })
        .collect()
}

struct Search<'c> {
    ctl: &'c Control,
    tuning: Tuning,
    stats: SegmentStats,
    diff: RowDiff,
    queue: VecDeque<(KeyRange, u64, u64)>,
    stream_all: bool,
}

async fn count_both(
    src: &mut SideCtx<'_>,
    tgt: &mut SideCtx<'_>,
    range: &KeyRange,
    ctl: &Control,
) -> SyncResult<(u64, u64)> {
    let (qs, qt) = (src.table.count(range), tgt.table.count(range));
    let (a, b) = tokio::join!(src.query(&qs, ctl), tgt.query(&qt, ctl));
    Ok((
        as_u64(a?.first().and_then(|r| r.first())),
        as_u64(b?.first().and_then(|r| r.first())),
    ))
}

fn int_bound(b: &Option<Vec<Value>>) -> Option<&Value> {
    b.as_ref().filter(|k| k.len() == 1).and_then(|k| k.first())
}

/// Evenly spaced integer boundaries inside `(lo, hi]`: no query needed.
fn split_ints(lo: i64, hi: i64, parts: u64) -> Vec<Vec<Value>> {
    let span = (i128::from(hi) - i128::from(lo)).max(0);
    let step = (span / i128::from(parts.max(1))).max(1);
    let mut out = Vec::new();
    let mut b = i128::from(lo) + step;
    while b < i128::from(hi) {
        if let Ok(v) = i64::try_from(b) {
            out.push(vec![Value::Int(v)]);
        }
        b += step;
    }
    out
}

/// The whole key range as integers, when the key is one integer column on
/// both sides: `(min - 1, max]` over both sides, so boundaries can be
/// computed instead of queried.
async fn int_range(src: &mut SideCtx<'_>, tgt: &mut SideCtx<'_>, ctl: &Control) -> SyncResult<Option<KeyRange>> {
    let int_key = |t: &super::sql::SideTable| {
        t.key.len() == 1 && super::typemap::classify(&t.types[t.key[0]]) == super::typemap::TypeClass::Int
    };
    if !(int_key(src.table) && int_key(tgt.table)) {
        return Ok(None);
    }
    let (qs, qt) = (src.table.min_max(), tgt.table.min_max());
    let (a, b) = tokio::join!(src.query(&qs, ctl), tgt.query(&qt, ctl));
    let (a, b) = (a?, b?);
    let mut lo: Option<i64> = None;
    let mut hi: Option<i64> = None;
    for row in a.iter().chain(b.iter()) {
        if let (Some(Value::Int(mn)), Some(Value::Int(mx))) = (row.first(), row.get(1)) {
            lo = Some(lo.map_or(*mn, |l| l.min(*mn)));
            hi = Some(hi.map_or(*mx, |h| h.max(*mx)));
        }
    }
    Ok(match (lo, hi) {
        (Some(l), Some(h)) if l > i64::MIN => Some(KeyRange {
            lo: Some(vec![Value::Int(l - 1)]),
            hi: Some(vec![Value::Int(h)]),
        }),
        _ => None,
    })
}

/// Boundaries of `range` from the side with more rows, `every` rows apart.
async fn boundaries(
    src: &mut SideCtx<'_>,
    tgt: &mut SideCtx<'_>,
    range: &KeyRange,
    counts: (u64, u64),
    parts: u64,
    ctl: &Control,
) -> SyncResult<Vec<Vec<Value>>> {
    if let (Some(Value::Int(lo)), Some(Value::Int(hi))) = (int_bound(&range.lo), int_bound(&range.hi)) {
        return Ok(split_ints(*lo, *hi, parts));
    }
    let n = counts.0.max(counts.1);
    let every = n.div_ceil(parts.max(1)).max(1);
    let mut bounds = if counts.0 >= counts.1 {
        let sql = src.table.boundaries(range, every);
        src.query(&sql, ctl).await?
    } else {
        let sql = tgt.table.boundaries(range, every);
        tgt.query(&sql, ctl).await?
    };
    // The last boundary would only close an empty bucket.
    if n.is_multiple_of(every) {
        bounds.pop();
    }
    Ok(bounds)
}

impl Search<'_> {
    async fn leaf(&mut self, src: &mut SideCtx<'_>, tgt: &mut SideCtx<'_>, range: &KeyRange) -> SyncResult<()> {
        self.stats.fetched += 1;
        let d = merge_range(src, tgt, range, self.ctl).await?;
        self.diff.extend(d);
        Ok(())
    }

    /// Compare the buckets of `range` split at `bounds`; queue or fetch
    /// the ones that differ.
    async fn compare(
        &mut self,
        src: &mut SideCtx<'_>,
        tgt: &mut SideCtx<'_>,
        range: &KeyRange,
        bounds: &[Vec<Value>],
    ) -> SyncResult<()> {
        let qs = src.table.bucket_checksums(range, bounds);
        let qt = tgt.table.bucket_checksums(range, bounds);
        let (Some(qs), Some(qt)) = (qs, qt) else {
            return Err(DataSyncError::Invalid(
                "segment checksums are not available for this engine".into(),
            ));
        };
        let (a, b) = tokio::join!(src.query(&qs, self.ctl), tgt.query(&qt, self.ctl));
        let (a, b) = (checksums(&a?), checksums(&b?));
        let empty = (0, String::new());
        for i in 0..=bounds.len() as u64 {
            let sa = a.get(&i).unwrap_or(&empty);
            let sb = b.get(&i).unwrap_or(&empty);
            self.stats.compared += 1;
            if sa == sb {
                continue;
            }
            self.stats.mismatched += 1;
            let idx = i as usize;
            let sub = KeyRange {
                lo: if idx == 0 {
                    range.lo.clone()
                } else {
                    Some(bounds[idx - 1].clone())
                },
                hi: if idx == bounds.len() {
                    range.hi.clone()
                } else {
                    Some(bounds[idx].clone())
                },
            };
            // An empty side or a table that differs almost everywhere
            // gains nothing from bisection: stream the segment instead.
            if sa.0.max(sb.0) <= self.tuning.leaf_rows || sa.0 == 0 || sb.0 == 0 || self.stream_all {
                self.leaf(src, tgt, &sub).await?;
            } else {
                self.queue.push_back((sub, sa.0, sb.0));
            }
        }
        self.ctl.emit(Progress::Segments {
            compared: self.stats.compared,
            mismatched: self.stats.mismatched,
        });
        Ok(())
    }
}

/// Compare the whole table by segment checksums and bisection.
pub async fn segmented_diff(
    src: &mut SideCtx<'_>,
    tgt: &mut SideCtx<'_>,
    tuning: Tuning,
    ctl: &Control,
) -> SyncResult<(RowDiff, SegmentStats)> {
    let mut search = Search {
        ctl,
        tuning,
        stats: SegmentStats::default(),
        diff: RowDiff::default(),
        queue: VecDeque::new(),
        stream_all: false,
    };
    ctl.emit(Progress::Phase {
        name: "checksums".into(),
    });
    let counts = count_both(src, tgt, &KeyRange::default(), ctl).await?;
    let all = int_range(src, tgt, ctl).await?.unwrap_or_default();
    if counts.0.max(counts.1) <= tuning.leaf_rows {
        search.leaf(src, tgt, &all).await?;
        return Ok((search.diff, search.stats));
    }
    let parts = (counts.0.max(counts.1) / tuning.rows_per_segment).clamp(1, tuning.max_segments);
    let bounds = boundaries(src, tgt, &all, counts, parts, ctl).await?;
    search.compare(src, tgt, &all, &bounds).await?;
    if search.stats.mismatched * 2 > search.stats.compared {
        search.stream_all = true;
    }
    while let Some((range, cs, ct)) = search.queue.pop_front() {
        if search.stream_all {
            search.leaf(src, tgt, &range).await?;
            continue;
        }
        let bounds = boundaries(src, tgt, &range, (cs, ct), tuning.fanout, ctl).await?;
        if bounds.is_empty() {
            search.leaf(src, tgt, &range).await?;
        } else {
            search.compare(src, tgt, &range, &bounds).await?;
        }
    }
    // Rows in matching segments were never fetched; they are equal.
    let d = &mut search.diff;
    d.equal = counts
        .0
        .saturating_sub((d.only_in_source.len() + d.changed.len()) as u64);
    Ok((search.diff, search.stats))
}
