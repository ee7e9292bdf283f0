//! SQLite introspection through `sqlite_master` and the `pragma_*`
//! table-valued functions, plus a scan of the stored CREATE text for what
//! the pragmas do not report (checks, generated columns, collations).

pub(crate) mod scan;

use super::json_rows;
use crate::db::{DbResult, Engine, Session};
use crate::schema::{CheckConstraint, ColumnDef, ForeignKey, Index, KeyConstraint, Schema, Table, Trigger, View};
use serde::Deserialize;
use std::collections::BTreeMap;

const SCHEMA_SQL: &str = "SELECT json_object('type', type, 'name', name, 'table', tbl_name, 'sql', sql) \
     FROM sqlite_master WHERE name NOT LIKE 'sqlite\\_%' ESCAPE '\\' AND sql IS NOT NULL ORDER BY type, name";

const SHADOWS: &str = "SELECT name FROM pragma_table_list WHERE schema = 'main' AND type = 'shadow'";

const COLUMNS: &str = "SELECT json_object('table', m.name, 'name', p.name, 'type', p.type, 'notnull', p.\"notnull\", \
     'default', p.dflt_value, 'pk', p.pk, 'hidden', p.hidden) \
     FROM sqlite_master m JOIN pragma_table_xinfo(m.name) p \
     WHERE m.type IN ('table', 'view') AND m.name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY m.name, p.cid";

const INDEXES: &str = "SELECT json_object('table', m.name, 'name', il.name, 'unique', il.\"unique\", 'origin', il.origin, \
     'partial', il.partial, 'columns', (SELECT json_group_array(c) FROM \
       (SELECT coalesce(x.name, '<expression>') AS c FROM pragma_index_xinfo(il.name) x WHERE x.key = 1 ORDER BY x.seqno))) \
     FROM sqlite_master m JOIN pragma_index_list(m.name) il \
     WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY m.name, il.name";

const FOREIGN_KEYS: &str = "SELECT json_object('table', m.name, 'id', f.id, 'ref_table', f.\"table\", 'from', f.\"from\", \
     'to', f.\"to\", 'on_update', f.on_update, 'on_delete', f.on_delete) \
     FROM sqlite_master m JOIN pragma_foreign_key_list(m.name) f \
     WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY m.name, f.id, f.seq";

#[derive(Deserialize)]
struct MasterRow {
    #[serde(rename = "type")]
    kind: String,
    name: String,
    table: String,
    sql: String,
}

#[derive(Deserialize)]
struct ColumnRow {
    table: String,
    name: String,
    #[serde(rename = "type")]
    data_type: String,
    notnull: i64,
    default: Option<String>,
    pk: i64,
    hidden: i64,
}

#[derive(Deserialize)]
struct IndexRow {
    table: String,
    name: String,
    unique: i64,
    origin: String,
    columns: String,
}

#[derive(Deserialize)]
struct FkRow {
    table: String,
    id: i64,
    ref_table: String,
    from: String,
    to: Option<String>,
    on_update: String,
    on_delete: String,
}

