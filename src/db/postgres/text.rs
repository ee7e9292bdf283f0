//! Text wire format to `Value`, for statements run through the simple
//! protocol. Types understood here are parsed; anything else (inet, money,
//! ranges, composites, ...) stays as the server's text, which is readable.

use super::decode::{Dec, decoder_for};
use crate::db::{Interval, Value};
use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime};
use tokio_postgres::types::{Kind, Type};

/// How one column's text cells become values.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum TextDec {
    /// Parse with the scalar rules of a binary decoder's type.
    Scalar(Dec),
    /// Keep the server's text.
    Keep,
    /// An array literal with this element decoder and delimiter.
    Array(Box<TextDec>, char),
}

/// The text decoder for a column of type `ty` (`None`: type unknown).
pub(super) fn text_decoder_for(ty: Option<&Type>) -> TextDec {
    let Some(ty) = ty else {
        return TextDec::Keep;
    };
    match ty.kind() {
        Kind::Array(elem) => {
            let delim = if elem.name() == "box" { ';' } else { ',' };
            TextDec::Array(Box::new(text_decoder_for(Some(elem))), delim)
        }
        Kind::Domain(base) => text_decoder_for(Some(base)),
        _ => match decoder_for(ty) {
            Some(Dec::Array(_)) | None => TextDec::Keep,
            Some(dec) => TextDec::Scalar(dec),
        },
    }
}

/// Decode one text cell (`None` is SQL NULL).
pub(super) fn decode_text(dec: &TextDec, cell: Option<&str>) -> Value {
    let Some(s) = cell else {
        return Value::Null;
    };
    match dec {
        TextDec::Keep => Value::Text(s.to_owned()),
        TextDec::Scalar(d) => scalar(d, s).unwrap_or_else(|| Value::Text(s.to_owned())),
        TextDec::Array(elem, delim) => {
            let mut p = ArrayParser {
                s: s.as_bytes(),
                pos: 0,
                delim: *delim as u8,
            };
            p.skip_dimensions();
            p.parse(elem).unwrap_or_else(|| Value::Text(s.to_owned()))
        }
    }
}

