//! CREATE TABLE for tables a restore has to create, and the value
//! literals it inserts, per target engine.
//!
//! Same engine: column types are copied as the source printed them.
//! Across engines every column type is mapped through its class as
//! `db::types` reads it on the source engine; anything without a
//! counterpart becomes text. Timestamps with a zone are stored in UTC on MySQL/MariaDB (which
//! have no zoned type); arrays and intervals become their text form outside
//! Postgres. Defaults, sequences, checks, indexes and foreign keys are not
//! recreated: the restored table holds the data and its primary key.

use crate::backup::manifest::TableEntry;
use crate::db::types::{TypeClass, classify};
use crate::db::{Engine, Value, quote};
use crate::schema::Table;

/// The target's column type for a source column of class `class`.
fn render(class: TypeClass, engine: Engine, is_key: bool) -> &'static str {
    use TypeClass as C;
    match engine {
        Engine::Postgres => match class {
            C::Int => "bigint",
            // Up to 2^64 - 1 does not fit bigint.
            C::UInt => "numeric(20)",
            C::Float | C::Float32 => "double precision",
            C::Decimal | C::Money => "numeric",
            C::Bytes => "bytea",
            C::Bool => "boolean",
            C::Date => "date",
            C::Time | C::TimeTz => "time",
            C::Timestamp => "timestamp",
            C::TimestampTz => "timestamptz",
            C::Json => "jsonb",
            C::Uuid => "uuid",
            C::Text | C::Interval | C::Array | C::Other => "text",
        },
        Engine::Mysql => match class {
            C::Int => "BIGINT",
            C::UInt => "BIGINT UNSIGNED",
            C::Float | C::Float32 => "DOUBLE",
            C::Decimal | C::Money => "DECIMAL(65,20)",
            C::Bytes if is_key => "VARBINARY(255)",
            C::Bytes => "LONGBLOB",
            C::Bool => "BOOLEAN",
            C::Date => "DATE",
            C::Time | C::TimeTz => "TIME(6)",
            C::Timestamp | C::TimestampTz => "DATETIME(6)",
            C::Uuid => "CHAR(36)",
            _ if is_key => "VARCHAR(255)",
            C::Text | C::Json | C::Interval | C::Array | C::Other => "LONGTEXT",
        },
        Engine::Sqlite => match class {
            C::Int | C::UInt | C::Bool => "INTEGER",
            C::Float | C::Float32 => "REAL",
            C::Decimal | C::Money => "NUMERIC",
            C::Bytes => "BLOB",
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
                render(classify(src, ty), dst, is_key).to_string()
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
