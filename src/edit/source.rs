//! Whether a result can be edited, and how: it must come from one base
//! table (no join, set operation, grouping, DISTINCT or CTE), the table
//! must have a primary key or a unique key over NOT NULL columns, and the
//! result must include that key. Anything else gets a reason a user reads.

use super::value::ColumnType;
use crate::db::{Column, Engine};
use crate::schema::{Schema, Table};
use sqlparser::ast::{
    Expr, GroupByExpr, ObjectName, ObjectNamePart, Query, SelectItem, SetExpr, Statement, TableFactor,
};
use sqlparser::parser::Parser;

/// One column of the edited table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TargetColumn {
    /// Name as the table defines it.
    pub name: String,
    /// Type as the engine prints it.
    pub data_type: String,
    /// How typed input is read for it.
    pub kind: ColumnType,
    /// NULL allowed.
    pub nullable: bool,
    /// Default expression, shown for new rows.
    pub default: Option<String>,
    /// Filled by the server (identity, auto_increment, generated): never written.
    pub server_filled: bool,
    /// Generated column: never written, not even by an INSERT.
    pub generated: bool,
    /// Filled by the server when a new row leaves it out, yet writable
    /// (SQLite's `INTEGER PRIMARY KEY`, the rowid).
    pub filled_when_omitted: bool,
}

impl TargetColumn {
    /// A new row must give this column a value.
    pub fn required(&self) -> bool {
        !self.nullable && self.default.is_none() && !self.server_filled && !self.filled_when_omitted
    }
}

/// A table whose rows a result shows, found by their key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EditTarget {
    /// Engine (for quoting and literals).
    pub engine: Engine,
    /// Schema; empty when the engine has none to name (SQLite `main`).
    pub schema: String,
    /// Table name.
    pub table: String,
    /// Every column of the table, in order.
    pub columns: Vec<TargetColumn>,
    /// Indexes (into `columns`) of the key.
    pub key: Vec<usize>,
    /// Name of the key (`orders_pkey`, `PRIMARY`, a unique constraint).
    pub key_name: String,
    /// For each result column, the table column it shows (None: an expression).
    pub mapping: Vec<Option<usize>>,
}

impl EditTarget {
    /// `schema.table` as users read it.
    pub fn display_name(&self) -> String {
        if self.schema.is_empty() {
            self.table.clone()
        } else {
            format!("{}.{}", self.schema, self.table)
        }
    }

    /// The quoted, qualified table name for SQL.
    pub fn sql_name(&self) -> String {
        crate::db::quote::qualified(
            self.engine,
            Some(self.schema.as_str()).filter(|s| !s.is_empty()),
            &self.table,
        )
    }

    /// The table column a result column shows.
    pub fn column_of(&self, result_col: usize) -> Option<usize> {
        self.mapping.get(result_col).copied().flatten()
    }

    /// The result column showing table column `col`, if any.
    pub fn result_col(&self, col: usize) -> Option<usize> {
        self.mapping.iter().position(|m| *m == Some(col))
    }

    /// Why a result column cannot be edited, if it cannot.
    pub fn why_not_editable(&self, result_col: usize) -> Option<String> {
        let Some(c) = self.column_of(result_col) else {
            return Some("this column is an expression, not a column of the table".into());
        };
        let col = &self.columns[c];
        if col.generated {
            return Some(format!("'{}' is a generated column", col.name));
        }
        None
    }
}