/// Parse a scalar's text form; `None` keeps the text (e.g. BC dates).
fn scalar(dec: &Dec, s: &str) -> Option<Value> {
    Some(match dec {
        Dec::Bool => Value::Bool(match s {
            "t" | "true" => true,
            "f" | "false" => false,
            _ => return None,
        }),
        Dec::Int2 | Dec::Int4 | Dec::Int8 | Dec::U32 => Value::Int(s.parse().ok()?),
        Dec::Float4 | Dec::Float8 => Value::Float(s.parse().ok()?),
        Dec::Numeric => Value::Decimal(s.to_owned()),
        Dec::Text | Dec::Char => Value::Text(s.to_owned()),
        Dec::Bytea => Value::Bytes(hex::decode(s.strip_prefix("\\x")?).ok()?),
        Dec::Json | Dec::Jsonb => Value::Json(s.to_owned()),
        Dec::Date => Value::Date(NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()?),
        Dec::Time => Value::Time(NaiveTime::parse_from_str(s, "%H:%M:%S%.f").ok()?),
        Dec::Timestamp => Value::Timestamp(NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S%.f").ok()?),
        Dec::TimestampTz => Value::TimestampTz(DateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S%.f%#z").ok()?),
        Dec::Interval => Value::Interval(interval(s)?),
        Dec::Uuid => Value::Uuid(s.parse().ok()?),
        Dec::TimeTz | Dec::Array(_) => return None,
    })
}

/// Parse the default (`IntervalStyle=postgres`) interval output, e.g.
/// `1 year 2 mons -3 days +04:05:06.5`.
fn interval(s: &str) -> Option<Interval> {
    let mut iv = Interval {
        months: 0,
        days: 0,
        micros: 0,
    };
    let mut words = s.split_ascii_whitespace();
    while let Some(word) = words.next() {
        if word.contains(':') {
            iv.micros = clock_micros(word)?;
            continue;
        }
        let n: i32 = word.parse().ok()?;
        match words.next()?.trim_end_matches('s') {
            "year" => iv.months = iv.months.checked_add(n.checked_mul(12)?)?,
            "mon" => iv.months = iv.months.checked_add(n)?,
            "day" => iv.days = n,
            _ => return None,
        }
    }
    Some(iv)
}

fn clock_micros(word: &str) -> Option<i64> {
    let (neg, body) = match word.as_bytes().first()? {
        b'-' => (true, &word[1..]),
        b'+' => (false, &word[1..]),
        _ => (false, word),
    };
    let mut parts = body.splitn(3, ':');
    let h: i64 = parts.next()?.parse().ok()?;
    let m: i64 = parts.next()?.parse().ok()?;
    let sec = parts.next()?;
    let (whole, frac) = sec.split_once('.').unwrap_or((sec, ""));
    let whole: i64 = whole.parse().ok()?;
    let frac_micros: i64 = if frac.is_empty() {
        0
    } else {
        format!("{frac:0<6}").get(..6)?.parse().ok()?
    };
    let total = ((h * 60 + m) * 60 + whole) * 1_000_000 + frac_micros;
    Some(if neg { -total } else { total })
}

/// Parser for array literals: `{1,NULL,"a \"b\""}`, `{{1,2},{3,4}}`,
/// optionally prefixed by explicit bounds `[0:1]=`.
struct ArrayParser<'a> {
    s: &'a [u8],
    pos: usize,
    delim: u8,
}

impl ArrayParser<'_> {
    fn skip_dimensions(&mut self) {
        if self.s.first() == Some(&b'[')
            && let Some(eq) = self.s.iter().position(|b| *b == b'=')
        {
            self.pos = eq + 1;
        }
    }

    fn parse(&mut self, elem: &TextDec) -> Option<Value> {
        let v = self.list(elem)?;
        (self.pos == self.s.len()).then_some(v)
    }

    fn list(&mut self, elem: &TextDec) -> Option<Value> {
        self.expect(b'{')?;
        let mut items = Vec::new();
        if self.peek() == Some(b'}') {
            self.pos += 1;
            return Some(Value::Array(items));
        }
        loop {
            match self.peek()? {
                b'{' => items.push(self.list(elem)?),
                b'"' => {
                    let s = self.quoted()?;
                    items.push(decode_text(elem, Some(&s)));
                }
                _ => {
                    let raw = self.bare()?;
                    if raw.eq_ignore_ascii_case("NULL") {
                        items.push(Value::Null);
                    } else {
                        items.push(decode_text(elem, Some(raw.trim())));
                    }
                }
            }
            match self.peek()? {
                b'}' => {
                    self.pos += 1;
                    return Some(Value::Array(items));
                }
                c if c == self.delim => self.pos += 1,
                _ => return None,
            }
        }
    }

    fn peek(&self) -> Option<u8> {
        self.s.get(self.pos).copied()
    }

    fn expect(&mut self, c: u8) -> Option<()> {
        (self.peek()? == c).then(|| self.pos += 1)
    }

    fn quoted(&mut self) -> Option<String> {
        self.expect(b'"')?;
        let mut out = Vec::new();
        loop {
            match self.peek()? {
                b'"' => {
                    self.pos += 1;
                    return String::from_utf8(out).ok();
                }
                b'\\' => {
                    out.push(*self.s.get(self.pos + 1)?);
                    self.pos += 2;
                }
                c => {
                    out.push(c);
                    self.pos += 1;
                }
            }
        }
    }

    fn bare(&mut self) -> Option<&str> {
        let start = self.pos;
        while let Some(c) = self.peek() {
            if c == self.delim || c == b'}' {
                break;
            }
            self.pos += 1;
        }
        std::str::from_utf8(&self.s[start..self.pos]).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keep_array(s: &str) -> String {
        decode_text(&TextDec::Array(Box::new(TextDec::Keep), ','), Some(s)).to_string()
    }

    #[test]
    fn array_literals_nest_quote_and_null() {
        assert_eq!(keep_array("{}"), "{}");
        assert_eq!(
            keep_array(r#"{{a,NULL},{"b c","d\"e"}}"#),
            r#"{{a,NULL},{"b c","d\"e"}}"#
        );
        assert_eq!(keep_array("[0:1]={x,y}"), "{x,y}");
        // Broken literals stay readable text.
        assert_eq!(keep_array("{a,"), "{a,");
        let ints = decode_text(
            &TextDec::Array(Box::new(TextDec::Scalar(Dec::Int4)), ','),
            Some("{1,NULL,3}"),
        );
        assert_eq!(ints, Value::Array(vec![Value::Int(1), Value::Null, Value::Int(3)]));
    }

    #[test]
    fn intervals_and_timestamptz_text() {
        assert_eq!(
            interval("1 year 2 mons -3 days +04:05:06.5"),
            Some(Interval {
                months: 14,
                days: -3,
                micros: 14_706_500_000
            })
        );
        assert_eq!(interval("-00:00:01").map(|i| i.micros), Some(-1_000_000));
        let v = scalar(&Dec::TimestampTz, "2024-01-02 03:04:05.25+05:30").unwrap();
        assert_eq!(v.to_string(), "2024-01-02 03:04:05.25+05:30");
        let v = scalar(&Dec::TimestampTz, "2024-01-02 03:04:05-08").unwrap();
        assert_eq!(v.to_string(), "2024-01-02 03:04:05-08");
        assert_eq!(scalar(&Dec::Bytea, "\\x0aff"), Some(Value::Bytes(vec![10, 255])));
    }
}
