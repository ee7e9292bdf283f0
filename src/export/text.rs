//! CSV, TSV and Markdown writers.

use super::RowWriter;
use crate::db::{Column, Summary, Value};
use crate::sanitize::sanitize;
use std::io::{self, Write};

/// CSV (RFC 4180).
pub struct CsvWriter<'a> {
    out: csv::Writer<Box<dyn Write + 'a>>,
}

impl<'a> CsvWriter<'a> {
    /// Over `out`.
    pub fn new(out: Box<dyn Write + 'a>) -> Self {
        Self {
            out: csv::WriterBuilder::new().buffer_capacity(64 * 1024).from_writer(out),
        }
    }
}

fn csv_err(e: csv::Error) -> io::Error {
    match e.into_kind() {
        csv::ErrorKind::Io(e) => e,
        other => io::Error::other(format!("{other:?}")),
    }
}

impl RowWriter for CsvWriter<'_> {
    fn begin(&mut self, columns: &[Column]) -> io::Result<()> {
        self.out
            .write_record(columns.iter().map(|c| c.name.as_str()))
            .map_err(csv_err)
    }

    fn rows(&mut self, rows: &[Vec<Value>]) -> io::Result<()> {
        let mut buf = String::new();
        for row in rows {
            for v in row {
                buf.clear();
                render_into(v, &mut buf);
                self.out.write_field(buf.as_bytes()).map_err(csv_err)?;
            }
            self.out.write_record(None::<&[u8]>).map_err(csv_err)?;
        }
        Ok(())
    }

    fn finish(&mut self, _summary: &Summary) -> io::Result<()> {
        self.out.flush()
    }
}

fn render_into(v: &Value, buf: &mut String) {
    v.write_text(buf);
}

/// Tab-separated with COPY text-format escapes.
pub struct TsvWriter<'a> {
    out: io::BufWriter<Box<dyn Write + 'a>>,
}

impl<'a> TsvWriter<'a> {
    /// Over `out`.
    pub fn new(out: Box<dyn Write + 'a>) -> Self {
        Self {
            out: io::BufWriter::with_capacity(64 * 1024, out),
        }
    }
}

fn tsv_escape(s: &str, out: &mut String) {
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c => out.push(c),
        }
    }
}

impl RowWriter for TsvWriter<'_> {
    fn begin(&mut self, columns: &[Column]) -> io::Result<()> {
        let mut line = String::new();
        for (i, c) in columns.iter().enumerate() {
            if i > 0 {
                line.push('\t');
            }
            tsv_escape(&c.name, &mut line);
        }
        writeln!(self.out, "{line}")
    }

    fn rows(&mut self, rows: &[Vec<Value>]) -> io::Result<()> {
        let mut line = String::new();
        let mut cell = String::new();
        for row in rows {
            line.clear();
            for (i, v) in row.iter().enumerate() {
                if i > 0 {
                    line.push('\t');
                }
                if v.is_null() {
                    line.push_str("\\N");
                } else {
                    cell.clear();
                    render_into(v, &mut cell);
                    tsv_escape(&cell, &mut line);
                }
            }
            line.push('\n');
            self.out.write_all(line.as_bytes())?;
        }
        Ok(())
    }

    fn finish(&mut self, _summary: &Summary) -> io::Result<()> {
        self.out.flush()
    }
}

/// GitHub-flavoured Markdown table.
pub struct MarkdownWriter<'a> {
    out: io::BufWriter<Box<dyn Write + 'a>>,
}

impl<'a> MarkdownWriter<'a> {
    /// Over `out`.
    pub fn new(out: Box<dyn Write + 'a>) -> Self {
        Self {
            out: io::BufWriter::new(out),
        }
    }
}

fn md_cell(s: &str) -> String {
    sanitize(s).replace('\\', "\\\\").replace('|', "\\|")
}

impl RowWriter for MarkdownWriter<'_> {
    fn begin(&mut self, columns: &[Column]) -> io::Result<()> {
        let names: Vec<String> = columns.iter().map(|c| md_cell(&c.name)).collect();
        writeln!(self.out, "| {} |", names.join(" | "))?;
        let seps: Vec<&str> = columns.iter().map(|_| "---").collect();
        writeln!(self.out, "| {} |", seps.join(" | "))
    }

    fn rows(&mut self, rows: &[Vec<Value>]) -> io::Result<()> {
        for row in rows {
            let cells: Vec<String> = row
                .iter()
                .map(|v| {
                    if v.is_null() {
                        "*NULL*".to_string()
                    } else {
                        md_cell(&v.to_string())
                    }
                })
                .collect();
            writeln!(self.out, "| {} |", cells.join(" | "))?;
        }
        Ok(())
    }

    fn finish(&mut self, _summary: &Summary) -> io::Result<()> {
        self.out.flush()
    }
}
