//! A result set of any size in bounded memory: rows arrive in batches, full
//! pages are spilled to a page file in the cache directory (capped), and a
//! small cache of pages around the viewport is kept in memory.

pub mod find;
pub mod order;
pub mod spill;

use crate::db::{Column, Value};
use crate::sanitize::sanitize;
use spill::{Appended, PageFile};
pub use spill::{PageReader, SpillSettings};
use std::collections::{HashMap, VecDeque};
use std::io;
use unicode_width::UnicodeWidthStr;

/// Rows per page (one page is the unit of spill and of cache).
pub const PAGE_ROWS: usize = 1024;
/// Pages kept in memory besides the tail being filled (a screen needs at most two).
pub const CACHE_PAGES: usize = 4;
/// Rows sampled for column widths.
pub const WIDTH_SAMPLE: usize = 200;
/// Widest a column's natural width gets (a cell wider than this is read in the inspector).
pub const MAX_COL_WIDTH: usize = 1000;

type Row = Vec<Value>;

/// One statement's result.
#[derive(Debug, Default)]
pub struct ResultSet {
    /// Columns, names sanitized on arrival.
    pub columns: Vec<Column>,
    /// Natural display widths: the header and the widest value seen so far.
    pub widths: Vec<usize>,
    /// Right-align numeric columns.
    pub numeric: Vec<bool>,
    /// The page file reached its cap: later rows were dropped.
    pub capped: bool,
    /// Bytes written to the page file.
    pub spilled_bytes: u64,
    settings: SpillSettings,
    sampled: usize,
    file: PageFile,
    tail: Vec<Row>,
    cache: HashMap<usize, Vec<Row>>,
    lru: VecDeque<usize>,
}

impl ResultSet {
    /// An empty result with these columns, spilling with the default settings.
    pub fn new(columns: Vec<Column>) -> ResultSet {
        ResultSet::with_settings(columns, SpillSettings::default())
    }

    /// An empty result with these columns and spill settings.
    pub fn with_settings(columns: Vec<Column>, settings: SpillSettings) -> ResultSet {
        let columns: Vec<Column> = columns
            .into_iter()
            .map(|c| Column {
                name: sanitize(&c.name).into_owned(),
                type_name: sanitize(&c.type_name).into_owned(),
            })
            .collect();
        let widths = columns.iter().map(|c| c.name.width().clamp(4, MAX_COL_WIDTH)).collect();
        let numeric = vec![false; columns.len()];
        ResultSet {
            columns,
            widths,
            numeric,
            settings,
            ..ResultSet::default()
        }
    }

    /// An empty result with the same columns, widths and alignment.
    pub fn empty_like(&self, settings: SpillSettings) -> ResultSet {
        ResultSet {
            columns: self.columns.clone(),
            widths: self.widths.clone(),
            numeric: self.numeric.clone(),
            sampled: WIDTH_SAMPLE,
            settings,
            ..ResultSet::default()
        }
    }

    /// The spill settings this result uses.
    pub fn settings(&self) -> &SpillSettings {
        &self.settings
    }

    /// Rows received so far.
    pub fn len(&self) -> usize {
        self.file.pages() * PAGE_ROWS + self.tail.len()
    }

    /// True when no rows arrived.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Append a batch; full pages go to disk. Once the cap is reached, rows are dropped.
    pub fn push_rows(&mut self, rows: Vec<Row>) -> io::Result<()> {
        for row in rows {
            if self.capped {
                return Ok(());
            }
            if self.sampled < WIDTH_SAMPLE {
                self.sample(&row);
            }
            self.tail.push(row);
            if self.tail.len() == PAGE_ROWS {
                self.spill()?;
            }
        }
        Ok(())
    }

    fn sample(&mut self, row: &[Value]) {
        self.sampled += 1;
        for (i, v) in row.iter().enumerate() {
            if let Some(w) = self.widths.get_mut(i) {
                *w = (*w).max(display_text(v).width().min(MAX_COL_WIDTH));
            }
            if let Some(n) = self.numeric.get_mut(i)
                && !v.is_null()
            {
                *n = matches!(v, Value::Int(_) | Value::UInt(_) | Value::Float(_) | Value::Decimal(_));
            }
        }
    }

    fn spill(&mut self) -> io::Result<()> {
        match self.file.append(&self.tail, &self.settings)? {
            Appended::CapReached => {
                // The full tail stays in memory as the last page; nothing more is taken.
                self.capped = true;
                Ok(())
            }
            Appended::Written => {
                let page = std::mem::take(&mut self.tail);
                self.spilled_bytes = self.file.bytes();
                // The page just written is likely on screen while streaming; keep it.
                self.insert_cache(self.file.pages() - 1, page);
                Ok(())
            }
        }
    }

    fn insert_cache(&mut self, idx: usize, page: Vec<Row>) {
        self.cache.insert(idx, page);
        self.lru.retain(|p| *p != idx);
        self.lru.push_back(idx);
        while self.lru.len() > CACHE_PAGES {
            if let Some(old) = self.lru.pop_front() {
                self.cache.remove(&old);
            }
        }
    }

    /// Forget cached pages (the result is no longer on screen).
    pub fn park(&mut self) {
        self.cache.clear();
        self.lru.clear();
    }

