//! Binary wire format to `Value`. A decoder is chosen once per column from
//! the statement description, then applied to each cell's raw bytes.

use super::numeric::numeric_to_string;
use crate::db::{DbError, ErrorCode, Interval, Value};
use chrono::{DateTime, NaiveDate, NaiveTime, Timelike};
use std::error::Error;
use tokio_postgres::Row;
use tokio_postgres::types::{FromSql, Kind, Type};

/// How one column's binary cells become values.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Dec {
    Bool,
    Int2,
    Int4,
    Int8,
    /// oid, xid, cid: unsigned 32-bit.
    U32,
    Float4,
    Float8,
    Numeric,
    /// Every type whose binary form is its UTF-8 text.
    Text,
    /// The single-byte `"char"` type.
    Char,
    Bytea,
    Json,
    Jsonb,
    Date,
    Time,
    TimeTz,
    Timestamp,
    TimestampTz,
    Interval,
    Uuid,
    Array(Box<Dec>),
}

// Type OIDs from pg_type.dat; stable across server versions.
const BOOL: u32 = 16;
const BYTEA: u32 = 17;
const CHAR: u32 = 18;
const NAME: u32 = 19;
const INT8: u32 = 20;
const INT2: u32 = 21;
const INT4: u32 = 23;
const TEXT: u32 = 25;
const OID: u32 = 26;
const XID: u32 = 28;
const CID: u32 = 29;
const JSON: u32 = 114;
const XML: u32 = 142;
const FLOAT4: u32 = 700;
const FLOAT8: u32 = 701;
const UNKNOWN: u32 = 705;
const BPCHAR: u32 = 1042;
const VARCHAR: u32 = 1043;
const DATE: u32 = 1082;
const TIME: u32 = 1083;
const TIMESTAMP: u32 = 1114;
const TIMESTAMPTZ: u32 = 1184;
const INTERVAL: u32 = 1186;
const TIMETZ: u32 = 1266;
const NUMERIC: u32 = 1700;
const UUID: u32 = 2950;
const JSONB: u32 = 3802;

/// The binary decoder for `ty`, or `None` when only its text form is
/// understood (the statement then runs through the simple protocol).
pub(super) fn decoder_for(ty: &Type) -> Option<Dec> {
    let dec = match ty.oid() {
        BOOL => Dec::Bool,
        BYTEA => Dec::Bytea,
        CHAR => Dec::Char,
        NAME | TEXT | XML | UNKNOWN | BPCHAR | VARCHAR => Dec::Text,
        INT8 => Dec::Int8,
        INT2 => Dec::Int2,
        INT4 => Dec::Int4,
        OID | XID | CID => Dec::U32,
        JSON => Dec::Json,
        FLOAT4 => Dec::Float4,
        FLOAT8 => Dec::Float8,
        DATE => Dec::Date,
        TIME => Dec::Time,
        TIMESTAMP => Dec::Timestamp,
        TIMESTAMPTZ => Dec::TimestampTz,
        INTERVAL => Dec::Interval,
        TIMETZ => Dec::TimeTz,
        NUMERIC => Dec::Numeric,
        UUID => Dec::Uuid,
        JSONB => Dec::Jsonb,
        _ => match ty.kind() {
            Kind::Enum(_) => Dec::Text,
            Kind::Domain(base) => decoder_for(base)?,
            Kind::Array(elem) => Dec::Array(Box::new(decoder_for(elem)?)),
            // citext's send function is textsend.
            _ if ty.name() == "citext" => Dec::Text,
            _ => return None,
        },
    };
    Some(dec)
}

/// Borrow a cell's bytes whatever its type, without copying.
struct Raw<'a>(&'a [u8]);

impl<'a> FromSql<'a> for Raw<'a> {
    fn from_sql(_: &Type, raw: &'a [u8]) -> Result<Self, Box<dyn Error + Sync + Send>> {
        Ok(Raw(raw))
    }

    fn accepts(_: &Type) -> bool {
        true
    }
}

