//! SQL text per dialect: row fetches in key order, key boundaries, segment
//! checksums computed inside the database, key checks and DML.

use super::rowdiff::Row;
use super::typemap;
use crate::db::types::{TypeClass, classify};
use crate::db::{Engine, Value, quote};

/// A table as seen from one side: its quoted name, the compared columns
/// (with the engine's type names) and where the key columns sit.
#[derive(Debug, Clone)]
pub struct SideTable {
    /// Engine of this side.
    pub engine: Engine,
    /// Quoted, possibly schema-qualified table name.
    pub quoted: String,
    /// Compared column names, in the shared order.
    pub columns: Vec<String>,
    /// Engine type names of `columns`.
    pub types: Vec<String>,
    /// Indexes of the key columns within `columns`.
    pub key: Vec<usize>,
    /// User filter (`--where`), parsed and rendered by
    /// [`crate::safety::user_text::filter`] for this side's dialect.
    pub filter: Option<String>,
    /// Postgres: hash rows with `hash_record_extended` (typed, no text
    /// rendering) instead of hashing their text. Both sides must agree.
    pub record_hash: bool,
}

/// A half-open key range `(lo, hi]`; `None` bounds are unbounded.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct KeyRange {
    /// Exclusive lower bound.
    pub lo: Option<Vec<Value>>,
    /// Inclusive upper bound.
    pub hi: Option<Vec<Value>>,
}

impl SideTable {
    fn ident(&self, name: &str) -> String {
        quote::ident(self.engine, name)
    }

    fn key_cols(&self) -> Vec<String> {
        self.key.iter().map(|&i| self.ident(&self.columns[i])).collect()
    }

    /// `(a, b)` or `a`: the key as one comparable expression.
    fn key_tuple(&self) -> String {
        let cols = self.key_cols();
        if cols.len() == 1 {
            cols[0].clone()
        } else {
            format!("({})", cols.join(", "))
        }
    }

    fn key_literal(&self, key: &[Value]) -> String {
        let lits: Vec<String> = self
            .key
            .iter()
            .zip(key)
            .map(|(&i, v)| typemap::literal(self.engine, &self.types[i], v))
            .collect();
        if lits.len() == 1 {
            lits[0].clone()
        } else {
            format!("({})", lits.join(", "))
        }
    }

    /// Key ordering in bytes for text (Postgres `COLLATE "C"`, MySQL
    /// `BINARY`, SQLite `COLLATE BINARY`) so every engine agrees with
    /// `canonical::cmp_keys`.
    fn order_by(&self) -> String {
        let parts: Vec<String> = self
            .key
            .iter()
            .map(|&i| {
                let col = self.ident(&self.columns[i]);
                let textual = classify(self.engine, &self.types[i]) == TypeClass::Text;
                match self.engine {
                    Engine::Postgres if textual => format!("{col} COLLATE \"C\""),
                    Engine::Mysql if textual => format!("BINARY {col}"),
                    Engine::Sqlite => format!("{col} COLLATE BINARY"),
                    _ => col,
                }
            })
            .collect();
        parts.join(", ")
    }

    fn range_cond(&self, range: &KeyRange) -> Option<String> {
        let mut conds = Vec::new();
        if let Some(lo) = &range.lo {
            conds.push(format!("{} > {}", self.key_tuple(), self.key_literal(lo)));
        }
        if let Some(hi) = &range.hi {
            conds.push(format!("{} <= {}", self.key_tuple(), self.key_literal(hi)));
        }
        (!conds.is_empty()).then(|| conds.join(" AND "))
    }

    /// The WHERE clause for the user filter and a key range.
    pub fn where_clause(&self, range: &KeyRange) -> String {
        self.where_ranges(std::slice::from_ref(range))
    }

    /// The WHERE clause for the user filter and any of several key ranges.
    pub fn where_ranges(&self, ranges: &[KeyRange]) -> String {
        let mut conds = Vec::new();
        if let Some(f) = &self.filter {
            conds.push(format!("({f})"));
        }
        let parts: Option<Vec<String>> = ranges.iter().map(|r| self.range_cond(r)).collect();
        match parts {
            Some(p) if p.len() == 1 => conds.push(p[0].clone()),
            Some(p) if !p.is_empty() => conds.push(format!("(({}))", p.join(") OR ("))),
            _ => {}
        }
        if conds.is_empty() {
            String::new()
        } else {
            format!(" WHERE {}", conds.join(" AND "))
        }
    }