/// Introspect the database behind `session`.
pub async fn introspect(session: &mut dyn Session) -> DbResult<Schema> {
    let mut schema = Schema::empty(Engine::Sqlite);
    schema.schemas = vec!["main".to_string()];
    let master = json_rows::<MasterRow>(session, SCHEMA_SQL).await?;
    // Shadow tables belong to a virtual table and come and go with it.
    let shadows: Vec<String> = super::text_rows(session, SHADOWS).await.unwrap_or_default();
    let mut tables: BTreeMap<String, Table> = BTreeMap::new();
    let mut table_sql = BTreeMap::new();
    let mut index_sql = BTreeMap::new();
    for m in master {
        match m.kind.as_str() {
            "table" if shadows.contains(&m.name) => {}
            "table" => {
                let mut t = empty_table(&m.name);
                let (without_rowid, strict) = scan::table_options(&m.sql);
                t.without_rowid = without_rowid;
                t.strict = strict;
                if m.sql.trim_start().to_ascii_uppercase().starts_with("CREATE VIRTUAL") {
                    t.options = vec!["virtual".into()];
                }
                t.original = Some(m.sql.clone());
                table_sql.insert(m.name.clone(), m.sql);
                tables.insert(m.name.clone(), t);
            }
            "view" => schema.views.push(View {
                schema: "main".into(),
                name: m.name,
                definition: scan::view_query(&m.sql),
                original: Some(m.sql),
                ..Default::default()
            }),
            "index" => {
                index_sql.insert(m.name, m.sql);
            }
            "trigger" => schema.triggers.push(Trigger {
                schema: "main".into(),
                table: m.table,
                name: m.name,
                definition: m.sql,
                ..Default::default()
            }),
            _ => {}
        }
    }
    let mut pk_cols: BTreeMap<String, Vec<(i64, String)>> = BTreeMap::new();
    for c in json_rows::<ColumnRow>(session, COLUMNS).await? {
        if c.pk > 0 {
            pk_cols.entry(c.table.clone()).or_default().push((c.pk, c.name.clone()));
        }
        let col = ColumnDef {
            name: c.name,
            data_type: c.data_type,
            nullable: c.notnull == 0 && c.pk == 0,
            default: c.default,
            identity: None,
            generated: None,
            collation: None,
            comment: None,
            ..Default::default()
        };
        if c.hidden == 1 {
            continue; // hidden columns of virtual tables
        }
        if let Some(t) = tables.get_mut(&c.table) {
            t.columns.push(col);
        } else if let Some(v) = schema.views.iter_mut().find(|v| v.name == c.table) {
            v.columns.push(col);
        }
    }
    for (name, mut cols) in pk_cols {
        if let Some(t) = tables.get_mut(&name) {
            cols.sort();
            t.primary_key = Some(KeyConstraint {
                name: String::new(),
                columns: cols.into_iter().map(|(_, c)| c).collect(),
                ..Default::default()
            });
        }
    }
    for (name, sql) in &table_sql {
        if let Some(t) = tables.get_mut(name) {
            apply_scan(t, sql);
        }
    }
    read_indexes(session, &mut tables, &index_sql).await?;
    read_foreign_keys(session, &mut tables).await?;
    let names: Vec<String> = tables
        .keys()
        .chain(schema.views.iter().map(|v| &v.name))
        .cloned()
        .collect();
    for v in &mut schema.views {
        v.depends_on = mentioned(&v.definition, &names, &v.name)
            .into_iter()
            .map(|n| format!("main.{n}"))
            .collect();
    }
    schema.tables = tables.into_values().collect();
    schema.dependencies = dependencies(&schema, &names);
    schema.normalize();
    Ok(schema)
}

/// Views and triggers name the tables and views they use; SQLite has no
/// catalog of it, so the stored text is read.
fn dependencies(s: &Schema, names: &[String]) -> Vec<crate::schema::Dependency> {
    use crate::schema::deps::{NodeKind, dep, node, sub_node};
    let e = Engine::Sqlite;
    let kind = |n: &str| {
        if s.views.iter().any(|v| v.name.eq_ignore_ascii_case(n)) {
            NodeKind::View
        } else {
            NodeKind::Table
        }
    };
    let mut out = Vec::new();
    for v in &s.views {
        let from = node(e, NodeKind::View, "main", &v.name);
        for n in mentioned(&v.definition, names, &v.name) {
            out.push(dep(from.clone(), node(e, kind(&n), "main", &n)));
        }
    }
    for t in &s.triggers {
        let from = sub_node(e, NodeKind::Trigger, "main", &t.table, &t.name);
        for n in mentioned(&t.definition, names, &t.name) {
            out.push(dep(from.clone(), node(e, kind(&n), "main", &n)));
        }
    }
    out
}

fn empty_table(name: &str) -> Table {
    Table {
        schema: "main".into(),
        name: name.to_string(),
        columns: Vec::new(),
        primary_key: None,
        uniques: Vec::new(),
        foreign_keys: Vec::new(),
        checks: Vec::new(),
        indexes: Vec::new(),
        comment: None,
        exclusions: Vec::new(),
        row_security: None,
        partition_by: None,
        ..Default::default()
    }
}

