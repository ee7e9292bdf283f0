//! What the user types into a cell, read as the column's type: whole
//! numbers, exact decimals, floats, booleans, dates, times, timestamps,
//! JSON, UUIDs and hex bytes are checked before anything is staged; other
//! types stay text and the server checks them. NULL is never typed: it is
//! a separate choice in the editor, so the text `NULL` stays text.

use crate::db::{Engine, Value};
use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime};

/// How input for a column is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnType {
    /// Signed whole numbers.
    Integer,
    /// Unsigned whole numbers (MySQL `UNSIGNED`).
    Unsigned,
    /// Exact decimals (kept as text, never via f64).
    Decimal,
    /// Double precision.
    Float,
    /// MySQL single-precision `FLOAT` (compared through a cast).
    Float32,
    /// Booleans.
    Bool,
    /// Calendar dates.
    Date,
    /// Times of day.
    Time,
    /// Timestamps without zone.
    Timestamp,
    /// Timestamps with zone.
    TimestampTz,
    /// JSON documents.
    Json,
    /// UUIDs.
    Uuid,
    /// Binary data.
    Bytes,
    /// Anything else: text the server converts and checks.
    Text,
}

impl ColumnType {
    /// The kind of a column from its type as the engine prints it.
    pub fn of(engine: Engine, data_type: &str) -> ColumnType {
        use crate::db::types::{TypeClass as C, classify};
        match classify(engine, data_type) {
            // MySQL's booleans are tinyint(1), which store any small integer.
            C::Bool if engine == Engine::Mysql => ColumnType::Integer,
            C::Bool => ColumnType::Bool,
            C::Int => ColumnType::Integer,
            C::UInt => ColumnType::Unsigned,
            C::Decimal => ColumnType::Decimal,
            C::Float => ColumnType::Float,
            C::Float32 => ColumnType::Float32,
            C::Date => ColumnType::Date,
            C::Time => ColumnType::Time,
            C::Timestamp => ColumnType::Timestamp,
            C::TimestampTz => ColumnType::TimestampTz,
            C::Json => ColumnType::Json,
            C::Uuid => ColumnType::Uuid,
            C::Bytes => ColumnType::Bytes,
            // Money, zoned times, intervals, arrays and the rest: the server reads the text.
            C::Money | C::TimeTz | C::Interval | C::Array | C::Text | C::Other => ColumnType::Text,
        }
    }

    /// What the input must look like, for hints and errors.
    pub fn expects(self) -> &'static str {
        match self {
            ColumnType::Integer => "a whole number",
            ColumnType::Unsigned => "a whole number ≥ 0",
            ColumnType::Decimal => "a decimal number like 12.50",
            ColumnType::Float | ColumnType::Float32 => "a number like 1.5 or 2e-3",
            ColumnType::Bool => "true or false",
            ColumnType::Date => "a date like 2026-01-31",
            ColumnType::Time => "a time like 13:45:00",
            ColumnType::Timestamp => "a timestamp like 2026-01-31 13:45:00",
            ColumnType::TimestampTz => "a timestamp like 2026-01-31 13:45:00+00",
            ColumnType::Json => "a JSON document",
            ColumnType::Uuid => "a UUID",
            ColumnType::Bytes => "hex bytes like \\x0a1b",
            ColumnType::Text => "text",
        }
    }
}

/// Read `text` as a value of `kind`; the error says what was expected.
pub fn parse_input(kind: ColumnType, text: &str) -> Result<Value, String> {
    let t = text.trim();
    let bad = || format!("'{}' is not {}", crate::sanitize::sanitize(t), kind.expects());
    match kind {
        ColumnType::Text => Ok(Value::Text(text.to_string())),
        ColumnType::Integer => t.parse::<i64>().map(Value::Int).map_err(|_| bad()),
        ColumnType::Unsigned => match t.parse::<u64>() {
            Ok(u) => Ok(i64::try_from(u).map_or(Value::UInt(u), Value::Int)),
            Err(_) => Err(bad()),
        },
        ColumnType::Decimal => decimal(t).map(Value::Decimal).ok_or_else(bad),
        ColumnType::Float | ColumnType::Float32 => match t.to_ascii_lowercase().as_str() {
            "nan" => Ok(Value::Float(f64::NAN)),
            "infinity" | "inf" => Ok(Value::Float(f64::INFINITY)),
            "-infinity" | "-inf" => Ok(Value::Float(f64::NEG_INFINITY)),
            _ => t.parse::<f64>().map(Value::Float).map_err(|_| bad()),
        },
        ColumnType::Bool => match t.to_ascii_lowercase().as_str() {
            "t" | "true" | "y" | "yes" | "on" | "1" => Ok(Value::Bool(true)),
            "f" | "false" | "n" | "no" | "off" | "0" => Ok(Value::Bool(false)),
            _ => Err(bad()),
        },
        ColumnType::Date => NaiveDate::parse_from_str(t, "%Y-%m-%d")
            .map(Value::Date)
            .map_err(|_| bad()),
        ColumnType::Time => ["%H:%M:%S%.f", "%H:%M"]
            .iter()
            .find_map(|f| NaiveTime::parse_from_str(t, f).ok())
            .map(Value::Time)
            .ok_or_else(bad),
        ColumnType::Timestamp => naive_timestamp(t).map(Value::Timestamp).ok_or_else(bad),
        ColumnType::TimestampTz => {
            let zoned = DateTime::parse_from_rfc3339(t)
                .ok()
                .or_else(|| DateTime::parse_from_str(t, "%Y-%m-%d %H:%M:%S%.f%#z").ok());
            match zoned {
                Some(z) => Ok(Value::TimestampTz(z)),
                // Without an offset the server reads it in the session's time zone.
                None if naive_timestamp(t).is_some() => Ok(Value::Text(t.to_string())),
                None => Err(bad()),
            }
        }
        ColumnType::Json => serde_json::from_str::<serde_json::Value>(t)
            .map(|_| Value::Json(t.to_string()))
            .map_err(|e| format!("not valid JSON: {e}")),
        ColumnType::Uuid => uuid::Uuid::parse_str(t).map(Value::Uuid).map_err(|_| bad()),
        ColumnType::Bytes => {
            let hex = t.strip_prefix("\\x").or_else(|| t.strip_prefix("0x")).ok_or_else(bad)?;
            hex::decode(hex).map(Value::Bytes).map_err(|_| bad())
        }
    }
}

