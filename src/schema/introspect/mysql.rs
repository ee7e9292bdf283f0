//! MySQL/MariaDB introspection through information_schema, for the
//! connection's current database only. Object schemas are the database
//! name; references to the database itself inside view bodies are
//! stripped so two databases with different names compare equal.

use super::{json_rows, text_rows};
use crate::db::{DbResult, Engine, Session};
use crate::schema::{
    CheckConstraint, ColumnDef, ForeignKey, Function, Index, KeyConstraint, Schema, Table, Trigger, View,
};
use serde::Deserialize;
use std::collections::BTreeMap;

const TABLES: &str = "SELECT JSON_OBJECT('name', TABLE_NAME, 'comment', TABLE_COMMENT, 'collation', TABLE_COLLATION) \
     FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_TYPE = 'BASE TABLE'";

const COLUMNS: &str = "SELECT JSON_OBJECT('table', TABLE_NAME, 'name', COLUMN_NAME, 'type', COLUMN_TYPE, \
     'nullable', IS_NULLABLE, 'default', COLUMN_DEFAULT, 'extra', EXTRA, 'generation', GENERATION_EXPRESSION, \
     'collation', COLLATION_NAME, 'comment', COLUMN_COMMENT) \
     FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() ORDER BY TABLE_NAME, ORDINAL_POSITION";

const STATISTICS: &str = "SELECT JSON_OBJECT('table', TABLE_NAME, 'name', INDEX_NAME, 'non_unique', NON_UNIQUE, \
     'column', COLUMN_NAME, 'sub_part', SUB_PART, 'order', COLLATION, 'method', INDEX_TYPE) \
     FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE() \
     ORDER BY TABLE_NAME, INDEX_NAME, SEQ_IN_INDEX";

const FOREIGN_KEYS: &str = "SELECT JSON_OBJECT('table', k.TABLE_NAME, 'name', k.CONSTRAINT_NAME, \
     'column', k.COLUMN_NAME, 'ref_schema', k.REFERENCED_TABLE_SCHEMA, 'ref_table', k.REFERENCED_TABLE_NAME, \
     'ref_column', k.REFERENCED_COLUMN_NAME, 'on_update', r.UPDATE_RULE, 'on_delete', r.DELETE_RULE) \
     FROM information_schema.KEY_COLUMN_USAGE k JOIN information_schema.REFERENTIAL_CONSTRAINTS r \
     ON r.CONSTRAINT_SCHEMA = k.CONSTRAINT_SCHEMA AND r.CONSTRAINT_NAME = k.CONSTRAINT_NAME AND r.TABLE_NAME = k.TABLE_NAME \
     WHERE k.TABLE_SCHEMA = DATABASE() AND k.REFERENCED_TABLE_NAME IS NOT NULL \
     ORDER BY k.TABLE_NAME, k.CONSTRAINT_NAME, k.ORDINAL_POSITION";

/// MariaDB keeps check names per table and has `TABLE_NAME` here.
const CHECKS_MARIADB: &str = "SELECT JSON_OBJECT('table', TABLE_NAME, 'name', CONSTRAINT_NAME, 'expression', CHECK_CLAUSE) \
     FROM information_schema.CHECK_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = DATABASE()";

/// MySQL 8 names checks per schema and joins through TABLE_CONSTRAINTS.
const CHECKS_MYSQL: &str = "SELECT JSON_OBJECT('table', tc.TABLE_NAME, 'name', tc.CONSTRAINT_NAME, 'expression', cc.CHECK_CLAUSE) \
     FROM information_schema.TABLE_CONSTRAINTS tc JOIN information_schema.CHECK_CONSTRAINTS cc \
     ON cc.CONSTRAINT_SCHEMA = tc.CONSTRAINT_SCHEMA AND cc.CONSTRAINT_NAME = tc.CONSTRAINT_NAME \
     WHERE tc.TABLE_SCHEMA = DATABASE() AND tc.CONSTRAINT_TYPE = 'CHECK'";

const VIEWS: &str = "SELECT JSON_OBJECT('name', TABLE_NAME, 'definition', VIEW_DEFINITION) \
     FROM information_schema.VIEWS WHERE TABLE_SCHEMA = DATABASE()";

