//! The binary `numeric` wire format turned into exact decimal text, never
//! through f64.
//!
//! Layout: ndigits i16, weight i16, sign u16, dscale u16, then `ndigits`
//! base-10000 digits (i16). The value is sum(digit[i] * 10000^(weight - i)).

const NUMERIC_NEG: u16 = 0x4000;
const NUMERIC_NAN: u16 = 0xC000;
const NUMERIC_PINF: u16 = 0xD000;
const NUMERIC_NINF: u16 = 0xF000;

/// Decimal text of a binary numeric, `None` when the bytes are malformed.
pub(super) fn numeric_to_string(raw: &[u8]) -> Option<String> {
    let header = raw.get(..8)?;
    let ndigits = usize::try_from(i16::from_be_bytes([header[0], header[1]])).ok()?;
    let weight = i32::from(i16::from_be_bytes([header[2], header[3]]));
    let sign = u16::from_be_bytes([header[4], header[5]]);
    let dscale = usize::from(u16::from_be_bytes([header[6], header[7]]));
    match sign {
        NUMERIC_NAN => return Some("NaN".into()),
        NUMERIC_PINF => return Some("Infinity".into()),
        NUMERIC_NINF => return Some("-Infinity".into()),
        0 | NUMERIC_NEG => {}
        _ => return None,
    }
    let body = raw.get(8..8 + 2 * ndigits)?;
    if body.chunks_exact(2).any(|c| u16::from_be_bytes([c[0], c[1]]) > 9999) {
        return None;
    }
    // Read digits straight from the buffer: no per-cell digit vector.
    let digit_at = |i: i32| -> u16 {
        usize::try_from(i)
            .ok()
            .and_then(|i| body.get(2 * i..2 * i + 2))
            .map_or(0, |c| u16::from_be_bytes([c[0], c[1]]))
    };
    let mut out = String::with_capacity(ndigits * 4 + dscale + 3);
    if sign == NUMERIC_NEG && body.iter().any(|b| *b != 0) {
        out.push('-');
    }
    if weight < 0 {
        out.push('0');
    } else {
        for i in 0..=weight {
            let d = digit_at(i);
            if i == 0 {
                push_num(&mut out, d);
            } else {
                push_padded(&mut out, d);
            }
        }
    }
    if dscale > 0 {
        out.push('.');
        let start = out.len();
        let groups = dscale.div_ceil(4);
        for g in 0..groups {
            let i = weight + 1 + i32::try_from(g).ok()?;
            push_padded(&mut out, digit_at(i));
        }
        out.truncate(start + dscale);
    }
    Some(out)
}

fn push_num(out: &mut String, d: u16) {
    let mut buf = itoa_buf(d);
    let first = buf.iter().position(|b| *b != b'0').unwrap_or(3);
    for b in buf.iter_mut().skip(first) {
        out.push(char::from(*b));
    }
}

fn push_padded(out: &mut String, d: u16) {
    for b in itoa_buf(d) {
        out.push(char::from(b));
    }
}

fn itoa_buf(d: u16) -> [u8; 4] {
    // Each digit is < 10000, so the casts below never truncate.
    let d = d % 10000;
    [
        b'0' + (d / 1000) as u8,
        b'0' + (d / 100 % 10) as u8,
        b'0' + (d / 10 % 10) as u8,
        b'0' + (d % 10) as u8,
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn enc(ndigits: i16, weight: i16, sign: u16, dscale: u16, digits: &[i16]) -> Vec<u8> {
        let mut v = Vec::new();
        v.extend_from_slice(&ndigits.to_be_bytes());
        v.extend_from_slice(&weight.to_be_bytes());
        v.extend_from_slice(&sign.to_be_bytes());
        v.extend_from_slice(&dscale.to_be_bytes());
        for d in digits {
            v.extend_from_slice(&d.to_be_bytes());
        }
        v
    }

    #[test]
    fn decodes_integers_fractions_and_specials() {
        // 12345.678 = 1|2345|6780 weight 1, dscale 3
        assert_eq!(
            numeric_to_string(&enc(3, 1, 0, 3, &[1, 2345, 6780])).unwrap(),
            "12345.678"
        );
        // -0.0001 = digit 1 at weight -1, dscale 4
        assert_eq!(numeric_to_string(&enc(1, -1, NUMERIC_NEG, 4, &[1])).unwrap(), "-0.0001");
        // 0.00000001 = digit 1 at weight -2, dscale 8
        assert_eq!(numeric_to_string(&enc(1, -2, 0, 8, &[1])).unwrap(), "0.00000001");
        // 10000 00000000 (trailing zero groups omitted) = weight 2
        assert_eq!(numeric_to_string(&enc(1, 2, 0, 0, &[1])).unwrap(), "100000000");
        assert_eq!(numeric_to_string(&enc(0, 0, 0, 2, &[])).unwrap(), "0.00");
        assert_eq!(numeric_to_string(&enc(0, 0, NUMERIC_NAN, 0, &[])).unwrap(), "NaN");
        assert_eq!(numeric_to_string(&enc(0, 0, NUMERIC_PINF, 0, &[])).unwrap(), "Infinity");
        assert_eq!(
            numeric_to_string(&enc(0, 0, NUMERIC_NINF, 0, &[])).unwrap(),
            "-Infinity"
        );
        assert!(numeric_to_string(&[0, 1]).is_none());
        assert!(numeric_to_string(&enc(2, 0, 0, 0, &[1])).is_none());
    }
}
