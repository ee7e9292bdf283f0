//! Type mapping between engines: how a value read from one engine is
//! written as a literal for a column of another (see docs/type-mapping.md).
//!
//! The rule per target engine:
//! - Postgres: every non-NULL value becomes a quoted literal in Postgres
//!   input syntax and the server converts it to the column's type (in
//!   INSERT, SET and comparisons an untyped literal takes the column type).
//!   Booleans read as 0/1 become `'true'`/`'false'` for boolean columns.
//! - MySQL/MariaDB: numbers bare, booleans 1/0, bytes `X'..'`, temporal
//!   values as `'YYYY-MM-DD HH:MM:SS.ffffff'` in UTC (sync sessions run with
//!   `time_zone = '+00:00'`), arrays as JSON text.
//! - SQLite: numbers bare, booleans 1/0, bytes `X'..'`, decimals, temporal
//!   values, UUIDs and arrays as text (ISO 8601, UTC).

use crate::db::types::{TypeClass, classify};
use crate::db::{Engine, Value, quote};
use chrono::{NaiveDateTime, Timelike};

fn fmt_ts(t: &NaiveDateTime) -> String {
    if t.nanosecond() == 0 {
        t.format("%Y-%m-%d %H:%M:%S").to_string()
    } else {
        t.format("%Y-%m-%d %H:%M:%S%.6f").to_string()
    }
}

/// Text for a temporal or structured value in a form every engine parses.
fn neutral_text(v: &Value) -> String {
    match v {
        Value::Timestamp(t) => fmt_ts(t),
        Value::TimestampTz(t) => fmt_ts(&t.naive_utc()),
        Value::Time(t) => {
            if t.nanosecond() == 0 {
                t.format("%H:%M:%S").to_string()
            } else {
                t.format("%H:%M:%S%.6f").to_string()
            }
        }
        Value::Array(items) => {
            let json: Vec<serde_json::Value> = items.iter().map(array_item_json).collect();
            serde_json::Value::Array(json).to_string()
        }
        other => other.to_string(),
    }
}

fn array_item_json(v: &Value) -> serde_json::Value {
    match v {
        Value::Null => serde_json::Value::Null,
        Value::Bool(b) => serde_json::Value::Bool(*b),
        Value::Int(i) => serde_json::Value::from(*i),
        Value::UInt(u) => serde_json::Value::from(*u),
        Value::Float(f) => serde_json::Number::from_f64(*f).map_or(serde_json::Value::Null, serde_json::Value::Number),
        Value::Array(items) => serde_json::Value::Array(items.iter().map(array_item_json).collect()),
        other => serde_json::Value::String(neutral_text(other)),
    }
}

/// A JSON array text (`[1,2]`) as a Postgres array literal (`{1,2}`).
fn json_array_to_pg(s: &str) -> Option<String> {
    let parsed: serde_json::Value = serde_json::from_str(s).ok()?;
    fn item(v: &serde_json::Value) -> Value {
        match v {
            serde_json::Value::Null => Value::Null,
            serde_json::Value::Bool(b) => Value::Bool(*b),
            serde_json::Value::Number(n) => Value::Decimal(n.to_string()),
            serde_json::Value::String(s) => Value::Text(s.clone()),
            serde_json::Value::Array(a) => Value::Array(a.iter().map(item).collect()),
            other => Value::Text(other.to_string()),
        }
    }
    match &parsed {
        serde_json::Value::Array(_) => Some(item(&parsed).to_string()),
        _ => None,
    }
}

/// Render `v` as a literal for a column of type `target_type` on `engine`.
pub fn literal(engine: Engine, target_type: &str, v: &Value) -> String {
    if v.is_null() {
        return "NULL".into();
    }
    let class = classify(engine, target_type);
    match engine {
        Engine::Postgres => postgres_literal(class, v),
        Engine::Mysql => mysql_literal(class, v),
        Engine::Sqlite => sqlite_literal(class, v),
    }
}

fn bool_of(v: &Value) -> Option<bool> {
    match v {
        Value::Bool(b) => Some(*b),
        Value::Int(i) => Some(*i != 0),
        Value::UInt(u) => Some(*u != 0),
        Value::Text(t) => match t.to_ascii_lowercase().as_str() {
            "1" | "t" | "true" | "yes" | "on" => Some(true),
            "0" | "f" | "false" | "no" | "off" => Some(false),
            _ => None,
        },
        _ => None,
    }
}

/// A value as the target's bulk load should receive it: the same
/// conversions as [`literal`], without the SQL quoting.
pub fn bulk_value(engine: Engine, target_type: &str, v: &Value) -> Value {
    if v.is_null() {
        return Value::Null;
    }
    let class = classify(engine, target_type);
    match engine {
        Engine::Postgres => Value::Text(postgres_text(class, v)),
        Engine::Mysql | Engine::Sqlite => match (class, v) {
            (TypeClass::Bool, _) if bool_of(v).is_some() => Value::Int(i64::from(bool_of(v) == Some(true))),
            (_, Value::Bool(b)) => Value::Int(i64::from(*b)),
            (_, Value::Int(_) | Value::UInt(_)) => v.clone(),
            (_, Value::Float(f)) if f.is_finite() => v.clone(),
            (_, Value::Decimal(d)) if d.parse::<f64>().is_ok_and(f64::is_finite) => v.clone(),
            (TypeClass::Text | TypeClass::Json, Value::Bytes(b)) => {
                Value::Text(String::from_utf8_lossy(b).into_owned())
            }
            (_, Value::Bytes(_)) => v.clone(),
            _ => Value::Text(neutral_text(v)),
        },
    }
}

