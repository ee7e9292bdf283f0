//! Checksum-and-bisect comparison: both databases hash key-ordered
//! segments of the table themselves; only mismatching segments are split
//! further, and only small mismatching segments have their rows fetched.

use super::fetch::{SideCtx, merge_ranges};
use super::rowdiff::{Row, RowDiff};
use super::sql::KeyRange;
use super::{Control, DataSyncError, Progress, SyncResult};
use crate::db::Value;
use serde::Serialize;
use std::collections::HashMap;

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

fn int_step(lo: i64, hi: i64, parts: u64) -> i128 {
    let span = (i128::from(hi) - i128::from(lo)).max(0);
    (span / i128::from(parts.max(1))).max(1)
}

/// Evenly spaced integer boundaries inside `(lo, hi]`: no query needed.
fn split_ints(lo: i64, hi: i64, parts: u64) -> Vec<Vec<Value>> {
    let step = int_step(lo, hi, parts);
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
        use crate::db::types::{TypeClass, classify};
        t.key.len() == 1 && matches!(classify(t.engine, &t.types[t.key[0]]), TypeClass::Int | TypeClass::UInt)
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

/// A segment still to resolve: its range and its row counts on both sides.
type Pending = (KeyRange, u64, u64);

/// Split `range` at `bounds` into consecutive sub-ranges.
fn split(range: &KeyRange, bounds: &[Vec<Value>]) -> Vec<KeyRange> {
    let mut out = Vec::with_capacity(bounds.len() + 1);
    let mut lo = range.lo.clone();
    for b in bounds {
        out.push(KeyRange {
            lo: lo.clone(),
            hi: Some(b.clone()),
        });
        lo = Some(b.clone());
    }
    out.push(KeyRange {
        lo,
        hi: range.hi.clone(),
    });
    out
}

/// When `subs` split the single integer range in `parents` every `step`
/// values (as [`split_ints`] does), the range, its lower bound and step.
fn arithmetic(parents: &[KeyRange], subs: &[KeyRange]) -> Option<(KeyRange, i64, i64)> {
    let [one] = parents else { return None };
    let (Some(Value::Int(lo)), Some(Value::Int(hi))) = (int_bound(&one.lo), int_bound(&one.hi)) else {
        return None;
    };
    if i128::from(*hi) - i128::from(*lo) >= i128::from(i64::MAX / 2) {
        return None;
    }
    let Some(Value::Int(first)) = subs.first().and_then(|s| int_bound(&s.hi)) else {
        return None;
    };
    let step = first - lo;
    let n = subs.len() as i64;
    let regular = step > 0
        && subs[..subs.len() - 1]
            .iter()
            .enumerate()
            .all(|(i, s)| matches!(int_bound(&s.hi), Some(Value::Int(b)) if *b == lo + step * (i as i64 + 1)))
        && (hi - lo - 1) / step < n;
    regular.then(|| (one.clone(), *lo, step))
}

/// Checksums of every sub-range of one level, one query per side: the
/// rows of all `parents` bucketed by the sub-ranges' upper bounds.
/// Returns (source count, target count, equal) per sub-range.
async fn checksum_level(
    src: &mut SideCtx<'_>,
    tgt: &mut SideCtx<'_>,
    parents: &[KeyRange],
    subs: &[KeyRange],
    ctl: &Control,
) -> SyncResult<Vec<(u64, u64, bool)>> {
    let bounds: Vec<Vec<Value>> = subs.iter().filter_map(|r| r.hi.clone()).collect();
    let arith = arithmetic(parents, subs);
    let (qs, qt) = match &arith {
        Some((range, lo, step)) => (
            src.table.bucket_checksums_arith(range, *lo, *step),
            tgt.table.bucket_checksums_arith(range, *lo, *step),
        ),
        None => (
            src.table.bucket_checksums_in(parents, &bounds),
            tgt.table.bucket_checksums_in(parents, &bounds),
        ),
    };
    let (Some(qs), Some(qt)) = (qs, qt) else {
        return Err(DataSyncError::Invalid(
            "segment checksums are not available for this engine".into(),
        ));
    };
    let (a, b) = tokio::join!(src.query(&qs, ctl), tgt.query(&qt, ctl));
    let (a, b) = (checksums(&a?), checksums(&b?));
    let empty = (0, String::new());
    Ok((0..subs.len() as u64)
        .map(|i| {
            let sa = a.get(&i).unwrap_or(&empty);
            let sb = b.get(&i).unwrap_or(&empty);
            (sa.0, sb.0, sa == sb)
        })
        .collect())
}

/// Compare the whole table by segment checksums and bisection. Each level
/// of the search is one checksum query per side, whatever the number of
/// segments in it; the rows of all small mismatching segments are then
/// fetched in one streamed merge join.
pub async fn segmented_diff(
    src: &mut SideCtx<'_>,
    tgt: &mut SideCtx<'_>,
    tuning: Tuning,
    ctl: &Control,
) -> SyncResult<(RowDiff, SegmentStats)> {
    let mut stats = SegmentStats::default();
    ctl.emit(Progress::Phase {
        name: "checksums".into(),
    });
    let counts = count_both(src, tgt, &KeyRange::default(), ctl).await?;
    let all = int_range(src, tgt, ctl).await?.unwrap_or_default();
    let mut leaves: Vec<KeyRange> = Vec::new();
    let mut level: Vec<Pending> = Vec::new();
    if counts.0.max(counts.1) <= tuning.leaf_rows {
        leaves.push(all);
    } else {
        level.push((all, counts.0, counts.1));
    }
    let mut parts = (counts.0.max(counts.1) / tuning.rows_per_segment).clamp(1, tuning.max_segments);
    let mut stream_all = false;
    let mut first = true;
    while !level.is_empty() {
        let mut parents = Vec::new();
        let mut subs = Vec::new();
        for (range, cs, ct) in &level {
            let bounds = boundaries(src, tgt, range, (*cs, *ct), parts, ctl).await?;
            if bounds.is_empty() {
                leaves.push(range.clone());
            } else {
                parents.push(range.clone());
                subs.extend(split(range, &bounds));
            }
        }
        level.clear();
        if parents.is_empty() {
            break;
        }
        let sums = checksum_level(src, tgt, &parents, &subs, ctl).await?;
        let compared = subs.len() as u64;
        let mut next = Vec::new();
        for (sub, (a, b, same)) in subs.into_iter().zip(sums) {
            if !same {
                next.push((sub, a, b));
            }
        }
        stats.compared += compared;
        stats.mismatched += next.len() as u64;
        // A table that differs almost everywhere gains nothing from
        // bisection: stream the differing segments instead.
        if first && next.len() as u64 * 2 > compared {
            stream_all = true;
        }
        first = false;
        ctl.emit(Progress::Segments {
            compared: stats.compared,
            mismatched: stats.mismatched,
        });
        for (sub, a, b) in next {
            if a.max(b) <= tuning.leaf_rows || a == 0 || b == 0 || stream_all {
                leaves.push(sub);
            } else {
                level.push((sub, a, b));
            }
        }
        parts = tuning.fanout;
    }
    stats.fetched = leaves.len() as u64;
    ctl.emit(Progress::Phase { name: "fetch".into() });
    let mut diff = RowDiff::default();
    // Bounded statement size: a few hundred ranges per fetch.
    for chunk in leaves.chunks(256) {
        diff.extend(merge_ranges(src, tgt, chunk, ctl).await?);
    }
    diff.sort_by_key(&src.table.key);
    // Rows in matching segments were never fetched; they are equal.
    diff.equal = counts
        .0
        .saturating_sub((diff.only_in_source.len() + diff.changed.len()) as u64);
    Ok((diff, stats))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn range(lo: i64, hi: i64) -> KeyRange {
        KeyRange {
            lo: Some(vec![Value::Int(lo)]),
            hi: Some(vec![Value::Int(hi)]),
        }
    }

    #[test]
    fn integer_splits_are_arithmetic_buckets() {
        for (lo, hi, parts) in [(0, 1_000_000, 244), (-5, 17, 4), (10, 11, 16), (0, 100, 7)] {
            let r = range(lo, hi);
            let subs = split(&r, &split_ints(lo, hi, parts));
            let (_, l, step) = arithmetic(std::slice::from_ref(&r), &subs).expect("arithmetic");
            // Every key lands in the bucket whose sub-range holds it.
            for k in (lo + 1)..=hi.min(lo + 5000) {
                let bucket = ((k - l - 1) / step) as usize;
                let sub = &subs[bucket];
                let above = sub.lo.as_ref().is_none_or(|b| k > int_of(&b[0]));
                let below = sub.hi.as_ref().is_none_or(|b| k <= int_of(&b[0]));
                assert!(above && below, "key {k} bucket {bucket} of {subs:?}");
            }
        }
        let two = [range(0, 10), range(20, 30)];
        assert!(arithmetic(&two, &split(&two[0], &[])).is_none());
    }

    fn int_of(v: &Value) -> i64 {
        match v {
            Value::Int(i) => *i,
            other => panic!("{other:?}"),
        }
    }
}
