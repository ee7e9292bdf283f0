//! Scans over a whole result (memory and page file alike) for the grid's
//! search, column filter and client-side sort. They run on a blocking
//! thread, report progress per page and stop when cancelled.

use super::spill::PageReader;
use super::{ResultSet, order};
use crate::db::Value;
use std::io;
use tokio_util::sync::CancellationToken;

/// What to look for: smart case (case-insensitive unless the text has capitals).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Needle {
    text: String,
    case_sensitive: bool,
}

impl Needle {
    /// A needle for `text`.
    pub fn new(text: &str) -> Needle {
        let case_sensitive = text.chars().any(char::is_uppercase);
        Needle {
            text: if case_sensitive {
                text.to_string()
            } else {
                text.to_lowercase()
            },
            case_sensitive,
        }
    }

    /// The text searched for.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// Whether `hay` contains the needle.
    pub fn matches_str(&self, hay: &str) -> bool {
        if self.text.is_empty() {
            return true;
        }
        if self.case_sensitive {
            return hay.contains(&self.text);
        }
        if self.text.is_ascii() {
            let n = self.text.as_bytes();
            return hay.as_bytes().windows(n.len()).any(|w| w.eq_ignore_ascii_case(n));
        }
        hay.to_lowercase().contains(&self.text)
    }

    /// Whether a cell's text contains the needle (NULL never does; `buf` is scratch space).
    pub fn matches(&self, v: &Value, buf: &mut String) -> bool {
        if v.is_null() {
            return false;
        }
        buf.clear();
        v.write_text(buf);
        self.matches_str(buf)
    }
}

/// Which way a search goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// Towards the end, wrapping to the top.
    Forward,
    /// Towards the top, wrapping to the end.
    Backward,
}

fn cancelled() -> io::Error {
    io::Error::new(io::ErrorKind::Interrupted, "cancelled")
}

/// The next cell after `from` (row, column) holding the needle, wrapping
/// around; `from` itself is checked last. `progress(pages done, pages)`.
pub fn find(
    reader: &PageReader,
    needle: &Needle,
    from: (usize, usize),
    dir: Direction,
    cancel: &CancellationToken,
    progress: &mut dyn FnMut(usize, usize),
) -> io::Result<Option<(usize, usize)>> {
    let n = reader.page_count();
    if n == 0 {
        return Ok(None);
    }
    let per = reader.page_rows();
    let (r0, c0) = (from.0.min(reader.len().saturating_sub(1)), from.1);
    let start = r0 / per;
    let mut buf = String::new();
    // Visit the start page twice: first the part after `from`, at the end the part before it.
    for step in 0..=n {
        if cancel.is_cancelled() {
            return Err(cancelled());
        }
        let p = match dir {
            Direction::Forward => (start + step) % n,
            Direction::Backward => (start + n - step % n) % n,
        };
        let rows = reader.page(p)?;
        let first = step == 0;
        let last = step == n;
        let base = p * per;
        let order: Box<dyn Iterator<Item = usize>> = match dir {
            Direction::Forward => Box::new(0..rows.len()),
            Direction::Backward => Box::new((0..rows.len()).rev()),
        };
        for i in order {
            let r = base + i;
            let row = &rows[i];
            let cols: Box<dyn Iterator<Item = usize>> = match dir {
                Direction::Forward => Box::new(0..row.len()),
                Direction::Backward => Box::new((0..row.len()).rev()),
            };
            for c in cols {
                let pos = (r, c).cmp(&(r0, c0));
                let wanted = match (dir, first, last) {
                    (_, true, true) => pos != std::cmp::Ordering::Equal,
                    (Direction::Forward, true, _) => pos.is_gt(),
                    (Direction::Forward, _, true) => pos.is_le(),
                    (Direction::Backward, true, _) => pos.is_lt(),
                    (Direction::Backward, _, true) => pos.is_ge(),
                    _ => true,
                };
                if wanted && needle.matches(&row[c], &mut buf) {
                    return Ok(Some((r, c)));
                }
            }
        }
        progress(step + 1, n + 1);
    }
    Ok(None)
}

/// A new result holding the rows whose column `col` contains the needle.
/// `out` is an empty result with the source's columns (`ResultSet::empty_like`).
pub fn filter(
    reader: &PageReader,
    mut out: ResultSet,
    col: usize,
    needle: &Needle,
    cancel: &CancellationToken,
    progress: &mut dyn FnMut(usize, usize),
) -> io::Result<ResultSet> {
    let n = reader.page_count();
    let mut buf = String::new();
    for p in 0..n {
        if cancel.is_cancelled() {
            return Err(cancelled());
        }
        let rows: Vec<Vec<Value>> = reader
            .page(p)?
            .into_iter()
            .filter(|r| r.get(col).is_some_and(|v| needle.matches(v, &mut buf)))
            .collect();
        out.push_rows(rows)?;
        if out.capped {
            break;
        }
        progress(p + 1, n);
    }
    Ok(out)
}

