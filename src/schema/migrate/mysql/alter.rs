//! One `ALTER TABLE` per changed MySQL/MariaDB table, and what it costs:
//! whether the server can do it instantly, in place, or must copy the
//! table (`ALGORITHM=INSTANT/INPLACE/COPY`).

use crate::schema::ddl::Ddl;
use crate::schema::migrate::{Builder, Phase};
use crate::schema::{ColumnDef, Index, KeyConstraint, Table};

/// How the server can run an ALTER, cheapest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Algo {
    /// Metadata only.
    Instant,
    /// In place without rebuilding the table (index builds).
    Inplace,
    /// In place, rebuilding the table (writes allowed).
    Rebuild,
    /// A full copy into a new table, writes blocked.
    Copy,
}

/// Whether primary key, unique keys or indexes change (foreign keys over
/// this table's keys must then be re-added).
pub(super) fn keys_change(c: &Ddl, s: &Table, t: &Table) -> bool {
    let pk = |x: &Table| x.primary_key.as_ref().map(|k| k.columns.clone());
    let uq = |x: &Table| x.uniques.iter().map(|k| c.unique(k)).collect::<Vec<_>>();
    let ix = |x: &Table| {
        x.indexes
            .iter()
            .map(|i| c.create_index(x, i, false))
            .collect::<Vec<_>>()
    };
    pk(s) != pk(t) || uq(s) != uq(t) || ix(s) != ix(t)
}

/// Types that carry a character set.
fn is_text(data_type: &str) -> bool {
    let t = data_type.to_ascii_lowercase();
    [
        "char",
        "varchar",
        "text",
        "tinytext",
        "mediumtext",
        "longtext",
        "enum",
        "set",
    ]
    .iter()
    .any(|p| t.starts_with(&format!("{p}(")) || t == *p)
}

fn charset_of(collation: &str) -> &str {
    collation.split('_').next().unwrap_or(collation)
}

/// A column definition with its column-level check (MariaDB).
fn column_def(d: &Ddl, t: &Table, c: &ColumnDef) -> String {
    let mut s = d.column(c, false);
    for k in t.checks.iter().filter(|k| k.column.as_deref() == Some(c.name.as_str())) {
        s.push_str(&format!(" CHECK ({})", k.expression));
    }
    s
}