fn naive_timestamp(t: &str) -> Option<NaiveDateTime> {
    for f in [
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M",
        "%Y-%m-%dT%H:%M",
    ] {
        if let Ok(v) = NaiveDateTime::parse_from_str(t, f) {
            return Some(v);
        }
    }
    NaiveDate::parse_from_str(t, "%Y-%m-%d").ok()?.and_hms_opt(0, 0, 0)
}

/// `-12.50`, `3`, `1e5` as canonical decimal text; None when not a number.
/// A decimal must fit its column's declared precision and scale
/// (`numeric(10,2)`, `decimal(5)`): the database would otherwise round it
/// (and MySQL then reports the row as unchanged) or refuse it.
pub fn check_scale(data_type: &str, v: &Value) -> Result<(), String> {
    let Value::Decimal(d) = v else { return Ok(()) };
    let ty = data_type.to_ascii_lowercase();
    let Some(args) = ty
        .split_once('(')
        .and_then(|(_, rest)| rest.split_once(')'))
        .map(|(args, _)| args)
    else {
        return Ok(());
    };
    let mut nums = args.split(',').map(|n| n.trim().parse::<usize>());
    let (Some(Ok(precision)), scale) = (nums.next(), nums.next()) else {
        return Ok(());
    };
    let scale = match scale {
        Some(Ok(s)) => s,
        Some(Err(_)) => return Ok(()),
        None => 0,
    };
    let body = d.trim_start_matches(['-', '+']);
    if body.contains(['e', 'E']) {
        return Ok(());
    }
    let (int, frac) = body.split_once('.').unwrap_or((body, ""));
    let frac = frac.trim_end_matches('0').len();
    let int = int.trim_start_matches('0').len();
    if frac > scale {
        return Err(format!(
            "'{d}' has more than {scale} decimal place{} ({data_type}): the database would round it",
            if scale == 1 { "" } else { "s" }
        ));
    }
    if int > precision.saturating_sub(scale) {
        return Err(format!("'{d}' is too large for {data_type}"));
    }
    Ok(())
}

fn decimal(t: &str) -> Option<String> {
    let body = t.strip_prefix(['-', '+']).unwrap_or(t);
    let (mantissa, exp) = match body.split_once(['e', 'E']) {
        Some((m, e)) => (m, Some(e)),
        None => (body, None),
    };
    let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let digits = |s: &str| s.chars().all(|c| c.is_ascii_digit());
    let ok = !(int.is_empty() && frac.is_empty())
        && digits(int)
        && digits(frac)
        && exp.is_none_or(|e| {
            let e = e.strip_prefix(['-', '+']).unwrap_or(e);
            !e.is_empty() && digits(e)
        });
    ok.then(|| t.trim_start_matches('+').to_string())
}

/// Whether two values are the same value for the column (so an edit back
/// to the original is no edit): numbers compare by value, `1.5` = `1.50`.
pub fn same(a: &Value, b: &Value) -> bool {
    if a == b {
        return true;
    }
    let num = |v: &Value| match v {
        Value::Int(i) => Some(*i as f64),
        Value::UInt(u) => Some(*u as f64),
        Value::Float(f) => Some(*f),
        Value::Decimal(d) => d.parse::<f64>().ok(),
        _ => None,
    };
    match (a, b) {
        // Exact decimals compare as canonical text, never through f64 rounding alone.
        (Value::Decimal(x), Value::Decimal(y)) => canonical_decimal(x) == canonical_decimal(y),
        _ => match (num(a), num(b)) {
            (Some(x), Some(y)) => x == y,
            _ => a.to_string() == b.to_string() && a.is_null() == b.is_null(),
        },
    }
}

