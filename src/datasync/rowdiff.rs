//! Row-level comparison of two key-ordered row streams (a merge join on the
//! key). Pure and synchronous: the data diff feeds it rows fetched from two
//! databases, snapshots feed it rows read from chunks.
//!
//! Both inputs must hold the same columns in the same order and be sorted
//! by the key columns in the order of [`cmp_keys`] (numbers numerically,
//! everything else by bytes). Small disagreements in ordering between two
//! engines are tolerated: rows that end up "only in source" and "only in
//! target" with equal keys are paired up again by [`Merger::finish`].

use super::canonical::{canonical, cmp_keys, values_equal};
use crate::db::Value;
use serde::Serialize;
use std::cmp::Ordering;
use std::collections::HashMap;

/// One row: values in the shared column order.
pub type Row = Vec<Value>;

/// Which input a row came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Side {
    /// The source (the side whose data is copied by a sync).
    Source,
    /// The target (the side a sync changes).
    Target,
}

/// One differing column of a changed row.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ColumnChange {
    /// Column index in the row.
    pub column: usize,
    /// Value in the target (what a source-wins sync overwrites).
    pub old: Value,
    /// Value in the source.
    pub new: Value,
}

/// A key present on both sides with different values.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChangedRow {
    /// Key values.
    pub key: Vec<Value>,
    /// The whole source row.
    pub source: Row,
    /// The whole target row.
    pub target: Row,
    /// The columns that differ.
    pub changes: Vec<ColumnChange>,
}

/// The result of comparing two row streams.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct RowDiff {
    /// Rows whose key exists only in the source.
    pub only_in_source: Vec<Row>,
    /// Rows whose key exists only in the target.
    pub only_in_target: Vec<Row>,
    /// Rows present on both sides with different values.
    pub changed: Vec<ChangedRow>,
    /// Number of rows equal on both sides.
    pub equal: u64,
    /// Keys seen more than once on one side (the key is not unique there).
    pub duplicate_keys: Vec<(Side, Vec<Value>)>,
}

impl RowDiff {
    /// True when both sides hold the same rows.
    pub fn is_empty(&self) -> bool {
        self.only_in_source.is_empty() && self.only_in_target.is_empty() && self.changed.is_empty()
    }

    /// Sort every list by key (`key`: key column indexes).
    pub fn sort_by_key(&mut self, key: &[usize]) {
        let by_key = |a: &Row, b: &Row| cmp_keys(&key_of(a, key), &key_of(b, key));
        self.only_in_source.sort_by(by_key);
        self.only_in_target.sort_by(by_key);
        self.changed.sort_by(|a, b| cmp_keys(&a.key, &b.key));
    }

    /// Append another diff (of a disjoint key range).
    pub fn extend(&mut self, other: RowDiff) {
        self.only_in_source.extend(other.only_in_source);
        self.only_in_target.extend(other.only_in_target);
        self.changed.extend(other.changed);
        self.equal += other.equal;
        self.duplicate_keys.extend(other.duplicate_keys);
    }
}

/// Compare two rows column by column; the differing columns, or none.
pub fn compare_rows(source: &[Value], target: &[Value]) -> Vec<ColumnChange> {
    source
        .iter()
        .zip(target)
        .enumerate()
        .filter(|(_, (s, t))| !values_equal(s, t))
        .map(|(i, (s, t))| ColumnChange {
            column: i,
            old: t.clone(),
            new: s.clone(),
        })
        .collect()
}

/// The key values of a row.
pub fn key_of(row: &[Value], key: &[usize]) -> Vec<Value> {
    key.iter()
        .map(|&i| row.get(i).cloned().unwrap_or(Value::Null))
        .collect()
}

/// Incremental merge-join state, for callers that receive rows
/// asynchronously. [`diff_sorted`] is the synchronous driver.
#[derive(Debug)]
pub struct Merger {
    key: Vec<usize>,
    diff: RowDiff,
    last_source: Option<Vec<Value>>,
    last_target: Option<Vec<Value>>,
}

