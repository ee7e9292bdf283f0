//! Sequence positions and auto-increment counters: read at capture (after
//! the data, so they are never behind it) and put back at restore, so the
//! restored database continues numbering where the source was.
//!
//! - Postgres: every sequence (standalone, serial and identity) with its
//!   `last_value`, `is_called`, increment and owning table;
//! - MariaDB: each table's `AUTO_INCREMENT`;
//! - SQLite: `sqlite_sequence` rows of AUTOINCREMENT tables.

use super::BackupResult;
use crate::db::{Engine, Session, Value, query_all, quote};
use serde::{Deserialize, Serialize};

/// One counter as captured.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counter {
    /// Schema of the sequence (Postgres) or table.
    pub schema: String,
    /// Sequence name (Postgres) or table name (MariaDB, SQLite).
    pub name: String,
    /// `last_value` (Postgres), the next AUTO_INCREMENT value (MariaDB), or
    /// `sqlite_sequence.seq`.
    pub value: i64,
    /// Postgres `is_called`: whether `value` was already handed out.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub is_called: bool,
    /// Postgres increment (negative for descending sequences).
    #[serde(default = "one", skip_serializing_if = "is_one")]
    pub increment: i64,
    /// Postgres: the table owning the sequence (`schema.table`), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
}

fn one() -> i64 {
    1
}

fn is_one(v: &i64) -> bool {
    *v == 1
}

impl Counter {
    /// The value the next call hands out (Postgres), or the counter itself.
    pub fn next(&self) -> i64 {
        if self.is_called {
            self.value.saturating_add(self.increment)
        } else {
            self.value
        }
    }

    /// Whether this counter belongs to table `schema.table`: the table that
    /// owns it, or (MariaDB, SQLite) the table itself, or a table whose
    /// column defaults draw from it.
    pub fn serves(&self, engine: Engine, table: &crate::schema::Table) -> bool {
        let qualified = format!("{}.{}", table.schema, table.name);
        match engine {
            Engine::Postgres => {
                self.owner.as_deref() == Some(qualified.as_str())
                    || table.columns.iter().any(|c| {
                        c.default
                            .as_deref()
                            .is_some_and(|d| d.contains("nextval(") && d.contains(&self.name))
                    })
            }
            _ => self.name == table.name,
        }
    }
}

fn int(v: Option<&Value>) -> Option<i64> {
    match v? {
        Value::Int(n) => Some(*n),
        Value::UInt(n) => i64::try_from(*n).ok(),
        Value::Decimal(s) | Value::Text(s) => s.parse().ok(),
        _ => None,
    }
}

fn text(v: Option<&Value>) -> Option<String> {
    match v? {
        Value::Null => None,
        other => Some(other.render()),
    }
}

const PG_SEQUENCES: &str = "SELECT n.nspname, c.relname, s.seqincrement, \
     (SELECT tn.nspname || '.' || t.relname FROM pg_depend d \
        JOIN pg_class t ON t.oid = d.refobjid JOIN pg_namespace tn ON tn.oid = t.relnamespace \
       WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid \
         AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i') LIMIT 1) \
     FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace JOIN pg_sequence s ON s.seqrelid = c.oid \
     WHERE c.relkind = 'S' AND n.nspname NOT IN ('pg_catalog', 'information_schema') \
       AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp%' \
       AND NOT EXISTS (SELECT 1 FROM pg_depend e WHERE e.objid = n.oid AND e.deptype = 'e') \
     ORDER BY 1, 2";

