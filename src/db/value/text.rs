//! Fast, allocation-free text rendering of dates, times and numbers, in the
//! forms psql prints (`2024-01-02 03:04:05.5+00`), for bulk output paths.

use chrono::{DateTime, Datelike, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime, Timelike};
use std::fmt::Write as _;

/// Append a date as `YYYY-MM-DD` (years outside 0..=9999 as chrono prints them).
pub fn push_date(buf: &mut String, d: &NaiveDate) {
    let y = d.year();
    if !(0..=9999).contains(&y) {
        let _ = write!(buf, "{}", d.format("%Y-%m-%d"));
        return;
    }
    push_digits(buf, y as u32, 4);
    buf.push('-');
    push_digits(buf, d.month(), 2);
    buf.push('-');
    push_digits(buf, d.day(), 2);
}

/// Append a time as `HH:MM:SS[.ffffff]`, trailing fractional zeros trimmed.
pub fn push_time(buf: &mut String, t: &NaiveTime) {
    push_digits(buf, t.hour(), 2);
    buf.push(':');
    push_digits(buf, t.minute(), 2);
    buf.push(':');
    // A leap second is stored as nanosecond >= 1e9; show it as :60.
    let nanos = t.nanosecond();
    let (sec, nanos) = if nanos >= 1_000_000_000 {
        (t.second() + 1, nanos - 1_000_000_000)
    } else {
        (t.second(), nanos)
    };
    push_digits(buf, sec, 2);
    if nanos > 0 {
        let (mut frac, mut width) = if nanos % 1000 == 0 {
            (nanos / 1000, 6)
        } else {
            (nanos, 9)
        };
        while frac % 10 == 0 {
            frac /= 10;
            width -= 1;
        }
        buf.push('.');
        push_digits(buf, frac, width);
    }
}

/// Append `date time`.
pub fn push_timestamp(buf: &mut String, t: &NaiveDateTime) {
    push_date(buf, &t.date());
    buf.push(' ');
    push_time(buf, &t.time());
}

/// Append `date time+HH[:MM]` in the value's own offset, as Postgres prints it.
pub fn push_timestamptz(buf: &mut String, t: &DateTime<FixedOffset>) {
    push_timestamp(buf, &t.naive_local());
    let secs = t.offset().local_minus_utc();
    buf.push(if secs < 0 { '-' } else { '+' });
    let secs = secs.unsigned_abs();
    push_digits(buf, secs / 3600, 2);
    let minutes = (secs / 60) % 60;
    if minutes != 0 || !secs.is_multiple_of(60) {
        buf.push(':');
        push_digits(buf, minutes, 2);
    }
    if !secs.is_multiple_of(60) {
        buf.push(':');
        push_digits(buf, secs % 60, 2);
    }
}

/// Append an integer.
pub fn push_int(buf: &mut String, i: i64) {
    let mut b = itoa::Buffer::new();
    buf.push_str(b.format(i));
}

/// Append an unsigned integer.
pub fn push_uint(buf: &mut String, u: u64) {
    let mut b = itoa::Buffer::new();
    buf.push_str(b.format(u));
}

fn push_digits(buf: &mut String, n: u32, width: usize) {
    let mut b = itoa::Buffer::new();
    let s = b.format(n);
    for _ in s.len()..width {
        buf.push('0');
    }
    buf.push_str(s);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_postgres_text() {
        let mut s = String::new();
        let t = NaiveDate::from_ymd_opt(2024, 1, 2)
            .unwrap()
            .and_hms_micro_opt(3, 4, 5, 500_000)
            .unwrap();
        push_timestamp(&mut s, &t);
        assert_eq!(s, "2024-01-02 03:04:05.5");
        s.clear();
        let tz = DateTime::parse_from_rfc3339("2024-06-30T23:59:59.000123+05:30").unwrap();
        push_timestamptz(&mut s, &tz);
        assert_eq!(s, "2024-06-30 23:59:59.000123+05:30");
        s.clear();
        let utc = DateTime::parse_from_rfc3339("2024-06-30T00:00:00Z").unwrap();
        push_timestamptz(&mut s, &utc);
        assert_eq!(s, "2024-06-30 00:00:00+00");
        s.clear();
        push_date(&mut s, &NaiveDate::from_ymd_opt(33, 2, 3).unwrap());
        assert_eq!(s, "0033-02-03");
        s.clear();
        push_time(&mut s, &NaiveTime::from_hms_nano_opt(1, 2, 3, 123_456_789).unwrap());
        assert_eq!(s, "01:02:03.123456789");
        s.clear();
        push_int(&mut s, -42);
        push_uint(&mut s, u64::MAX);
        assert_eq!(s, "-4218446744073709551615");
    }
}
