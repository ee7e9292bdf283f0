//! Resolve the compared table on both sides: columns, their types, the key.

use super::sql::SideTable;
use super::{DataSyncError, SyncResult, describe_key};
use crate::db::{DbError, Engine, Session, Value, query_all, quote};

/// The compared table on both sides, with a shared column order.
#[derive(Debug, Clone)]
pub struct TablePair {
    /// Source side.
    pub source: SideTable,
    /// Target side.
    pub target: SideTable,
    /// Key column names (as the source spells them).
    pub key: Vec<String>,
    /// Compared column names (as the source spells them).
    pub columns: Vec<String>,
    /// Columns of the source that the target lacks (not compared).
    pub only_in_source: Vec<String>,
    /// Columns of the target that the source lacks (not compared).
    pub only_in_target: Vec<String>,
    /// Whether the key is the declared primary key on both sides.
    pub key_declared: bool,
}

struct Described {
    quoted: String,
    columns: Vec<(String, String)>,
    primary_key: Vec<String>,
}

/// User text read as what it must be (see [`crate::safety::user_text`]).
fn user_text<T>(r: Result<T, crate::safety::user_text::UserTextError>) -> SyncResult<T> {
    r.map_err(|e| DataSyncError::Invalid(e.to_string()))
}

fn text_of(v: &Value) -> String {
    match v {
        Value::Bytes(b) => String::from_utf8_lossy(b).into_owned(),
        other => other.render(),
    }
}

fn is_missing_table(e: &DbError) -> bool {
    let m = e.message.to_ascii_lowercase();
    m.contains("does not exist") || m.contains("doesn't exist") || m.contains("no such table")
}

async fn describe(session: &mut dyn Session, side: &'static str, written: &str) -> SyncResult<Described> {
    let engine = session.engine();
    let (schema, name) = user_text(crate::safety::user_text::table_name(written, engine))?;
    let (schema, name) = (schema.as_deref(), name.as_str());
    let quoted = quote::qualified(engine, schema, name);
    let (cols, _, _) = query_all(session, &format!("SELECT * FROM {quoted} WHERE 1 = 0"))
        .await
        .map_err(|e| {
            if is_missing_table(&e) {
                DataSyncError::TableNotFound {
                    side,
                    table: written.to_string(),
                }
            } else {
                DataSyncError::Db { side, source: e }
            }
        })?;
    let pk_sql = match engine {
        Engine::Postgres => format!(
            "SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey) \
             WHERE i.indrelid = to_regclass({}) AND i.indisprimary ORDER BY array_position(i.indkey::int2[], a.attnum)",
            quote::string(engine, &quoted)
        ),
        Engine::Mysql => format!(
            "SELECT COLUMN_NAME FROM information_schema.KEY_COLUMN_USAGE WHERE TABLE_SCHEMA = {} AND TABLE_NAME = {} \
             AND CONSTRAINT_NAME = 'PRIMARY' ORDER BY ORDINAL_POSITION",
            schema.map_or_else(|| "DATABASE()".to_string(), |s| quote::string(engine, s)),
            quote::string(engine, name)
        ),
        Engine::Sqlite => match schema {
            Some(s) => format!(
                "SELECT name FROM pragma_table_info({}, {}) WHERE pk > 0 ORDER BY pk",
                quote::string(engine, name),
                quote::string(engine, s)
            ),
            None => format!(
                "SELECT name FROM pragma_table_info({}) WHERE pk > 0 ORDER BY pk",
                quote::string(engine, name)
            ),
        },
    };
    let (_, pk_rows, _) = query_all(session, &pk_sql).await.map_err(DataSyncError::db(side))?;
    Ok(Described {
        quoted,
        columns: cols.into_iter().map(|c| (c.name, c.type_name)).collect(),
        primary_key: pk_rows.iter().filter_map(|r| r.first()).map(text_of).collect(),
    })
}

/// Find a column by name: exact, then ignoring case (MySQL and SQLite
/// names are case-insensitive).
fn find(d: &Described, name: &str) -> Option<usize> {
    d.columns
        .iter()
        .position(|(c, _)| c == name)
        .or_else(|| d.columns.iter().position(|(c, _)| c.eq_ignore_ascii_case(name)))
}

fn unknown(side: &'static str, d: &Described, column: &str, table: &str) -> DataSyncError {
    DataSyncError::UnknownColumn {
        side,
        column: column.to_string(),
        table: table.to_string(),
        available: d.columns.iter().map(|(c, _)| c.as_str()).collect::<Vec<_>>().join(", "),
    }
}

