//! psql-style aligned table. Widths come from the first rows so output can
//! stream; later wider cells simply overflow their column.

use super::RowWriter;
use crate::db::{Column, Summary, Value};
use crate::sanitize::sanitize;
use std::io::{self, Write};
use unicode_width::UnicodeWidthStr;

const SAMPLE_ROWS: usize = 1000;
const MAX_WIDTH: usize = 60;

/// Aligned table writer.
pub struct TableWriter<'a> {
    out: io::BufWriter<Box<dyn Write + 'a>>,
    columns: Vec<Column>,
    pending: Vec<Vec<String>>,
    widths: Vec<usize>,
    right: Vec<bool>,
    header_done: bool,
    count: u64,
}

impl<'a> TableWriter<'a> {
    /// Over `out`.
    pub fn new(out: Box<dyn Write + 'a>) -> Self {
        Self {
            out: io::BufWriter::new(out),
            columns: Vec::new(),
            pending: Vec::new(),
            widths: Vec::new(),
            right: Vec::new(),
            header_done: false,
            count: 0,
        }
    }

    fn cell(v: &Value) -> String {
        match v {
            Value::Null => "NULL".into(),
            other => {
                let s = other.to_string();
                let clean = sanitize(&s).into_owned();
                truncate(&clean, MAX_WIDTH)
            }
        }
    }

    fn flush_header(&mut self) -> io::Result<()> {
        for row in &self.pending {
            for (i, c) in row.iter().enumerate() {
                if let Some(w) = self.widths.get_mut(i) {
                    *w = (*w).max(c.width());
                }
            }
        }
        let names: Vec<String> = self
            .columns
            .iter()
            .enumerate()
            .map(|(i, c)| center(&sanitize(&c.name), self.widths[i]))
            .collect();
        writeln!(self.out, "{}", format!(" {}", names.join(" | ")).trim_end())?;
        let rule: Vec<String> = self.widths.iter().map(|w| "-".repeat(*w)).collect();
        writeln!(self.out, "-{}-", rule.join("-+-"))?;
        let pending = std::mem::take(&mut self.pending);
        for row in &pending {
            self.write_row(row)?;
        }
        self.header_done = true;
        Ok(())
    }

    fn write_row(&mut self, row: &[String]) -> io::Result<()> {
        let cells: Vec<String> = row
            .iter()
            .enumerate()
            .map(|(i, c)| {
                pad(
                    c,
                    self.widths.get(i).copied().unwrap_or(0),
                    self.right.get(i).copied().unwrap_or(false),
                )
            })
            .collect();
        writeln!(self.out, "{}", format!(" {}", cells.join(" | ")).trim_end())
    }
}

fn truncate(s: &str, max: usize) -> String {
    if s.width() <= max {
        return s.to_string();
    }
    let mut out = String::new();
    let mut w = 0;
    for ch in s.chars() {
        let cw = unicode_width::UnicodeWidthChar::width(ch).unwrap_or(0);
        if w + cw > max - 1 {
            break;
        }
        out.push(ch);
        w += cw;
    }
    out.push('…');
    out
}

fn pad(s: &str, width: usize, right: bool) -> String {
    let fill = width.saturating_sub(s.width());
    if right {
        format!("{}{s}", " ".repeat(fill))
    } else {
        format!("{s}{}", " ".repeat(fill))
    }
}

fn center(s: &str, width: usize) -> String {
    let fill = width.saturating_sub(s.width());
    let left = fill / 2;
    format!("{}{s}{}", " ".repeat(left), " ".repeat(fill - left))
}

impl RowWriter for TableWriter<'_> {
    fn begin(&mut self, columns: &[Column]) -> io::Result<()> {
        self.columns = columns.to_vec();
        self.widths = columns
            .iter()
            .map(|c| sanitize(&c.name).width().min(MAX_WIDTH))
            .collect();
        self.right = columns
            .iter()
            .map(|c| crate::db::types::is_numeric_name(&c.type_name))
            .collect();
        self.pending.clear();
        self.header_done = false;
        self.count = 0;
        Ok(())
    }

    fn rows(&mut self, rows: &[Vec<Value>]) -> io::Result<()> {
        for row in rows {
            self.count += 1;
            let cells: Vec<String> = row.iter().map(Self::cell).collect();
            if self.header_done {
                self.write_row(&cells)?;
            } else {
                self.pending.push(cells);
                if self.pending.len() >= SAMPLE_ROWS {
                    self.flush_header()?;
                }
            }
        }
        Ok(())
    }

    fn finish(&mut self, _summary: &Summary) -> io::Result<()> {
        if !self.header_done {
            self.flush_header()?;
        }
        let n = self.count;
        writeln!(self.out, "({n} row{})", if n == 1 { "" } else { "s" })?;
        writeln!(self.out)?;
        self.out.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::{Format, writer};

    fn run(format: Format) -> String {
        let mut buf: Vec<u8> = Vec::new();
        {
            let mut w = writer(format, Box::new(&mut buf));
            w.begin(&[
                Column {
                    name: "id".into(),
                    type_name: "int4".into(),
                },
                Column {
                    name: "name".into(),
                    type_name: "text".into(),
                },
            ])
            .unwrap();
            w.rows(&[
                vec![Value::Int(1), Value::Text("a,\"b\"".into())],
                vec![Value::Int(22), Value::Null],
                vec![Value::Int(3), Value::Text("\x1b[31mx\ty".into())],
            ])
            .unwrap();
            w.finish(&Summary::default()).unwrap();
        }
        String::from_utf8(buf).unwrap()
    }

    #[test]
    fn formats() {
        insta::assert_snapshot!("table", run(Format::Table));
        assert_eq!(run(Format::Csv), "id,name\n1,\"a,\"\"b\"\"\"\n22,\n3,\x1b[31mx\ty\n");
        assert_eq!(run(Format::Tsv), "id\tname\n1\ta,\"b\"\n22\t\\N\n3\t\x1b[31mx\\ty\n");
        assert_eq!(
            run(Format::Jsonl),
            "{\"id\":1,\"name\":\"a,\\\"b\\\"\"}\n{\"id\":22,\"name\":null}\n{\"id\":3,\"name\":\"\\u001b[31mx\\ty\"}\n"
        );
        let json: serde_json::Value = serde_json::from_str(&run(Format::Json)).unwrap();
        assert_eq!(json[1]["name"], serde_json::Value::Null);
        insta::assert_snapshot!("markdown", run(Format::Markdown));
    }
}
