//! MySQL/MariaDB introspection through information_schema, plus `SHOW
//! CREATE` where only it tells (index options, the original text of
//! triggers and routines), for the connection's current database only.
//! Object schemas are the database name; references to the database
//! itself inside view and routine bodies are stripped so two databases
//! with different names compare equal.

mod queries;
mod routines;
mod show;

use super::{json_rows, text_rows};
use crate::db::{DbResult, Engine, Session};
use crate::schema::deps::{NodeKind, dep, node, sub_node};
use crate::schema::{
    CheckConstraint, ColumnDef, ForeignKey, Index, KeyConstraint, Partition, Schema, Table, Unmodelled, View,
};
use queries::*;
use serde::Deserialize;
use std::collections::BTreeMap;

#[derive(Deserialize)]
struct TableRow {
    name: String,
    comment: Option<String>,
    collation: Option<String>,
    engine: Option<String>,
    options: Option<String>,
    #[serde(rename = "type")]
    kind: Option<String>,
}

#[derive(Deserialize)]
struct ColumnRow {
    table: String,
    name: String,
    #[serde(rename = "type")]
    data_type: String,
    nullable: String,
    default: Option<String>,
    extra: Option<String>,
    generation: Option<String>,
    collation: Option<String>,
    comment: Option<String>,
}

#[derive(Deserialize)]
struct StatRow {
    table: String,
    name: String,
    non_unique: serde_json::Value,
    column: Option<String>,
    sub_part: Option<serde_json::Value>,
    order: Option<String>,
    method: Option<String>,
    comment: Option<String>,
}

#[derive(Deserialize)]
struct FkRow {
    table: String,
    name: String,
    column: String,
    ref_schema: String,
    ref_table: String,
    ref_column: String,
    on_update: String,
    on_delete: String,
}

#[derive(Deserialize)]
struct CheckRow {
    table: String,
    name: String,
    expression: String,
    level: Option<String>,
}

#[derive(Deserialize)]
struct PartRow {
    table: String,
    name: String,
    method: Option<String>,
    expression: Option<String>,
    description: Option<String>,
    comment: Option<String>,
    sub: Option<String>,
}

#[derive(Deserialize)]
struct ViewRow {
    name: String,
    definition: Option<String>,
    check_option: Option<String>,
    security: Option<String>,
    algorithm: Option<String>,
}

/// Introspect the database behind `session`.
pub async fn introspect(session: &mut dyn Session) -> DbResult<Schema> {
    let mut schema = Schema::empty(Engine::Mysql);
    let db = text_rows(session, "SELECT DATABASE()")
        .await?
        .into_iter()
        .next()
        .unwrap_or_default();
    schema.schemas = vec![db.clone()];
    let mut tables: BTreeMap<String, Table> = BTreeMap::new();
    let mut collations = BTreeMap::new();
    for t in json_rows::<TableRow>(session, TABLES).await? {
        let kind = t.kind.unwrap_or_default();
        if kind != "BASE TABLE" {
            // Sequences and system-versioned tables (MariaDB).
            schema.unmodelled.push(Unmodelled {
                kind: match kind.as_str() {
                    "SEQUENCE" => "sequences".into(),
                    "SYSTEM VERSIONED" => "system-versioned tables".into(),
                    other => format!("{} tables", other.to_ascii_lowercase()),
                },
                name: t.name,
                definition: t.options,
            });
            continue;
        }
        let collation = t.collation.unwrap_or_default();
        collations.insert(t.name.clone(), collation.clone());
        let options = t
            .options
            .unwrap_or_default()
            .split_whitespace()
            .filter(|o| *o != "partitioned")
            .map(str::to_string)
            .collect();
        tables.insert(
            t.name.clone(),
            Table {
                schema: db.clone(),
                name: t.name,
                comment: t.comment.filter(|c| !c.is_empty()),
                engine: t.engine,
                collation: Some(collation).filter(|c| !c.is_empty()),
                options,
                ..Default::default()
            },
        );
    }
    let mut views = read_views(session, &db).await?;
    for c in json_rows::<ColumnRow>(session, COLUMNS).await? {
        let table_collation = collations.get(&c.table).cloned().unwrap_or_default();
        let key = c.table.clone();
        let col = column(c, &table_collation);
        if let Some(t) = tables.get_mut(&key) {
            t.columns.push(col);
        } else if let Some(v) = views.iter_mut().find(|v| v.name == key) {
            v.columns.push(col);
        }
    }
    read_indexes(session, &mut tables).await?;
    show::read_show_create(session, &mut tables).await?;
    read_foreign_keys(session, &mut tables, &db).await?;
    read_checks(session, &mut tables).await?;
    read_partitions(session, &mut tables).await?;
    schema.tables = tables.into_values().collect();
    schema.views = views;
    schema.triggers = routines::read_triggers(session, &db).await?;
    schema.functions = routines::read_routines(session, &db).await?;
    if let Ok(events) = json_rows::<Unmodelled>(session, EVENTS).await {
        schema.unmodelled.extend(events);
    }
    schema.dependencies = dependencies(&schema);
    schema.normalize();
    Ok(schema)
}