/// The one `ALTER TABLE` that turns `t` into `s` (partitioning aside).
pub(super) fn alter_table(b: &mut Builder, d: &Ddl, c: &Ddl, s: &Table, t: &Table) {
    let q = d.ident(&s.name);
    let mut clauses: Vec<String> = Vec::new();
    let mut algo = Algo::Instant;
    let mut hazards: Vec<String> = Vec::new();
    let bump = |a: Algo, algo: &mut Algo| {
        if a > *algo {
            *algo = a;
        }
    };
    // A new default collation: set it, then redefine every text column
    // that followed the old default (a conversion in place would also
    // widen TEXT types).
    let mut t = t.clone();
    if s.collation != t.collation
        && let Some(coll) = &s.collation
    {
        b.add(
            Phase::Tables,
            format!("ALTER TABLE {q} DEFAULT CHARSET={} COLLATE={coll}", charset_of(coll)),
        );
        let old = t.collation.clone();
        for col in &mut t.columns {
            if col.collation.is_none() && is_text(&col.data_type) {
                col.collation = old.clone();
            }
        }
        t.collation = Some(coll.clone());
    }
    let t = &t;
    // Keys and checks that change or go.
    let pk_changed = t.primary_key.as_ref().map(|k| &k.columns) != s.primary_key.as_ref().map(|k| &k.columns);
    // Column checks come and go with their column's definition.
    for k in t.checks.iter().filter(|k| k.column.is_none()) {
        if !s
            .checks
            .iter()
            .any(|x| x.name == k.name && c.check(x) == c.check(k) && x.column == k.column)
        {
            clauses.push(format!("DROP CONSTRAINT {}", d.ident(&k.name)));
        }
    }
    let same_uq = |a: &KeyConstraint, b: &KeyConstraint| a.name == b.name && a.columns == b.columns;
    for u in &t.uniques {
        if !s.uniques.iter().any(|x| same_uq(x, u)) {
            clauses.push(format!("DROP INDEX {}", d.ident(&u.name)));
            bump(Algo::Inplace, &mut algo);
        }
    }
    let same_ix = |a: &Index, b: &Index| a.name == b.name && c.create_index(s, a, false) == c.create_index(t, b, false);
    // Only visibility differs: ALTER INDEX keeps the index.
    let visibility_only = |a: &Index, b: &Index| {
        let strip = |i: &Index| {
            let mut i = i.clone();
            i.invisible = false;
            i.options = i
                .options
                .as_deref()
                .map(|o| {
                    o.split_whitespace()
                        .filter(|w| *w != "IGNORED" && !w.contains("INVISIBLE"))
                        .collect::<Vec<_>>()
                        .join(" ")
                })
                .filter(|o| !o.is_empty());
            i
        };
        a.name == b.name
            && a.invisible != b.invisible
            && c.create_index(s, &strip(a), false) == c.create_index(t, &strip(b), false)
    };
    for i in &t.indexes {
        if let Some(n) = s.indexes.iter().find(|x| visibility_only(x, i)) {
            let word = |x: &Index| x.options.as_deref().unwrap_or("").contains("INVISIBLE");
            let mysql = word(n) || word(i);
            let state = match (n.invisible, mysql) {
                (true, false) => "IGNORED",
                (false, false) => "NOT IGNORED",
                (true, true) => "INVISIBLE",
                (false, true) => "VISIBLE",
            };
            clauses.push(format!("ALTER INDEX {} {state}", d.ident(&i.name)));
        } else if !s.indexes.iter().any(|x| same_ix(x, i)) {
            clauses.push(format!("DROP INDEX {}", d.ident(&i.name)));
            bump(Algo::Inplace, &mut algo);
        }
    }
    if pk_changed && t.primary_key.is_some() {
        clauses.push("DROP PRIMARY KEY".into());
        bump(
            if s.primary_key.is_some() {
                Algo::Rebuild
            } else {
                Algo::Copy
            },
            &mut algo,
        );
    }
    // Columns: drop, then add/modify in the source's order.
    for col in &t.columns {
        if s.column(&col.name).is_none() {
            clauses.push(format!("DROP COLUMN {}", d.ident(&col.name)));
            hazards.push(format!("data loss: drops column {}.{}", t.name, col.name));
        }
    }
    let remaining: Vec<&str> = t
        .columns
        .iter()
        .filter(|x| s.column(&x.name).is_some())
        .map(|x| x.name.as_str())
        .collect();
    let kept_in_source_order: Vec<&str> = s
        .columns
        .iter()
        .filter(|x| remaining.contains(&x.name.as_str()))
        .map(|x| x.name.as_str())
        .collect();
    let stay = longest_common_order(&remaining, &kept_in_source_order);
    let mut prev: Option<&str> = None;
    for col in &s.columns {
        let pos = match prev {
            Some(p) => format!(" AFTER {}", d.ident(p)),
            None => " FIRST".to_string(),
        };
        match t.column(&col.name) {
            None => {
                clauses.push(format!("ADD COLUMN {}{pos}", column_def(d, s, col)));
                let stored = col.generated.as_deref().is_some_and(|g| g.ends_with("STORED"));
                bump(if stored { Algo::Copy } else { Algo::Instant }, &mut algo);
                if stored {
                    hazards.push(format!("computes stored column {} for every row", col.name));
                }
                if !col.nullable && col.default.is_none() && col.identity.is_none() && col.generated.is_none() {
                    hazards.push(format!(
                        "existing rows get the type's zero value in NOT NULL column {}.{} (no default)",
                        s.name, col.name
                    ));
                }
            }
            Some(old) => {
                let moved = !stay.contains(&col.name.as_str());
                let changed = column_def(c, t, old) != column_def(c, s, col);
                let generation_changed = old.generated.is_some() != col.generated.is_some()
                    || old.generated.as_deref().map(|g| g.ends_with("STORED"))
                        != col.generated.as_deref().map(|g| g.ends_with("STORED"));
                if generation_changed {
                    // The server cannot turn one kind of column into another.
                    clauses.push(format!("DROP COLUMN {}", d.ident(&col.name)));
                    clauses.push(format!("ADD COLUMN {}{pos}", column_def(d, s, col)));
                    hazards.push(format!(
                        "re-creates column {}.{} (stored/virtual/regular changes){}",
                        s.name,
                        col.name,
                        if old.generated.is_none() {
                            ": its values are lost"
                        } else {
                            ""
                        }
                    ));
                    bump(Algo::Copy, &mut algo);
                } else if changed || moved {
                    let p = if moved { pos } else { String::new() };
                    clauses.push(format!("MODIFY COLUMN {}{p}", column_def(d, s, col)));
                    bump(modify_cost(old, col), &mut algo);
                    if old.data_type != col.data_type {
                        hazards.push(format!(
                            "data loss if {} -> {} narrows values of {}.{}",
                            old.data_type, col.data_type, s.name, col.name
                        ));
                    }
                    if old.nullable && !col.nullable {
                        hazards.push(format!("fails if {}.{} holds NULLs", s.name, col.name));
                    }
                }
            }
        }
        prev = Some(&col.name);
    }
    // New keys and checks.
    if pk_changed && let Some(k) = &s.primary_key {
        clauses.push(format!("ADD {}", d.primary_key(k)));
        bump(Algo::Rebuild, &mut algo);
    }
    for u in &s.uniques {
        if !t.uniques.iter().any(|x| same_uq(x, u)) {
            clauses.push(format!("ADD {}", d.unique(u)));
            bump(Algo::Inplace, &mut algo);
        }
    }
    for i in &s.indexes {
        if !t.indexes.iter().any(|x| same_ix(i, x) || visibility_only(i, x)) {
            clauses.push(format!("ADD {}", d.mysql_index_item(i)));
            let cost = match i.method.as_deref() {
                Some("fulltext") if !t.indexes.iter().any(|x| x.method.as_deref() == Some("fulltext")) => Algo::Rebuild,
                _ => Algo::Inplace,
            };
            bump(cost, &mut algo);
        }
    }
    for k in s.checks.iter().filter(|k| k.column.is_none()) {
        if !t
            .checks
            .iter()
            .any(|x| x.name == k.name && c.check(x) == c.check(k) && x.column == k.column)
        {
            clauses.push(format!("ADD {}", d.check(k)));
            bump(Algo::Copy, &mut algo);
            hazards.push(format!("checks every row of {}", s.name));
        }
    }
    // Table options.
    if s.engine != t.engine
        && let Some(e) = &s.engine
    {
        clauses.push(format!("ENGINE={e}"));
        bump(Algo::Copy, &mut algo);
    }
    if s.options != t.options {
        let key = |o: &String| o.split('=').next().unwrap_or("").to_ascii_lowercase();
        for o in &t.options {
            if !s.options.iter().any(|x| key(x) == key(o)) {
                let k = key(o);
                let reset = if k == "key_block_size" { "0" } else { "DEFAULT" };
                clauses.push(format!("{}={reset}", k.trim_matches('`').to_ascii_uppercase()));
            }
        }
        for o in &s.options {
            if !t.options.contains(o) {
                let (k, v) = o.split_once('=').unwrap_or((o, ""));
                clauses.push(format!("{}={v}", k.trim_matches('`').to_ascii_uppercase()));
            }
        }
        bump(Algo::Rebuild, &mut algo);
    }
    if s.comment != t.comment {
        clauses.push(format!("COMMENT={}", d.literal(s.comment.as_deref().unwrap_or(""))));
    }
    if clauses.is_empty() {
        return;
    }
    match algo {
        Algo::Instant => {}
        Algo::Inplace => hazards.push(format!(
            "builds indexes in place (ALGORITHM=INPLACE); {} stays writable",
            s.name
        )),
        Algo::Rebuild => hazards.push(format!(
            "rebuilds {} in place (ALGORITHM=INPLACE): reads and writes continue, but it takes as long as a copy",
            s.name
        )),
        Algo::Copy => hazards.push(format!(
            "copies {} into a new table (ALGORITHM=COPY): writes are blocked until it finishes",
            s.name
        )),
    }
    b.add_h(
        Phase::Tables,
        format!("ALTER TABLE {q}\n  {}", clauses.join(",\n  ")),
        hazards,
    );
}