    fn select_list(&self) -> String {
        self.columns
            .iter()
            .map(|c| self.ident(c))
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// All compared columns of the rows in `range`, in key order.
    pub fn select_rows(&self, range: &KeyRange) -> String {
        self.select_rows_in(std::slice::from_ref(range))
    }

    /// All compared columns of the rows in any of `ranges`, in key order.
    pub fn select_rows_in(&self, ranges: &[KeyRange]) -> String {
        format!(
            "SELECT {} FROM {}{} ORDER BY {}",
            self.select_list(),
            self.quoted,
            self.where_ranges(ranges),
            self.order_by()
        )
    }

    /// Row count in `range`.
    pub fn count(&self, range: &KeyRange) -> String {
        format!("SELECT count(*) FROM {}{}", self.quoted, self.where_clause(range))
    }

    /// Smallest and largest key (one key column).
    pub fn min_max(&self) -> String {
        let k = self.key_tuple();
        format!(
            "SELECT min({k}), max({k}) FROM {}{}",
            self.quoted,
            self.where_clause(&KeyRange::default())
        )
    }

    /// Every `every`-th key in `range` (in key order): segment boundaries
    /// picked by the database, so only the boundaries cross the network.
    pub fn boundaries(&self, range: &KeyRange, every: u64) -> String {
        let cols = self.key_cols();
        let aliases: Vec<String> = (0..cols.len()).map(|i| format!("k{i}")).collect();
        let inner: Vec<String> = cols.iter().zip(&aliases).map(|(c, a)| format!("{c} AS {a}")).collect();
        format!(
            "SELECT {} FROM (SELECT {}, row_number() OVER (ORDER BY {}) AS dbn_rn FROM {}{}) dbn_s WHERE dbn_rn % {every} = 0 ORDER BY dbn_rn",
            aliases.join(", "),
            inner.join(", "),
            cols.join(", "),
            self.quoted,
            self.where_clause(range),
        )
    }

    /// Per-bucket row count and checksum of the rows in `range`, where
    /// bucket `i` holds keys in `(bounds[i-1], bounds[i]]` (bucket 0 from
    /// the range start, the last bucket to its end). The bucket is found by
    /// a binary search written as nested CASE, so each row costs
    /// log2(buckets) comparisons. None for engines without hash functions.
    pub fn bucket_checksums(&self, range: &KeyRange, bounds: &[Vec<Value>]) -> Option<String> {
        self.bucket_checksums_in(std::slice::from_ref(range), bounds)
    }

    /// [`Self::bucket_checksums`] over the rows in any of `ranges`.
    pub fn bucket_checksums_in(&self, ranges: &[KeyRange], bounds: &[Vec<Value>]) -> Option<String> {
        self.checksums_by(ranges, &self.bucket_expr(bounds, 0, bounds.len()))
    }

    /// [`Self::bucket_checksums`] for one integer key split every `step`
    /// values above `lo`: the bucket is arithmetic, `(key - lo - 1) / step`,
    /// instead of a search, which matters on the full-table first pass.
    pub fn bucket_checksums_arith(&self, range: &KeyRange, lo: i64, step: i64) -> Option<String> {
        let k = self.key_tuple();
        let bucket = match self.engine {
            Engine::Mysql => format!("(({k} - ({lo}) - 1) DIV {step})"),
            _ => format!("(({k} - ({lo}) - 1) / {step})"),
        };
        self.checksums_by(std::slice::from_ref(range), &bucket)
    }

    fn checksums_by(&self, ranges: &[KeyRange], bucket: &str) -> Option<String> {
        let hash = self.row_hash()?;
        let agg = match self.engine {
            Engine::Postgres => "bit_xor(dbn_h)::text",
            _ => "CAST(BIT_XOR(dbn_h) AS CHAR)",
        };
        Some(format!(
            "SELECT dbn_b, count(*), {agg} FROM (SELECT {bucket} AS dbn_b, {hash} AS dbn_h FROM {}{}) dbn_s GROUP BY dbn_b ORDER BY dbn_b",
            self.quoted,
            self.where_ranges(ranges),
        ))
    }

    fn bucket_expr(&self, bounds: &[Vec<Value>], lo: usize, hi: usize) -> String {
        if lo >= hi {
            return lo.to_string();
        }
        let mid = (lo + hi) / 2;
        format!(
            "CASE WHEN {} <= {} THEN {} ELSE {} END",
            self.key_tuple(),
            self.key_literal(&bounds[mid]),
            self.bucket_expr(bounds, lo, mid),
            self.bucket_expr(bounds, mid + 1, hi)
        )
    }

    /// A 64-bit hash of the row's canonical text, computed by the server.
    fn row_hash(&self) -> Option<String> {
        let cols: Vec<String> = self.columns.iter().map(|c| self.ident(c)).collect();
        match self.engine {
            // The record's text output tells NULL from '' and quotes
            // delimiters, so it is an unambiguous rendering of the row;
            // hashtextextended (Postgres 11+) is a 64-bit hash three times
            // cheaper than md5. A hash that differs between two servers
            // (other architecture) only costs traffic, never correctness.
            Engine::Postgres if self.record_hash => Some(format!("hash_record_extended(ROW({}), 0)", cols.join(", "))),
            Engine::Postgres => Some(format!("hashtextextended(ROW({})::text, 0)", cols.join(", "))),
            Engine::Mysql => {
                // Length-prefixed values with an explicit NULL marker.
                let parts: Vec<String> = cols
                    .iter()
                    .map(|c| format!("IFNULL(CONCAT(LENGTH({c}), ':', {c}), 'N')"))
                    .collect();
                Some(format!(
                    "CAST(CONV(LEFT(MD5(CONCAT_WS('|', {})), 16), 16, 10) AS UNSIGNED)",
                    parts.join(", ")
                ))
            }
            Engine::Sqlite => None,
        }
    }

    /// Keys that occur more than once (at most `limit` of them).
    pub fn duplicate_keys(&self, limit: usize) -> String {
        let cols = self.key_cols().join(", ");
        format!(
            "SELECT {cols}, count(*) FROM {}{} GROUP BY {cols} HAVING count(*) > 1 LIMIT {limit}",
            self.quoted,
            self.where_clause(&KeyRange::default())
        )
    }

    /// Number of rows with a NULL in any key column.
    pub fn null_keys(&self) -> String {
        let conds: Vec<String> = self.key_cols().iter().map(|c| format!("{c} IS NULL")).collect();
        let extra = self.filter.as_ref().map(|f| format!("({f}) AND ")).unwrap_or_default();
        format!(
            "SELECT count(*) FROM {} WHERE {extra}({})",
            self.quoted,
            conds.join(" OR ")
        )
    }

    fn key_match(&self, key: &[Value]) -> String {
        let conds: Vec<String> = self
            .key
            .iter()
            .zip(key)
            .map(|(&i, v)| {
                format!(
                    "{} = {}",
                    self.ident(&self.columns[i]),
                    typemap::literal(self.engine, &self.types[i], v)
                )
            })
            .collect();
        conds.join(" AND ")
    }

    /// Multi-row INSERT of full rows.
    pub fn insert(&self, rows: &[Row]) -> String {
        let tuples: Vec<String> = rows
            .iter()
            .map(|r| {
                let vals: Vec<String> = r
                    .iter()
                    .zip(&self.types)
                    .map(|(v, t)| typemap::literal(self.engine, t, v))
                    .collect();
                format!("({})", vals.join(", "))
            })
            .collect();
        format!(
            "INSERT INTO {} ({}) VALUES {}",
            self.quoted,
            self.select_list(),
            tuples.join(", ")
        )
    }

    /// UPDATE of the given columns of one row, found by its key.
    pub fn update(&self, key: &[Value], sets: &[(usize, &Value)]) -> String {
        let assigns: Vec<String> = sets
            .iter()
            .map(|(i, v)| {
                format!(
                    "{} = {}",
                    self.ident(&self.columns[*i]),
                    typemap::literal(self.engine, &self.types[*i], v)
                )
            })
            .collect();
        format!(
            "UPDATE {} SET {} WHERE {}",
            self.quoted,
            assigns.join(", "),
            self.key_match(key)
        )
    }

    /// DELETE of the rows with the given keys.
    pub fn delete(&self, keys: &[Vec<Value>]) -> String {
        let conds: Vec<String> = keys.iter().map(|k| format!("({})", self.key_match(k))).collect();
        format!("DELETE FROM {} WHERE {}", self.quoted, conds.join(" OR "))
    }
}

/// Statements that make both sessions render values the same way.
pub fn session_setup(engine: Engine) -> &'static [&'static str] {
    match engine {
        Engine::Postgres => &[
            "SET TimeZone = 'UTC'",
            "SET DateStyle = 'ISO, YMD'",
            "SET IntervalStyle = 'postgres'",
            "SET extra_float_digits = 1",
            "SET bytea_output = 'hex'",
            // The bucket expressions are large; compiling them with LLVM
            // costs seconds and saves nothing.
            "SET jit = off",
        ],
        Engine::Mysql => &["SET time_zone = '+00:00'"],
        Engine::Sqlite => &[],
    }
}

