//! CREATE TABLE for tables a restore has to create, and the value
//! literals it inserts, per target engine.
//!
//! Same engine: column types are copied as the source printed them.
//! Across engines every column type is mapped through a small set of
//! categories (integer, float, exact numeric, text, bytes, boolean, date,
//! time, timestamp, timestamp with zone, JSON, UUID); anything else becomes
//! text. Timestamps with a zone are stored in UTC on MySQL/MariaDB (which
//! have no zoned type); arrays and intervals become their text form outside
//! Postgres. Defaults, sequences, checks, indexes and foreign keys are not
//! recreated: the restored table holds the data and its primary key.

use crate::backup::manifest::TableEntry;
use crate::db::{Engine, Value, quote};
use crate::schema::Table;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Cat {
    Int,
    Float,
    Numeric,
    Text,
    Bytes,
    Bool,
    Date,
    Time,
    Timestamp,
    TimestampTz,
    Json,
    Uuid,
}

fn category(ty: &str) -> Cat {
    let t = ty.to_ascii_lowercase();
    let has = |s: &str| t.contains(s);
    if has("[]") || t.starts_with('_') || has("interval") {
        Cat::Text
    } else if has("bool") || t == "tinyint(1)" {
        Cat::Bool
    } else if has("int") || has("serial") {
        Cat::Int
    } else if has("double") || has("float") || has("real") {
        Cat::Float
    } else if has("numeric") || has("decimal") || has("money") {
        Cat::Numeric
    } else if has("bytea") || has("blob") || has("binary") {
        Cat::Bytes
    } else if has("json") {
        Cat::Json
    } else if has("uuid") {
        Cat::Uuid
    } else if has("timestamp with time zone") || has("timestamptz") {
        Cat::TimestampTz
    } else if has("timestamp") || has("datetime") {
        Cat::Timestamp
    } else if has("date") {
        Cat::Date
    } else if has("time") {
        Cat::Time
    } else {
        Cat::Text
    }
}

fn render(cat: Cat, engine: Engine, is_key: bool) -> &'static str {
    match engine {
        Engine::Postgres => match cat {
            Cat::Int => "bigint",
            Cat::Float => "double precision",
            Cat::Numeric => "numeric",
            Cat::Text => "text",
            Cat::Bytes => "bytea",
            Cat::Bool => "boolean",
            Cat::Date => "date",
            Cat::Time => "time",
            Cat::Timestamp => "timestamp",
            Cat::TimestampTz => "timestamptz",
            Cat::Json => "jsonb",
            Cat::Uuid => "uuid",
        },
        Engine::Mysql => match cat {
            Cat::Int => "BIGINT",
            Cat::Float => "DOUBLE",
            Cat::Numeric => "DECIMAL(65,20)",
            Cat::Text | Cat::Json if is_key => "VARCHAR(255)",
            Cat::Text | Cat::Json => "LONGTEXT",
            Cat::Bytes if is_key => "VARBINARY(255)",
            Cat::Bytes => "LONGBLOB",
            Cat::Bool => "BOOLEAN",
            Cat::Date => "DATE",
            Cat::Time => "TIME(6)",
            Cat::Timestamp | Cat::TimestampTz => "DATETIME(6)",
            Cat::Uuid => "CHAR(36)",
        },
        Engine::Sqlite => match cat {
            Cat::Int | Cat::Bool => "INTEGER",
            Cat::Float => "REAL",
            Cat::Numeric => "NUMERIC",
            Cat::Bytes => "BLOB",
            _ => "TEXT",
        },
    }
}

/// The schema a restored table goes into on the target: Postgres keeps the
/// source schema when the source was Postgres; elsewhere the target's
/// current database / `main` is used.
pub fn target_schema(src: Engine, dst: Engine, t: &TableEntry) -> Option<String> {
    (src == Engine::Postgres && dst == Engine::Postgres).then(|| t.schema.clone())
}

/// Quoted target name of a backup table.
pub fn target_name(src: Engine, dst: Engine, t: &TableEntry) -> String {
    quote::qualified(dst, target_schema(src, dst, t).as_deref(), &t.name)
}