impl Merger {
    /// A merger comparing rows on the key column indexes `key`.
    pub fn new(key: &[usize]) -> Self {
        Self {
            key: key.to_vec(),
            diff: RowDiff::default(),
            last_source: None,
            last_target: None,
        }
    }

    /// Order of the next source row relative to the next target row.
    pub fn order(&self, source: &[Value], target: &[Value]) -> Ordering {
        cmp_keys(&key_of(source, &self.key), &key_of(target, &self.key))
    }

    /// Consume a source row with no target counterpart.
    pub fn source_only(&mut self, row: Row) {
        self.note(Side::Source, &row);
        self.diff.only_in_source.push(row);
    }

    /// Consume a target row with no source counterpart.
    pub fn target_only(&mut self, row: Row) {
        self.note(Side::Target, &row);
        self.diff.only_in_target.push(row);
    }

    /// Consume a source and a target row with equal keys.
    pub fn pair(&mut self, source: Row, target: Row) {
        self.note(Side::Source, &source);
        self.note(Side::Target, &target);
        self.record_pair(source, target);
    }

    fn record_pair(&mut self, source: Row, target: Row) {
        let changes = compare_rows(&source, &target);
        if changes.is_empty() {
            self.diff.equal += 1;
        } else {
            self.diff.changed.push(ChangedRow {
                key: key_of(&source, &self.key),
                source,
                target,
                changes,
            });
        }
    }

    /// Feed the next row of whichever side is behind. Returns which side
    /// the caller must advance; `None` means both were consumed.
    pub fn step(&mut self, source: &Row, target: &Row) -> Option<Side> {
        match self.order(source, target) {
            Ordering::Less => {
                self.source_only(source.clone());
                Some(Side::Source)
            }
            Ordering::Greater => {
                self.target_only(target.clone());
                Some(Side::Target)
            }
            Ordering::Equal => {
                self.pair(source.clone(), target.clone());
                None
            }
        }
    }

    fn note(&mut self, side: Side, row: &[Value]) {
        let k = key_of(row, &self.key);
        let last = match side {
            Side::Source => &mut self.last_source,
            Side::Target => &mut self.last_target,
        };
        if last.as_ref().is_some_and(|l| cmp_keys(l, &k) == Ordering::Equal) {
            self.diff.duplicate_keys.push((side, k.clone()));
        }
        *last = Some(k);
    }

    /// Pair up one-sided rows whose keys are equal after all (the two
    /// engines ordered them differently), sort the result by key and
    /// return it.
    pub fn finish(mut self) -> RowDiff {
        let key = self.key.clone();
        let canon = |r: &Row| -> Vec<String> { key_of(r, &key).iter().map(canonical).collect() };
        if !self.diff.only_in_source.is_empty() && !self.diff.only_in_target.is_empty() {
            let mut targets: HashMap<Vec<String>, Row> = HashMap::new();
            let mut unkeyed = Vec::new();
            for row in std::mem::take(&mut self.diff.only_in_target) {
                let k = canon(&row);
                if let std::collections::hash_map::Entry::Vacant(e) = targets.entry(k) {
                    e.insert(row);
                } else {
                    unkeyed.push(row);
                }
            }
            let mut sources = Vec::new();
            for row in std::mem::take(&mut self.diff.only_in_source) {
                match targets.remove(&canon(&row)) {
                    Some(t) => self.record_pair(row, t),
                    None => sources.push(row),
                }
            }
            self.diff.only_in_source = sources;
            self.diff.only_in_target = targets.into_values().chain(unkeyed).collect();
        }
        let by_key = |a: &Row, b: &Row| cmp_keys(&key_of(a, &key), &key_of(b, &key));
        self.diff.only_in_source.sort_by(by_key);
        self.diff.only_in_target.sort_by(by_key);
        self.diff.changed.sort_by(|a, b| cmp_keys(&a.key, &b.key));
        self.diff
    }
}