/// A new result with every row ordered by column `col`.
/// `out` is an empty result with the source's columns (`ResultSet::empty_like`).
pub fn sort(
    reader: &PageReader,
    mut out: ResultSet,
    col: usize,
    descending: bool,
    cancel: &CancellationToken,
    progress: &mut dyn FnMut(usize, usize),
) -> io::Result<ResultSet> {
    let n = reader.page_count();
    let mut rows = Vec::with_capacity(reader.len());
    for p in 0..n {
        if cancel.is_cancelled() {
            return Err(cancelled());
        }
        rows.extend(reader.page(p)?);
        progress(p + 1, n + 1);
    }
    let null = Value::Null;
    // Stable, so equal keys keep the server's order; DESC puts NULLs first, as Postgres does.
    rows.sort_by(|a, b| {
        let o = order::compare(a.get(col).unwrap_or(&null), b.get(col).unwrap_or(&null));
        if descending { o.reverse() } else { o }
    });
    out.push_rows(rows)?;
    progress(n + 1, n + 1);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::results::SpillSettings;
    use crate::db::Column;

    fn result(n: usize) -> ResultSet {
        let cols = vec![
            Column {
                name: "id".into(),
                type_name: "int".into(),
            },
            Column {
                name: "v".into(),
                type_name: "text".into(),
            },
        ];
        let dir = tempfile::tempdir().unwrap().keep();
        let mut rs = ResultSet::with_settings(
            cols,
            SpillSettings {
                dir: Some(dir),
                cap_bytes: u64::MAX,
            },
        );
        let rows = (0..n)
            .map(|i| vec![Value::Int(i as i64), Value::Text(format!("Row {i}"))])
            .collect();
        rs.push_rows(rows).unwrap();
        rs
    }

    #[test]
    fn find_wraps_and_reaches_spilled_pages() {
        let rs = result(5000);
        let r = rs.reader();
        let tok = CancellationToken::new();
        let mut p = |_, _| {};
        let n = Needle::new("row 4321");
        assert_eq!(
            find(&r, &n, (0, 0), Direction::Forward, &tok, &mut p).unwrap(),
            Some((4321, 1))
        );
        // Smart case: a capital makes it exact.
        assert_eq!(
            find(&r, &Needle::new("ROW 1"), (0, 0), Direction::Forward, &tok, &mut p).unwrap(),
            None
        );
        // From past the last match, forward wraps to the first; backward finds the previous.
        let n = Needle::new("row 12");
        assert_eq!(
            find(&r, &n, (4000, 0), Direction::Forward, &tok, &mut p).unwrap(),
            Some((12, 1))
        );
        assert_eq!(
            find(&r, &n, (200, 1), Direction::Backward, &tok, &mut p).unwrap(),
            Some((129, 1))
        );
        assert_eq!(
            find(&r, &n, (12, 1), Direction::Backward, &tok, &mut p).unwrap(),
            Some((1299, 1))
        );
        // The only match is found again from itself.
        let n = Needle::new("row 4999");
        assert_eq!(
            find(&r, &n, (4999, 1), Direction::Forward, &tok, &mut p).unwrap(),
            Some((4999, 1))
        );
        tok.cancel();
        assert!(find(&r, &n, (0, 0), Direction::Forward, &tok, &mut p).is_err());
    }

    #[test]
    fn filter_and_sort_build_new_results() {
        let rs = result(3000);
        let tok = CancellationToken::new();
        let mut p = |_, _| {};
        let s = rs.settings().clone();
        let f = filter(
            &rs.reader(),
            rs.empty_like(s.clone()),
            1,
            &Needle::new("99"),
            &tok,
            &mut p,
        )
        .unwrap();
        let want = (0..3000).filter(|i| format!("row {i}").contains("99")).count();
        assert_eq!(f.len(), want);
        let mut sorted = sort(&rs.reader(), rs.empty_like(s), 0, true, &tok, &mut p).unwrap();
        sorted.ensure(0, 1).unwrap();
        assert_eq!(sorted.row(0).unwrap()[0], Value::Int(2999));
        assert_eq!(sorted.len(), 3000);
    }
}
