//! Canonical value rendering: one string per value such that values that
//! mean the same thing in different engines render identically.
//!
//! Used for hashing (snapshots, segment checksums computed client side) and
//! for comparing rows fetched from two databases. Rules:
//! - NULL renders as `\N`; a text that starts with a backslash gets one more
//!   backslash in front, so no text can collide with NULL.
//! - booleans render as `1` / `0`, so `true` equals MySQL `TINYINT(1)` 1.
//! - integers, exact decimals and floats render as normalized decimals:
//!   no leading zeros, no trailing fractional zeros, no `-0` (`1.50` -> `1.5`,
//!   `2.000` -> `2`); an integral float renders like the integer.
//! - timestamps with a zone are converted to UTC and render with a `Z`
//!   suffix; fractional seconds lose trailing zeros.
//! - JSON is parsed and re-serialized with object keys sorted and no
//!   insignificant whitespace; text that does not parse is kept as is.
//! - bytes render as `\x` followed by lower-case hex.
//! - UUIDs render lower-case and hyphenated.

use crate::db::{Interval, Value};
use chrono::{NaiveDateTime, NaiveTime, Timelike};
use std::cmp::Ordering;

/// Canonical rendering of one value (see the module docs for the rules).
pub fn canonical(v: &Value) -> String {
    match v {
        Value::Null => "\\N".to_string(),
        Value::Bool(b) => if *b { "1" } else { "0" }.to_string(),
        Value::Int(i) => i.to_string(),
        Value::UInt(u) => u.to_string(),
        Value::Float(f) => canonical_float(*f),
        Value::Decimal(d) => normalize_decimal(d).unwrap_or_else(|| d.trim().to_string()),
        Value::Text(s) => escape_text(s),
        Value::Bytes(b) => format!("\\x{}", hex::encode(b)),
        Value::Json(s) => canonical_json(s).unwrap_or_else(|| escape_text(s)),
        Value::Date(d) => d.format("%Y-%m-%d").to_string(),
        Value::Time(t) => fmt_time(t),
        Value::Timestamp(t) => fmt_timestamp(t),
        Value::TimestampTz(t) => format!("{}Z", fmt_timestamp(&t.naive_utc())),
        Value::Uuid(u) => u.hyphenated().to_string(),
        Value::Array(items) => {
            let parts: Vec<serde_json::Value> = items
                .iter()
                .map(|i| match i {
                    Value::Null => serde_json::Value::Null,
                    other => serde_json::Value::String(canonical(other)),
                })
                .collect();
            serde_json::Value::Array(parts).to_string()
        }
        Value::Interval(i) => canonical_interval(i),
    }
}

/// Canonical rendering of a whole row: each value length-prefixed so that
/// column boundaries cannot be forged by the content (`ab|c` vs `a|bc`).
pub fn canonical_row(row: &[Value]) -> String {
    let mut out = String::new();
    for v in row {
        let c = canonical(v);
        out.push_str(&c.len().to_string());
        out.push(':');
        out.push_str(&c);
    }
    out
}

/// Whether two values mean the same thing, across engines. Beyond equal
/// canonical renderings it accepts text that parses to the other side's
/// type (SQLite keeps dates, decimals and JSON as text), a naive timestamp
/// against a zoned one read as UTC, and numbers of different kinds.
pub fn values_equal(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Null, Value::Null) => return true,
        (Value::Null, _) | (_, Value::Null) => return false,
        _ => {}
    }
    let (ca, cb) = (canonical(a), canonical(b));
    if ca == cb {
        return true;
    }
    match (a, b) {
        (Value::TimestampTz(z), Value::Timestamp(n)) | (Value::Timestamp(n), Value::TimestampTz(z)) => {
            z.naive_utc() == *n
        }
        (Value::Time(x), Value::Interval(i)) | (Value::Interval(i), Value::Time(x)) => {
            i.months == 0
                && i.days == 0
                && i64::from(x.num_seconds_from_midnight()) * 1_000_000 + i64::from(x.nanosecond() / 1000) == i.micros
        }
        (Value::Array(items), Value::Text(t) | Value::Json(t))
        | (Value::Text(t) | Value::Json(t), Value::Array(items)) => array_matches(items, t),
        (Value::Text(t), other) | (other, Value::Text(t)) => text_matches(t, other),
        (Value::Json(j), other) | (other, Value::Json(j)) => text_matches(j, other),
        _ => false,
    }
}