/// Compare two key-ordered row streams and report rows only in the source,
/// only in the target, and changed rows with per-column old (target) and
/// new (source) values. `key` lists the key column indexes. Values are
/// compared with [`values_equal`], so equal data read from different
/// engines compares equal. Duplicate keys are reported, not fatal.
pub fn diff_sorted<S, T>(source: S, target: T, key: &[usize]) -> RowDiff
where
    S: IntoIterator<Item = Row>,
    T: IntoIterator<Item = Row>,
{
    let mut m = Merger::new(key);
    let mut s = source.into_iter();
    let mut t = target.into_iter();
    let mut next_s = s.next();
    let mut next_t = t.next();
    loop {
        match (next_s.take(), next_t.take()) {
            (Some(a), Some(b)) => match m.order(&a, &b) {
                Ordering::Less => {
                    m.source_only(a);
                    next_t = Some(b);
                    next_s = s.next();
                }
                Ordering::Greater => {
                    m.target_only(b);
                    next_s = Some(a);
                    next_t = t.next();
                }
                Ordering::Equal => {
                    m.pair(a, b);
                    next_s = s.next();
                    next_t = t.next();
                }
            },
            (Some(a), None) => {
                m.source_only(a);
                next_s = s.next();
            }
            (None, Some(b)) => {
                m.target_only(b);
                next_t = t.next();
            }
            (None, None) => break,
        }
    }
    m.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(id: i64, name: &str) -> Row {
        vec![Value::Int(id), Value::Text(name.into())]
    }

    #[test]
    fn finds_inserts_deletes_updates() {
        let s = vec![r(1, "a"), r(2, "b"), r(4, "d"), r(5, "e")];
        let t = vec![r(1, "a"), r(2, "B"), r(3, "c"), r(5, "e")];
        let d = diff_sorted(s, t, &[0]);
        assert_eq!(d.only_in_source, vec![r(4, "d")]);
        assert_eq!(d.only_in_target, vec![r(3, "c")]);
        assert_eq!(d.changed.len(), 1);
        assert_eq!(d.changed[0].key, vec![Value::Int(2)]);
        assert_eq!(
            d.changed[0].changes,
            vec![ColumnChange {
                column: 1,
                old: Value::Text("B".into()),
                new: Value::Text("b".into())
            }]
        );
        assert_eq!(d.equal, 2);
        assert!(d.duplicate_keys.is_empty());
    }

    #[test]
    fn null_vs_empty_is_a_change() {
        let s = vec![vec![Value::Int(1), Value::Null]];
        let t = vec![vec![Value::Int(1), Value::Text(String::new())]];
        let d = diff_sorted(s, t, &[0]);
        assert_eq!(d.changed.len(), 1);
    }

    #[test]
    fn composite_keys_and_duplicates() {
        let row = |a: i64, b: &str, v: i64| vec![Value::Int(a), Value::Text(b.into()), Value::Int(v)];
        let s = vec![row(1, "a", 1), row(1, "b", 2), row(1, "b", 3), row(2, "a", 4)];
        let t = vec![row(1, "a", 1), row(1, "c", 2), row(2, "a", 5)];
        let d = diff_sorted(s, t, &[0, 1]);
        assert_eq!(
            d.duplicate_keys,
            vec![(Side::Source, vec![Value::Int(1), Value::Text("b".into())])]
        );
        assert_eq!(d.only_in_target, vec![row(1, "c", 2)]);
        assert_eq!(d.changed.len(), 1);
        assert_eq!(d.changed[0].key, vec![Value::Int(2), Value::Text("a".into())]);
    }

    #[test]
    fn ordering_disagreement_is_repaired() {
        // The target engine sorted case-insensitively: "B" after "a".
        let s = vec![r(0, "B"), r(0, "a")];
        let t = vec![r(0, "a"), r(0, "B")];
        let d = diff_sorted(s, t, &[1]);
        assert!(d.is_empty(), "{d:?}");
        assert_eq!(d.equal, 2);
    }

    #[test]
    fn cross_engine_values_compare_equal() {
        let s = vec![vec![Value::Int(1), Value::Bool(true), Value::Decimal("1.50".into())]];
        let t = vec![vec![Value::Int(1), Value::Int(1), Value::Text("1.5".into())]];
        assert!(diff_sorted(s, t, &[0]).is_empty());
    }
}
