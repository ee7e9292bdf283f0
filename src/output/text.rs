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
    /// Reused for values that are not already text.
    cell: String,
}

impl<'a> TsvWriter<'a> {
    /// Over `out`.
    pub fn new(out: Box<dyn Write + 'a>) -> Self {
        Self {
            out: io::BufWriter::with_capacity(64 * 1024, out),
            cell: String::new(),
        }
    }
}

/// Write `s` with backslash, tab, newline and carriage return escaped.
/// Those are ASCII, so scanning bytes never splits a character; the runs
/// between them go out whole.
fn tsv_escape(s: &str, out: &mut impl Write) -> io::Result<()> {
    let bytes = s.as_bytes();
    // Most values hold none of the four: one pass without early exit (which
    // the compiler vectorises), then the value goes out whole.
    if !bytes
        .iter()
        .fold(false, |any, &b| any | matches!(b, b'\\' | b'\t' | b'\n' | b'\r'))
    {
        return out.write_all(bytes);
    }
    let mut start = 0;
    for (i, b) in bytes.iter().enumerate() {
        let escaped: &[u8] = match b {
            b'\\' => b"\\\\",
            b'\t' => b"\\t",
            b'\n' => b"\\n",
            b'\r' => b"\\r",
            _ => continue,
        };
        out.write_all(&bytes[start..i])?;
        out.write_all(escaped)?;
        start = i + 1;
    }
    out.write_all(&bytes[start..])
}

impl RowWriter for TsvWriter<'_> {
    fn begin(&mut self, columns: &[Column]) -> io::Result<()> {
        for (i, c) in columns.iter().enumerate() {
            if i > 0 {
                self.out.write_all(b"\t")?;
            }
            tsv_escape(&c.name, &mut self.out)?;
        }
        self.out.write_all(b"\n")
    }

    fn rows(&mut self, rows: &[Vec<Value>]) -> io::Result<()> {
        for row in rows {
            for (i, v) in row.iter().enumerate() {
                if i > 0 {
                    self.out.write_all(b"\t")?;
                }
                match v {
                    Value::Null => self.out.write_all(b"\\N")?,
                    // Digits and a sign never need escaping.
                    Value::Int(i) => self.out.write_all(itoa::Buffer::new().format(*i).as_bytes())?,
                    // Already text: escaped straight from the value.
                    Value::Text(s) | Value::Decimal(s) | Value::Json(s) => tsv_escape(s, &mut self.out)?,
                    other => {
                        self.cell.clear();
                        render_into(other, &mut self.cell);
                        tsv_escape(&self.cell, &mut self.out)?;
                    }
                }
            }
            self.out.write_all(b"\n")?;
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

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn tsv_escapes_copy_text_specials_and_keeps_the_rest() {
        let mut out = Vec::new();
        {
            let mut w = TsvWriter::new(Box::new(&mut out));
            let cols = [Column {
                name: "a\tb".into(),
                type_name: "text".into(),
            }];
            w.begin(&cols).unwrap();
            w.rows(&[
                vec![Value::Text("x\\y\tz\nw\rv ünï 🎉".into())],
                vec![Value::Null],
                vec![Value::Text(String::new())],
                vec![Value::Text("\\N".into())],
                vec![Value::Bytes(vec![0, 0x0a])],
                vec![Value::Decimal("-1.50".into())],
                vec![Value::Int(-7)],
            ])
            .unwrap();
            w.finish(&Summary::default()).unwrap();
        }
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "a\\tb\nx\\\\y\\tz\\nw\\rv ünï 🎉\n\\N\n\n\\\\N\n\\\\x000a\n-1.50\n-7\n"
        );
    }
}
