//! JSON and JSON-lines writers.

use super::RowWriter;
use crate::db::{Column, Summary, Value};
use serde_json::{Map, Value as Json};
use std::io::{self, Write};

/// Convert a value to JSON. Exact decimals and 64-bit integers beyond
/// 2^53 stay exact: decimals are strings; JSON documents are embedded.
pub fn value_to_json(v: &Value) -> Json {
    match v {
        Value::Null => Json::Null,
        Value::Bool(b) => Json::Bool(*b),
        Value::Int(i) => Json::from(*i),
        Value::UInt(u) => Json::from(*u),
        Value::Float(f) => serde_json::Number::from_f64(*f)
            .map(Json::Number)
            .unwrap_or_else(|| Json::String(v.to_string())),
        Value::Decimal(d) => Json::String(d.clone()),
        Value::Text(s) => Json::String(s.clone()),
        Value::Json(s) => serde_json::from_str(s).unwrap_or_else(|_| Json::String(s.clone())),
        Value::Array(items) => Json::Array(items.iter().map(value_to_json).collect()),
        Value::Date(d) => Json::String(d.format("%Y-%m-%d").to_string()),
        Value::Time(t) => Json::String(t.format("%H:%M:%S%.f").to_string()),
        Value::Timestamp(t) => Json::String(t.format("%Y-%m-%dT%H:%M:%S%.f").to_string()),
        Value::TimestampTz(t) => Json::String(t.to_rfc3339()),
        other => Json::String(other.to_string()),
    }
}

/// `[ {...}, ... ]` or one object per line.
pub struct JsonWriter<'a> {
    out: io::BufWriter<Box<dyn Write + 'a>>,
    lines: bool,
    names: Vec<String>,
    first: bool,
}

impl<'a> JsonWriter<'a> {
    /// Over `out`; `lines` selects JSON-lines.
    pub fn new(out: Box<dyn Write + 'a>, lines: bool) -> Self {
        Self {
            out: io::BufWriter::with_capacity(64 * 1024, out),
            lines,
            names: Vec::new(),
            first: true,
        }
    }
}

impl RowWriter for JsonWriter<'_> {
    fn begin(&mut self, columns: &[Column]) -> io::Result<()> {
        // Duplicate column names (`SELECT 1 a, 2 a`) would collapse in an
        // object: suffix repeats so no value is lost.
        let mut seen = std::collections::HashMap::<String, usize>::new();
        self.names = columns
            .iter()
            .map(|c| {
                let n = seen.entry(c.name.clone()).or_insert(0);
                *n += 1;
                if *n == 1 {
                    c.name.clone()
                } else {
                    format!("{}_{}", c.name, n)
                }
            })
            .collect();
        if !self.lines {
            self.out.write_all(b"[")?;
        }
        Ok(())
    }

    fn rows(&mut self, rows: &[Vec<Value>]) -> io::Result<()> {
        for row in rows {
            let mut obj = Map::with_capacity(row.len());
            for (name, v) in self.names.iter().zip(row) {
                obj.insert(name.clone(), value_to_json(v));
            }
            if self.lines {
                serde_json::to_writer(&mut self.out, &obj)?;
                self.out.write_all(b"\n")?;
            } else {
                self.out.write_all(if self.first { b"\n  " } else { b",\n  " })?;
                serde_json::to_writer(&mut self.out, &obj)?;
            }
            self.first = false;
        }
        Ok(())
    }

    fn finish(&mut self, _summary: &Summary) -> io::Result<()> {
        if !self.lines {
            self.out.write_all(if self.first { b"]\n" } else { b"\n]\n" })?;
        }
        self.out.flush()
    }
}
