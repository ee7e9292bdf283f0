//! Row comparison over two row sets with possibly different columns: keyed
//! tables go through the shared `datasync::rowdiff` merge join; keyless
//! tables compare as multisets of whole rows.

use crate::backup::codec::row_bytes;
use crate::backup::manifest::TableEntry;
use crate::datasync::canonical::cmp_keys;
use crate::datasync::rowdiff::{diff_sorted, key_of};
use crate::db::Value;
use serde::Serialize;
use std::collections::HashMap;

/// What happened to a row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RowChangeKind {
    /// Only in the newer side.
    Added,
    /// Only in the older side.
    Removed,
    /// Same key, different values.
    Changed,
}

/// One column's old and new value.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ColumnChange {
    /// Column name.
    pub column: String,
    /// Older value.
    pub old: Value,
    /// Newer value.
    pub new: Value,
}

/// One differing row.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RowChange {
    /// What happened.
    pub kind: RowChangeKind,
    /// Key column names and values (all compared columns for keyless tables).
    pub key: Vec<(String, Value)>,
    /// Changed columns (changed rows only).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub columns: Vec<ColumnChange>,
    /// The whole row, for added and removed rows.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub row: Option<Vec<(String, Value)>>,
}

/// Counts and detail of a comparison.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Compared {
    /// Rows added.
    pub added: u64,
    /// Rows removed.
    pub removed: u64,
    /// Rows changed.
    pub changed: u64,
    /// Detail, up to the limit.
    pub rows: Vec<RowChange>,
    /// Whether detail was cut.
    pub truncated: bool,
}

impl Compared {
    fn push(&mut self, r: RowChange, limit: usize) {
        match r.kind {
            RowChangeKind::Added => self.added += 1,
            RowChangeKind::Removed => self.removed += 1,
            RowChangeKind::Changed => self.changed += 1,
        }
        if self.rows.len() < limit {
            self.rows.push(r);
        } else {
            self.truncated = true;
        }
    }
}

/// Compare rows of `old` and `new` by the key both sides share (all common
/// columns when there is none). Columns present on one side only are not
/// compared; they show up as schema changes.
pub fn compare_rows(
    old: &TableEntry,
    new: &TableEntry,
    old_rows: Vec<Vec<Value>>,
    new_rows: Vec<Vec<Value>>,
    limit: usize,
) -> Compared {
    let common: Vec<(usize, usize, String)> = old
        .columns
        .iter()
        .enumerate()
        .filter_map(|(i, c)| new.columns.iter().position(|n| n == c).map(|j| (i, j, c.clone())))
        .collect();
    let key_ok = !new.key.is_empty() && new.key.iter().all(|k| common.iter().any(|c| c.2 == *k));
    let key_cols: Vec<&(usize, usize, String)> = if key_ok {
        new.key
            .iter()
            .filter_map(|k| common.iter().find(|c| c.2 == *k))
            .collect()
    } else {
        common.iter().collect()
    };
    let key_of = |row: &[Value], old_side: bool| -> Vec<Value> {
        key_cols
            .iter()
            .map(|c| {
                row.get(if old_side { c.0 } else { c.1 })
                    .cloned()
                    .unwrap_or(Value::Null)
            })
            .collect()
    };
    let named = |vals: Vec<Value>| -> Vec<(String, Value)> { key_cols.iter().map(|c| c.2.clone()).zip(vals).collect() };
    if key_ok {
        return keyed(&common, &new.key, old_rows, new_rows, limit);
    }
    let mut index: HashMap<Vec<u8>, Vec<Vec<Value>>> = HashMap::with_capacity(old_rows.len());
    let mut order: Vec<Vec<u8>> = Vec::with_capacity(old_rows.len());
    for r in old_rows {
        let k = row_bytes(&key_of(&r, true));
        let slot = index.entry(k.clone()).or_default();
        if slot.is_empty() {
            order.push(k);
        }
        slot.push(r);
    }
    let mut out = Compared::default();
    for r in new_rows {
        let kv = key_of(&r, false);
        let k = row_bytes(&kv);
        match index.get_mut(&k).and_then(|v| v.pop()) {
            Some(o) => {
                let cols: Vec<ColumnChange> = common
                    .iter()
                    .filter_map(|(i, j, name)| {
                        let (a, b) = (o.get(*i)?, r.get(*j)?);
                        (row_bytes(std::slice::from_ref(a)) != row_bytes(std::slice::from_ref(b))).then(|| {
                            ColumnChange {
                                column: name.clone(),
                                old: a.clone(),
                                new: b.clone(),
                            }
                        })
                    })
                    .collect();
                if !cols.is_empty() {
                    out.push(
                        RowChange {
                            kind: RowChangeKind::Changed,
                            key: named(kv),
                            columns: cols,
                            row: None,
                        },
                        limit,
                    );
                }
            }
            None => out.push(
                RowChange {
                    kind: RowChangeKind::Added,
                    key: named(kv),
                    columns: Vec::new(),
                    row: Some(new.columns.iter().cloned().zip(r).collect()),
                },
                limit,
            ),
        }
    }
    for k in order {
        for o in index.remove(&k).unwrap_or_default() {
            let kv = key_of(&o, true);
            out.push(
                RowChange {
                    kind: RowChangeKind::Removed,
                    key: named(kv),
                    columns: Vec::new(),
                    row: Some(old.columns.iter().cloned().zip(o).collect()),
                },
                limit,
            );
        }
    }
    out
}