/// An array compared with its JSON text (MySQL and SQLite keep arrays as JSON).
fn array_matches(items: &[Value], text: &str) -> bool {
    let Ok(serde_json::Value::Array(parsed)) = serde_json::from_str::<serde_json::Value>(text) else {
        return false;
    };
    parsed.len() == items.len()
        && parsed.iter().zip(items).all(|(j, v)| match (j, v) {
            (serde_json::Value::Null, Value::Null) => true,
            (serde_json::Value::String(s), v) => values_equal(&Value::Text(s.clone()), v),
            (serde_json::Value::Array(_), Value::Array(inner)) => array_matches(inner, &j.to_string()),
            (other, v) => values_equal(&Value::Text(other.to_string()), v),
        })
}

/// Text from a loosely typed engine compared with a typed value.
fn text_matches(t: &str, other: &Value) -> bool {
    let t = t.trim_end_matches('\0');
    match other {
        Value::Int(_) | Value::UInt(_) | Value::Float(_) | Value::Decimal(_) | Value::Bool(_) => {
            match (normalize_decimal(t), canonical_number(other)) {
                (Some(x), Some(y)) => x == y,
                _ => matches!(other, Value::Bool(b) if t.eq_ignore_ascii_case(if *b { "true" } else { "false" })),
            }
        }
        Value::Json(j) => canonical_json(t).is_some() && canonical_json(t) == canonical_json(j),
        Value::Text(o) => canonical_json(t).is_some() && canonical_json(t) == canonical_json(o),
        Value::Uuid(u) => t.eq_ignore_ascii_case(&u.hyphenated().to_string()),
        Value::Date(d) => t == d.format("%Y-%m-%d").to_string(),
        Value::Time(x) => NaiveTime::parse_from_str(t, "%H:%M:%S%.f").is_ok_and(|p| p == *x),
        Value::Timestamp(x) => parse_timestamp(t).is_some_and(|p| p == *x),
        Value::TimestampTz(x) => {
            parse_timestamp(t).is_some_and(|p| p == x.naive_utc())
                || chrono::DateTime::parse_from_rfc3339(t).is_ok_and(|p| p == *x)
                || chrono::DateTime::parse_from_str(t, "%Y-%m-%d %H:%M:%S%.f%#z").is_ok_and(|p| p == *x)
        }
        Value::Bytes(b) => t.as_bytes() == b.as_slice(),
        _ => false,
    }
}

fn parse_timestamp(t: &str) -> Option<NaiveDateTime> {
    let t = t.trim_end_matches('Z');
    NaiveDateTime::parse_from_str(t, "%Y-%m-%d %H:%M:%S%.f")
        .or_else(|_| NaiveDateTime::parse_from_str(t, "%Y-%m-%dT%H:%M:%S%.f"))
        .ok()
}

fn canonical_number(v: &Value) -> Option<String> {
    match v {
        Value::Bool(b) => Some(if *b { "1" } else { "0" }.to_string()),
        Value::Int(i) => Some(i.to_string()),
        Value::UInt(u) => Some(u.to_string()),
        Value::Float(f) => Some(canonical_float(*f)),
        Value::Decimal(d) => normalize_decimal(d),
        _ => None,
    }
}

fn escape_text(s: &str) -> String {
    if s.starts_with('\\') {
        format!("\\{s}")
    } else {
        s.to_string()
    }
}

fn canonical_float(f: f64) -> String {
    if f.is_nan() {
        return "NaN".into();
    }
    if f.is_infinite() {
        return if f > 0.0 { "Infinity" } else { "-Infinity" }.into();
    }
    if f == 0.0 {
        return "0".into();
    }
    // `{}` on f64 is the shortest text that round-trips and never uses an
    // exponent, so it is already a plain decimal.
    normalize_decimal(&format!("{f}")).unwrap_or_else(|| format!("{f}"))
}

