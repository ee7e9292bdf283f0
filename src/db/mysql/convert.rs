//! MySQL/MariaDB result values into the shared value model, by column type
//! and flags. Results use the text protocol, so each value arrives as the
//! server's text and is parsed here; anything that does not parse (zero
//! dates, out-of-range values, unknown types) degrades to text.
//!
//! Choices worth knowing:
//! - TINYINT(1) stays `Int`: MySQL has no boolean type and a TINYINT(1)
//!   column may hold any value from -128 to 127.
//! - TIME is a signed duration up to 838:59:59, so it becomes `Interval`
//!   (microseconds), not a time of day.
//! - BIT(n) becomes `Int` (or `UInt` above `i64::MAX`), read big-endian.
//! - YEAR becomes `Int`; ENUM and SET become `Text`.
//! - MySQL's JSON type becomes `Json`. MariaDB stores JSON as LONGTEXT and
//!   does not mark it in result metadata, so there it arrives as `Text`.
//! - Binary strings (BINARY, VARBINARY, BLOB: character set 63) become
//!   `Bytes`; text that is not valid UTF-8 also stays `Bytes`.

use crate::db::{Interval, Value};
use chrono::{NaiveDate, NaiveDateTime};
use mysql_async::consts::{ColumnFlags, ColumnType};
use mysql_async::{Column, Value as My};

/// The `binary` character set: the column holds bytes, not text.
const BINARY_CHARSET: u16 = 63;

/// Convert one value of column `col`.
pub(super) fn to_value(v: My, col: &Column) -> Value {
    match v {
        My::NULL => Value::Null,
        My::Bytes(b) => from_text(b, col),
        My::Int(i) => Value::Int(i),
        My::UInt(u) => i64::try_from(u).map(Value::Int).unwrap_or(Value::UInt(u)),
        My::Float(f) => Value::Float(f64::from(f)),
        My::Double(d) => Value::Float(d),
        My::Date(y, mo, d, h, mi, s, us) => binary_datetime(col, (y, mo, d), (h, mi, s, us)),
        My::Time(neg, days, h, m, s, us) => {
            let secs = i64::from(days) * 86_400 + i64::from(h) * 3600 + i64::from(m) * 60 + i64::from(s);
            let micros = secs * 1_000_000 + i64::from(us);
            Value::Interval(Interval {
                months: 0,
                days: 0,
                micros: if neg { -micros } else { micros },
            })
        }
    }
}

fn binary_datetime(col: &Column, (y, mo, d): (u16, u8, u8), (h, mi, s, us): (u8, u8, u8, u32)) -> Value {
    let date = NaiveDate::from_ymd_opt(i32::from(y), u32::from(mo), u32::from(d));
    let text = format!("{y:04}-{mo:02}-{d:02}");
    match (col.column_type(), date) {
        (ColumnType::MYSQL_TYPE_DATE | ColumnType::MYSQL_TYPE_NEWDATE, Some(date)) => Value::Date(date),
        (_, Some(date)) => date
            .and_hms_micro_opt(u32::from(h), u32::from(mi), u32::from(s), us)
            .map(Value::Timestamp)
            .unwrap_or(Value::Text(text)),
        (_, None) => Value::Text(text),
    }
}