fn canonical_decimal(d: &str) -> String {
    let d = d.trim().trim_start_matches('+');
    match d.split_once('.') {
        Some((i, f)) => {
            let f = f.trim_end_matches('0');
            if f.is_empty() {
                i.to_string()
            } else {
                format!("{i}.{f}")
            }
        }
        None => d.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_from_engine_types() {
        assert_eq!(
            ColumnType::of(Engine::Postgres, "timestamp with time zone"),
            ColumnType::TimestampTz
        );
        assert_eq!(
            ColumnType::of(Engine::Postgres, "timestamp without time zone"),
            ColumnType::Timestamp
        );
        assert_eq!(ColumnType::of(Engine::Postgres, "numeric(10,2)"), ColumnType::Decimal);
        assert_eq!(ColumnType::of(Engine::Postgres, "integer[]"), ColumnType::Text);
        assert_eq!(ColumnType::of(Engine::Mysql, "int(10) unsigned"), ColumnType::Unsigned);
        assert_eq!(ColumnType::of(Engine::Mysql, "float"), ColumnType::Float32);
        assert_eq!(ColumnType::of(Engine::Mysql, "datetime(6)"), ColumnType::Timestamp);
        assert_eq!(ColumnType::of(Engine::Sqlite, "INTEGER"), ColumnType::Integer);
        assert_eq!(ColumnType::of(Engine::Sqlite, "VARCHAR(20)"), ColumnType::Text);
        assert_eq!(ColumnType::of(Engine::Sqlite, "DATE"), ColumnType::Date);
        assert_eq!(ColumnType::of(Engine::Sqlite, ""), ColumnType::Text);
    }

    #[test]
    fn typed_input_is_checked() {
        assert_eq!(parse_input(ColumnType::Integer, " 42 "), Ok(Value::Int(42)));
        assert!(
            parse_input(ColumnType::Integer, "4.2")
                .unwrap_err()
                .contains("whole number")
        );
        assert_eq!(
            parse_input(ColumnType::Decimal, "-12.50"),
            Ok(Value::Decimal("-12.50".into()))
        );
        for bad in ["1.2.3", "abc", "", "1e", "."] {
            assert!(parse_input(ColumnType::Decimal, bad).is_err(), "{bad}");
        }
        assert_eq!(parse_input(ColumnType::Bool, "Yes"), Ok(Value::Bool(true)));
        assert!(parse_input(ColumnType::Bool, "maybe").is_err());
        assert!(matches!(
            parse_input(ColumnType::Date, "2026-02-28"),
            Ok(Value::Date(_))
        ));
        assert!(parse_input(ColumnType::Date, "2026-02-30").is_err());
        assert!(matches!(
            parse_input(ColumnType::Timestamp, "2026-01-31T13:45"),
            Ok(Value::Timestamp(_))
        ));
        assert!(matches!(
            parse_input(ColumnType::TimestampTz, "2026-01-31 13:45:00+02"),
            Ok(Value::TimestampTz(_))
        ));
        assert!(parse_input(ColumnType::Json, "{\"a\": [1,2]}").is_ok());
        assert!(parse_input(ColumnType::Json, "{a: 1}").unwrap_err().contains("JSON"));
        assert_eq!(
            parse_input(ColumnType::Bytes, "\\x0aff"),
            Ok(Value::Bytes(vec![10, 255]))
        );
        assert_eq!(
            parse_input(ColumnType::Text, "NULL"),
            Ok(Value::Text("NULL".into())),
            "text stays text"
        );
        assert!(parse_input(ColumnType::Uuid, "nope").is_err());
        let d = |s: &str| Value::Decimal(s.into());
        assert!(check_scale("numeric(10,2)", &d("20.5")).is_ok());
        assert!(check_scale("numeric(10,2)", &d("20.500")).is_ok());
        assert!(
            check_scale("decimal(10,2) unsigned", &d("20.501"))
                .unwrap_err()
                .contains("round")
        );
        assert!(
            check_scale("numeric(4,2)", &d("123.4"))
                .unwrap_err()
                .contains("too large")
        );
        assert!(check_scale("decimal(5)", &d("1.5")).is_err());
        assert!(check_scale("numeric", &d("1.23456789")).is_ok());
    }

    #[test]
    fn sameness_is_by_value() {
        assert!(same(&Value::Decimal("1.50".into()), &Value::Decimal("1.5".into())));
        assert!(!same(&Value::Decimal("1.50".into()), &Value::Decimal("1.51".into())));
        assert!(same(&Value::Int(3), &Value::Float(3.0)));
        assert!(!same(&Value::Text("".into()), &Value::Null));
        assert!(same(&Value::Null, &Value::Null));
    }
}
