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
use mysql_common::constants::{ColumnFlags, ColumnType};
use mysql_common::packets::Column;

/// The `binary` character set: the column holds bytes, not text.
const BINARY_CHARSET: u16 = 63;

/// How the text of one result column is read, decided once per result set
/// from its type, flags and character set (not again for every value).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    /// Integer types and YEAR; `unsigned` allows values above `i64::MAX`.
    Int {
        unsigned: bool,
    },
    Float,
    Decimal,
    Date,
    DateTime,
    Time,
    Bit,
    Json,
    /// Bytes as they are (binary strings, GEOMETRY).
    Bytes,
    Null,
    /// Text, or bytes when it is not valid UTF-8.
    Text,
}

/// The [`Kind`] of column `col`.
pub(super) fn kind_of(col: &Column) -> Kind {
    use ColumnType as T;
    match col.column_type() {
        T::MYSQL_TYPE_TINY
        | T::MYSQL_TYPE_SHORT
        | T::MYSQL_TYPE_INT24
        | T::MYSQL_TYPE_LONG
        | T::MYSQL_TYPE_LONGLONG
        | T::MYSQL_TYPE_YEAR => Kind::Int {
            unsigned: col.flags().contains(ColumnFlags::UNSIGNED_FLAG),
        },
        T::MYSQL_TYPE_FLOAT | T::MYSQL_TYPE_DOUBLE => Kind::Float,
        T::MYSQL_TYPE_DECIMAL | T::MYSQL_TYPE_NEWDECIMAL => Kind::Decimal,
        T::MYSQL_TYPE_DATE | T::MYSQL_TYPE_NEWDATE => Kind::Date,
        T::MYSQL_TYPE_DATETIME | T::MYSQL_TYPE_DATETIME2 | T::MYSQL_TYPE_TIMESTAMP | T::MYSQL_TYPE_TIMESTAMP2 => {
            Kind::DateTime
        }
        T::MYSQL_TYPE_TIME | T::MYSQL_TYPE_TIME2 => Kind::Time,
        T::MYSQL_TYPE_BIT => Kind::Bit,
        T::MYSQL_TYPE_JSON => Kind::Json,
        T::MYSQL_TYPE_GEOMETRY => Kind::Bytes,
        T::MYSQL_TYPE_NULL => Kind::Null,
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
            Kind::Bytes
        }
        _ => Kind::Text,
    }
}

/// Convert one value of column `col`.
#[cfg(test)]
pub(super) fn to_value(v: Option<&[u8]>, col: &Column) -> Value {
    value_of(v, kind_of(col))
}

/// Convert one text-protocol value (`None`: NULL) of a column of kind
/// `kind` (see [`kind_of`]).
pub(super) fn value_of(v: Option<&[u8]>, kind: Kind) -> Value {
    match v {
        None => Value::Null,
        Some(bytes) => from_text(bytes, kind),
    }
}

// The text protocol sends every value as text; the hot kinds (integers,
// decimals, dates, datetimes, text) are read straight from the bytes, and
// only what the fast readers do not recognise goes the general way
// (`str::parse`, chrono's format parser), with the same outcome.
fn from_text(bytes: &[u8], kind: Kind) -> Value {
    match kind {
        Kind::Int { unsigned } => parse_int(bytes, unsigned),
        Kind::Float => {
            let s = lossy(bytes);
            s.parse::<f64>().map(Value::Float).unwrap_or(Value::Text(s))
        }
        Kind::Decimal => Value::Decimal(lossy(bytes)),
        Kind::Date => match fast_date(bytes) {
            Some(d) => Value::Date(d),
            None => {
                let s = lossy(bytes);
                NaiveDate::parse_from_str(&s, "%Y-%m-%d")
                    .map(Value::Date)
                    .unwrap_or(Value::Text(s))
            }
        },
        Kind::DateTime => match fast_datetime(bytes) {
            Some(t) => Value::Timestamp(t),
            None => {
                let s = lossy(bytes);
                NaiveDateTime::parse_from_str(&s, "%Y-%m-%d %H:%M:%S%.f")
                    .map(Value::Timestamp)
                    .unwrap_or(Value::Text(s))
            }
        },
        Kind::Time => {
            let s = lossy(bytes);
            parse_duration(&s).map(Value::Interval).unwrap_or(Value::Text(s))
        }
        Kind::Bit => bit_value(bytes),
        Kind::Json => match std::str::from_utf8(bytes) {
            Ok(s) => Value::Json(s.to_owned()),
            Err(_) => Value::Bytes(bytes.to_vec()),
        },
        Kind::Bytes => Value::Bytes(bytes.to_vec()),
        Kind::Null => Value::Null,
        Kind::Text => match std::str::from_utf8(bytes) {
            Ok(s) => Value::Text(s.to_owned()),
            Err(_) => Value::Bytes(bytes.to_vec()),
        },
    }
}