const TRIGGERS: &str = "SELECT JSON_OBJECT('name', TRIGGER_NAME, 'table', EVENT_OBJECT_TABLE, \
     'timing', ACTION_TIMING, 'event', EVENT_MANIPULATION, 'statement', ACTION_STATEMENT) \
     FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = DATABASE()";

const ROUTINES: &str = "SELECT JSON_OBJECT('name', ROUTINE_NAME, 'kind', ROUTINE_TYPE, 'returns', DTD_IDENTIFIER, \
     'body', ROUTINE_DEFINITION, 'deterministic', IS_DETERMINISTIC, 'access', SQL_DATA_ACCESS, \
     'security', SECURITY_TYPE, 'comment', ROUTINE_COMMENT) \
     FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = DATABASE()";

const PARAMETERS: &str = "SELECT JSON_OBJECT('routine', SPECIFIC_NAME, 'kind', ROUTINE_TYPE, 'mode', PARAMETER_MODE, \
     'name', PARAMETER_NAME, 'type', DTD_IDENTIFIER) \
     FROM information_schema.PARAMETERS WHERE SPECIFIC_SCHEMA = DATABASE() AND ORDINAL_POSITION > 0 \
     ORDER BY SPECIFIC_NAME, ORDINAL_POSITION";

#[derive(Deserialize)]
struct TableRow {
    name: String,
    comment: Option<String>,
    collation: Option<String>,
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
}

#[derive(Deserialize)]
struct NamedDef {
    name: String,
    definition: Option<String>,
}

#[derive(Deserialize)]
struct TriggerRow {
    name: String,
    table: String,
    timing: String,
    event: String,
    statement: String,
}

#[derive(Deserialize)]
struct RoutineRow {
    name: String,
    kind: String,
    returns: Option<String>,
    body: Option<String>,
    deterministic: Option<String>,
    access: Option<String>,
    security: Option<String>,
    comment: Option<String>,
}

#[derive(Deserialize)]
struct ParamRow {
    routine: String,
    kind: String,
    mode: Option<String>,
    name: Option<String>,
    #[serde(rename = "type")]
    data_type: String,
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
        collations.insert(t.name.clone(), t.collation.unwrap_or_default());
        tables.insert(
            t.name.clone(),
            Table {
                schema: db.clone(),
                name: t.name,
                columns: Vec::new(),
                primary_key: None,
                uniques: Vec::new(),
                foreign_keys: Vec::new(),
                checks: Vec::new(),
                indexes: Vec::new(),
                comment: t.comment.filter(|c| !c.is_empty()),
                exclusions: Vec::new(),
                row_security: None,
                partition_by: None,
                ..Default::default()
            },
        );
    }
    let mut views: Vec<View> = json_rows::<NamedDef>(session, VIEWS)
        .await?
        .into_iter()
        .map(|v| View {
            schema: db.clone(),
            definition: strip_db(&v.definition.unwrap_or_default(), &db),
            name: v.name,
            materialized: false,
            columns: Vec::new(),
            depends_on: Vec::new(),
            indexes: Vec::new(),
            comment: None,
            ..Default::default()
        })
        .collect();
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
    read_foreign_keys(session, &mut tables, &db).await?;
    let checks = match json_rows::<CheckRow>(session, CHECKS_MARIADB).await {
        Ok(rows) => rows,
        Err(_) => json_rows::<CheckRow>(session, CHECKS_MYSQL).await?,
    };
    for c in checks {
        if let Some(t) = tables.get_mut(&c.table) {
            t.checks.push(CheckConstraint {
                name: c.name,
                expression: c.expression,
                ..Default::default()
            });
        }
    }
    let names: Vec<String> = tables.keys().chain(views.iter().map(|v| &v.name)).cloned().collect();
    for v in &mut views {
        v.depends_on = mentioned(&v.definition, &names, &v.name)
            .into_iter()
            .map(|n| format!("{db}.{n}"))
            .collect();
    }
    schema.tables = tables.into_values().collect();
    schema.views = views;
    schema.triggers = json_rows::<TriggerRow>(session, TRIGGERS)
        .await?
        .into_iter()
        .map(|t| Trigger {
            schema: db.clone(),
            definition: format!(
                "CREATE TRIGGER `{}` {} {} ON `{}` FOR EACH ROW {}",
                t.name.replace('`', "``"),
                t.timing,
                t.event,
                t.table.replace('`', "``"),
                strip_db(&t.statement, &db)
            ),
            table: t.table,
            name: t.name,
            ..Default::default()
        })
        .collect();
    schema.functions = read_routines(session, &db).await?;
    schema.normalize();
    Ok(schema)
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