/// Whether the result of `sql` (with `columns`) can be edited, from the
/// schema model; the error says why not.
pub fn editable(sql: &str, engine: Engine, columns: &[Column], schema: &Schema) -> Result<EditTarget, String> {
    let dialect = crate::safety::classify::dialect(engine);
    let statements = Parser::parse_sql(&*dialect, sql)
        .map_err(|_| "read-only: dbn cannot parse the query that made this result".to_string())?;
    let [Statement::Query(q)] = statements.as_slice() else {
        return Err("read-only: the result does not come from a single SELECT".into());
    };
    let (name, projection) = single_table(q)?;
    let (schema_name, table_name) = split_name(&name)?;
    if let Some(why) = system_table(engine, schema_name.as_deref(), &table_name) {
        return Err(why);
    }
    let table = find_table(schema, engine, schema_name.as_deref(), &table_name)?;
    let target_columns: Vec<TargetColumn> = table
        .columns
        .iter()
        .map(|c| TargetColumn {
            name: c.name.clone(),
            data_type: c.data_type.clone(),
            kind: ColumnType::of(engine, &c.data_type),
            nullable: c.nullable,
            default: c.default.clone(),
            server_filled: c.identity.is_some()
                || c.generated.is_some()
                || c.default.as_deref().is_some_and(|d| d.starts_with("nextval(")),
            generated: c.generated.is_some(),
            filled_when_omitted: engine == Engine::Sqlite && is_rowid_alias(table, &c.name, &c.data_type),
        })
        .collect();
    let (key_name, key_cols) = key_of(table)?;
    let index_of = |name: &str| table.columns.iter().position(|c| c.name == name);
    let key: Vec<usize> = key_cols
        .iter()
        .map(|k| index_of(k).ok_or_else(|| format!("read-only: key column '{k}' is not in the table model")))
        .collect::<Result<_, _>>()?;
    let mapping = map_columns(&projection, table, columns)?;
    let missing: Vec<&str> = key
        .iter()
        .filter(|k| !mapping.contains(&Some(**k)))
        .map(|k| table.columns[*k].name.as_str())
        .collect();
    if !missing.is_empty() {
        return Err(format!(
            "read-only: the result does not include the key of {} ({}): select it to edit rows",
            display(&table.schema, &table.name, engine),
            missing.join(", ")
        ));
    }
    Ok(EditTarget {
        engine,
        schema: if engine == Engine::Sqlite {
            String::new()
        } else {
            table.schema.clone()
        },
        table: table.name.clone(),
        columns: target_columns,
        key,
        key_name,
        mapping,
    })
}

/// The one table a query reads and its projection; a reason otherwise.
fn single_table(q: &Query) -> Result<(ObjectName, Vec<SelectItem>), String> {
    if q.with.is_some() {
        return Err("read-only: the result comes from a WITH query".into());
    }
    let SetExpr::Select(select) = q.body.as_ref() else {
        return Err("read-only: the result comes from a set operation (UNION, INTERSECT, VALUES)".into());
    };
    if select.distinct.is_some() {
        return Err("read-only: the result is DISTINCT, so its rows are not the table's rows".into());
    }
    let grouped = match &select.group_by {
        GroupByExpr::All(_) => true,
        GroupByExpr::Expressions(e, _) => !e.is_empty(),
    };
    if grouped || select.having.is_some() {
        return Err("read-only: the result is grouped (GROUP BY), so its rows are not the table's rows".into());
    }
    let [from] = select.from.as_slice() else {
        return Err(if select.from.is_empty() {
            "read-only: the result reads no table".into()
        } else {
            "read-only: the result reads several tables".into()
        });
    };
    if !from.joins.is_empty() {
        return Err(
            "read-only: the result comes from a join; edit one table's rows from a query on that table alone".into(),
        );
    }
    match &from.relation {
        TableFactor::Table { name, args: None, .. } => Ok((name.clone(), select.projection.clone())),
        // The grid's server-side sort wraps the query: look inside.
        TableFactor::Derived { subquery, alias, .. }
            if alias.as_ref().is_some_and(|a| a.name.value == "dbn_sorted")
                && select.projection.iter().all(|p| matches!(p, SelectItem::Wildcard(_))) =>
        {
            single_table(subquery)
        }
        TableFactor::Derived { .. } => Err("read-only: the result comes from a subquery".into()),
        _ => Err("read-only: the result comes from a function or another kind of source, not a table".into()),
    }
}