/// Normalize a plain decimal text (`-001.2300` -> `-1.23`, `-0.0` -> `0`).
/// Returns None when the text is not a plain decimal number; `NaN` and the
/// infinities pass through.
pub fn normalize_decimal(s: &str) -> Option<String> {
    let s = s.trim();
    match s {
        "NaN" | "nan" => return Some("NaN".into()),
        "Infinity" | "inf" | "+Infinity" => return Some("Infinity".into()),
        "-Infinity" | "-inf" => return Some("-Infinity".into()),
        _ => {}
    }
    let (neg, body) = match s.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, s.strip_prefix('+').unwrap_or(s)),
    };
    let (int_part, frac_part) = body.split_once('.').unwrap_or((body, ""));
    if (int_part.is_empty() && frac_part.is_empty())
        || !int_part.bytes().all(|c| c.is_ascii_digit())
        || !frac_part.bytes().all(|c| c.is_ascii_digit())
    {
        return None;
    }
    let int_part = int_part.trim_start_matches('0');
    let frac_part = frac_part.trim_end_matches('0');
    let int_part = if int_part.is_empty() { "0" } else { int_part };
    let mut out = String::with_capacity(s.len());
    if neg && !(int_part == "0" && frac_part.is_empty()) {
        out.push('-');
    }
    out.push_str(int_part);
    if !frac_part.is_empty() {
        out.push('.');
        out.push_str(frac_part);
    }
    Some(out)
}

/// Compare two normalized decimals numerically.
pub fn cmp_decimal(a: &str, b: &str) -> Ordering {
    let (na, a) = a.strip_prefix('-').map_or((false, a), |r| (true, r));
    let (nb, b) = b.strip_prefix('-').map_or((false, b), |r| (true, r));
    match (na, nb) {
        (false, true) => return Ordering::Greater,
        (true, false) => return Ordering::Less,
        _ => {}
    }
    let (ai, af) = a.split_once('.').unwrap_or((a, ""));
    let (bi, bf) = b.split_once('.').unwrap_or((b, ""));
    let mag = ai
        .len()
        .cmp(&bi.len())
        .then_with(|| ai.cmp(bi))
        .then_with(|| af.cmp(bf));
    if na { mag.reverse() } else { mag }
}

/// Order two key values the way the databases are asked to order them:
/// numbers numerically, everything else by the bytes of its canonical
/// rendering (Postgres `COLLATE "C"`, MySQL `BINARY`, SQLite `BINARY`).
pub fn cmp_key_values(a: &Value, b: &Value) -> Ordering {
    match (a, b) {
        (Value::Null, Value::Null) => Ordering::Equal,
        (Value::Null, _) => Ordering::Greater,
        (_, Value::Null) => Ordering::Less,
        (Value::Int(x), Value::Int(y)) => x.cmp(y),
        (Value::Text(x), Value::Text(y)) => x.as_bytes().cmp(y.as_bytes()),
        _ => {
            if let (Some(x), Some(y)) = (numeric_key(a), numeric_key(b))
                && x != "NaN"
                && y != "NaN"
                && !x.contains("Infinity")
                && !y.contains("Infinity")
            {
                return cmp_decimal(&x, &y);
            }
            order_text(a).cmp(&order_text(b))
        }
    }
}

fn numeric_key(v: &Value) -> Option<String> {
    match v {
        Value::Text(t) => normalize_decimal(t),
        other => canonical_number(other),
    }
}

fn order_text(v: &Value) -> String {
    match v {
        Value::Text(s) => s.clone(),
        Value::TimestampTz(t) => fmt_timestamp(&t.naive_utc()),
        other => canonical(other),
    }
}