fn lossy(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn parse_int(bytes: &[u8], unsigned: bool) -> Value {
    if let Some(i) = fast_int(bytes) {
        return Value::Int(i);
    }
    let s = lossy(bytes);
    if let Ok(i) = s.parse::<i64>() {
        return Value::Int(i);
    }
    match s.parse::<u64>() {
        Ok(u) if unsigned => Value::UInt(u),
        _ => Value::Text(s),
    }
}

/// `-?[0-9]{1,18}`: always fits an i64, so no overflow check is needed;
/// anything else (longer, signs, spaces) is left to `str::parse`.
fn fast_int(bytes: &[u8]) -> Option<i64> {
    let (neg, digits) = match bytes.split_first() {
        Some((b'-', rest)) => (true, rest),
        _ => (false, bytes),
    };
    if digits.is_empty() || digits.len() > 18 {
        return None;
    }
    let mut n: i64 = 0;
    for &b in digits {
        if !b.is_ascii_digit() {
            return None;
        }
        n = n * 10 + i64::from(b - b'0');
    }
    Some(if neg { -n } else { n })
}

/// The number written by `bytes`, which must all be ASCII digits.
fn digits(bytes: &[u8]) -> Option<u32> {
    bytes
        .iter()
        .try_fold(0u32, |n, &b| b.is_ascii_digit().then(|| n * 10 + u32::from(b - b'0')))
}

/// `YYYY-MM-DD`, the form the server sends; a valid date or `None`.
fn fast_date(b: &[u8]) -> Option<NaiveDate> {
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let y = digits(&b[0..4])?;
    NaiveDate::from_ymd_opt(i32::try_from(y).ok()?, digits(&b[5..7])?, digits(&b[8..10])?)
}

/// `YYYY-MM-DD HH:MM:SS[.f{1,6}]`, the form the server sends; a valid
/// date and time (no leap second) or `None`.
fn fast_datetime(b: &[u8]) -> Option<NaiveDateTime> {
    if b.len() < 19 || b[10] != b' ' || b[13] != b':' || b[16] != b':' {
        return None;
    }
    let date = fast_date(&b[..10])?;
    let micros = match &b[19..] {
        [] => 0,
        [b'.', frac @ ..] if (1..=6).contains(&frac.len()) => digits(frac)? * 10u32.pow(6 - frac.len() as u32),
        _ => return None,
    };
    let (h, m, s) = (digits(&b[11..13])?, digits(&b[14..16])?, digits(&b[17..19])?);
    if s > 59 {
        return None;
    }
    date.and_hms_micro_opt(h, m, s, micros)
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
        assert_eq!(to_value(Some(b"18446744073709551615"), &c), Value::UInt(u64::MAX));
        assert_eq!(to_value(Some(b"42"), &c), Value::Int(42));
        let c = col(ColumnType::MYSQL_TYPE_LONGLONG);
        assert_eq!(to_value(Some(b"-9223372036854775808"), &c), Value::Int(i64::MIN));
        assert_eq!(type_name(&c), "BIGINT");
    }

    #[test]
    fn zero_dates_and_odd_times_never_panic() {
        let c = col(ColumnType::MYSQL_TYPE_DATETIME);
        assert_eq!(
            to_value(Some(b"0000-00-00 00:00:00"), &c),
            Value::Text("0000-00-00 00:00:00".into())
        );
        let c = col(ColumnType::MYSQL_TYPE_DATE);
        assert_eq!(to_value(Some(b"0000-00-00"), &c), Value::Text("0000-00-00".into()));
        let c = col(ColumnType::MYSQL_TYPE_TIME);
        assert_eq!(
            to_value(Some(b"-838:59:59.5"), &c),
            Value::Interval(Interval {
                months: 0,
                days: 0,
                micros: -(838 * 3600 + 59 * 60 + 59) * 1_000_000 - 500_000
            })
        );
        assert_eq!(to_value(Some(b"xx"), &c), Value::Text("xx".into()));
    }

    #[test]
    fn bits_and_binary() {
        let c = col(ColumnType::MYSQL_TYPE_BIT);
        assert_eq!(to_value(Some(&[0x01, 0x02]), &c), Value::Int(258));
        assert_eq!(to_value(Some(&[0xff; 8]), &c), Value::UInt(u64::MAX));
        let c = Column::new(ColumnType::MYSQL_TYPE_BLOB).with_character_set(63);
        assert_eq!(to_value(Some(&[0, 0xff]), &c), Value::Bytes(vec![0, 0xff]));
        assert_eq!(type_name(&c), "BLOB");
    }

    #[test]
    fn fast_readers_agree_with_the_general_parsers() {
        for s in [
            "0",
            "-0",
            "7",
            "-42",
            "123456789012345678",
            "-123456789012345678",
            "1234567890123456789",
            "9223372036854775807",
            "-9223372036854775808",
            "9223372036854775808",
            "18446744073709551615",
            "+5",
            " 5",
            "",
            "-",
            "00042",
            "1.5",
        ] {
            let general = s.parse::<i64>().ok();
            assert!(fast_int(s.as_bytes()).is_none_or(|i| Some(i) == general), "{s}");
            for unsigned in [false, true] {
                let want = match (general, s.parse::<u64>()) {
                    (Some(i), _) => Value::Int(i),
                    (None, Ok(u)) if unsigned => Value::UInt(u),
                    _ => Value::Text(s.into()),
                };
                assert_eq!(parse_int(s.as_bytes(), unsigned), want, "{s}");
            }
        }
        for s in [
            "2026-01-01 00:00:01",
            "2026-01-01 23:59:59.5",
            "2026-01-01 23:59:59.000001",
            "2024-02-29 12:00:00.123456",
            "0000-00-00 00:00:00",
            "2023-02-29 00:00:00",
            "2026-01-01 24:00:00",
            "2026-01-01 00:60:00",
            "2026-01-01 00:00:60",
            "2026-01-01 00:00:00.",
            "2026-01-01 00:00:00.1234567",
            "0001-01-01 00:00:00",
            "9999-12-31 23:59:59.999999",
            "2026-1-01 00:00:00",
            "2026-01-01T00:00:00",
            "2026-01-01 00:00:0x",
        ] {
            let general = NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S%.f").ok();
            assert!(fast_datetime(s.as_bytes()).is_none_or(|t| Some(t) == general), "{s}");
            let c = col(ColumnType::MYSQL_TYPE_DATETIME);
            let want = general.map_or(Value::Text(s.into()), Value::Timestamp);
            assert_eq!(to_value(Some(s.as_bytes()), &c), want, "{s}");
        }
        assert!(fast_datetime(b"2026-01-01 00:00:01").is_some());
        for s in [
            "2026-01-31",
            "0000-00-00",
            "2023-02-29",
            "2024-02-29",
            "2026-13-01",
            "226-01-01",
            "2026-01-1x",
        ] {
            let general = NaiveDate::parse_from_str(s, "%Y-%m-%d").ok();
            assert!(fast_date(s.as_bytes()).is_none_or(|d| Some(d) == general), "{s}");
            let c = col(ColumnType::MYSQL_TYPE_DATE);
            let want = general.map_or(Value::Text(s.into()), Value::Date);
            assert_eq!(to_value(Some(s.as_bytes()), &c), want, "{s}");
        }
        assert!(fast_date(b"2024-02-29").is_some());
        let c = col(ColumnType::MYSQL_TYPE_NEWDECIMAL);
        assert_eq!(to_value(Some(b"-12.50"), &c), Value::Decimal("-12.50".into()));
    }
}
