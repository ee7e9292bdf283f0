//! A result set of any size in bounded memory: rows arrive in batches, full
//! pages are spilled to an anonymous temporary file, and a small cache of
//! pages around the viewport is kept in memory.

use crate::db::{Column, Value};
use crate::sanitize::sanitize;
use std::collections::{HashMap, VecDeque};
use std::fs::File;
use std::io::{self, BufReader, Read, Seek, SeekFrom, Write};
use unicode_width::UnicodeWidthStr;

/// Rows per page (one page is the unit of spill and of cache).
pub const PAGE_ROWS: usize = 1024;
/// Pages kept in memory besides the tail being filled (a screen needs at most two).
pub const CACHE_PAGES: usize = 4;
/// Rows sampled for column widths.
pub const WIDTH_SAMPLE: usize = 200;
/// Widest a column gets from its sample.
pub const MAX_COL_WIDTH: usize = 40;

type Row = Vec<Value>;

/// One statement's result.
#[derive(Debug, Default)]
pub struct ResultSet {
    /// Columns, names sanitized on arrival.
    pub columns: Vec<Column>,
    /// Display widths from the header and the first rows.
    pub widths: Vec<usize>,
    /// Right-align numeric columns.
    pub numeric: Vec<bool>,
    sampled: usize,
    spilled: Vec<(u64, u64)>,
    file: Option<File>,
    tail: Vec<Row>,
    cache: HashMap<usize, Vec<Row>>,
    lru: VecDeque<usize>,
    /// Bytes written to the spill file.
    pub spilled_bytes: u64,
}

impl ResultSet {
    /// An empty result with these columns.
    pub fn new(columns: Vec<Column>) -> ResultSet {
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
            ..ResultSet::default()
        }
    }

    /// Rows received so far.
    pub fn len(&self) -> usize {
        self.spilled.len() * PAGE_ROWS + self.tail.len()
    }

    /// True when no rows arrived.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Append a batch; full pages go to disk.
    pub fn push_rows(&mut self, rows: Vec<Row>) -> io::Result<()> {
        for row in rows {
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
        let page = std::mem::take(&mut self.tail);
        let bytes = serde_json::to_vec(&page).map_err(io::Error::other)?;
        if self.file.is_none() {
            self.file = Some(tempfile::tempfile()?);
        }
        let start = self.spilled_bytes;
        if let Some(f) = self.file.as_mut() {
            f.seek(SeekFrom::Start(start))?;
            f.write_all(&bytes)?;
        }
        self.spilled_bytes += bytes.len() as u64;
        let idx = self.spilled.len();
        self.spilled.push((start, bytes.len() as u64));
        // The page just written is likely on screen while streaming; keep it.
        self.insert_cache(idx, page);
        Ok(())
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

    /// Make rows `start..end` readable by `row` (called before drawing).
    pub fn ensure(&mut self, start: usize, end: usize) -> io::Result<()> {
        if start >= end {
            return Ok(());
        }
        let first = start / PAGE_ROWS;
        let last = (end - 1) / PAGE_ROWS;
        for p in first..=last {
            if p >= self.spilled.len() {
                continue;
            }
            if self.cache.contains_key(&p) {
                // Pages on screen stay warm while new pages stream in.
                self.lru.retain(|x| *x != p);
                self.lru.push_back(p);
                continue;
            }
            let page = self.read_page(p)?;
            self.insert_cache(p, page);
        }
        Ok(())
    }

    fn read_page(&mut self, p: usize) -> io::Result<Vec<Row>> {
        let (off, len) = self.spilled[p];
        let f = self
            .file
            .as_mut()
            .ok_or_else(|| io::Error::other("spill file missing"))?;
        f.seek(SeekFrom::Start(off))?;
        let mut buf = Vec::with_capacity(len as usize);
        BufReader::new(f.take(len)).read_to_end(&mut buf)?;
        serde_json::from_slice(&buf).map_err(io::Error::other)
    }

    /// Widen columns so the rows `start..end` (already loaded) fit, up to the cap.
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
        if p < self.spilled.len() {
            self.cache
                .get(&p)
                .and_then(|page| page.get(i % PAGE_ROWS))
                .map(Vec::as_slice)
        } else {
            self.tail.get(i - self.spilled.len() * PAGE_ROWS).map(Vec::as_slice)
        }
    }

    /// Every row as it is now, readable from another thread.
    pub fn reader(&self) -> PageReader {
        PageReader {
            file: self
                .file
                .as_ref()
                .and_then(|f| f.try_clone().ok())
                .map(std::sync::Arc::new),
            pages: self.spilled.clone(),
            tail: self.tail.clone(),
            page_rows: PAGE_ROWS,
        }
    }

    /// Rows held in memory now (tail plus cached pages), for tests and stats.
    pub fn rows_in_memory(&self) -> usize {
        self.tail.len() + self.cache.values().map(Vec::len).sum::<usize>()
    }
}

/// Every row of a result as it was when taken: spilled pages read on demand
/// (positioned reads, so the grid's own reads are undisturbed) plus a copy
/// of the rows still in memory. Send it to a background task.
#[derive(Debug, Clone)]
pub struct PageReader {
    file: Option<std::sync::Arc<File>>,
    pages: Vec<(u64, u64)>,
    tail: Vec<Row>,
    page_rows: usize,
}

impl PageReader {
    /// Pages, counting the rows in memory as the last one.
    pub fn page_count(&self) -> usize {
        self.pages.len() + usize::from(!self.tail.is_empty())
    }

    /// Rows covered.
    pub fn len(&self) -> usize {
        self.pages.len() * self.page_rows + self.tail.len()
    }

    /// True when there are no rows.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The rows of page `p` (the last page may be short).
    pub fn page(&self, p: usize) -> io::Result<Vec<Row>> {
        use std::os::unix::fs::FileExt;
        if p == self.pages.len() {
            return Ok(self.tail.clone());
        }
        let (off, len) = *self
            .pages
            .get(p)
            .ok_or_else(|| io::Error::other(format!("page {p} is past the end")))?;
        let f = self
            .file
            .as_ref()
            .ok_or_else(|| io::Error::other("spill file missing"))?;
        let mut buf = vec![0u8; len as usize];
        f.read_exact_at(&mut buf, off)?;
        serde_json::from_slice(&buf).map_err(io::Error::other)
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

    #[test]
    fn large_results_stay_bounded_and_readable() {
        let mut rs = ResultSet::new(vec![col("id"), col("name\x1b[31m")]);
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
    }

    #[test]
    fn null_differs_from_the_string_null() {
        assert_eq!(display_text(&Value::Null), NULL_SYMBOL);
        assert_eq!(display_text(&Value::Text("NULL".into())), "NULL");
        assert_eq!(display_text(&Value::Text("a\nb".into())), "a↵b");
    }
}
