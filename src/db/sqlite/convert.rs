//! SQLite values into the shared value model. SQLite stores five storage
//! classes whatever a column declares, so the value is read by storage
//! class and refined by the declared type only when the stored text
//! actually parses; anything else stays as it is stored.
//!
//! DECIMAL/NUMERIC columns have NUMERIC affinity, so SQLite itself turns
//! `'12.50'` into the REAL 12.5 on insert; such values come back as
//! `Decimal("12.5")`. Only text SQLite kept as text is passed through verbatim.

use crate::db::Value;
use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime};
use rusqlite::types::ValueRef;

/// What a column's declared type asks for, beyond its storage class.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum DeclKind {
    /// No refinement: storage class decides.
    Plain,
    /// BOOLEAN / BOOL.
    Bool,
    /// DATE.
    Date,
    /// TIME.
    Time,
    /// DATETIME / TIMESTAMP.
    Timestamp,
    /// DECIMAL / NUMERIC / MONEY.
    Decimal,
    /// JSON.
    Json,
    /// UUID / GUID.
    Uuid,
}

impl DeclKind {
    /// Classify a declared column type (`None` for expressions).
    pub(super) fn of(decl: Option<&str>) -> DeclKind {
        let Some(decl) = decl else {
            return DeclKind::Plain;
        };
        let d = decl.to_ascii_uppercase();
        if d.contains("BOOL") {
            DeclKind::Bool
        } else if d.contains("DATETIME") || d.contains("TIMESTAMP") {
            DeclKind::Timestamp
        } else if d.contains("DATE") {
            DeclKind::Date
        } else if d.starts_with("TIME") {
            DeclKind::Time
        } else if d.contains("JSON") {
            DeclKind::Json
        } else if d.contains("DECIMAL") || d.contains("NUMERIC") || d.contains("MONEY") {
            DeclKind::Decimal
        } else if d.contains("UUID") || d.contains("GUID") {
            DeclKind::Uuid
        } else {
            DeclKind::Plain
        }
    }
}