async fn read_views(session: &mut dyn Session, db: &str) -> DbResult<Vec<View>> {
    let rows = match json_rows::<ViewRow>(session, VIEWS).await {
        Ok(r) => r,
        Err(_) => json_rows::<ViewRow>(session, VIEWS_MYSQL).await?,
    };
    Ok(rows
        .into_iter()
        .map(|v| {
            let mut options = Vec::new();
            if let Some(a) = v.algorithm.filter(|a| !a.eq_ignore_ascii_case("UNDEFINED")) {
                options.push(format!("algorithm={a}"));
            }
            if let Some(c) = v.check_option.filter(|c| !c.eq_ignore_ascii_case("NONE")) {
                options.push(format!("check_option={c}"));
            }
            if let Some(s) = v.security.filter(|s| !s.eq_ignore_ascii_case("DEFINER")) {
                options.push(format!("security={s}"));
            }
            View {
                schema: db.to_string(),
                definition: strip_db(&v.definition.unwrap_or_default(), db),
                name: v.name,
                options,
                ..Default::default()
            }
        })
        .collect())
}

fn column(c: ColumnRow, table_collation: &str) -> ColumnDef {
    let extra = c.extra.unwrap_or_default();
    let extra_lc = extra.to_ascii_lowercase();
    let generated = c.generation.filter(|g| !g.is_empty()).map(|g| {
        let kind = if extra_lc.contains("stored") || extra_lc.contains("persistent") {
            "STORED"
        } else {
            "VIRTUAL"
        };
        format!("({g}) {kind}")
    });
    // MariaDB reports a NULL default as the text 'NULL'.
    let mut default = c
        .default
        .filter(|d| !d.eq_ignore_ascii_case("null") && generated.is_none());
    if let Some(pos) = extra_lc.find("on update ") {
        let on_update = &extra[pos..];
        default = Some(match default {
            Some(d) => format!("{d} {on_update}"),
            None => format!("NULL {on_update}"),
        });
    }
    ColumnDef {
        name: c.name,
        data_type: c.data_type,
        nullable: c.nullable.eq_ignore_ascii_case("yes"),
        default,
        identity: extra_lc
            .contains("auto_increment")
            .then(|| "auto_increment".to_string()),
        generated,
        collation: c.collation.filter(|k| !k.is_empty() && k != table_collation),
        comment: c.comment.filter(|k| !k.is_empty()),
        invisible: extra_lc.split_whitespace().any(|w| w == "invisible"),
        ..Default::default()
    }
}

fn json_int(v: &serde_json::Value) -> i64 {
    match v {
        serde_json::Value::Number(n) => n.as_i64().unwrap_or(0),
        serde_json::Value::String(s) => s.parse().unwrap_or(0),
        _ => 0,
    }
}

/// unique, method, parts, plain (no prefix length or DESC part), comment.
type IndexParts = (bool, Option<String>, Vec<String>, bool, Option<String>);

async fn read_indexes(session: &mut dyn Session, tables: &mut BTreeMap<String, Table>) -> DbResult<()> {
    let mut found: BTreeMap<(String, String), IndexParts> = BTreeMap::new();
    for s in json_rows::<StatRow>(session, STATISTICS).await? {
        let entry = found.entry((s.table.clone(), s.name.clone())).or_insert((
            json_int(&s.non_unique) == 0,
            s.method.clone(),
            Vec::new(),
            true,
            s.comment.clone().filter(|c| !c.is_empty()),
        ));
        let mut part = s.column.clone().unwrap_or_default();
        let spatial = s.method.as_deref().is_some_and(|m| m.eq_ignore_ascii_case("spatial"));
        if let Some(n) = s.sub_part.as_ref().map(json_int).filter(|n| *n > 0 && !spatial) {
            part = format!("{part}({n})");
            entry.3 = false;
        }
        if s.order.as_deref() == Some("D") {
            part.push_str(" DESC");
            entry.3 = false;
        }
        entry.2.push(part);
    }
    for ((table, name), (unique, method, columns, plain, comment)) in found {
        let Some(t) = tables.get_mut(&table) else { continue };
        let method = method.map(|m| m.to_ascii_lowercase());
        if name == "PRIMARY" {
            t.primary_key = Some(KeyConstraint {
                name,
                columns,
                ..Default::default()
            });
        } else if unique && plain && comment.is_none() && method.as_deref().is_none_or(|m| m == "btree") {
            t.uniques.push(KeyConstraint {
                name,
                columns,
                ..Default::default()
            });
        } else {
            t.indexes.push(Index {
                name,
                columns,
                unique,
                method,
                comment,
                ..Default::default()
            });
        }
    }
    Ok(())
}

