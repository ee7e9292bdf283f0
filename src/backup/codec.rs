//! Canonical, compact binary encoding of rows. The same row always encodes
//! to the same bytes, so unchanged data produces unchanged chunks and equal
//! table hashes. Layout per value: one tag byte, then a fixed or
//! length-prefixed payload (LEB128 varints, zigzag for signed integers).

use crate::db::{Interval, Value};
use chrono::{DateTime, Datelike, FixedOffset, NaiveDate, NaiveTime, Timelike};

/// Why bytes could not be decoded into rows.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("row data does not decode: {0}")]
pub struct DecodeError(pub String);

/// Append one row.
pub fn encode_row(row: &[Value], out: &mut Vec<u8>) {
    put_uvar(out, row.len() as u64);
    for v in row {
        encode_value(v, out);
    }
}

/// Encode a row into a fresh buffer.
pub fn row_bytes(row: &[Value]) -> Vec<u8> {
    let mut out = Vec::with_capacity(16 * row.len());
    encode_row(row, &mut out);
    out
}

fn encode_value(v: &Value, out: &mut Vec<u8>) {
    match v {
        Value::Null => out.push(0),
        Value::Bool(b) => out.extend_from_slice(&[1, u8::from(*b)]),
        Value::Int(i) => {
            out.push(2);
            put_ivar(out, *i);
        }
        Value::UInt(u) => {
            out.push(3);
            put_uvar(out, *u);
        }
        Value::Float(f) => {
            out.push(4);
            // One NaN bit pattern, so NaN rows hash alike.
            let bits = if f.is_nan() { f64::NAN.to_bits() } else { f.to_bits() };
            out.extend_from_slice(&bits.to_le_bytes());
        }
        Value::Decimal(s) => put_str(out, 5, s.as_bytes()),
        Value::Text(s) => put_str(out, 6, s.as_bytes()),
        Value::Bytes(b) => put_str(out, 7, b),
        Value::Json(s) => put_str(out, 8, s.as_bytes()),
        Value::Date(d) => {
            out.push(9);
            put_ivar(out, i64::from(d.num_days_from_ce()));
        }
        Value::Time(t) => {
            out.push(10);
            put_uvar(out, time_nanos(t));
        }
        Value::Timestamp(t) => {
            out.push(11);
            put_ivar(out, t.and_utc().timestamp());
            put_uvar(out, u64::from(t.and_utc().timestamp_subsec_nanos()));
        }
        Value::TimestampTz(t) => {
            out.push(12);
            put_ivar(out, t.timestamp());
            put_uvar(out, u64::from(t.timestamp_subsec_nanos()));
            put_ivar(out, i64::from(t.offset().local_minus_utc()));
        }
        Value::Uuid(u) => {
            out.push(13);
            out.extend_from_slice(u.as_bytes());
        }
        Value::Array(items) => {
            out.push(14);
            put_uvar(out, items.len() as u64);
            for i in items {
                encode_value(i, out);
            }
        }
        Value::Interval(i) => {
            out.push(15);
            put_ivar(out, i64::from(i.months));
            put_ivar(out, i64::from(i.days));
            put_ivar(out, i.micros);
        }
    }
}

fn time_nanos(t: &NaiveTime) -> u64 {
    u64::from(t.num_seconds_from_midnight()) * 1_000_000_000 + u64::from(t.nanosecond())
}

fn put_str(out: &mut Vec<u8>, tag: u8, b: &[u8]) {
    out.push(tag);
    put_uvar(out, b.len() as u64);
    out.extend_from_slice(b);
}

