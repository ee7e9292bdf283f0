//! Reading catalog rows whatever type the driver decoded them as
//! (information_schema numbers arrive as text or decimals on MariaDB).

use crate::db::Value;

/// A row of a catalog query, read by column index.
pub struct Row<'a>(pub &'a [Value]);

impl Row<'_> {
    fn get(&self, i: usize) -> &Value {
        self.0.get(i).unwrap_or(&Value::Null)
    }

    /// Text, `None` for NULL and empty strings.
    pub fn text(&self, i: usize) -> Option<String> {
        let v = self.get(i);
        let s = match v {
            Value::Null => return None,
            Value::Bytes(b) => String::from_utf8_lossy(b).into_owned(),
            other => other.render(),
        };
        (!s.is_empty()).then_some(s)
    }

    /// A float from any numeric or numeric-looking value.
    pub fn f64(&self, i: usize) -> Option<f64> {
        match self.get(i) {
            Value::Int(n) => Some(*n as f64),
            Value::UInt(n) => Some(*n as f64),
            Value::Float(f) => f.is_finite().then_some(*f),
            Value::Bool(b) => Some(f64::from(u8::from(*b))),
            _ => self.text(i)?.trim().parse::<f64>().ok().filter(|f| f.is_finite()),
        }
    }

    /// A signed integer (decimals are truncated).
    pub fn i64(&self, i: usize) -> Option<i64> {
        match self.get(i) {
            Value::Int(n) => Some(*n),
            Value::UInt(n) => i64::try_from(*n).ok(),
            _ => {
                let t = self.text(i)?;
                let t = t.trim();
                t.parse::<i64>()
                    .ok()
                    .or_else(|| t.parse::<f64>().ok().map(|f| f as i64))
            }
        }
    }

    /// A non-negative integer.
    pub fn u64(&self, i: usize) -> Option<u64> {
        match self.get(i) {
            Value::UInt(n) => Some(*n),
            _ => self.i64(i).and_then(|n| u64::try_from(n).ok()),
        }
    }

    /// A boolean (`t`, `true`, `1`, `ON`, `YES`).
    pub fn bool(&self, i: usize) -> Option<bool> {
        match self.get(i) {
            Value::Bool(b) => Some(*b),
            Value::Null => None,
            _ => {
                let t = self.text(i)?.to_ascii_lowercase();
                Some(matches!(t.as_str(), "t" | "true" | "1" | "on" | "yes"))
            }
        }
    }

    /// A comma-separated list of integers (`12,15`).
    pub fn ids(&self, i: usize) -> Vec<i64> {
        self.text(i)
            .map(|t| t.split(',').filter_map(|p| p.trim().parse().ok()).collect())
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn coerces_what_drivers_return() {
        let vals = vec![
            Value::Text("42".into()),
            Value::Decimal("1.500".into()),
            Value::Null,
            Value::Text(String::new()),
            Value::UInt(7),
            Value::Text("ON".into()),
            Value::Text("3, 4,x".into()),
            Value::Bytes(b"bin".to_vec()),
        ];
        let r = Row(&vals);
        assert_eq!(r.i64(0), Some(42));
        assert_eq!(r.f64(1), Some(1.5));
        assert_eq!(r.i64(1), Some(1));
        assert_eq!(r.text(2), None);
        assert_eq!(r.text(3), None);
        assert_eq!(r.u64(4), Some(7));
        assert_eq!(r.bool(5), Some(true));
        assert_eq!(r.ids(6), vec![3, 4]);
        assert_eq!(r.text(7).as_deref(), Some("bin"));
        assert_eq!(r.f64(99), None);
    }
}