fn postgres_literal(class: TypeClass, v: &Value) -> String {
    quote::string(Engine::Postgres, &postgres_text(class, v))
}

fn postgres_text(class: TypeClass, v: &Value) -> String {
    match (class, v) {
        (TypeClass::Bool, _) if bool_of(v).is_some() => {
            if bool_of(v) == Some(true) {
                "true".into()
            } else {
                "false".into()
            }
        }
        (_, Value::Bool(b)) => if *b { "1" } else { "0" }.into(),
        (TypeClass::Array, Value::Json(s) | Value::Text(s)) => json_array_to_pg(s).unwrap_or_else(|| s.clone()),
        (TypeClass::Json, Value::Array(_)) => neutral_text(v),
        (TypeClass::Text, Value::Bytes(b)) => String::from_utf8_lossy(b).into_owned(),
        (_, Value::TimestampTz(t)) => format!("{}+00", fmt_ts(&t.naive_utc())),
        (_, Value::Timestamp(_) | Value::Time(_)) => neutral_text(v),
        (_, Value::Float(f)) if f.is_finite() => format!("{f:?}"),
        _ => v.to_string(),
    }
}

fn mysql_literal(class: TypeClass, v: &Value) -> String {
    let my = Engine::Mysql;
    match (class, v) {
        (TypeClass::Bool, Value::Text(_)) if bool_of(v).is_some() => {
            if bool_of(v) == Some(true) {
                "1".into()
            } else {
                "0".into()
            }
        }
        (_, Value::Bool(b)) => if *b { "1" } else { "0" }.into(),
        (_, Value::Int(i)) => i.to_string(),
        (_, Value::UInt(u)) => u.to_string(),
        (_, Value::Float(f)) if f.is_finite() => format!("{f:?}"),
        (_, Value::Decimal(d)) if d.parse::<f64>().is_ok_and(f64::is_finite) => d.clone(),
        (TypeClass::Text | TypeClass::Json, Value::Bytes(b)) => quote::string(my, &String::from_utf8_lossy(b)),
        (_, Value::Bytes(b)) => format!("X'{}'", hex::encode(b)),
        _ => quote::string(my, &neutral_text(v)),
    }
}

fn sqlite_literal(class: TypeClass, v: &Value) -> String {
    let lite = Engine::Sqlite;
    match (class, v) {
        (TypeClass::Bool, _) if bool_of(v).is_some() => if bool_of(v) == Some(true) { "1" } else { "0" }.into(),
        (_, Value::Bool(b)) => if *b { "1" } else { "0" }.into(),
        (_, Value::Int(i)) => i.to_string(),
        (_, Value::UInt(u)) => u.to_string(),
        (_, Value::Float(f)) if f.is_finite() => format!("{f:?}"),
        (TypeClass::Text | TypeClass::Json, Value::Bytes(b)) => quote::string(lite, &String::from_utf8_lossy(b)),
        (_, Value::Bytes(b)) => format!("X'{}'", hex::encode(b)),
        _ => quote::string(lite, &neutral_text(v)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::DateTime;

    #[test]
    fn booleans_follow_the_target_column() {
        assert_eq!(literal(Engine::Postgres, "bool", &Value::Int(1)), "'true'");
        assert_eq!(literal(Engine::Postgres, "int4", &Value::Bool(true)), "'1'");
        assert_eq!(literal(Engine::Mysql, "tinyint(1)", &Value::Bool(false)), "0");
        assert_eq!(literal(Engine::Sqlite, "BOOLEAN", &Value::Text("t".into())), "1");
    }

    #[test]
    fn temporal_values_are_utc_text() {
        let z = DateTime::parse_from_rfc3339("2024-03-01T12:00:00.5+02:00").unwrap();
        assert_eq!(
            literal(Engine::Postgres, "timestamptz", &Value::TimestampTz(z)),
            "'2024-03-01 10:00:00.500000+00'"
        );
        assert_eq!(
            literal(Engine::Mysql, "datetime(6)", &Value::TimestampTz(z)),
            "'2024-03-01 10:00:00.500000'"
        );
        assert_eq!(
            literal(Engine::Sqlite, "TEXT", &Value::TimestampTz(z)),
            "'2024-03-01 10:00:00.500000'"
        );
    }

    #[test]
    fn arrays_and_bytes() {
        let arr = Value::Array(vec![Value::Int(1), Value::Null]);
        assert_eq!(literal(Engine::Mysql, "json", &arr), "'[1,null]'");
        assert_eq!(
            literal(Engine::Postgres, "_int4", &Value::Json("[1,null]".into())),
            "'{1,NULL}'"
        );
        assert_eq!(
            literal(Engine::Postgres, "bytea", &Value::Bytes(vec![1, 2])),
            // E'' reads the same whatever standard_conforming_strings says.
            "E'\\\\x0102'"
        );
        assert_eq!(literal(Engine::Mysql, "blob", &Value::Bytes(vec![1, 2])), "X'0102'");
    }
}