fn split_name(name: &ObjectName) -> Result<(Option<String>, String), String> {
    let parts: Vec<String> = name
        .0
        .iter()
        .map(|p| match p {
            ObjectNamePart::Identifier(i) => Ok(i.value.clone()),
            ObjectNamePart::Function(_) => Err("read-only: the table name is computed".to_string()),
        })
        .collect::<Result<_, _>>()?;
    match parts.as_slice() {
        [t] => Ok((None, t.clone())),
        [s, t] => Ok((Some(s.clone()), t.clone())),
        [_, s, t] => Ok((Some(s.clone()), t.clone())),
        _ => Err("read-only: the table name has too many parts".into()),
    }
}

/// Engines' own catalogs are never edited from the grid.
fn system_table(engine: Engine, schema: Option<&str>, table: &str) -> Option<String> {
    let system_schema = match engine {
        Engine::Postgres => {
            schema.is_some_and(|s| {
                let s = s.to_ascii_lowercase();
                s == "pg_catalog" || s == "information_schema" || s.starts_with("pg_toast")
            }) || (schema.is_none() && table.to_ascii_lowercase().starts_with("pg_"))
        }
        Engine::Mysql => schema.is_some_and(|s| {
            matches!(
                s.to_ascii_lowercase().as_str(),
                "mysql" | "information_schema" | "performance_schema" | "sys"
            )
        }),
        Engine::Sqlite => table.to_ascii_lowercase().starts_with("sqlite_"),
    };
    system_schema.then(|| {
        format!(
            "read-only: {} is a system table of the engine",
            display(schema.unwrap_or(""), table, engine)
        )
    })
}

fn display(schema: &str, table: &str, engine: Engine) -> String {
    if schema.is_empty() || engine == Engine::Sqlite {
        table.to_string()
    } else {
        format!("{schema}.{table}")
    }
}

/// The table named, as the engine would resolve it: exact names first, then
/// case-insensitively; without a schema, the default one (`public`, the
/// connection's database, `main`) or the only table of that name.
/// SQLite fills an `INTEGER PRIMARY KEY` column of a rowid table itself
/// (it is the rowid), so a new row may leave it out.
fn is_rowid_alias(table: &Table, column: &str, data_type: &str) -> bool {
    !table.without_rowid
        && data_type.eq_ignore_ascii_case("integer")
        && table
            .primary_key
            .as_ref()
            .is_some_and(|k| k.columns.len() == 1 && k.columns[0] == column)
}

fn find_table<'a>(schema: &'a Schema, engine: Engine, s: Option<&str>, t: &str) -> Result<&'a Table, String> {
    let same = |a: &str, b: &str| a == b || a.eq_ignore_ascii_case(b);
    let in_schema = |tab: &&Table| match s {
        Some(s) => engine == Engine::Sqlite || same(&tab.schema, s),
        None => true,
    };
    let mut found: Vec<&Table> = schema
        .tables
        .iter()
        .filter(in_schema)
        .filter(|tab| tab.name == t)
        .collect();
    if found.is_empty() {
        found = schema
            .tables
            .iter()
            .filter(in_schema)
            .filter(|tab| same(&tab.name, t))
            .collect();
    }
    if found.len() > 1 && s.is_none() {
        let default = match engine {
            Engine::Postgres => "public".to_string(),
            _ => schema.schemas.first().cloned().unwrap_or_default(),
        };
        found.retain(|tab| tab.schema == default);
    }
    match found.as_slice() {
        [one] => Ok(one),
        [] => {
            let view = schema
                .views
                .iter()
                .any(|v| same(&v.name, t) && s.is_none_or(|s| same(&v.schema, s)));
            Err(if view {
                format!(
                    "read-only: {} is a view, and views have no key to find a row by",
                    display(s.unwrap_or(""), t, engine)
                )
            } else {
                format!(
                    "read-only: table {} is not in the schema dbn read (press r in the tree to reload it)",
                    display(s.unwrap_or(""), t, engine)
                )
            })
        }
        _ => Err(format!(
            "read-only: the name {t} is ambiguous: qualify it with its schema"
        )),
    }
}

