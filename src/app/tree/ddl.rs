//! The DDL of a tree row, rendered from the schema model by `schema::objects`
//! and `schema::ddl` (the same text `dbn diff schema` shows), never read
//! from the server as text.

use crate::schema::Schema;
use crate::schema::ddl::Ddl;
use crate::schema::objects::{Kind, ObjectOptions, objects};

/// Which constraint of a table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConstraintKind {
    /// UNIQUE.
    Unique,
    /// CHECK.
    Check,
    /// FOREIGN KEY.
    ForeignKey,
}

/// What a tree row's DDL is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DdlRef {
    /// A schema object by kind and display name (as `schema::objects` names it).
    Object(Kind, String),
    /// A constraint, shown as the `ALTER TABLE ... ADD` that creates it.
    Constraint {
        /// Schema of the table.
        schema: String,
        /// Table.
        table: String,
        /// Which kind.
        kind: ConstraintKind,
        /// Constraint name.
        name: String,
    },
}

/// The object a DDL view was asked for is gone from the loaded schema.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DdlGone {
    /// A table, view, function, ... (by kind).
    #[error("{kind} {name} is no longer in the schema: reload it (r)")]
    Object {
        /// Kind, singular.
        kind: &'static str,
        /// Name as shown.
        name: String,
    },
    /// The table of a constraint.
    #[error("table {0} is no longer in the schema: reload it (r)")]
    Table(String),
    /// The constraint itself.
    #[error("constraint {name} is no longer on {table}: reload the schema (r)")]
    Constraint {
        /// Constraint name.
        name: String,
        /// Its table.
        table: String,
    },
}

impl DdlRef {
    /// A title for the DDL view.
    pub fn title(&self) -> String {
        match self {
            DdlRef::Object(k, name) => format!("{} {name}", k.singular()),
            DdlRef::Constraint { table, name, .. } => format!("constraint {name} on {table}"),
        }
    }

    /// The DDL text, or why there is none.
    pub fn render(&self, schema: &Schema) -> Result<String, DdlGone> {
        match self {
            DdlRef::Object(kind, name) => objects(schema, ObjectOptions::default())
                .into_iter()
                .find(|o| o.kind == *kind && o.name == *name)
                .map(|o| o.ddl)
                .ok_or_else(|| DdlGone::Object {
                    kind: kind.singular(),
                    name: name.clone(),
                }),
            DdlRef::Constraint {
                schema: s,
                table,
                kind,
                name,
            } => {
                let t = schema.table(s, table).ok_or_else(|| DdlGone::Table(table.clone()))?;
                let d = Ddl::canonical(schema.engine);
                let clause = match kind {
                    ConstraintKind::Unique => t.uniques.iter().find(|u| u.name == *name).map(|u| d.unique(u)),
                    ConstraintKind::Check => t.checks.iter().find(|c| c.name == *name).map(|c| d.check(c)),
                    ConstraintKind::ForeignKey => t
                        .foreign_keys
                        .iter()
                        .find(|f| f.name == *name)
                        .map(|f| d.foreign_key(s, f)),
                }
                .ok_or_else(|| DdlGone::Constraint {
                    name: name.clone(),
                    table: table.clone(),
                })?;
                let clause = if clause.starts_with("CONSTRAINT ") || clause.starts_with("UNIQUE KEY ") {
                    clause
                } else {
                    format!("CONSTRAINT {} {clause}", d.ident(name))
                };
                if schema.engine == crate::db::Engine::Sqlite {
                    // SQLite cannot add constraints later: they live in CREATE TABLE.
                    return Ok(format!("-- part of CREATE TABLE {}\n{clause}", d.qname(s, table)));
                }
                Ok(format!("ALTER TABLE {} ADD {clause};", d.qname(s, table)))
            }
        }
    }
}