/// SQLite's name for a value's storage class.
pub(super) fn storage_class(v: ValueRef<'_>) -> &'static str {
    match v {
        ValueRef::Null => "NULL",
        ValueRef::Integer(_) => "INTEGER",
        ValueRef::Real(_) => "REAL",
        ValueRef::Text(_) => "TEXT",
        ValueRef::Blob(_) => "BLOB",
    }
}

/// Convert one stored value.
pub(super) fn to_value(v: ValueRef<'_>, kind: DeclKind) -> Value {
    match v {
        ValueRef::Null => Value::Null,
        ValueRef::Integer(i) => match kind {
            DeclKind::Bool if i == 0 || i == 1 => Value::Bool(i == 1),
            // NUMERIC affinity stores whole numbers as integers: exact as text.
            DeclKind::Decimal => Value::Decimal(i.to_string()),
            _ => Value::Int(i),
        },
        // NUMERIC affinity already stored a REAL; its shortest round-trip
        // rendering keeps the column uniformly Decimal without adding error.
        ValueRef::Real(f) if kind == DeclKind::Decimal && f.is_finite() => Value::Decimal(f.to_string()),
        ValueRef::Real(f) => Value::Float(f),
        ValueRef::Text(bytes) => match std::str::from_utf8(bytes) {
            Ok(s) => text_value(s, kind),
            // Invalid UTF-8 is kept byte for byte rather than mangled.
            Err(_) => Value::Bytes(bytes.to_vec()),
        },
        ValueRef::Blob(bytes) => match kind {
            DeclKind::Uuid if bytes.len() == 16 => uuid::Uuid::from_slice(bytes)
                .map(Value::Uuid)
                .unwrap_or_else(|_| Value::Bytes(bytes.to_vec())),
            _ => Value::Bytes(bytes.to_vec()),
        },
    }
}

fn text_value(s: &str, kind: DeclKind) -> Value {
    let parsed = match kind {
        DeclKind::Plain => None,
        DeclKind::Bool => parse_bool(s).map(Value::Bool),
        DeclKind::Date => NaiveDate::parse_from_str(s, "%Y-%m-%d").ok().map(Value::Date),
        DeclKind::Time => parse_time(s).map(Value::Time),
        DeclKind::Timestamp => parse_timestamp(s),
        DeclKind::Decimal => is_plain_decimal(s).then(|| Value::Decimal(s.to_string())),
        DeclKind::Json => Some(Value::Json(s.to_string())),
        DeclKind::Uuid => uuid::Uuid::parse_str(s).ok().map(Value::Uuid),
    };
    parsed.unwrap_or_else(|| Value::Text(s.to_string()))
}

fn parse_bool(s: &str) -> Option<bool> {
    match s.to_ascii_lowercase().as_str() {
        "true" | "t" => Some(true),
        "false" | "f" => Some(false),
        _ => None,
    }
}

fn parse_time(s: &str) -> Option<NaiveTime> {
    NaiveTime::parse_from_str(s, "%H:%M:%S%.f")
        .or_else(|_| NaiveTime::parse_from_str(s, "%H:%M"))
        .ok()
}

/// The forms SQLite's date functions write and accept: `YYYY-MM-DD HH:MM[:SS[.fff]]`
/// with a space or `T`, optionally followed by `Z` or `+HH:MM`.
fn parse_timestamp(s: &str) -> Option<Value> {
    const NAIVE: [&str; 4] = [
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M",
        "%Y-%m-%dT%H:%M",
    ];
    if let Some(ts) = NAIVE.iter().find_map(|f| NaiveDateTime::parse_from_str(s, f).ok()) {
        return Some(Value::Timestamp(ts));
    }
    if let Ok(ts) = DateTime::parse_from_rfc3339(s) {
        return Some(Value::TimestampTz(ts));
    }
    DateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S%.f%:z")
        .ok()
        .map(Value::TimestampTz)
}

/// `[-+]digits[.digits]` or `[-+].digits`: forms every engine reads back
/// exactly. Exponents and anything else stay text.
fn is_plain_decimal(s: &str) -> bool {
    let body = s.strip_prefix(['-', '+']).unwrap_or(s);
    let (int, frac) = body.split_once('.').unwrap_or((body, ""));
    let digits = |p: &str| p.bytes().all(|b| b.is_ascii_digit());
    (!int.is_empty() || !frac.is_empty()) && digits(int) && digits(frac) && !(body.ends_with('.') && int.is_empty())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn declared_types_classify() {
        assert_eq!(DeclKind::of(Some("BOOLEAN")), DeclKind::Bool);
        assert_eq!(DeclKind::of(Some("datetime")), DeclKind::Timestamp);
        assert_eq!(DeclKind::of(Some("TIMESTAMP")), DeclKind::Timestamp);
        assert_eq!(DeclKind::of(Some("DATE")), DeclKind::Date);
        assert_eq!(DeclKind::of(Some("TIME")), DeclKind::Time);
        assert_eq!(DeclKind::of(Some("DECIMAL(10,2)")), DeclKind::Decimal);
        assert_eq!(DeclKind::of(Some("INTEGER")), DeclKind::Plain);
        assert_eq!(DeclKind::of(None), DeclKind::Plain);
    }

    #[test]
    fn text_refines_only_when_it_parses() {
        assert_eq!(
            to_value(ValueRef::Text(b"2024-02-29"), DeclKind::Date),
            Value::Date(NaiveDate::from_ymd_opt(2024, 2, 29).unwrap())
        );
        assert_eq!(
            to_value(ValueRef::Text(b"not a date"), DeclKind::Date),
            Value::Text("not a date".into())
        );
        assert!(matches!(
            to_value(ValueRef::Text(b"2024-01-02 03:04:05.25"), DeclKind::Timestamp),
            Value::Timestamp(_)
        ));
        assert!(matches!(
            to_value(ValueRef::Text(b"2024-01-02T03:04:05+02:00"), DeclKind::Timestamp),
            Value::TimestampTz(_)
        ));
        assert_eq!(
            to_value(ValueRef::Text(b"12.50"), DeclKind::Decimal),
            Value::Decimal("12.50".into())
        );
        assert_eq!(
            to_value(ValueRef::Text(b"1e5"), DeclKind::Decimal),
            Value::Text("1e5".into())
        );
        assert_eq!(
            to_value(ValueRef::Text(b"."), DeclKind::Decimal),
            Value::Text(".".into())
        );
        assert_eq!(to_value(ValueRef::Integer(1), DeclKind::Bool), Value::Bool(true));
        assert_eq!(to_value(ValueRef::Integer(7), DeclKind::Bool), Value::Int(7));
        assert_eq!(
            to_value(ValueRef::Text(b"\xff\xfe"), DeclKind::Plain),
            Value::Bytes(vec![0xff, 0xfe])
        );
    }
}