fn from_text(bytes: Vec<u8>, col: &Column) -> Value {
    use ColumnType as T;
    let unsigned = col.flags().contains(ColumnFlags::UNSIGNED_FLAG);
    match col.column_type() {
        T::MYSQL_TYPE_TINY
        | T::MYSQL_TYPE_SHORT
        | T::MYSQL_TYPE_INT24
        | T::MYSQL_TYPE_LONG
        | T::MYSQL_TYPE_LONGLONG
        | T::MYSQL_TYPE_YEAR => parse_int(&bytes, unsigned),
        T::MYSQL_TYPE_FLOAT | T::MYSQL_TYPE_DOUBLE => {
            let s = lossy(&bytes);
            s.parse::<f64>().map(Value::Float).unwrap_or(Value::Text(s))
        }
        T::MYSQL_TYPE_DECIMAL | T::MYSQL_TYPE_NEWDECIMAL => Value::Decimal(lossy(&bytes)),
        T::MYSQL_TYPE_DATE | T::MYSQL_TYPE_NEWDATE => {
            let s = lossy(&bytes);
            NaiveDate::parse_from_str(&s, "%Y-%m-%d")
                .map(Value::Date)
                .unwrap_or(Value::Text(s))
        }
        T::MYSQL_TYPE_DATETIME | T::MYSQL_TYPE_DATETIME2 | T::MYSQL_TYPE_TIMESTAMP | T::MYSQL_TYPE_TIMESTAMP2 => {
            let s = lossy(&bytes);
            NaiveDateTime::parse_from_str(&s, "%Y-%m-%d %H:%M:%S%.f")
                .map(Value::Timestamp)
                .unwrap_or(Value::Text(s))
        }
        T::MYSQL_TYPE_TIME | T::MYSQL_TYPE_TIME2 => {
            let s = lossy(&bytes);
            parse_duration(&s).map(Value::Interval).unwrap_or(Value::Text(s))
        }
        T::MYSQL_TYPE_BIT => bit_value(&bytes),
        T::MYSQL_TYPE_JSON => match String::from_utf8(bytes) {
            Ok(s) => Value::Json(s),
            Err(e) => Value::Bytes(e.into_bytes()),
        },
        T::MYSQL_TYPE_GEOMETRY => Value::Bytes(bytes),
        T::MYSQL_TYPE_NULL => Value::Null,
        T::MYSQL_TYPE_STRING
        | T::MYSQL_TYPE_VAR_STRING
        | T::MYSQL_TYPE_VARCHAR
        | T::MYSQL_TYPE_TINY_BLOB
        | T::MYSQL_TYPE_MEDIUM_BLOB
        | T::MYSQL_TYPE_LONG_BLOB
        | T::MYSQL_TYPE_BLOB
            if col.character_set() == BINARY_CHARSET
                && !col.flags().intersects(ColumnFlags::ENUM_FLAG | ColumnFlags::SET_FLAG) =>
        {
            Value::Bytes(bytes)
        }
        _ => match String::from_utf8(bytes) {
            Ok(s) => Value::Text(s),
            Err(e) => Value::Bytes(e.into_bytes()),
        },
    }
}

fn lossy(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn parse_int(bytes: &[u8], unsigned: bool) -> Value {
    let s = lossy(bytes);
    if let Ok(i) = s.parse::<i64>() {
        return Value::Int(i);
    }
    match s.parse::<u64>() {
        Ok(u) if unsigned => Value::UInt(u),
        _ => Value::Text(s),
    }
}

/// `[-]H+:MM:SS[.ffffff]` (hours may exceed 24) into microseconds.
fn parse_duration(s: &str) -> Option<Interval> {
    let (neg, body) = match s.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, s),
    };
    let (hms, frac) = body.split_once('.').unwrap_or((body, ""));
    let mut parts = hms.split(':');
    let h: i64 = parts.next()?.parse().ok()?;
    let m: i64 = parts.next()?.parse().ok()?;
    let sec: i64 = parts.next()?.parse().ok()?;
    if parts.next().is_some() || m > 59 || sec > 59 || frac.len() > 6 || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let frac_us: i64 = if frac.is_empty() {
        0
    } else {
        format!("{frac:0<6}").parse().ok()?
    };
    let micros = ((h * 60 + m) * 60 + sec) * 1_000_000 + frac_us;
    Some(Interval {
        months: 0,
        days: 0,
        micros: if neg { -micros } else { micros },
    })
}

/// BIT(n) arrives as ceil(n/8) raw bytes, most significant first.
fn bit_value(bytes: &[u8]) -> Value {
    if bytes.len() > 8 {
        return Value::Bytes(bytes.to_vec());
    }
    let n = bytes.iter().fold(0u64, |acc, b| (acc << 8) | u64::from(*b));
    i64::try_from(n).map(Value::Int).unwrap_or(Value::UInt(n))
}