/// Decode one row with the per-column decoders.
pub(super) fn decode_row(row: &Row, decs: &[Dec]) -> Result<Vec<Value>, DbError> {
    let mut out = Vec::with_capacity(decs.len());
    for (i, dec) in decs.iter().enumerate() {
        let raw: Option<Raw<'_>> = row
            .try_get(i)
            .map_err(|e| DbError::new(ErrorCode::QueryError, format!("reading column {}: {e}", i + 1)))?;
        let value = match raw {
            None => Value::Null,
            Some(Raw(bytes)) => decode(dec, bytes).ok_or_else(|| malformed(row, i))?,
        };
        out.push(value);
    }
    Ok(out)
}

fn malformed(row: &Row, i: usize) -> DbError {
    let col = &row.columns()[i.min(row.columns().len().saturating_sub(1))];
    DbError::new(
        ErrorCode::QueryError,
        format!(
            "the server sent a malformed {} value in column \"{}\"; this is a dbn bug, please report it with the column type",
            col.type_().name(),
            col.name()
        ),
    )
}

/// Decode one non-NULL binary cell; `None` when the bytes are malformed.
pub(super) fn decode(dec: &Dec, b: &[u8]) -> Option<Value> {
    Some(match dec {
        Dec::Bool => Value::Bool(*b.first()? != 0),
        Dec::Int2 => Value::Int(i64::from(i16::from_be_bytes(b.try_into().ok()?))),
        Dec::Int4 => Value::Int(i64::from(i32::from_be_bytes(b.try_into().ok()?))),
        Dec::Int8 => Value::Int(i64::from_be_bytes(b.try_into().ok()?)),
        Dec::U32 => Value::Int(i64::from(u32::from_be_bytes(b.try_into().ok()?))),
        Dec::Float4 => Value::Float(f64::from(f32::from_be_bytes(b.try_into().ok()?))),
        Dec::Float8 => Value::Float(f64::from_be_bytes(b.try_into().ok()?)),
        Dec::Numeric => Value::Decimal(numeric_to_string(b)?),
        Dec::Text => Value::Text(text(b)),
        Dec::Char => Value::Text(String::from_utf8_lossy(b).into_owned()),
        Dec::Bytea => Value::Bytes(b.to_vec()),
        Dec::Json => Value::Json(text(b)),
        Dec::Jsonb => match b.split_first()? {
            (1, rest) => Value::Json(text(rest)),
            _ => return None,
        },
        Dec::Date => date(i32::from_be_bytes(b.try_into().ok()?))?,
        Dec::Time => time(i64::from_be_bytes(b.try_into().ok()?)),
        Dec::TimeTz => timetz(b)?,
        Dec::Timestamp => match timestamp(i64::from_be_bytes(b.try_into().ok()?))? {
            Ok(t) => Value::Timestamp(t.naive_utc()),
            Err(inf) => inf,
        },
        Dec::TimestampTz => match timestamp(i64::from_be_bytes(b.try_into().ok()?))? {
            Ok(t) => Value::TimestampTz(t.fixed_offset()),
            Err(inf) => inf,
        },
        Dec::Interval => {
            let micros = i64::from_be_bytes(b.get(0..8)?.try_into().ok()?);
            let days = i32::from_be_bytes(b.get(8..12)?.try_into().ok()?);
            let months = i32::from_be_bytes(b.get(12..16)?.try_into().ok()?);
            Value::Interval(Interval { months, days, micros })
        }
        Dec::Uuid => Value::Uuid(uuid::Uuid::from_slice(b).ok()?),
        Dec::Array(elem) => array(elem, b)?,
    })
}

fn text(b: &[u8]) -> String {
    match std::str::from_utf8(b) {
        Ok(s) => s.to_owned(),
        Err(_) => String::from_utf8_lossy(b).into_owned(),
    }
}

/// Days between 0001-01-01 (CE day 1) and 2000-01-01, the Postgres epoch.
const PG_EPOCH_CE_DAYS: i32 = 730_120;
/// Seconds between the Unix epoch and the Postgres epoch.
const PG_EPOCH_UNIX_MICROS: i64 = 946_684_800_000_000;