/// Tables with a key: the shared merge-join row diff of `datasync`, on
/// rows projected to the common columns and sorted by key.
fn keyed(
    common: &[(usize, usize, String)],
    key: &[String],
    old_rows: Vec<Vec<Value>>,
    new_rows: Vec<Vec<Value>>,
    limit: usize,
) -> Compared {
    let key_pos: Vec<usize> = key
        .iter()
        .filter_map(|k| common.iter().position(|c| c.2 == *k))
        .collect();
    let project = |rows: Vec<Vec<Value>>, old_side: bool| -> Vec<Vec<Value>> {
        let mut out: Vec<Vec<Value>> = rows
            .into_iter()
            .map(|r| {
                common
                    .iter()
                    .map(|c| r.get(if old_side { c.0 } else { c.1 }).cloned().unwrap_or(Value::Null))
                    .collect()
            })
            .collect();
        out.sort_by(|a, b| cmp_keys(&key_of(a, &key_pos), &key_of(b, &key_pos)));
        out
    };
    let (old_p, new_p) = (project(old_rows, true), project(new_rows, false));
    let d = diff_sorted(new_p, old_p, &key_pos);
    let names: Vec<String> = common.iter().map(|c| c.2.clone()).collect();
    let named_key =
        |k: Vec<Value>| -> Vec<(String, Value)> { key_pos.iter().map(|i| names[*i].clone()).zip(k).collect() };
    let whole = |r: Vec<Value>| -> Vec<(String, Value)> { names.iter().cloned().zip(r).collect() };
    let mut out = Compared::default();
    let mut changes: Vec<RowChange> = Vec::new();
    for r in d.only_in_source {
        changes.push(RowChange {
            kind: RowChangeKind::Added,
            key: named_key(key_of(&r, &key_pos)),
            columns: Vec::new(),
            row: Some(whole(r)),
        });
    }
    for r in d.only_in_target {
        changes.push(RowChange {
            kind: RowChangeKind::Removed,
            key: named_key(key_of(&r, &key_pos)),
            columns: Vec::new(),
            row: Some(whole(r)),
        });
    }
    for c in d.changed {
        changes.push(RowChange {
            kind: RowChangeKind::Changed,
            key: named_key(c.key),
            columns: c
                .changes
                .into_iter()
                .map(|cc| ColumnChange {
                    column: names.get(cc.column).cloned().unwrap_or_default(),
                    old: cc.old,
                    new: cc.new,
                })
                .collect(),
            row: None,
        });
    }
    let keys: Vec<Vec<Value>> = changes
        .iter()
        .map(|c| c.key.iter().map(|k| k.1.clone()).collect())
        .collect();
    let mut order: Vec<usize> = (0..changes.len()).collect();
    order.sort_by(|a, b| cmp_keys(&keys[*a], &keys[*b]));
    let mut slots: Vec<Option<RowChange>> = changes.into_iter().map(Some).collect();
    for i in order {
        if let Some(c) = slots[i].take() {
            out.push(c, limit);
        }
    }
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn entry(cols: &[&str], key: &[&str]) -> TableEntry {
        TableEntry {
            schema: "main".into(),
            name: "t".into(),
            columns: cols.iter().map(|s| s.to_string()).collect(),
            types: cols.iter().map(|_| "TEXT".to_string()).collect(),
            key: key.iter().map(|s| s.to_string()).collect(),
            rows: 0,
            hash: String::new(),
            bytes: 0,
            chunks: Vec::new(),
        }
    }

    fn r(id: i64, v: &str) -> Vec<Value> {
        vec![Value::Int(id), Value::Text(v.into())]
    }

    #[test]
    fn finds_added_removed_changed_with_columns() {
        let e = entry(&["id", "v"], &["id"]);
        let old = vec![r(1, "a"), r(2, "b"), r(3, "c")];
        let new = vec![r(1, "a"), r(2, "B"), r(4, "d")];
        let c = compare_rows(&e, &e, old, new, 100);
        assert_eq!((c.added, c.removed, c.changed), (1, 1, 1));
        let changed = c.rows.iter().find(|x| x.kind == RowChangeKind::Changed).unwrap();
        assert_eq!(changed.key, vec![("id".to_string(), Value::Int(2))]);
        assert_eq!(changed.columns[0].column, "v");
        assert_eq!(changed.columns[0].new, Value::Text("B".into()));
    }

    #[test]
    fn keyless_tables_compare_as_multisets_and_limit_cuts_detail() {
        let e = entry(&["id", "v"], &[]);
        let old = vec![r(1, "a"), r(1, "a")];
        let new = vec![r(1, "a"), r(5, "x"), r(6, "y")];
        let c = compare_rows(&e, &e, old, new, 1);
        assert_eq!((c.added, c.removed, c.changed), (2, 1, 0));
        assert_eq!(c.rows.len(), 1);
        assert!(c.truncated);
    }

    #[test]
    fn columns_on_one_side_are_not_compared() {
        let old = entry(&["id", "v"], &["id"]);
        let new = entry(&["id", "v", "extra"], &["id"]);
        let c = compare_rows(
            &old,
            &new,
            vec![r(1, "a")],
            vec![vec![Value::Int(1), Value::Text("a".into()), Value::Int(9)]],
            10,
        );
        assert_eq!((c.added, c.removed, c.changed), (0, 0, 0));
    }
}