fn put_uvar(out: &mut Vec<u8>, mut v: u64) {
    loop {
        let byte = (v & 0x7f) as u8;
        v >>= 7;
        if v == 0 {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}

fn put_ivar(out: &mut Vec<u8>, v: i64) {
    put_uvar(out, ((v << 1) ^ (v >> 63)) as u64);
}

/// A cursor over encoded rows.
pub struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    /// Read rows from `buf`.
    pub fn new(buf: &'a [u8]) -> Self {
        Self { buf, pos: 0 }
    }

    /// The next row, or `None` at the end.
    pub fn next_row(&mut self) -> Result<Option<Vec<Value>>, DecodeError> {
        if self.pos >= self.buf.len() {
            return Ok(None);
        }
        let n = self.uvar()? as usize;
        if n > self.buf.len() {
            return Err(DecodeError(format!("row claims {n} columns")));
        }
        let mut row = Vec::with_capacity(n);
        for _ in 0..n {
            row.push(self.value(0)?);
        }
        Ok(Some(row))
    }

    /// Start offset of the next row, for slicing raw row bytes.
    pub fn position(&self) -> usize {
        self.pos
    }

    fn byte(&mut self) -> Result<u8, DecodeError> {
        let b = *self
            .buf
            .get(self.pos)
            .ok_or_else(|| DecodeError("unexpected end of data".into()))?;
        self.pos += 1;
        Ok(b)
    }

    fn take(&mut self, n: usize) -> Result<&'a [u8], DecodeError> {
        let end = self
            .pos
            .checked_add(n)
            .filter(|e| *e <= self.buf.len())
            .ok_or_else(|| DecodeError("value runs past the end of data".into()))?;
        let s = &self.buf[self.pos..end];
        self.pos = end;
        Ok(s)
    }

    fn uvar(&mut self) -> Result<u64, DecodeError> {
        let mut v: u64 = 0;
        for shift in (0..64).step_by(7) {
            let b = self.byte()?;
            v |= u64::from(b & 0x7f) << shift;
            if b & 0x80 == 0 {
                return Ok(v);
            }
        }
        Err(DecodeError("varint too long".into()))
    }

    fn ivar(&mut self) -> Result<i64, DecodeError> {
        let u = self.uvar()?;
        Ok(((u >> 1) as i64) ^ -((u & 1) as i64))
    }

    fn i32var(&mut self) -> Result<i32, DecodeError> {
        i32::try_from(self.ivar()?).map_err(|_| DecodeError("32-bit field out of range".into()))
    }

    fn string(&mut self) -> Result<String, DecodeError> {
        let n = self.uvar()? as usize;
        let b = self.take(n)?;
        String::from_utf8(b.to_vec()).map_err(|_| DecodeError("text is not UTF-8".into()))
    }

    fn value(&mut self, depth: usize) -> Result<Value, DecodeError> {
        let bad = |what: &str| DecodeError(format!("invalid {what}"));
        Ok(match self.byte()? {
            0 => Value::Null,
            1 => Value::Bool(self.byte()? != 0),
            2 => Value::Int(self.ivar()?),
            3 => Value::UInt(self.uvar()?),
            4 => {
                let b = self.take(8)?;
                let mut a = [0u8; 8];
                a.copy_from_slice(b);
                Value::Float(f64::from_bits(u64::from_le_bytes(a)))
            }
            5 => Value::Decimal(self.string()?),
            6 => Value::Text(self.string()?),
            7 => {
                let n = self.uvar()? as usize;
                Value::Bytes(self.take(n)?.to_vec())
            }
            8 => Value::Json(self.string()?),
            9 => Value::Date(NaiveDate::from_num_days_from_ce_opt(self.i32var()?).ok_or_else(|| bad("date"))?),
            10 => {
                let n = self.uvar()?;
                let secs = u32::try_from(n / 1_000_000_000).map_err(|_| bad("time"))?;
                let t = NaiveTime::from_num_seconds_from_midnight_opt(secs, (n % 1_000_000_000) as u32);
                Value::Time(t.ok_or_else(|| bad("time"))?)
            }
            11 => {
                let secs = self.ivar()?;
                let nanos = u32::try_from(self.uvar()?).map_err(|_| bad("timestamp"))?;
                let t = DateTime::from_timestamp(secs, nanos).ok_or_else(|| bad("timestamp"))?;
                Value::Timestamp(t.naive_utc())
            }
            12 => {
                let secs = self.ivar()?;
                let nanos = u32::try_from(self.uvar()?).map_err(|_| bad("timestamp"))?;
                let off = FixedOffset::east_opt(self.i32var()?).ok_or_else(|| bad("offset"))?;
                let t = DateTime::from_timestamp(secs, nanos).ok_or_else(|| bad("timestamp"))?;
                Value::TimestampTz(t.with_timezone(&off))
            }
            13 => {
                let b = self.take(16)?;
                Value::Uuid(uuid::Uuid::from_slice(b).map_err(|_| bad("uuid"))?)
            }
            14 => {
                if depth > 32 {
                    return Err(bad("array nesting"));
                }
                let n = self.uvar()? as usize;
                if n > self.buf.len() {
                    return Err(bad("array length"));
                }
                let mut items = Vec::with_capacity(n);
                for _ in 0..n {
                    items.push(self.value(depth + 1)?);
                }
                Value::Array(items)
            }
            15 => Value::Interval(Interval {
                months: self.i32var()?,
                days: self.i32var()?,
                micros: self.ivar()?,
            }),
            t => return Err(DecodeError(format!("unknown value tag {t}"))),
        })
    }
}