fn date(days: i32) -> Option<Value> {
    Some(match days {
        i32::MAX => Value::Text("infinity".into()),
        i32::MIN => Value::Text("-infinity".into()),
        d => match d
            .checked_add(PG_EPOCH_CE_DAYS)
            .and_then(NaiveDate::from_num_days_from_ce_opt)
        {
            Some(date) => Value::Date(date),
            // Beyond chrono's range (Postgres dates reach year 5874897).
            None => Value::Text(civil_date(i64::from(d))),
        },
    })
}

fn time(micros: i64) -> Value {
    match time_of_day(micros) {
        Some(t) => Value::Time(t),
        // 24:00:00 is a valid Postgres time but not a chrono one.
        None => Value::Text(fmt_clock(micros)),
    }
}

fn time_of_day(micros: i64) -> Option<NaiveTime> {
    let secs = u32::try_from(micros.div_euclid(1_000_000)).ok()?;
    let nanos = u32::try_from(micros.rem_euclid(1_000_000) * 1000).ok()?;
    NaiveTime::from_num_seconds_from_midnight_opt(secs, nanos)
}

fn fmt_clock(micros: i64) -> String {
    let (secs, frac) = (micros.div_euclid(1_000_000), micros.rem_euclid(1_000_000));
    let mut s = format!("{:02}:{:02}:{:02}", secs / 3600, secs / 60 % 60, secs % 60);
    if frac != 0 {
        let f = format!(".{frac:06}");
        s.push_str(f.trim_end_matches('0'));
    }
    s
}

/// `timetz` has no `Value` variant: render it the way Postgres prints it.
fn timetz(b: &[u8]) -> Option<Value> {
    let micros = i64::from_be_bytes(b.get(0..8)?.try_into().ok()?);
    // Stored as seconds *west* of UTC.
    let zone = -i32::from_be_bytes(b.get(8..12)?.try_into().ok()?);
    let clock = match time_of_day(micros) {
        Some(t) if t.nanosecond() == 0 => t.format("%H:%M:%S").to_string(),
        Some(t) => t.format("%H:%M:%S%.6f").to_string().trim_end_matches('0').to_string(),
        None => fmt_clock(micros),
    };
    let sign = if zone < 0 { '-' } else { '+' };
    let z = zone.unsigned_abs();
    let (h, m, s) = (z / 3600, z / 60 % 60, z % 60);
    let offset = match (m, s) {
        (0, 0) => format!("{sign}{h:02}"),
        (_, 0) => format!("{sign}{h:02}:{m:02}"),
        _ => format!("{sign}{h:02}:{m:02}:{s:02}"),
    };
    Some(Value::Text(format!("{clock}{offset}")))
}

/// A timestamp as UTC, or the `infinity` text value in `Err`.
fn timestamp(micros: i64) -> Option<Result<DateTime<chrono::Utc>, Value>> {
    Some(match micros {
        i64::MAX => Err(Value::Text("infinity".into())),
        i64::MIN => Err(Value::Text("-infinity".into())),
        m => match m
            .checked_add(PG_EPOCH_UNIX_MICROS)
            .and_then(DateTime::from_timestamp_micros)
        {
            Some(t) => Ok(t),
            None => {
                let day = m.div_euclid(86_400_000_000);
                let clock = fmt_clock(m.rem_euclid(86_400_000_000));
                Err(Value::Text(format!("{} {clock}", civil_date(day))))
            }
        },
    })
}

/// `YYYY-MM-DD` (or `... BC`) for days since 2000-01-01, for dates
/// outside chrono's range (proleptic Gregorian, as Postgres prints them).
fn civil_date(days_since_2000: i64) -> String {
    // Howard Hinnant's days-to-civil algorithm, from 0000-03-01.
    let z = days_since_2000 + 10_957 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    if year <= 0 {
        format!("{:04}-{month:02}-{day:02} BC", 1 - year)
    } else {
        format!("{year:04}-{month:02}-{day:02}")
    }
}

