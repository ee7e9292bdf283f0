//! The bundle envelope: writing, and reading with every check done before
//! anything else looks at the content.

use super::{Body, Bundle, BundleError, BundleResult, FORMAT, VERSION};
use serde_json::Value;

/// Serialize a body into a complete bundle document (pretty JSON, trailing newline).
pub fn encode(body: &Body) -> BundleResult<String> {
    let value = serde_json::to_value(body).map_err(|e| invalid("<new bundle>", &e.to_string()))?;
    let bundle = Bundle {
        format: FORMAT.to_string(),
        version: VERSION,
        created_at: crate::store::now(),
        dbn_version: env!("CARGO_PKG_VERSION").to_string(),
        checksum: checksum(&value),
        body: body.clone(),
    };
    let mut text = serde_json::to_string_pretty(&bundle).map_err(|e| invalid("<new bundle>", &e.to_string()))?;
    text.push('\n');
    Ok(text)
}

/// Parse and verify a bundle read from `path`: JSON, format, version,
/// checksum, then structure, in that order, so the message names the first
/// real problem.
pub fn decode(path: &str, text: &str) -> BundleResult<Bundle> {
    if text.trim().is_empty() {
        return Err(invalid(path, "the file is empty"));
    }
    let value: Value = serde_json::from_str(text).map_err(|e| {
        if e.is_eof() {
            BundleError::Truncated {
                path: path.to_string(),
                why: e.to_string(),
            }
        } else {
            BundleError::Malformed {
                path: path.to_string(),
                why: e.to_string(),
            }
        }
    })?;
    let Value::Object(obj) = &value else {
        return Err(invalid(path, "the top level is not a JSON object"));
    };
    match obj.get("format") {
        Some(Value::String(f)) if f == FORMAT => {}
        Some(other) => {
            return Err(invalid(path, &format!("\"format\" is {other}, expected \"{FORMAT}\"")));
        }
        None => return Err(invalid(path, &format!("it has no \"format\": \"{FORMAT}\" field"))),
    }
    let version = obj
        .get("version")
        .and_then(Value::as_u64)
        .ok_or_else(|| invalid(path, "\"version\" is missing or not a positive integer"))?;
    if version > u64::from(VERSION) {
        return Err(BundleError::TooNew {
            path: path.to_string(),
            found: version,
        });
    }
    if version == 0 {
        return Err(invalid(path, "\"version\" is 0"));
    }
    let recorded = obj
        .get("checksum")
        .and_then(Value::as_str)
        .ok_or_else(|| invalid(path, "\"checksum\" is missing"))?;
    let body = obj
        .get("body")
        .filter(|b| b.is_object())
        .ok_or_else(|| invalid(path, "\"body\" is missing or not an object"))?;
    let computed = checksum(body);
    if recorded != computed {
        return Err(BundleError::Tampered {
            path: path.to_string(),
            recorded: recorded.to_string(),
            computed,
        });
    }
    serde_json::from_value(value).map_err(|e| invalid(path, &e.to_string()))
}

/// `blake3:<hex>` of the canonical form of a JSON value.
pub fn checksum(body: &Value) -> String {
    let mut out = String::new();
    canonical(body, &mut out);
    format!("blake3:{}", blake3::hash(out.as_bytes()).to_hex())
}

/// Compact JSON with object keys sorted, so the hash does not depend on
/// how a writer ordered fields.
fn canonical(v: &Value, out: &mut String) {
    match v {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            out.push('{');
            for (i, k) in keys.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&Value::String((*k).clone()).to_string());
                out.push(':');
                if let Some(child) = map.get(*k) {
                    canonical(child, out);
                }
            }
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                canonical(item, out);
            }
            out.push(']');
        }
        scalar => out.push_str(&scalar.to_string()),
    }
}

fn invalid(path: &str, why: &str) -> BundleError {
    BundleError::Invalid {
        path: path.to_string(),
        why: why.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_key_order_independence() {
        let body = Body::default();
        let text = encode(&body).unwrap();
        let b = decode("x", &text).unwrap();
        assert_eq!(b.body, body);
        let a: Value = serde_json::from_str(r#"{"b":1,"a":[{"y":2,"x":"s"}]}"#).unwrap();
        let c: Value = serde_json::from_str(r#"{"a":[{"x":"s","y":2}],"b":1}"#).unwrap();
        assert_eq!(checksum(&a), checksum(&c));
    }

    #[test]
    fn each_defect_has_its_own_error() {
        let text = encode(&Body::default()).unwrap();
        let cut = &text[..text.len() / 2];
        assert!(matches!(decode("x", cut), Err(BundleError::Truncated { .. })));
        assert!(matches!(decode("x", "{nope"), Err(BundleError::Malformed { .. })));
        let newer = text.replace("\"version\": 1", "\"version\": 9");
        assert!(matches!(decode("x", &newer), Err(BundleError::TooNew { found: 9, .. })));
        let edited = text.replace("\"connections\": []", "\"connections\": [1]");
        assert!(matches!(decode("x", &edited), Err(BundleError::Tampered { .. })));
        let other = text.replace("dbn-bundle", "something");
        assert!(matches!(decode("x", &other), Err(BundleError::Invalid { .. })));
    }
}