/// Read the table's shape on both sides and settle the key and the
/// compared columns. `key` and `columns` are the user's choices, if any.
pub async fn resolve_pair(
    source: &mut dyn Session,
    target: &mut dyn Session,
    table: &str,
    key: Option<&[String]>,
    columns: Option<&[String]>,
    filter: Option<&str>,
) -> SyncResult<TablePair> {
    let s = describe(source, "source", table).await?;
    let t = describe(target, "target", table).await?;
    // Names the user wrote may be quoted ("Mixed Case"); they are matched
    // against the table's own columns, never pasted.
    let names_of = |list: Option<&[String]>, what: &'static str| -> SyncResult<Option<Vec<String>>> {
        list.map(|l| {
            l.iter()
                .map(|n| user_text(crate::safety::user_text::identifier(n, source.engine(), what)))
                .collect()
        })
        .transpose()
    };
    let key_names = names_of(key, "--key")?;
    let column_names = names_of(columns, "--columns")?;
    let key = key_names.as_deref();
    let columns = column_names.as_deref();
    // The condition is parsed and rendered for each side's dialect.
    let filter_for = |engine: Engine| -> SyncResult<Option<String>> {
        filter
            .map(|f| user_text(crate::safety::user_text::filter(f, engine)))
            .transpose()
    };
    let source_filter = filter_for(source.engine())?;
    let target_filter = filter_for(target.engine())?;
    let same =
        |a: &[String], b: &[String]| a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.eq_ignore_ascii_case(y));
    let (key, key_declared) = match key {
        Some(k) if !k.is_empty() => (k.to_vec(), same(k, &s.primary_key) && same(k, &t.primary_key)),
        _ if !s.primary_key.is_empty() => (s.primary_key.clone(), same(&s.primary_key, &t.primary_key)),
        _ if !t.primary_key.is_empty() => (t.primary_key.clone(), false),
        _ => {
            return Err(DataSyncError::NoKey {
                table: table.to_string(),
            });
        }
    };
    let mut names: Vec<String> = Vec::new();
    for k in &key {
        let i = find(&s, k).ok_or_else(|| unknown("source", &s, k, table))?;
        names.push(s.columns[i].0.clone());
    }
    let mut only_in_source = Vec::new();
    match columns {
        Some(cols) if !cols.is_empty() => {
            for c in cols {
                let i = find(&s, c).ok_or_else(|| unknown("source", &s, c, table))?;
                let n = &s.columns[i].0;
                if !names.contains(n) {
                    names.push(n.clone());
                }
            }
        }
        _ => {
            for (c, _) in &s.columns {
                if names.contains(c) {
                    continue;
                }
                if find(&t, c).is_some() {
                    names.push(c.clone());
                } else {
                    only_in_source.push(c.clone());
                }
            }
        }
    }
    let only_in_target: Vec<String> = t
        .columns
        .iter()
        .map(|(c, _)| c.clone())
        .filter(|c| find(&s, c).is_none())
        .collect();
    let build = |d: &Described, side: &'static str, engine: Engine, filter: Option<String>| -> SyncResult<SideTable> {
        let mut cols = Vec::new();
        let mut types = Vec::new();
        for n in &names {
            let i = find(d, n).ok_or_else(|| unknown(side, d, n, table))?;
            cols.push(d.columns[i].0.clone());
            types.push(d.columns[i].1.clone());
        }
        Ok(SideTable {
            engine,
            quoted: d.quoted.clone(),
            columns: cols,
            types,
            key: (0..key.len()).collect(),
            filter,
            record_hash: false,
        })
    };
    Ok(TablePair {
        source: build(&s, "source", source.engine(), source_filter)?,
        target: build(&t, "target", target.engine(), target_filter)?,
        key: names[..key.len()].to_vec(),
        columns: names,
        only_in_source,
        only_in_target,
        key_declared,
    })
}

/// Prove a user-chosen key identifies one row and holds no NULL.
pub async fn check_key(session: &mut dyn Session, side: &'static str, t: &SideTable, table: &str) -> SyncResult<()> {
    let key_names = t
        .key
        .iter()
        .map(|&i| t.columns[i].clone())
        .collect::<Vec<_>>()
        .join(", ");
    let (_, rows, _) = query_all(session, &t.null_keys())
        .await
        .map_err(DataSyncError::db(side))?;
    let nulls = match rows.first().and_then(|r| r.first()) {
        Some(Value::Int(n)) => *n,
        Some(v) => v.render().parse().unwrap_or(0),
        None => 0,
    };
    if nulls > 0 {
        return Err(DataSyncError::NullKey {
            side,
            table: table.to_string(),
            key: key_names,
            count: nulls,
        });
    }
    let (_, dups, _) = query_all(session, &t.duplicate_keys(3))
        .await
        .map_err(DataSyncError::db(side))?;
    if !dups.is_empty() {
        let examples = dups
            .iter()
            .map(|r| {
                let n = t.key.len();
                format!(
                    "({}) x{}",
                    describe_key(&r[..n.min(r.len())]),
                    r.get(n).map(Value::render).unwrap_or_default()
                )
            })
            .collect::<Vec<_>>()
            .join("; ");
        return Err(DataSyncError::NonUniqueKey {
            side,
            table: table.to_string(),
            key: key_names,
            examples,
        });
    }
    Ok(())
}
