//! Ordering of cell values for sorting a result on the client: numbers as
//! numbers (exact decimals compared digit by digit, never through f64 alone),
//! times as times, NULL after everything (Postgres's default for ASC).

use crate::db::Value;
use std::cmp::Ordering;

/// Compare two cells of one column, NULLs last.
pub fn compare(a: &Value, b: &Value) -> Ordering {
    match (a, b) {
        (Value::Null, Value::Null) => Ordering::Equal,
        (Value::Null, _) => Ordering::Greater,
        (_, Value::Null) => Ordering::Less,
        (Value::Int(x), Value::Int(y)) => x.cmp(y),
        (Value::UInt(x), Value::UInt(y)) => x.cmp(y),
        (Value::Bool(x), Value::Bool(y)) => x.cmp(y),
        (Value::Text(x), Value::Text(y)) | (Value::Json(x), Value::Json(y)) => x.cmp(y),
        (Value::Bytes(x), Value::Bytes(y)) => x.cmp(y),
        (Value::Date(x), Value::Date(y)) => x.cmp(y),
        (Value::Time(x), Value::Time(y)) => x.cmp(y),
        (Value::Timestamp(x), Value::Timestamp(y)) => x.cmp(y),
        (Value::TimestampTz(x), Value::TimestampTz(y)) => x.cmp(y),
        (Value::Uuid(x), Value::Uuid(y)) => x.cmp(y),
        (Value::Interval(x), Value::Interval(y)) => (x.months, x.days, x.micros).cmp(&(y.months, y.days, y.micros)),
        (Value::Array(x), Value::Array(y)) => {
            for (p, q) in x.iter().zip(y) {
                let o = compare(p, q);
                if o != Ordering::Equal {
                    return o;
                }
            }
            x.len().cmp(&y.len())
        }
        _ => match (numeric_text(a), numeric_text(b)) {
            (Some(x), Some(y)) => decimal_cmp(&x, &y),
            _ => a.render().cmp(&b.render()),
        },
    }
}

fn numeric_text(v: &Value) -> Option<String> {
    match v {
        Value::Int(i) => Some(i.to_string()),
        Value::UInt(u) => Some(u.to_string()),
        Value::Decimal(d) => Some(d.clone()),
        Value::Float(f) if f.is_finite() => Some(format!("{f:.17}")),
        _ => None,
    }
}

/// Compare two plain decimal strings (`-12.50`, `3`, `1e5` falls back to text order).
fn decimal_cmp(a: &str, b: &str) -> Ordering {
    let (na, ia, fa) = parts(a);
    let (nb, ib, fb) = parts(b);
    let zero = |i: &str, f: &str| i.is_empty() && f.chars().all(|c| c == '0');
    let (na, nb) = (na && !zero(ia, fa), nb && !zero(ib, fb));
    match (na, nb) {
        (true, false) => return Ordering::Less,
        (false, true) => return Ordering::Greater,
        _ => {}
    }
    let magnitude = ia.len().cmp(&ib.len()).then_with(|| ia.cmp(ib)).then_with(|| {
        let n = fa.len().max(fb.len());
        let pad = |f: &str| format!("{f:0<n$}");
        pad(fa).cmp(&pad(fb))
    });
    if na { magnitude.reverse() } else { magnitude }
}

fn parts(s: &str) -> (bool, &str, &str) {
    let s = s.trim();
    let (neg, s) = match s.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, s.strip_prefix('+').unwrap_or(s)),
    };
    let (i, f) = s.split_once('.').unwrap_or((s, ""));
    (neg, i.trim_start_matches('0'), f.trim_end_matches('0'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_compare_as_numbers_and_nulls_go_last() {
        let d = |s: &str| Value::Decimal(s.into());
        assert_eq!(compare(&d("10.5"), &d("9.99")), Ordering::Greater);
        assert_eq!(compare(&d("-10.5"), &d("-9.99")), Ordering::Less);
        assert_eq!(compare(&d("0.00"), &d("-0")), Ordering::Equal);
        assert_eq!(
            compare(&d("12345678901234567890.1"), &d("12345678901234567890.09")),
            Ordering::Greater
        );
        assert_eq!(compare(&Value::Int(2), &d("1.5")), Ordering::Greater);
        assert_eq!(compare(&Value::Float(2.5), &Value::Int(3)), Ordering::Less);
        assert_eq!(compare(&Value::Null, &Value::Int(3)), Ordering::Greater);
        assert_eq!(
            compare(&Value::Text("b".into()), &Value::Text("a".into())),
            Ordering::Greater
        );
    }
}