    /// Make rows `start..end` readable by `row` (called before drawing).
    pub fn ensure(&mut self, start: usize, end: usize) -> io::Result<()> {
        if start >= end {
            return Ok(());
        }
        let first = start / PAGE_ROWS;
        let last = (end - 1) / PAGE_ROWS;
        for p in first..=last {
            if p >= self.file.pages() {
                continue;
            }
            if self.cache.contains_key(&p) {
                // Pages on screen stay warm while new pages stream in.
                self.lru.retain(|x| *x != p);
                self.lru.push_back(p);
                continue;
            }
            let page = self.file.read(p)?;
            self.insert_cache(p, page);
        }
        Ok(())
    }

    /// Widen columns so the rows `start..end` (already loaded) fit.
    /// Widths start from a sample of the first rows; this lets later, longer values show.
    pub fn widen(&mut self, start: usize, end: usize) {
        let mut widths = self.widths.clone();
        for i in start..end.min(self.len()) {
            if let Some(row) = self.row(i) {
                for (w, v) in widths.iter_mut().zip(row) {
                    *w = (*w).max(display_text(v).width().min(MAX_COL_WIDTH));
                }
            }
        }
        self.widths = widths;
    }

    /// A row, when it is in memory (call `ensure` first).
    pub fn row(&self, i: usize) -> Option<&[Value]> {
        let p = i / PAGE_ROWS;
        if p < self.file.pages() {
            self.cache
                .get(&p)
                .and_then(|page| page.get(i % PAGE_ROWS))
                .map(Vec::as_slice)
        } else {
            self.tail.get(i - self.file.pages() * PAGE_ROWS).map(Vec::as_slice)
        }
    }

    /// Rows held in memory now (tail plus cached pages), for tests and stats.
    pub fn rows_in_memory(&self) -> usize {
        self.tail.len() + self.cache.values().map(Vec::len).sum::<usize>()
    }

    /// A reader over every row as of now, for a background scan.
    pub fn reader(&self) -> PageReader {
        PageReader::new(&self.file, self.tail.clone(), PAGE_ROWS)
    }
}

/// The text drawn for a value: sanitized, one line, NULL as the null symbol.
pub fn display_text(v: &Value) -> String {
    match v {
        Value::Null => NULL_SYMBOL.to_string(),
        other => sanitize(&other.to_string()).into_owned(),
    }
}

/// How NULL is drawn (styled with the `null` slot), unlike the text 'NULL'.
pub const NULL_SYMBOL: &str = "∅";

#[cfg(test)]
mod tests {
    use super::*;

    fn col(n: &str) -> Column {
        Column {
            name: n.into(),
            type_name: "int".into(),
        }
    }

    fn settings(dir: &std::path::Path, cap: u64) -> SpillSettings {
        SpillSettings {
            dir: Some(dir.to_path_buf()),
            cap_bytes: cap,
        }
    }

    #[test]
    fn large_results_stay_bounded_and_readable() {
        let dir = tempfile::tempdir().unwrap();
        let mut rs = ResultSet::with_settings(vec![col("id"), col("name\x1b[31m")], settings(dir.path(), u64::MAX));
        assert_eq!(rs.columns[1].name, "name␛[31m");
        let total = PAGE_ROWS * 30 + 17;
        let mut next = 0;
        while next < total {
            let n = (total - next).min(1000);
            let batch = (next..next + n)
                .map(|i| vec![Value::Int(i as i64), Value::Text(format!("row {i}"))])
                .collect();
            rs.push_rows(batch).unwrap();
            next += n;
        }
        assert_eq!(rs.len(), total);
        assert!(rs.rows_in_memory() <= PAGE_ROWS * (CACHE_PAGES + 1));
        for probe in [0, 5, PAGE_ROWS * 3 + 2, total - 1, PAGE_ROWS * 29] {
            rs.ensure(probe, probe + 1).unwrap();
            let r = rs.row(probe).unwrap();
            assert_eq!(r[0], Value::Int(probe as i64));
            assert_eq!(r[1], Value::Text(format!("row {probe}")));
        }
        assert!(rs.numeric[0] && !rs.numeric[1]);
        // The page file lives in the configured folder.
        assert!(rs.spilled_bytes > 0);
    }

    #[test]
    fn the_cap_stops_growth_and_keeps_rows_usable() {
        let dir = tempfile::tempdir().unwrap();
        let mut rs = ResultSet::with_settings(vec![col("id"), col("v")], settings(dir.path(), 40_000));
        for chunk in 0..20 {
            let rows = (0..1000)
                .map(|i| vec![Value::Int(chunk * 1000 + i), Value::Text("some text".into())])
                .collect();
            rs.push_rows(rows).unwrap();
        }
        assert!(rs.capped);
        assert!(rs.spilled_bytes <= 40_000, "{}", rs.spilled_bytes);
        let n = rs.len();
        assert!(n > PAGE_ROWS && n < 20_000, "{n}");
        assert_eq!(n % PAGE_ROWS, 0);
        rs.ensure(n - 1, n).unwrap();
        assert_eq!(rs.row(n - 1).unwrap()[0], Value::Int(n as i64 - 1));
        rs.ensure(0, 1).unwrap();
        assert_eq!(rs.row(0).unwrap()[0], Value::Int(0));
    }

    #[test]
    fn null_differs_from_the_string_null() {
        assert_eq!(display_text(&Value::Null), NULL_SYMBOL);
        assert_eq!(display_text(&Value::Text("NULL".into())), "NULL");
        assert_eq!(display_text(&Value::Text("a\nb".into())), "a↵b");
    }
}
