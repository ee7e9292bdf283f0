//! One value model for every engine. Drivers decode into it; formatters,
//! the grid, data diff and snapshots read from it.

mod text;

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime};
use serde::{Deserialize, Serialize};
use std::fmt;

/// A single cell value, engine independent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "t", content = "v", rename_all = "snake_case")]
pub enum Value {
    /// SQL NULL.
    Null,
    /// Boolean.
    Bool(bool),
    /// Signed integer of any width up to 64 bits.
    Int(i64),
    /// Unsigned integer that does not fit `i64` (MySQL BIGINT UNSIGNED).
    UInt(u64),
    /// Floating point (float4/float8/double/real).
    Float(f64),
    /// Exact decimal kept as its canonical text, never routed through f64.
    Decimal(String),
    /// Character data.
    Text(String),
    /// Binary data.
    Bytes(Vec<u8>),
    /// JSON document in its textual form.
    Json(String),
    /// Calendar date.
    Date(NaiveDate),
    /// Time of day without zone.
    Time(NaiveTime),
    /// Timestamp without zone.
    Timestamp(NaiveDateTime),
    /// Timestamp with zone, kept with its offset.
    TimestampTz(DateTime<FixedOffset>),
    /// UUID.
    Uuid(uuid::Uuid),
    /// Array of values (Postgres arrays).
    Array(Vec<Value>),
    /// Interval (Postgres INTERVAL, MySQL TIME used as a duration).
    Interval(Interval),
}

/// An interval split the way Postgres stores it, so no precision is lost.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Interval {
    /// Whole months.
    pub months: i32,
    /// Whole days.
    pub days: i32,
    /// Microseconds.
    pub micros: i64,
}

impl Value {
    /// True for SQL NULL.
    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    /// Plain text rendering used by CSV/TSV output and the grid.
    /// NULL renders as the empty string here; callers that must tell NULL
    /// apart check `is_null` first.
    pub fn render(&self) -> String {
        let mut s = String::new();
        self.write_text(&mut s);
        s
    }

    /// Append the text rendering (empty for NULL) to `buf` without
    /// intermediate allocations: the hot path of CSV/TSV export.
    pub fn write_text(&self, buf: &mut String) {
        use std::fmt::Write as _;
        match self {
            Value::Null => {}
            Value::Bool(b) => buf.push(if *b { 't' } else { 'f' }),
            Value::Int(i) => text::push_int(buf, *i),
            Value::UInt(u) => text::push_uint(buf, *u),
            Value::Decimal(s) | Value::Text(s) | Value::Json(s) => buf.push_str(s),
            Value::Date(d) => text::push_date(buf, d),
            Value::Time(t) => text::push_time(buf, t),
            Value::Timestamp(t) => text::push_timestamp(buf, t),
            Value::TimestampTz(t) => text::push_timestamptz(buf, t),
            other => {
                let _ = write!(buf, "{other}");
            }
        }
    }
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Null => f.write_str("NULL"),
            Value::Bool(b) => f.write_str(if *b { "t" } else { "f" }),
            Value::Int(i) => write!(f, "{i}"),
            Value::UInt(u) => write!(f, "{u}"),
            Value::Float(x) => fmt_float(*x, f),
            Value::Decimal(d) => f.write_str(d),
            Value::Text(s) | Value::Json(s) => f.write_str(s),
            Value::Bytes(b) => write!(f, "\\x{}", hex::encode(b)),
            Value::Date(_) | Value::Time(_) | Value::Timestamp(_) | Value::TimestampTz(_) => {
                let mut s = String::with_capacity(32);
                self.write_text(&mut s);
                f.write_str(&s)
            }
            Value::Uuid(u) => write!(f, "{u}"),
            Value::Array(items) => fmt_array(items, f),
            Value::Interval(i) => write!(f, "{i}"),
        }
    }
}

fn fmt_float(x: f64, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    if x.is_nan() {
        f.write_str("NaN")
    } else if x.is_infinite() {
        f.write_str(if x > 0.0 { "Infinity" } else { "-Infinity" })
    } else {
        write!(f, "{x}")
    }
}

fn fmt_array(items: &[Value], f: &mut fmt::Formatter<'_>) -> fmt::Result {
    f.write_str("{")?;
    for (i, v) in items.iter().enumerate() {
        if i > 0 {
            f.write_str(",")?;
        }
        match v {
            Value::Null => f.write_str("NULL")?,
            Value::Array(_) => write!(f, "{v}")?,
            Value::Text(s) | Value::Json(s) if needs_array_quotes(s) => {
                write!(f, "\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))?
            }
            other => write!(f, "{other}")?,
        }
    }
    f.write_str("}")
}

fn needs_array_quotes(s: &str) -> bool {
    s.is_empty()
        || s.eq_ignore_ascii_case("null")
        || s.chars()
            .any(|c| matches!(c, ',' | '{' | '}' | '"' | '\\') || c.is_whitespace())
}

impl fmt::Display for Interval {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut parts: Vec<String> = Vec::new();
        let years = self.months / 12;
        let months = self.months % 12;
        if years != 0 {
            parts.push(plural(i64::from(years), "year"));
        }
        if months != 0 {
            parts.push(plural(i64::from(months), "mon"));
        }
        if self.days != 0 {
            parts.push(plural(i64::from(self.days), "day"));
        }
        if self.micros != 0 || parts.is_empty() {
            let neg = self.micros < 0;
            let total = self.micros.unsigned_abs();
            let secs = total / 1_000_000;
            let frac = total % 1_000_000;
            let (h, m, s) = (secs / 3600, (secs / 60) % 60, secs % 60);
            let sign = if neg { "-" } else { "" };
            if frac == 0 {
                parts.push(format!("{sign}{h:02}:{m:02}:{s:02}"));
            } else {
                let frac = format!("{frac:06}");
                parts.push(format!("{sign}{h:02}:{m:02}:{s:02}.{}", frac.trim_end_matches('0')));
            }
        }
        f.write_str(&parts.join(" "))
    }
}

fn plural(n: i64, unit: &str) -> String {
    if n == 1 || n == -1 {
        format!("{n} {unit}")
    } else {
        format!("{n} {unit}s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interval_renders_like_postgres() {
        let i = Interval {
            months: 14,
            days: 3,
            micros: 3_723_500_000,
        };
        assert_eq!(i.to_string(), "1 year 2 mons 3 days 01:02:03.5");
        let zero = Interval {
            months: 0,
            days: 0,
            micros: 0,
        };
        assert_eq!(zero.to_string(), "00:00:00");
    }

    #[test]
    fn arrays_quote_like_postgres() {
        let v = Value::Array(vec![
            Value::Text("a b".into()),
            Value::Null,
            Value::Int(3),
            Value::Text("x".into()),
        ]);
        assert_eq!(v.to_string(), "{\"a b\",NULL,3,x}");
    }

    #[test]
    fn null_renders_empty_but_displays_null() {
        assert_eq!(Value::Null.render(), "");
        assert_eq!(Value::Null.to_string(), "NULL");
    }
}
