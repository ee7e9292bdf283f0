//! Read a live database's structure into the normalized model, with SQL
//! sent through a `Session` (so it works for any driver implementation).
//!
//! Every catalog query returns one text column holding a JSON object per
//! row, built by the server itself. That keeps the readers independent of
//! how each driver maps catalog types (`name`, `char`, arrays, `oid`) into
//! `Value`, and lets serde do the field mapping.

pub mod mysql;
pub mod postgres;
pub mod sqlite;

use super::Schema;
use crate::db::{DbError, DbResult, Engine, ErrorCode, Session, Value, query_all};
use serde::de::DeserializeOwned;

/// Introspect whatever engine `session` talks to, normalized.
pub async fn introspect(session: &mut dyn Session) -> DbResult<Schema> {
    let mut schema = match session.engine() {
        Engine::Postgres => postgres::introspect(session).await?,
        Engine::Mysql => mysql::introspect(session).await?,
        Engine::Sqlite => sqlite::introspect(session).await?,
    };
    schema.normalize();
    Ok(schema)
}

/// Run a query whose rows are one JSON object each and decode them.
pub(crate) async fn json_rows<T: DeserializeOwned>(session: &mut dyn Session, sql: &str) -> DbResult<Vec<T>> {
    let (_, rows, _) = query_all(session, sql).await?;
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        let Some(cell) = row.into_iter().next() else { continue };
        let text = match cell {
            Value::Null => continue,
            Value::Text(s) | Value::Json(s) => s,
            Value::Bytes(b) => String::from_utf8_lossy(&b).into_owned(),
            other => other.to_string(),
        };
        let item = serde_json::from_str(&text).map_err(|e| {
            DbError::new(
                ErrorCode::QueryError,
                format!("introspection returned a row dbn cannot read ({e}): {text}"),
            )
        })?;
        out.push(item);
    }
    Ok(out)
}

/// Run a query and return the first column of every row as text.
pub(crate) async fn text_rows(session: &mut dyn Session, sql: &str) -> DbResult<Vec<String>> {
    let (_, rows, _) = query_all(session, sql).await?;
    Ok(rows
        .into_iter()
        .filter_map(|r| r.into_iter().next())
        .filter(|v| !v.is_null())
        .map(|v| match v {
            Value::Text(s) | Value::Json(s) => s,
            Value::Bytes(b) => String::from_utf8_lossy(&b).into_owned(),
            other => other.to_string(),
        })
        .collect())
}

/// Deserialize a JSON boolean that some servers send as 0/1 or "t"/"f".
pub(crate) fn loose_bool<'de, D: serde::Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    let v = serde_json::Value::deserialize(d)?;
    Ok(match v {
        serde_json::Value::Bool(b) => b,
        serde_json::Value::Number(n) => n.as_i64().unwrap_or(0) != 0,
        serde_json::Value::String(s) => matches!(s.to_ascii_lowercase().as_str(), "t" | "true" | "1" | "yes" | "y"),
        _ => false,
    })
}

use serde::Deserialize;