/// Statement that starts a transaction.
pub fn begin(engine: Engine) -> &'static str {
    match engine {
        Engine::Mysql => "START TRANSACTION",
        Engine::Postgres | Engine::Sqlite => "BEGIN",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(engine: Engine) -> SideTable {
        SideTable {
            engine,
            quoted: quote::ident(engine, "t"),
            columns: vec!["a".into(), "b".into(), "v".into()],
            types: vec!["int4".into(), "text".into(), "text".into()],
            key: vec![0, 1],
            filter: Some("v <> 'x'".into()),
            record_hash: false,
        }
    }

    #[test]
    fn ranges_use_row_values() {
        let range = KeyRange {
            lo: Some(vec![Value::Int(1), Value::Text("a".into())]),
            hi: Some(vec![Value::Int(2), Value::Text("b".into())]),
        };
        assert_eq!(
            t(Engine::Postgres).select_rows(&range),
            "SELECT \"a\", \"b\", \"v\" FROM \"t\" WHERE (v <> 'x') AND (\"a\", \"b\") > ('1', 'a') AND (\"a\", \"b\") <= ('2', 'b') ORDER BY \"a\", \"b\" COLLATE \"C\""
        );
        assert!(
            t(Engine::Mysql)
                .select_rows(&range)
                .ends_with("ORDER BY `a`, BINARY `b`")
        );
    }

    #[test]
    fn buckets_are_a_binary_search() {
        let mut s = t(Engine::Postgres);
        s.key = vec![0];
        let bounds = vec![vec![Value::Int(10)], vec![Value::Int(20)], vec![Value::Int(30)]];
        let sql = s.bucket_checksums(&KeyRange::default(), &bounds).unwrap();
        assert!(
            sql.contains("CASE WHEN \"a\" <= '20' THEN CASE WHEN \"a\" <= '10' THEN 0 ELSE 1 END ELSE CASE WHEN \"a\" <= '30' THEN 2 ELSE 3 END END"),
            "{sql}"
        );
        assert!(
            t(Engine::Sqlite)
                .bucket_checksums(&KeyRange::default(), &bounds)
                .is_none()
        );
    }

    #[test]
    fn dml_per_dialect() {
        let s = t(Engine::Mysql);
        let key = vec![Value::Int(1), Value::Text("it's".into())];
        assert_eq!(
            s.delete(std::slice::from_ref(&key)),
            "DELETE FROM `t` WHERE (`a` = 1 AND `b` = 'it''s')"
        );
        assert_eq!(
            s.update(&key, &[(2, &Value::Null)]),
            "UPDATE `t` SET `v` = NULL WHERE `a` = 1 AND `b` = 'it''s'"
        );
        let row = vec![Value::Int(1), Value::Text("x".into()), Value::Text(String::new())];
        assert_eq!(s.insert(&[row]), "INSERT INTO `t` (`a`, `b`, `v`) VALUES (1, 'x', '')");
    }
}