/// A readable type name for a result column (`INT UNSIGNED`, `VARCHAR`, ...).
pub(super) fn type_name(col: &Column) -> String {
    use ColumnType as T;
    let flags = col.flags();
    let binary = col.character_set() == BINARY_CHARSET;
    let base = match col.column_type() {
        T::MYSQL_TYPE_TINY => "TINYINT",
        T::MYSQL_TYPE_SHORT => "SMALLINT",
        T::MYSQL_TYPE_INT24 => "MEDIUMINT",
        T::MYSQL_TYPE_LONG => "INT",
        T::MYSQL_TYPE_LONGLONG => "BIGINT",
        T::MYSQL_TYPE_FLOAT => "FLOAT",
        T::MYSQL_TYPE_DOUBLE => "DOUBLE",
        T::MYSQL_TYPE_DECIMAL | T::MYSQL_TYPE_NEWDECIMAL => "DECIMAL",
        T::MYSQL_TYPE_DATE | T::MYSQL_TYPE_NEWDATE => "DATE",
        T::MYSQL_TYPE_DATETIME | T::MYSQL_TYPE_DATETIME2 => "DATETIME",
        T::MYSQL_TYPE_TIMESTAMP | T::MYSQL_TYPE_TIMESTAMP2 => "TIMESTAMP",
        T::MYSQL_TYPE_TIME | T::MYSQL_TYPE_TIME2 => "TIME",
        T::MYSQL_TYPE_YEAR => "YEAR",
        T::MYSQL_TYPE_BIT => "BIT",
        T::MYSQL_TYPE_JSON => "JSON",
        T::MYSQL_TYPE_GEOMETRY => "GEOMETRY",
        T::MYSQL_TYPE_NULL => "NULL",
        _ if flags.contains(ColumnFlags::ENUM_FLAG) => "ENUM",
        _ if flags.contains(ColumnFlags::SET_FLAG) => "SET",
        T::MYSQL_TYPE_STRING if binary => "BINARY",
        T::MYSQL_TYPE_STRING => "CHAR",
        T::MYSQL_TYPE_VAR_STRING | T::MYSQL_TYPE_VARCHAR if binary => "VARBINARY",
        T::MYSQL_TYPE_VAR_STRING | T::MYSQL_TYPE_VARCHAR => "VARCHAR",
        T::MYSQL_TYPE_TINY_BLOB | T::MYSQL_TYPE_MEDIUM_BLOB | T::MYSQL_TYPE_LONG_BLOB | T::MYSQL_TYPE_BLOB
            if binary =>
        {
            "BLOB"
        }
        T::MYSQL_TYPE_TINY_BLOB | T::MYSQL_TYPE_MEDIUM_BLOB | T::MYSQL_TYPE_LONG_BLOB | T::MYSQL_TYPE_BLOB => "TEXT",
        T::MYSQL_TYPE_VECTOR => "VECTOR",
        _ => "UNKNOWN",
    };
    let numeric = matches!(
        col.column_type(),
        T::MYSQL_TYPE_TINY
            | T::MYSQL_TYPE_SHORT
            | T::MYSQL_TYPE_INT24
            | T::MYSQL_TYPE_LONG
            | T::MYSQL_TYPE_LONGLONG
            | T::MYSQL_TYPE_FLOAT
            | T::MYSQL_TYPE_DOUBLE
            | T::MYSQL_TYPE_DECIMAL
            | T::MYSQL_TYPE_NEWDECIMAL
    );
    if numeric && flags.contains(ColumnFlags::UNSIGNED_FLAG) {
        format!("{base} UNSIGNED")
    } else {
        base.to_string()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn col(t: ColumnType) -> Column {
        Column::new(t).with_character_set(45)
    }

    #[test]
    fn integers_signed_unsigned_and_out_of_range() {
        let c = col(ColumnType::MYSQL_TYPE_LONGLONG).with_flags(ColumnFlags::UNSIGNED_FLAG);
        assert_eq!(
            to_value(My::Bytes(b"18446744073709551615".to_vec()), &c),
            Value::UInt(u64::MAX)
        );
        assert_eq!(to_value(My::Bytes(b"42".to_vec()), &c), Value::Int(42));
        let c = col(ColumnType::MYSQL_TYPE_LONGLONG);
        assert_eq!(
            to_value(My::Bytes(b"-9223372036854775808".to_vec()), &c),
            Value::Int(i64::MIN)
        );
        assert_eq!(type_name(&c), "BIGINT");
    }

    #[test]
    fn zero_dates_and_odd_times_never_panic() {
        let c = col(ColumnType::MYSQL_TYPE_DATETIME);
        assert_eq!(
            to_value(My::Bytes(b"0000-00-00 00:00:00".to_vec()), &c),
            Value::Text("0000-00-00 00:00:00".into())
        );
        let c = col(ColumnType::MYSQL_TYPE_DATE);
        assert_eq!(
            to_value(My::Date(0, 0, 0, 0, 0, 0, 0), &c),
            Value::Text("0000-00-00".into())
        );
        let c = col(ColumnType::MYSQL_TYPE_TIME);
        assert_eq!(
            to_value(My::Bytes(b"-838:59:59.5".to_vec()), &c),
            Value::Interval(Interval {
                months: 0,
                days: 0,
                micros: -(838 * 3600 + 59 * 60 + 59) * 1_000_000 - 500_000
            })
        );
        assert_eq!(to_value(My::Bytes(b"xx".to_vec()), &c), Value::Text("xx".into()));
    }

    #[test]
    fn bits_and_binary() {
        let c = col(ColumnType::MYSQL_TYPE_BIT);
        assert_eq!(to_value(My::Bytes(vec![0x01, 0x02]), &c), Value::Int(258));
        assert_eq!(to_value(My::Bytes(vec![0xff; 8]), &c), Value::UInt(u64::MAX));
        let c = Column::new(ColumnType::MYSQL_TYPE_BLOB).with_character_set(63);
        assert_eq!(to_value(My::Bytes(vec![0, 0xff]), &c), Value::Bytes(vec![0, 0xff]));
        assert_eq!(type_name(&c), "BLOB");
    }
}