/// Read every counter of the database behind `session`.
pub async fn capture(session: &mut dyn Session) -> BackupResult<Vec<Counter>> {
    let engine = session.engine();
    let mut out = Vec::new();
    match engine {
        Engine::Postgres => {
            let (_, seqs, _) = query_all(session, PG_SEQUENCES).await?;
            for row in seqs {
                let (Some(schema), Some(name)) = (text(row.first()), text(row.get(1))) else {
                    continue;
                };
                let sql = format!(
                    "SELECT last_value, is_called FROM {}",
                    quote::qualified(engine, Some(&schema), &name)
                );
                let (_, r, _) = query_all(session, &sql).await?;
                let Some(r) = r.first() else { continue };
                out.push(Counter {
                    value: int(r.first()).unwrap_or(1),
                    is_called: matches!(r.get(1), Some(Value::Bool(true))),
                    increment: int(row.get(2)).unwrap_or(1),
                    owner: text(row.get(3)),
                    schema,
                    name,
                });
            }
        }
        Engine::Mysql => {
            let sql = "SELECT TABLE_SCHEMA, TABLE_NAME, AUTO_INCREMENT FROM information_schema.TABLES \
                       WHERE TABLE_SCHEMA = DATABASE() AND AUTO_INCREMENT IS NOT NULL ORDER BY TABLE_NAME";
            let (_, rows, _) = query_all(session, sql).await?;
            for row in rows {
                let (Some(schema), Some(name), Some(value)) = (text(row.first()), text(row.get(1)), int(row.get(2)))
                else {
                    continue;
                };
                out.push(Counter {
                    schema,
                    name,
                    value,
                    is_called: false,
                    increment: 1,
                    owner: None,
                });
            }
        }
        Engine::Sqlite => {
            let exists = "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'sqlite_sequence'";
            let (_, r, _) = query_all(session, exists).await?;
            if int(r.first().and_then(|r| r.first())).unwrap_or(0) == 0 {
                return Ok(out);
            }
            let (_, rows, _) = query_all(session, "SELECT name, seq FROM sqlite_sequence ORDER BY name").await?;
            for row in rows {
                let (Some(name), Some(value)) = (text(row.first()), int(row.get(1))) else {
                    continue;
                };
                out.push(Counter {
                    schema: "main".into(),
                    name,
                    value,
                    is_called: false,
                    increment: 1,
                    owner: None,
                });
            }
        }
    }
    Ok(out)
}

/// The statement that moves a counter on the target to its captured
/// position, or `None` when it is already there or beyond. `current` is the
/// target's counter now (`None`: the object was created by this restore,
/// so it takes the captured position exactly). Counters never move back
/// in an existing database: numbers issued since the backup stay issued.
pub fn restore_sql(engine: Engine, c: &Counter, current: Option<&Counter>, table_schema: Option<&str>) -> Vec<String> {
    if let Some(cur) = current {
        let ahead = if c.increment < 0 {
            cur.next() <= c.next()
        } else {
            cur.next() >= c.next()
        };
        if ahead {
            return Vec::new();
        }
    }
    match engine {
        Engine::Postgres => vec![format!(
            "SELECT setval({}, {}, {})",
            quote::string(engine, &quote::qualified(engine, Some(&c.schema), &c.name)),
            c.value,
            c.is_called
        )],
        Engine::Mysql => vec![format!(
            "ALTER TABLE {} AUTO_INCREMENT = {}",
            quote::qualified(engine, table_schema, &c.name),
            c.value
        )],
        Engine::Sqlite => {
            let (n, v) = (quote::string(engine, &c.name), c.value);
            vec![
                format!(
                    "INSERT INTO sqlite_sequence (name, seq) SELECT {n}, {v} WHERE NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = {n})"
                ),
                format!("UPDATE sqlite_sequence SET seq = {v} WHERE name = {n} AND seq < {v}"),
            ]
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seq(value: i64, is_called: bool) -> Counter {
        Counter {
            schema: "public".into(),
            name: "invoice_seq".into(),
            value,
            is_called,
            increment: 1,
            owner: None,
        }
    }

    #[test]
    fn counters_never_move_back_in_an_existing_database() {
        let backup = seq(7777, true);
        assert_eq!(
            restore_sql(Engine::Postgres, &backup, None, None),
            vec!["SELECT setval('\"public\".\"invoice_seq\"', 7777, true)"]
        );
        assert!(restore_sql(Engine::Postgres, &backup, Some(&seq(8000, true)), None).is_empty());
        assert!(restore_sql(Engine::Postgres, &backup, Some(&seq(7778, false)), None).is_empty());
        assert_eq!(
            restore_sql(Engine::Postgres, &backup, Some(&seq(1049, true)), None).len(),
            1
        );
    }
}