fn apply_scan(t: &mut Table, sql: &str) {
    for item in scan::table_items(sql) {
        let info = scan::scan_item(&item);
        for (name, expression) in info.checks {
            t.checks.push(CheckConstraint {
                name,
                expression,
                ..Default::default()
            });
        }
        let Some(col) = info.column.and_then(|c| t.columns.iter_mut().find(|x| x.name == c)) else {
            continue;
        };
        col.collation = info.collation;
        if let Some((expr, kind)) = info.generated {
            col.generated = Some(format!("({expr}) {kind}"));
        }
        if info.autoincrement {
            col.identity = Some("autoincrement".into());
        }
    }
}

async fn read_indexes(
    session: &mut dyn Session,
    tables: &mut BTreeMap<String, Table>,
    index_sql: &BTreeMap<String, String>,
) -> DbResult<()> {
    for i in json_rows::<IndexRow>(session, INDEXES).await? {
        let Some(t) = tables.get_mut(&i.table) else { continue };
        let columns: Vec<String> = serde_json::from_str(&i.columns).unwrap_or_default();
        match i.origin.as_str() {
            "pk" => {}
            "u" => t.uniques.push(KeyConstraint {
                name: String::new(),
                columns,
                ..Default::default()
            }),
            _ => {
                let definition = index_sql.get(&i.name).cloned();
                let predicate = definition
                    .as_deref()
                    .map(scan::squash)
                    .as_deref()
                    .and_then(where_clause);
                t.indexes.push(Index {
                    name: i.name,
                    columns,
                    unique: i.unique != 0,
                    predicate,
                    method: None,
                    definition,
                    ..Default::default()
                });
            }
        }
    }
    // Unnamed unique constraints sort by their columns for a stable order.
    for t in tables.values_mut() {
        t.uniques.sort_by(|a, b| a.columns.cmp(&b.columns));
    }
    Ok(())
}

fn where_clause(def: &str) -> Option<String> {
    let upper = def.to_ascii_uppercase();
    upper.rfind(" WHERE ").map(|p| def[p + 7..].trim().to_string())
}

fn action(a: &str) -> String {
    if a.is_empty() {
        "NO ACTION".into()
    } else {
        a.to_ascii_uppercase()
    }
}

async fn read_foreign_keys(session: &mut dyn Session, tables: &mut BTreeMap<String, Table>) -> DbResult<()> {
    let rows = json_rows::<FkRow>(session, FOREIGN_KEYS).await?;
    let mut grouped: BTreeMap<(String, i64), Vec<FkRow>> = BTreeMap::new();
    for r in rows {
        grouped.entry((r.table.clone(), r.id)).or_default().push(r);
    }
    let pks: BTreeMap<String, Vec<String>> = tables
        .iter()
        .filter_map(|(n, t)| t.primary_key.as_ref().map(|k| (n.clone(), k.columns.clone())))
        .collect();
    for ((table, _), parts) in grouped {
        let Some(first) = parts.first() else { continue };
        let columns: Vec<String> = parts.iter().map(|p| p.from.clone()).collect();
        let mut ref_columns: Vec<String> = parts.iter().filter_map(|p| p.to.clone()).collect();
        if ref_columns.len() != columns.len() {
            // `REFERENCES t` without columns means t's primary key.
            ref_columns = pks.get(&first.ref_table).cloned().unwrap_or_default();
        }
        let fk = ForeignKey {
            name: format!("{table}_{}_fkey", columns.join("_")),
            ref_schema: "main".into(),
            ref_table: first.ref_table.clone(),
            ref_columns,
            on_update: action(&first.on_update),
            on_delete: action(&first.on_delete),
            deferrable: None,
            columns,
            ..Default::default()
        };
        if let Some(t) = tables.get_mut(&table) {
            t.foreign_keys.push(fk);
        }
    }
    Ok(())
}

/// Which of `names` a definition mentions as a word or quoted identifier.
fn mentioned(definition: &str, names: &[String], own: &str) -> Vec<String> {
    let lower = definition.to_lowercase();
    names
        .iter()
        .filter(|n| {
            if n.as_str() == own {
                return false;
            }
            let n = n.to_lowercase();
            lower.match_indices(&n).any(|(p, _)| {
                let before = lower[..p].chars().last();
                let after = lower[p + n.len()..].chars().next();
                let boundary = |c: Option<char>| c.is_none_or(|c| !(c.is_alphanumeric() || c == '_'));
                boundary(before) && boundary(after)
            })
        })
        .cloned()
        .collect()
}