/// What `MODIFY COLUMN` from `old` to `new` costs on MariaDB 10.4+.
fn modify_cost(old: &ColumnDef, new: &ColumnDef) -> Algo {
    if old.data_type == new.data_type && old.collation == new.collation {
        if old.nullable && !new.nullable {
            return Algo::Rebuild;
        }
        // Default, comment, visibility, position, NULL allowed: metadata.
        return Algo::Instant;
    }
    if varchar_widening(&old.data_type, &new.data_type) {
        return Algo::Instant;
    }
    Algo::Copy
}

/// `varchar(n)` -> `varchar(m)`, m >= n, both under 256 bytes or both over
/// (the length prefix keeps its size).
fn varchar_widening(old: &str, new: &str) -> bool {
    let len = |t: &str| -> Option<u32> {
        let r = t.strip_prefix("varchar(")?;
        r[..r.find(')')?].parse().ok()
    };
    match (len(old), len(new)) {
        // Four bytes per character covers utf8mb4, the widest charset.
        (Some(a), Some(b)) => b >= a && ((a * 4 < 256) == (b * 4 < 256)),
        _ => false,
    }
}

/// The columns that keep their place: the longest subsequence `now` and
/// `wanted` share, so only the others are moved.
fn longest_common_order<'a>(now: &[&'a str], wanted: &[&'a str]) -> Vec<&'a str> {
    let (n, m) = (now.len(), wanted.len());
    let mut l = vec![vec![0usize; m + 1]; n + 1];
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            l[i][j] = if now[i] == wanted[j] {
                l[i + 1][j + 1] + 1
            } else {
                l[i + 1][j].max(l[i][j + 1])
            };
        }
    }
    let (mut i, mut j) = (0, 0);
    let mut out = Vec::new();
    while i < n && j < m {
        if now[i] == wanted[j] {
            out.push(now[i]);
            i += 1;
            j += 1;
        } else if l[i + 1][j] >= l[i][j + 1] {
            i += 1;
        } else {
            j += 1;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_out_of_place_columns_move() {
        assert_eq!(
            longest_common_order(&["a", "b", "c", "d"], &["a", "c", "d", "b"]),
            vec!["a", "c", "d"]
        );
        assert!(varchar_widening("varchar(20)", "varchar(32)"));
        assert!(!varchar_widening("varchar(20)", "varchar(100)"));
        assert!(!varchar_widening("varchar(32)", "varchar(20)"));
    }
}