/// Binary array: ndim, has-null flag, element oid, (length, lower bound)
/// per dimension, then each element as length-prefixed bytes (-1 = NULL).
fn array(elem: &Dec, b: &[u8]) -> Option<Value> {
    let ndim = usize::try_from(i32::from_be_bytes(b.get(0..4)?.try_into().ok()?)).ok()?;
    if ndim == 0 {
        return Some(Value::Array(Vec::new()));
    }
    let mut dims = Vec::with_capacity(ndim);
    let mut pos = 12;
    for _ in 0..ndim {
        let len = i32::from_be_bytes(b.get(pos..pos + 4)?.try_into().ok()?);
        dims.push(usize::try_from(len).ok()?);
        pos += 8;
    }
    let mut cursor = Cursor { b, pos };
    let value = nest(elem, &dims, &mut cursor)?;
    (cursor.pos == b.len()).then_some(value)
}

struct Cursor<'a> {
    b: &'a [u8],
    pos: usize,
}

fn nest(elem: &Dec, dims: &[usize], c: &mut Cursor<'_>) -> Option<Value> {
    let (&len, rest) = dims.split_first()?;
    // Cap the reservation by what the buffer could possibly hold.
    let mut items = Vec::with_capacity(len.min(c.b.len() / 4 + 1));
    for _ in 0..len {
        if rest.is_empty() {
            let n = i32::from_be_bytes(c.b.get(c.pos..c.pos + 4)?.try_into().ok()?);
            c.pos += 4;
            if n < 0 {
                items.push(Value::Null);
            } else {
                let n = usize::try_from(n).ok()?;
                let bytes = c.b.get(c.pos..c.pos + n)?;
                c.pos += n;
                items.push(decode(elem, bytes)?);
            }
        } else {
            items.push(nest(elem, rest, c)?);
        }
    }
    Some(Value::Array(items))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_and_timestamps_around_the_epoch() {
        assert_eq!(
            decode(&Dec::Date, &0i32.to_be_bytes()),
            Some(Value::Date(NaiveDate::from_ymd_opt(2000, 1, 1).unwrap()))
        );
        assert_eq!(
            decode(&Dec::Date, &i32::MAX.to_be_bytes()),
            Some(Value::Text("infinity".into()))
        );
        assert_eq!(
            decode(&Dec::Timestamp, &i64::MIN.to_be_bytes()),
            Some(Value::Text("-infinity".into()))
        );
        assert_eq!(civil_date(0), "2000-01-01");
        assert_eq!(civil_date(-730_119), "0001-01-01");
        assert_eq!(civil_date(-730_120), "0001-12-31 BC");
        assert_eq!(
            decode(&Dec::Date, &2_145_031_948i32.to_be_bytes()),
            Some(Value::Text("5874897-12-31".into()))
        );
        assert_eq!(
            decode(&Dec::Time, &86_400_000_000i64.to_be_bytes()),
            Some(Value::Text("24:00:00".into()))
        );
    }

    #[test]
    fn timetz_prints_its_offset() {
        let mut b = (3_723_500_000i64).to_be_bytes().to_vec();
        b.extend_from_slice(&(-19_800i32).to_be_bytes());
        assert_eq!(decode(&Dec::TimeTz, &b), Some(Value::Text("01:02:03.5+05:30".into())));
    }

    #[test]
    fn two_dimensional_array_with_null() {
        let mut b = Vec::new();
        for v in [2i32, 1, 23, 2, 1, 2, 1] {
            b.extend_from_slice(&v.to_be_bytes());
        }
        for cell in [Some(1i32), None, Some(3), Some(4)] {
            match cell {
                Some(v) => {
                    b.extend_from_slice(&4i32.to_be_bytes());
                    b.extend_from_slice(&v.to_be_bytes());
                }
                None => b.extend_from_slice(&(-1i32).to_be_bytes()),
            }
        }
        let v = decode(&Dec::Array(Box::new(Dec::Int4)), &b).unwrap();
        assert_eq!(v.to_string(), "{{1,NULL},{3,4}}");
        assert!(decode(&Dec::Array(Box::new(Dec::Int4)), &b[..b.len() - 1]).is_none());
    }
}