async fn read_foreign_keys(session: &mut dyn Session, tables: &mut BTreeMap<String, Table>, db: &str) -> DbResult<()> {
    for f in json_rows::<FkRow>(session, FOREIGN_KEYS).await? {
        let Some(t) = tables.get_mut(&f.table) else { continue };
        if let Some(fk) = t.foreign_keys.iter_mut().find(|k| k.name == f.name) {
            fk.columns.push(f.column);
            fk.ref_columns.push(f.ref_column);
            continue;
        }
        t.foreign_keys.push(ForeignKey {
            name: f.name,
            columns: vec![f.column],
            ref_schema: if f.ref_schema == db {
                db.to_string()
            } else {
                f.ref_schema
            },
            ref_table: f.ref_table,
            ref_columns: vec![f.ref_column],
            on_update: f.on_update,
            on_delete: f.on_delete,
            ..Default::default()
        });
    }
    Ok(())
}

async fn read_checks(session: &mut dyn Session, tables: &mut BTreeMap<String, Table>) -> DbResult<()> {
    let checks = match json_rows::<CheckRow>(session, CHECKS_MARIADB).await {
        Ok(rows) => rows,
        Err(_) => json_rows::<CheckRow>(session, CHECKS_MYSQL).await?,
    };
    for c in checks {
        if let Some(t) = tables.get_mut(&c.table) {
            let column = (c.level.as_deref() == Some("Column")).then(|| c.name.clone());
            t.checks.push(CheckConstraint {
                name: c.name,
                expression: c.expression,
                column,
                ..Default::default()
            });
        }
    }
    Ok(())
}

async fn read_partitions(session: &mut dyn Session, tables: &mut BTreeMap<String, Table>) -> DbResult<()> {
    for p in json_rows::<PartRow>(session, PARTITIONS).await? {
        let Some(t) = tables.get_mut(&p.table) else { continue };
        if p.sub.is_some() && t.partitions.iter().any(|x| x.name == p.name) {
            continue;
        }
        let method = p.method.unwrap_or_default();
        if t.partition_by.is_none() {
            let expr = p.expression.clone().unwrap_or_default();
            let open = if method.contains("COLUMNS") { "" } else { " " };
            t.partition_by = Some(format!("{method}{open}({expr})"));
        }
        let bound = p.description.map(|d| {
            if method.starts_with("RANGE") {
                if d == "MAXVALUE" {
                    "VALUES LESS THAN MAXVALUE".to_string()
                } else {
                    format!("VALUES LESS THAN ({d})")
                }
            } else {
                format!("VALUES IN ({d})")
            }
        });
        t.partitions.push(Partition {
            name: p.name,
            bound,
            comment: p.comment.filter(|c| !c.is_empty()),
        });
    }
    Ok(())
}

/// Views, triggers and routines mention what they use by quoted name;
/// foreign keys and sub-objects are implied by the model.
fn dependencies(s: &Schema) -> Vec<crate::schema::Dependency> {
    let e = Engine::Mysql;
    let tables: Vec<String> = s.tables.iter().map(|t| t.name.clone()).collect();
    let views: Vec<String> = s.views.iter().map(|v| v.name.clone()).collect();
    let routines: Vec<(String, String)> = s.functions.iter().map(|f| (f.name.clone(), f.kind.clone())).collect();
    let mut out = Vec::new();
    let mut uses = |from: String, text: &str, own: &str| {
        for n in mentioned(text, &tables, own) {
            out.push(dep(from.clone(), node(e, NodeKind::Table, "", &n)));
        }
        for n in mentioned(text, &views, own) {
            out.push(dep(from.clone(), node(e, NodeKind::View, "", &n)));
        }
        for (n, kind) in &routines {
            if n != own && (text.contains(&format!("`{}`(", n.replace('`', "``"))) || text.contains(&format!("{n}("))) {
                out.push(dep(
                    from.clone(),
                    node(e, NodeKind::Function, "", &format!("{n}({kind})")),
                ));
            }
        }
    };
    for v in &s.views {
        uses(node(e, NodeKind::View, "", &v.name), &v.definition, &v.name);
    }
    for t in &s.triggers {
        uses(
            sub_node(e, NodeKind::Trigger, "", &t.table, &t.name),
            &t.definition,
            &t.name,
        );
    }
    out
}

/// Remove `` `db`. `` qualifiers the server adds inside view and routine text.
pub(crate) fn strip_db(text: &str, db: &str) -> String {
    if db.is_empty() {
        return text.to_string();
    }
    text.replace(&format!("`{}`.", db.replace('`', "``")), "")
}

/// Which of `names` a definition mentions as a quoted identifier.
pub(crate) fn mentioned(definition: &str, names: &[String], own: &str) -> Vec<String> {
    names
        .iter()
        .filter(|n| n.as_str() != own && definition.contains(&format!("`{}`", n.replace('`', "``"))))
        .cloned()
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strips_own_database_qualifier() {
        let v = "select `d`.`t`.`a` AS `a` from `d`.`t`";
        assert_eq!(strip_db(v, "d"), "select `t`.`a` AS `a` from `t`");
        assert_eq!(
            mentioned("from `t` join `u`", &["t".into(), "u".into(), "v".into()], "v"),
            vec!["t", "u"]
        );
    }
}