/// The primary key, else a unique constraint or index over NOT NULL columns.
fn key_of(table: &Table) -> Result<(String, Vec<String>), String> {
    if let Some(pk) = &table.primary_key {
        return Ok((pk.name.clone(), pk.columns.clone()));
    }
    let not_null = |cols: &[String]| {
        !cols.is_empty()
            && cols
                .iter()
                .all(|c| table.columns.iter().any(|d| &d.name == c && !d.nullable))
    };
    if let Some(u) = table.uniques.iter().find(|u| not_null(&u.columns)) {
        return Ok((u.name.clone(), u.columns.clone()));
    }
    if let Some(i) = table
        .indexes
        .iter()
        .find(|i| i.unique && i.predicate.is_none() && not_null(&i.columns))
    {
        return Ok((i.name.clone(), i.columns.clone()));
    }
    Err(format!(
        "read-only: {} has no primary key or unique key over NOT NULL columns, so a row cannot be found again",
        table.name
    ))
}

/// For each result column, the table column it shows.
fn map_columns(projection: &[SelectItem], table: &Table, result: &[Column]) -> Result<Vec<Option<usize>>, String> {
    let by_name = |n: &str| {
        table
            .columns
            .iter()
            .position(|c| c.name == n)
            .or_else(|| table.columns.iter().position(|c| c.name.eq_ignore_ascii_case(n)))
    };
    let mut out = Vec::with_capacity(result.len());
    for item in projection {
        match item {
            SelectItem::Wildcard(_) | SelectItem::QualifiedWildcard(..) => {
                out.extend(
                    (0..table.columns.len())
                        .filter(|i| !table.columns[*i].invisible)
                        .map(Some),
                );
            }
            SelectItem::UnnamedExpr(e) | SelectItem::ExprWithAlias { expr: e, .. } => out.push(match e {
                Expr::Identifier(i) => by_name(&i.value),
                Expr::CompoundIdentifier(parts) => parts.last().and_then(|i| by_name(&i.value)),
                _ => None,
            }),
            _ => out.push(None),
        }
    }
    if out.len() != result.len() {
        return Err(format!(
            "read-only: the result has {} columns where its query names {}; run the query again",
            result.len(),
            out.len()
        ));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::{ColumnDef, KeyConstraint, View};

    fn col(name: &str, ty: &str, nullable: bool) -> ColumnDef {
        ColumnDef {
            name: name.into(),
            data_type: ty.into(),
            nullable,
            ..ColumnDef::default()
        }
    }

    fn schema() -> Schema {
        let mut orders = Table {
            schema: "public".into(),
            name: "orders".into(),
            columns: vec![
                col("id", "integer", false),
                col("total", "numeric(10,2)", true),
                col("note", "text", true),
            ],
            ..Table::default()
        };
        orders.primary_key = Some(KeyConstraint {
            name: "orders_pkey".into(),
            columns: vec!["id".into()],
            ..KeyConstraint::default()
        });
        let mut tags = Table {
            schema: "public".into(),
            name: "tags".into(),
            columns: vec![col("code", "text", false), col("label", "text", true)],
            ..Table::default()
        };
        tags.uniques.push(KeyConstraint {
            name: "tags_code_key".into(),
            columns: vec!["code".into()],
            ..KeyConstraint::default()
        });
        let log = Table {
            schema: "public".into(),
            name: "log".into(),
            columns: vec![col("at", "timestamp", true), col("msg", "text", true)],
            ..Table::default()
        };
        let mut s = Schema::empty(Engine::Postgres);
        s.schemas = vec!["public".into()];
        s.tables = vec![orders, tags, log];
        s.views = vec![View {
            schema: "public".into(),
            name: "big_orders".into(),
            ..View::default()
        }];
        s
    }

    fn cols(names: &[&str]) -> Vec<Column> {
        names
            .iter()
            .map(|n| Column {
                name: n.to_string(),
                type_name: "text".into(),
            })
            .collect()
    }

    #[test]
    fn sqlite_integer_primary_key_is_filled_by_the_server() {
        let mut t = Table {
            schema: "main".into(),
            name: "t".into(),
            columns: vec![col("id", "INTEGER", false), col("n", "int", false)],
            ..Table::default()
        };
        t.primary_key = Some(KeyConstraint {
            name: "pk".into(),
            columns: vec!["id".into()],
            ..KeyConstraint::default()
        });
        let mut s = Schema::empty(Engine::Sqlite);
        s.tables = vec![t.clone()];
        let e = editable("SELECT * FROM t", Engine::Sqlite, &cols(&["id", "n"]), &s).unwrap();
        assert!(!e.columns[0].required(), "the rowid alias is filled by SQLite");
        assert!(!e.columns[0].server_filled, "and may still be written");
        assert!(e.columns[1].required());
        t.without_rowid = true;
        s.tables = vec![t];
        let e = editable("SELECT * FROM t", Engine::Sqlite, &cols(&["id", "n"]), &s).unwrap();
        assert!(e.columns[0].required(), "a WITHOUT ROWID table has no rowid");
    }

    #[test]
    fn one_table_with_a_key_is_editable() {
        let s = schema();
        let t = editable(
            "SELECT * FROM orders WHERE total > 3 ORDER BY id LIMIT 10",
            Engine::Postgres,
            &cols(&["id", "total", "note"]),
            &s,
        )
        .unwrap();
        assert_eq!(
            (t.display_name(), t.key.clone(), t.key_name.as_str()),
            ("public.orders".to_string(), vec![0], "orders_pkey")
        );
        assert_eq!(t.mapping, vec![Some(0), Some(1), Some(2)]);
        assert_eq!(t.sql_name(), "\"public\".\"orders\"");
        let t = editable(
            "select o.note, o.id, total * 2 as double from public.orders o",
            Engine::Postgres,
            &cols(&["note", "id", "double"]),
            &s,
        )
        .unwrap();
        assert_eq!(t.mapping, vec![Some(2), Some(0), None]);
        assert!(t.why_not_editable(2).is_some());
        let t = editable("SELECT * FROM tags", Engine::Postgres, &cols(&["code", "label"]), &s).unwrap();
        assert_eq!(t.key_name, "tags_code_key");
        // The grid's server-side sort wraps the query.
        let t = editable(
            "SELECT * FROM (SELECT * FROM orders) AS dbn_sorted ORDER BY 2 DESC",
            Engine::Postgres,
            &cols(&["id", "total", "note"]),
            &s,
        )
        .unwrap();
        assert_eq!(t.table, "orders");
    }

    #[test]
    fn everything_else_says_why_it_is_read_only() {
        let s = schema();
        let c3 = cols(&["id", "total", "note"]);
        for (sql, why) in [
            ("SELECT o.id, t.code FROM orders o JOIN tags t ON true", "join"),
            ("SELECT * FROM big_orders", "view"),
            ("SELECT * FROM log", "no primary key"),
            ("SELECT total, note, note FROM orders", "does not include the key"),
            ("SELECT note, count(*) FROM orders GROUP BY note", "grouped"),
            ("SELECT DISTINCT id FROM orders", "DISTINCT"),
            ("SELECT * FROM pg_catalog.pg_class", "system table"),
            ("SELECT * FROM pg_class", "system table"),
            ("WITH x AS (SELECT * FROM orders) SELECT * FROM x", "WITH"),
            ("SELECT id FROM orders UNION SELECT id FROM orders", "set operation"),
            ("SELECT * FROM nowhere", "not in the schema"),
            ("SELECT * FROM (SELECT * FROM orders) s", "subquery"),
            ("DELETE FROM orders", "single SELECT"),
        ] {
            let err = editable(sql, Engine::Postgres, &c3, &s).unwrap_err();
            assert!(err.contains(why), "{sql}: {err}");
            assert!(err.starts_with("read-only"), "{err}");
        }
        let err = editable("SELECT * FROM sqlite_master", Engine::Sqlite, &c3, &s).unwrap_err();
        assert!(err.contains("system table"), "{err}");
        let err = editable("SELECT * FROM mysql.user", Engine::Mysql, &c3, &s).unwrap_err();
        assert!(err.contains("system table"), "{err}");
    }
}