/// Compare two keys (same length) column by column.
pub fn cmp_keys(a: &[Value], b: &[Value]) -> Ordering {
    for (x, y) in a.iter().zip(b) {
        let o = cmp_key_values(x, y);
        if o != Ordering::Equal {
            return o;
        }
    }
    a.len().cmp(&b.len())
}

fn fmt_time(t: &NaiveTime) -> String {
    let base = t.format("%H:%M:%S").to_string();
    with_fraction(base, t.nanosecond())
}

fn fmt_timestamp(t: &NaiveDateTime) -> String {
    let base = t.format("%Y-%m-%d %H:%M:%S").to_string();
    with_fraction(base, t.nanosecond())
}

fn with_fraction(mut base: String, nanos: u32) -> String {
    if nanos != 0 {
        let frac = format!("{:09}", nanos % 1_000_000_000);
        base.push('.');
        base.push_str(frac.trim_end_matches('0'));
    }
    base
}

fn canonical_interval(i: &Interval) -> String {
    format!("{}mon {}d {}us", i.months, i.days, i.micros)
}

/// Canonical JSON text: keys sorted, compact. None when `s` is not JSON.
pub fn canonical_json(s: &str) -> Option<String> {
    let parsed: serde_json::Value = serde_json::from_str(s).ok()?;
    let mut out = String::new();
    write_json(&parsed, &mut out);
    Some(out)
}

fn write_json(v: &serde_json::Value, out: &mut String) {
    match v {
        serde_json::Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            out.push('{');
            for (i, k) in keys.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&serde_json::Value::String((*k).clone()).to_string());
                out.push(':');
                if let Some(inner) = map.get(*k) {
                    write_json(inner, out);
                }
            }
            out.push('}');
        }
        serde_json::Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_json(item, out);
            }
            out.push(']');
        }
        serde_json::Value::Number(n) => {
            let text = n.to_string();
            out.push_str(&normalize_decimal(&text).unwrap_or(text));
        }
        other => out.push_str(&other.to_string()),
    }
}