/// Decode every row in `buf`.
pub fn decode_rows(buf: &[u8]) -> Result<Vec<Vec<Value>>, DecodeError> {
    let mut r = Reader::new(buf);
    let mut rows = Vec::new();
    while let Some(row) = r.next_row()? {
        rows.push(row);
    }
    Ok(rows)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn sample() -> Vec<Value> {
        let ts = NaiveDate::from_ymd_opt(2024, 2, 29)
            .unwrap()
            .and_hms_micro_opt(23, 59, 58, 123_456)
            .unwrap();
        vec![
            Value::Null,
            Value::Bool(true),
            Value::Int(-42),
            Value::Int(i64::MIN),
            Value::UInt(u64::MAX),
            Value::Float(-0.5),
            Value::Decimal("12345678901234567890.000001".into()),
            Value::Text("héllo\n\"x\"".into()),
            Value::Bytes(vec![0, 255, 7]),
            Value::Json("{\"a\":[1,2]}".into()),
            Value::Date(NaiveDate::from_ymd_opt(1, 1, 1).unwrap()),
            Value::Time(NaiveTime::from_hms_nano_opt(13, 14, 15, 999_999_999).unwrap()),
            Value::Timestamp(ts),
            Value::TimestampTz(ts.and_utc().with_timezone(&FixedOffset::east_opt(-5 * 3600).unwrap())),
            Value::Uuid(uuid::Uuid::from_u128(0x1234_5678_9abc_def0_1234_5678_9abc_def0)),
            Value::Array(vec![
                Value::Int(1),
                Value::Null,
                Value::Array(vec![Value::Text("x".into())]),
            ]),
            Value::Interval(Interval {
                months: -14,
                days: 3,
                micros: -1,
            }),
        ]
    }

    #[test]
    fn every_value_round_trips() {
        let row = sample();
        let mut buf = Vec::new();
        encode_row(&row, &mut buf);
        encode_row(&[Value::Int(7)], &mut buf);
        let back = decode_rows(&buf).unwrap();
        assert_eq!(back.len(), 2);
        assert_eq!(back[0], row);
        assert_eq!(back[1], vec![Value::Int(7)]);
    }

    #[test]
    fn encoding_is_deterministic_and_compact() {
        assert_eq!(row_bytes(&sample()), row_bytes(&sample()));
        assert_eq!(row_bytes(&[Value::Int(1), Value::Bool(false)]), vec![2, 2, 2, 1, 0]);
    }

    #[test]
    fn truncated_and_garbage_input_errors_not_panics() {
        let full = row_bytes(&sample());
        for cut in 1..full.len() {
            assert!(decode_rows(&full[..cut]).is_err(), "cut at {cut}");
        }
        assert!(decode_rows(&[1, 99]).is_err());
        assert!(decode_rows(&[0xff; 12]).is_err());
    }
}
