//! Identifier quoting and literal rendering per engine.

use super::{Engine, Value};

/// Quote an identifier for the engine (`"a""b"` or `` `a``b` ``).
pub fn ident(engine: Engine, name: &str) -> String {
    match engine {
        Engine::Mysql => format!("`{}`", name.replace('`', "``")),
        Engine::Postgres | Engine::Sqlite => format!("\"{}\"", name.replace('"', "\"\"")),
    }
}

/// Quote a possibly schema-qualified name (`schema.table`).
pub fn qualified(engine: Engine, schema: Option<&str>, name: &str) -> String {
    match schema {
        Some(s) if !s.is_empty() => format!("{}.{}", ident(engine, s), ident(engine, name)),
        _ => ident(engine, name),
    }
}

/// Quote a string literal.
pub fn string(engine: Engine, s: &str) -> String {
    match engine {
        Engine::Mysql => format!("'{}'", s.replace('\\', "\\\\").replace('\'', "''")),
        // A backslash in a plain Postgres string means itself only while
        // standard_conforming_strings is on; E'' with doubled backslashes
        // means the same under either setting, so the literal cannot end
        // anywhere else than where dbn ended it.
        Engine::Postgres if s.contains('\\') => format!("E'{}'", s.replace('\\', "\\\\").replace('\'', "''")),
        Engine::Postgres | Engine::Sqlite => format!("'{}'", s.replace('\'', "''")),
    }
}

/// Render a value as a SQL literal for the engine.
pub fn literal(engine: Engine, v: &Value) -> String {
    match v {
        Value::Null => "NULL".into(),
        Value::Bool(b) => match engine {
            Engine::Postgres => if *b { "TRUE" } else { "FALSE" }.into(),
            _ => if *b { "1" } else { "0" }.into(),
        },
        Value::Int(i) => i.to_string(),
        Value::UInt(u) => u.to_string(),
        Value::Float(f) if f.is_finite() => format!("{f:?}"),
        Value::Float(f) => match engine {
            Engine::Postgres => format!("'{}'::float8", Value::Float(*f)),
            _ => "NULL".into(),
        },
        Value::Decimal(d) => d.clone(),
        Value::Bytes(b) => match engine {
            Engine::Postgres => format!("E'\\\\x{}'::bytea", hex::encode(b)),
            Engine::Mysql => format!("X'{}'", hex::encode(b)),
            Engine::Sqlite => format!("X'{}'", hex::encode(b)),
        },
        Value::Json(s) => match engine {
            Engine::Postgres => format!("{}::jsonb", string(engine, s)),
            _ => string(engine, s),
        },
        Value::Array(_) => match engine {
            Engine::Postgres => string(engine, &v.to_string()),
            _ => string(engine, &v.to_string()),
        },
        other => string(engine, &other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_escape_their_quote() {
        assert_eq!(ident(Engine::Postgres, "a\"b"), "\"a\"\"b\"");
        assert_eq!(ident(Engine::Mysql, "a`b"), "`a``b`");
        assert_eq!(qualified(Engine::Postgres, Some("public"), "t"), "\"public\".\"t\"");
    }

    #[test]
    fn literals_escape() {
        assert_eq!(string(Engine::Postgres, "it's"), "'it''s'");
        assert_eq!(string(Engine::Postgres, "a\\' OR 1=1 --"), "E'a\\\\'' OR 1=1 --'");
        assert_eq!(string(Engine::Mysql, "a\\'b"), "'a\\\\''b'");
        assert_eq!(literal(Engine::Sqlite, &Value::Bytes(vec![1, 255])), "X'01ff'");
        assert_eq!(literal(Engine::Postgres, &Value::Bool(true)), "TRUE");
        assert_eq!(literal(Engine::Mysql, &Value::Null), "NULL");
    }
}