/// Find the live target table for a backup table.
pub fn find_target<'a>(live: &'a crate::schema::Schema, src: Engine, t: &TableEntry) -> Option<&'a Table> {
    match target_schema(src, live.engine, t) {
        Some(s) => live.table(&s, &t.name),
        None => live.find_table(&t.name),
    }
}

/// CREATE statements for a table missing on the target.
pub fn create_table(src: Engine, dst: Engine, t: &TableEntry, nullable: &dyn Fn(&str) -> bool) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(s) = target_schema(src, dst, t) {
        out.push(format!("CREATE SCHEMA IF NOT EXISTS {}", quote::ident(dst, &s)));
    }
    let mut cols: Vec<String> = t
        .columns
        .iter()
        .zip(&t.types)
        .map(|(c, ty)| {
            let is_key = t.key.contains(c);
            let rendered = if src == dst {
                ty.clone()
            } else {
                render(category(ty), dst, is_key).to_string()
            };
            let null = if nullable(c) && !is_key { "" } else { " NOT NULL" };
            format!("{} {rendered}{null}", quote::ident(dst, c))
        })
        .collect();
    if !t.key.is_empty() {
        let k: Vec<String> = t.key.iter().map(|c| quote::ident(dst, c)).collect();
        cols.push(format!("PRIMARY KEY ({})", k.join(", ")));
    }
    out.push(format!(
        "CREATE TABLE {} ({})",
        target_name(src, dst, t),
        cols.join(", ")
    ));
    out
}

/// A value as a literal for the target engine.
pub fn literal(dst: Engine, v: &Value) -> String {
    match (dst, v) {
        (Engine::Mysql, Value::TimestampTz(t)) => quote::literal(dst, &Value::Timestamp(t.naive_utc())),
        (_, Value::Decimal(d)) if !looks_numeric(d) => quote::string(dst, d),
        (Engine::Postgres, Value::Json(s)) => quote::string(dst, s),
        (Engine::Sqlite, Value::Uuid(u)) => quote::string(dst, &u.to_string()),
        _ => quote::literal(dst, v),
    }
}

fn looks_numeric(s: &str) -> bool {
    !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '.' | '-' | '+' | 'e' | 'E'))
        && s.chars().any(|c| c.is_ascii_digit())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn entry() -> TableEntry {
        TableEntry {
            schema: "public".into(),
            name: "t".into(),
            columns: vec!["id".into(), "at".into(), "tags".into(), "price".into()],
            types: vec![
                "integer".into(),
                "timestamp with time zone".into(),
                "text[]".into(),
                "numeric(10,2)".into(),
            ],
            key: vec!["id".into()],
            rows: 0,
            hash: String::new(),
            bytes: 0,
            chunks: Vec::new(),
        }
    }

    #[test]
    fn cross_engine_types_map() {
        let sql = create_table(Engine::Postgres, Engine::Sqlite, &entry(), &|_| true);
        assert_eq!(
            sql,
            vec![
                "CREATE TABLE \"t\" (\"id\" INTEGER NOT NULL, \"at\" TEXT, \"tags\" TEXT, \"price\" NUMERIC, PRIMARY KEY (\"id\"))"
            ]
        );
        let pg = create_table(Engine::Postgres, Engine::Postgres, &entry(), &|_| true);
        assert!(pg[0].starts_with("CREATE SCHEMA IF NOT EXISTS \"public\""));
        assert!(pg[1].contains("\"tags\" text[]"));
        let my = create_table(Engine::Sqlite, Engine::Mysql, &entry(), &|_| false);
        assert!(my[0].contains("`at` DATETIME(6) NOT NULL"));
    }

    #[test]
    fn literals_per_engine() {
        assert_eq!(literal(Engine::Postgres, &Value::Decimal("NaN".into())), "'NaN'");
        assert_eq!(literal(Engine::Postgres, &Value::Decimal("-1.50".into())), "-1.50");
        let t = chrono::DateTime::parse_from_rfc3339("2024-01-01T10:00:00+02:00").unwrap();
        assert_eq!(literal(Engine::Mysql, &Value::TimestampTz(t)), "'2024-01-01 08:00:00'");
    }
}