/// Approximate wire size of a value, used to report bytes fetched.
pub fn value_bytes(v: &Value) -> u64 {
    match v {
        Value::Null => 1,
        Value::Bool(_) => 1,
        Value::Int(_) | Value::UInt(_) | Value::Float(_) => 8,
        Value::Decimal(s) | Value::Text(s) | Value::Json(s) => s.len() as u64,
        Value::Bytes(b) => b.len() as u64,
        Value::Date(_) => 4,
        Value::Time(_) | Value::Timestamp(_) | Value::TimestampTz(_) => 8,
        Value::Uuid(_) | Value::Interval(_) => 16,
        Value::Array(items) => items.iter().map(value_bytes).sum::<u64>() + 4,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{DateTime, NaiveDate};

    #[test]
    fn decimals_normalize() {
        assert_eq!(canonical(&Value::Decimal("1.50".into())), "1.5");
        assert_eq!(canonical(&Value::Decimal("2.000".into())), "2");
        assert_eq!(canonical(&Value::Decimal("-0.00".into())), "0");
        assert_eq!(canonical(&Value::Decimal("007.10".into())), "7.1");
        assert_eq!(canonical(&Value::Decimal(".5".into())), "0.5");
        assert_eq!(canonical(&Value::Float(2.0)), "2");
        assert_eq!(canonical(&Value::Float(0.1)), "0.1");
        assert_eq!(canonical(&Value::Float(-0.0)), "0");
        assert!(values_equal(&Value::Float(1.5), &Value::Decimal("1.500".into())));
        assert!(values_equal(&Value::Int(3), &Value::Decimal("3.0".into())));
    }

    #[test]
    fn booleans_equal_zero_one() {
        assert_eq!(canonical(&Value::Bool(true)), canonical(&Value::Int(1)));
        assert!(values_equal(&Value::Bool(false), &Value::Int(0)));
        assert!(values_equal(&Value::Bool(true), &Value::Text("1".into())));
        assert!(!values_equal(&Value::Bool(true), &Value::Int(2)));
    }

    #[test]
    fn null_differs_from_empty_and_from_backslash_n() {
        assert_ne!(canonical(&Value::Null), canonical(&Value::Text(String::new())));
        assert_ne!(canonical(&Value::Null), canonical(&Value::Text("\\N".into())));
        assert!(!values_equal(&Value::Null, &Value::Text(String::new())));
        assert!(values_equal(&Value::Null, &Value::Null));
    }

    #[test]
    fn timestamps_go_to_utc() {
        let z = DateTime::parse_from_rfc3339("2024-03-01T12:00:00.250+02:00").unwrap();
        assert_eq!(canonical(&Value::TimestampTz(z)), "2024-03-01 10:00:00.25Z");
        let n = NaiveDate::from_ymd_opt(2024, 3, 1)
            .unwrap()
            .and_hms_milli_opt(10, 0, 0, 250)
            .unwrap();
        assert!(values_equal(&Value::TimestampTz(z), &Value::Timestamp(n)));
        assert!(values_equal(
            &Value::Text("2024-03-01 10:00:00.25".into()),
            &Value::Timestamp(n)
        ));
        assert!(values_equal(
            &Value::Text("2024-03-01 12:00:00.25+02:00".into()),
            &Value::TimestampTz(z)
        ));
    }

    #[test]
    fn json_is_canonicalized() {
        let a = Value::Json("{\"b\": 1, \"a\": [1, 2.50]}".into());
        let b = Value::Json("{\"a\":[1,2.5],\"b\":1}".into());
        assert_eq!(canonical(&a), canonical(&b));
        assert!(values_equal(&a, &Value::Text("{\"a\":[1,2.5],\"b\":1}".into())));
    }

    #[test]
    fn bytes_and_uuids() {
        assert_eq!(canonical(&Value::Bytes(vec![0, 255])), "\\x00ff");
        let u = uuid::Uuid::parse_str("A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11").unwrap();
        assert_eq!(canonical(&Value::Uuid(u)), "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11");
        assert!(values_equal(
            &Value::Uuid(u),
            &Value::Text("A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11".into())
        ));
    }

    #[test]
    fn arrays_times_and_intervals_across_engines() {
        let arr = Value::Array(vec![Value::Int(1), Value::Null, Value::Int(3)]);
        assert!(values_equal(&arr, &Value::Text("[1, null, 3]".into())));
        assert!(!values_equal(&arr, &Value::Text("[1, 3]".into())));
        let t = NaiveTime::from_hms_milli_opt(10, 0, 1, 500).unwrap();
        let i = Interval {
            months: 0,
            days: 0,
            micros: 36_001_500_000,
        };
        assert!(values_equal(&Value::Time(t), &Value::Interval(i)));
    }

    #[test]
    fn rows_cannot_forge_boundaries() {
        let a = [Value::Text("ab".into()), Value::Text("c".into())];
        let b = [Value::Text("a".into()), Value::Text("bc".into())];
        assert_ne!(canonical_row(&a), canonical_row(&b));
    }

    #[test]
    fn key_order_is_numeric_then_bytewise() {
        assert_eq!(cmp_key_values(&Value::Int(9), &Value::Int(10)), Ordering::Less);
        assert_eq!(
            cmp_key_values(&Value::Decimal("9.5".into()), &Value::Int(10)),
            Ordering::Less
        );
        assert_eq!(
            cmp_key_values(&Value::Decimal("-2".into()), &Value::Decimal("-10".into())),
            Ordering::Greater
        );
        assert_eq!(
            cmp_key_values(&Value::Text("B".into()), &Value::Text("a".into())),
            Ordering::Less
        );
        assert_eq!(
            cmp_key_values(&Value::Text("10".into()), &Value::Text("9".into())),
            Ordering::Less
        );
        assert_eq!(
            cmp_key_values(&Value::Text("10".into()), &Value::Int(9)),
            Ordering::Greater
        );
        assert_eq!(
            cmp_keys(
                &[Value::Int(1), Value::Text("b".into())],
                &[Value::Int(1), Value::Text("a".into())]
            ),
            Ordering::Greater
        );
    }
}