/// unique, method, parts, plain (no prefix length or DESC part).
type IndexParts = (bool, Option<String>, Vec<String>, bool);

async fn read_indexes(session: &mut dyn Session, tables: &mut BTreeMap<String, Table>) -> DbResult<()> {
    // (table, index) -> (unique, method, parts, plain: no prefix or DESC)
    let mut found: BTreeMap<(String, String), IndexParts> = BTreeMap::new();
    for s in json_rows::<StatRow>(session, STATISTICS).await? {
        let entry = found.entry((s.table.clone(), s.name.clone())).or_insert((
            json_int(&s.non_unique) == 0,
            s.method.clone(),
            Vec::new(),
            true,
        ));
        let mut part = s.column.clone().unwrap_or_default();
        if let Some(n) = s.sub_part.as_ref().map(json_int).filter(|n| *n > 0) {
            part = format!("{part}({n})");
            entry.3 = false;
        }
        if s.order.as_deref() == Some("D") {
            part.push_str(" DESC");
            entry.3 = false;
        }
        entry.2.push(part);
    }
    for ((table, name), (unique, method, columns, plain)) in found {
        let Some(t) = tables.get_mut(&table) else { continue };
        if name == "PRIMARY" {
            t.primary_key = Some(KeyConstraint {
                name,
                columns,
                ..Default::default()
            });
        } else if unique && plain {
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
                predicate: None,
                method: method.map(|m| m.to_ascii_lowercase()),
                definition: None,
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
            deferrable: None,
            ..Default::default()
        });
    }
    Ok(())
}

async fn read_routines(session: &mut dyn Session, db: &str) -> DbResult<Vec<Function>> {
    let mut params: BTreeMap<(String, String), Vec<String>> = BTreeMap::new();
    for p in json_rows::<ParamRow>(session, PARAMETERS).await? {
        let name = p.name.unwrap_or_default().replace('`', "``");
        let text = match p.mode.as_deref() {
            Some(m) if p.kind.eq_ignore_ascii_case("procedure") => format!("{m} `{name}` {}", p.data_type),
            _ => format!("`{name}` {}", p.data_type),
        };
        params
            .entry((p.routine, p.kind.to_ascii_uppercase()))
            .or_default()
            .push(text);
    }
    let mut out = Vec::new();
    for r in json_rows::<RoutineRow>(session, ROUTINES).await? {
        let kind = r.kind.to_ascii_uppercase();
        let args = params
            .remove(&(r.name.clone(), kind.clone()))
            .unwrap_or_default()
            .join(", ");
        let mut def = format!("CREATE {kind} `{}`({args})", r.name.replace('`', "``"));
        if kind == "FUNCTION" {
            def.push_str(&format!(" RETURNS {}", r.returns.unwrap_or_default()));
        }
        if r.deterministic.as_deref() == Some("YES") {
            def.push_str(" DETERMINISTIC");
        }
        if let Some(a) = r.access.filter(|a| a != "CONTAINS SQL") {
            def.push_str(&format!(" {a}"));
        }
        if r.security.as_deref() == Some("INVOKER") {
            def.push_str(" SQL SECURITY INVOKER");
        }
        if let Some(c) = r.comment.as_ref().filter(|c| !c.is_empty()) {
            def.push_str(&format!(" COMMENT '{}'", c.replace('\'', "''")));
        }
        def.push('\n');
        def.push_str(&strip_db(&r.body.unwrap_or_default(), db));
        out.push(Function {
            schema: db.to_string(),
            name: r.name,
            arguments: args,
            kind: kind.to_ascii_lowercase(),
            definition: def,
            comment: None,
            ..Default::default()
        });
    }
    Ok(out)
}

/// Remove `` `db`. `` qualifiers the server adds inside view and routine text.
fn strip_db(text: &str, db: &str) -> String {
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
