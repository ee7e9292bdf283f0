//! Migration planning: the ordered SQL that makes a TARGET schema equal a
//! SOURCE schema, each statement annotated with its hazards, per dialect.

mod mysql;
mod postgres;
mod sqlite;

use super::Schema;
use crate::db::Engine;
use serde::Serialize;
use std::collections::BTreeMap;
use thiserror::Error;

/// When a step runs relative to the migration's transaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    /// Before the transaction, on its own (Postgres `ALTER TYPE ... ADD VALUE`,
    /// SQLite `PRAGMA foreign_keys`).
    Pre,
    /// Inside the transaction.
    Tx,
    /// After commit (`CREATE INDEX CONCURRENTLY`).
    Post,
}

/// One statement of a migration.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Step {
    /// The statement, one per step.
    pub sql: String,
    /// Hazards, in words (`data loss: drops column t.c`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub hazards: Vec<String>,
    /// What the statement does that is not a hazard (`metadata only: ...`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    /// When it runs.
    pub stage: Stage,
    /// A check whose result must be empty (SQLite `PRAGMA foreign_key_check`).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub expect_no_rows: bool,
}

/// An ordered migration.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Plan {
    /// Dialect.
    pub engine: Engine,
    /// Statements in execution order (stages are contiguous: pre, tx, post).
    pub steps: Vec<Step>,
    /// Whether the `Tx` steps can run in one transaction (not on MySQL,
    /// whose DDL commits implicitly).
    pub transactional: bool,
}

/// Planning options.
#[derive(Debug, Clone, Copy, Default)]
pub struct MigrateOptions {
    /// Postgres: build new indexes with `CREATE INDEX CONCURRENTLY` after commit.
    pub online: bool,
    /// Also reconcile privileges.
    pub with_privileges: bool,
}

/// A rename the user chose (from `--detect-renames` candidates): applied as
/// `RENAME` instead of drop and create, so the data stays.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rename {
    /// Table `schema.old` in the target becomes `new`.
    Table {
        /// Schema (ignored on MySQL and SQLite).
        schema: String,
        /// Name in the target.
        from: String,
        /// Name in the source.
        to: String,
    },
    /// Column of a table (named as in the source).
    Column {
        /// Schema.
        schema: String,
        /// Table.
        table: String,
        /// Column name in the target.
        from: String,
        /// Column name in the source.
        to: String,
    },
}

/// Why no plan could be made.
#[derive(Debug, Error)]
pub enum PlanError {
    /// A chosen rename names something the target does not have.
    #[error("cannot rename {what}: the target has no such object (see `dbn diff schema --detect-renames`)")]
    UnknownRename {
        /// What was asked.
        what: String,
    },
    /// Source and target are different engines.
    #[error(
        "cannot migrate a {to} schema from a {from} schema: source and target must use the same engine (compare them with `dbn diff schema` instead)"
    )]
    EngineMismatch {
        /// Source engine.
        from: Engine,
        /// Target engine.
        to: Engine,
    },
}

impl crate::error::Coded for PlanError {
    fn code(&self) -> &'static str {
        match self {
            PlanError::UnknownRename { .. } => "SCHEMA_UNKNOWN_RENAME",
            PlanError::EngineMismatch { .. } => "SCHEMA_ENGINE_MISMATCH",
        }
    }

    fn exit(&self) -> crate::error::ExitStatus {
        crate::error::ExitStatus::Usage
    }
}

/// Plan the statements that make `target` equal `source`.
pub fn plan(source: &Schema, target: &Schema, opts: MigrateOptions) -> Result<Plan, PlanError> {
    plan_with_renames(source, target, opts, &[])
}

/// [`plan`], first renaming tables and columns of the target as chosen.
pub fn plan_with_renames(
    source: &Schema,
    target: &Schema,
    opts: MigrateOptions,
    renames: &[Rename],
) -> Result<Plan, PlanError> {
    if source.engine != target.engine {
        return Err(PlanError::EngineMismatch {
            from: source.engine,
            to: target.engine,
        });
    }
    // A snapshot older than the model records less: never drop what it
    // cannot see (partitions, aggregates, ...).
    let (source, target, _) = super::compat::align(source, target);
    let (source, target) = (source.as_ref(), target.as_ref());
    let mut b = Builder::default();
    let renamed = rename(&mut b, target, renames)?;
    let target = &renamed;
    match source.engine {
        Engine::Postgres => postgres::plan(&mut b, source, target, opts),
        Engine::Mysql => mysql::plan(&mut b, source, target),
        Engine::Sqlite => sqlite::plan(&mut b, source, target),
    }
    Ok(Plan {
        engine: source.engine,
        transactional: source.engine != Engine::Mysql,
        steps: b.finish(),
    })
}

/// Phases in execution order inside the transaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Phase {
    /// Statements before the transaction.
    Pre,
    /// Session settings at the start of the transaction.
    Setup,
    /// Chosen renames, before anything refers to the new names.
    Renames,
    /// Drop dependants: triggers, policies, views, foreign keys, indexes, constraints.
    DropDependants,
    /// Create namespaces, extensions, types, sequences, functions.
    CreateEarly,
    /// Create and alter tables.
    Tables,
    /// Indexes, views, foreign keys, triggers, policies, comments, grants.
    CreateLate,
    /// Drop removed tables, sequences, functions, types, schemas.
    DropRemoved,
    /// Final checks inside the transaction.
    Check,
    /// After commit.
    Post,
}

/// Collects steps by phase.
#[derive(Default)]
pub(crate) struct Builder {
    steps: BTreeMap<Phase, Vec<Step>>,
}

impl Builder {
    /// Add a statement without hazards.
    pub(crate) fn add(&mut self, phase: Phase, sql: impl Into<String>) {
        self.add_h(phase, sql, Vec::new());
    }

    /// Add a statement with hazards.
    pub(crate) fn add_h(&mut self, phase: Phase, sql: impl Into<String>, hazards: Vec<String>) {
        self.add_n(phase, sql, hazards, Vec::new());
    }

    /// Add a statement with hazards and notes.
    pub(crate) fn add_n(&mut self, phase: Phase, sql: impl Into<String>, hazards: Vec<String>, notes: Vec<String>) {
        let stage = match phase {
            Phase::Pre => Stage::Pre,
            Phase::Post => Stage::Post,
            _ => Stage::Tx,
        };
        self.steps.entry(phase).or_default().push(Step {
            sql: sql.into(),
            hazards,
            notes,
            stage,
            expect_no_rows: false,
        });
    }

    /// Add a check statement that must return no rows.
    pub(crate) fn check(&mut self, sql: impl Into<String>) {
        self.steps.entry(Phase::Check).or_default().push(Step {
            sql: sql.into(),
            hazards: Vec::new(),
            notes: Vec::new(),
            stage: Stage::Tx,
            expect_no_rows: true,
        });
    }

    /// True when no statement was added.
    pub(crate) fn is_empty(&self) -> bool {
        self.steps.values().all(Vec::is_empty)
    }

    fn finish(self) -> Vec<Step> {
        self.steps.into_values().flatten().collect()
    }
}

impl Plan {
    /// True when there is nothing to do.
    pub fn is_empty(&self) -> bool {
        self.steps
            .iter()
            .all(|s| s.expect_no_rows || s.sql.starts_with("PRAGMA"))
    }

    /// Count of statements with hazards.
    pub fn hazard_count(&self) -> usize {
        self.steps.iter().filter(|s| !s.hazards.is_empty()).count()
    }

    /// The script as a user would run it: hazards as comments, the
    /// transaction made explicit, MySQL compound statements delimited.
    pub fn render(&self, header: &str) -> String {
        let mut out = String::new();
        for line in header.lines() {
            out.push_str(&format!("-- {line}\n"));
        }
        if self.is_empty() {
            out.push_str("-- Nothing to do: the schemas already match.\n");
            return out;
        }
        if self.engine == Engine::Mysql {
            out.push_str(
                "-- MySQL commits each DDL statement implicitly: this script cannot run as one transaction.\n",
            );
        }
        let mut in_tx = false;
        let mut post_said = false;
        if self
            .steps
            .iter()
            .any(|s| s.stage == Stage::Pre && !s.sql.starts_with("PRAGMA"))
        {
            out.push_str("\n-- The statements before BEGIN run outside the transaction.\n");
        }
        for s in &self.steps {
            if s.stage == Stage::Tx && !in_tx && self.transactional {
                out.push_str("\nBEGIN;\n");
                in_tx = true;
            }
            if s.stage == Stage::Post && in_tx {
                out.push_str("\nCOMMIT;\n");
                in_tx = false;
            }
            if s.stage == Stage::Post && !post_said {
                out.push_str("\n-- The statements below run outside the transaction, one by one.\n");
                post_said = true;
            }
            out.push('\n');
            for h in &s.hazards {
                out.push_str(&format!("-- HAZARD {h}\n"));
            }
            for n in &s.notes {
                out.push_str(&format!("-- NOTE {n}\n"));
            }
            if s.expect_no_rows {
                out.push_str("-- must return no rows:\n");
            }
            let compound = self.engine == Engine::Mysql && s.sql.to_ascii_uppercase().contains("BEGIN");
            if compound {
                out.push_str(&format!(
                    "DELIMITER //\n{}\n//\nDELIMITER ;\n",
                    s.sql.trim_end_matches(';')
                ));
            } else if s.sql.trim_end().ends_with(';') {
                out.push_str(&format!("{}\n", s.sql.trim_end()));
            } else {
                out.push_str(&format!("{};\n", s.sql.trim_end()));
            }
        }
        if in_tx {
            out.push_str("\nCOMMIT;\n");
        }
        out
    }
}

/// Whether two object names denote the same object: on MySQL and SQLite the
/// schema is the database itself and is ignored.
pub(crate) fn same_name(engine: Engine, s1: &str, n1: &str, s2: &str, n2: &str) -> bool {
    n1 == n2 && (engine != Engine::Postgres || s1 == s2)
}

/// Apply chosen renames to a copy of the target model and emit the
/// statements first in the table phase. Views over a renamed table are
/// rebuilt because the table counts as touched (its old key disappears).
fn rename(b: &mut Builder, target: &Schema, renames: &[Rename]) -> Result<Schema, PlanError> {
    let d = super::ddl::Ddl::exec(target.engine);
    let mut t = target.clone();
    for r in renames {
        match r {
            Rename::Table { schema, from, to } => {
                let Some(tab) = t
                    .tables
                    .iter_mut()
                    .find(|x| same_name(t.engine, &x.schema, &x.name, schema, from))
                else {
                    return Err(PlanError::UnknownRename {
                        what: format!("table '{from}'"),
                    });
                };
                b.add(
                    Phase::Renames,
                    format!(
                        "ALTER TABLE {} RENAME TO {}",
                        d.qname(&tab.schema, &tab.name),
                        d.ident(to)
                    ),
                );
                let old = tab.name.clone();
                tab.name = to.clone();
                let sch = tab.schema.clone();
                rename_in_dependencies(&mut t.dependencies, t.engine, &sch, &old, None, to);
                for x in &mut t.tables {
                    for p in x.inherits.iter_mut().chain(x.partition_of.as_mut()) {
                        if p.name == old && (t.engine != Engine::Postgres || p.schema == sch) {
                            p.name = to.clone();
                        }
                    }
                }
                for x in &mut t.tables {
                    for fk in &mut x.foreign_keys {
                        if fk.ref_table == old && (t.engine != Engine::Postgres || fk.ref_schema == sch) {
                            fk.ref_table = to.clone();
                        }
                    }
                }
                for tr in &mut t.triggers {
                    if tr.table == old && tr.schema == sch {
                        tr.table = to.clone();
                    }
                }
                for p in &mut t.policies {
                    if p.table == old && p.schema == sch {
                        p.table = to.clone();
                    }
                }
            }
            Rename::Column {
                schema,
                table,
                from,
                to,
            } => {
                let Some(tab) = t
                    .tables
                    .iter_mut()
                    .find(|x| same_name(t.engine, &x.schema, &x.name, schema, table))
                else {
                    return Err(PlanError::UnknownRename {
                        what: format!("column '{table}.{from}'"),
                    });
                };
                let Some(col) = tab.columns.iter_mut().find(|c| &c.name == from) else {
                    return Err(PlanError::UnknownRename {
                        what: format!("column '{table}.{from}'"),
                    });
                };
                col.name = to.clone();
                let (sch, tname) = (tab.schema.clone(), tab.name.clone());
                b.add(
                    Phase::Renames,
                    format!(
                        "ALTER TABLE {} RENAME COLUMN {} TO {}",
                        d.qname(&tab.schema, &tab.name),
                        d.ident(from),
                        d.ident(to)
                    ),
                );
                let rename_cols = |cols: &mut Vec<String>| {
                    for c in cols.iter_mut().filter(|c| *c == from) {
                        *c = to.clone();
                    }
                };
                if let Some(pk) = &mut tab.primary_key {
                    rename_cols(&mut pk.columns);
                }
                tab.uniques.iter_mut().for_each(|u| rename_cols(&mut u.columns));
                tab.foreign_keys.iter_mut().for_each(|f| rename_cols(&mut f.columns));
                tab.indexes.iter_mut().for_each(|i| rename_cols(&mut i.columns));
                for x in &mut t.tables {
                    for fk in &mut x.foreign_keys {
                        if fk.ref_table == tname && (t.engine != Engine::Postgres || fk.ref_schema == sch) {
                            rename_cols(&mut fk.ref_columns);
                        }
                    }
                }
                rename_in_dependencies(&mut t.dependencies, t.engine, &sch, &tname, Some(from), to);
            }
        }
    }
    Ok(t)
}

/// Rewrite node ids after a rename: a table (`column` None) or one of its
/// columns.
fn rename_in_dependencies(
    deps: &mut [super::Dependency],
    engine: Engine,
    schema: &str,
    table: &str,
    column: Option<&str>,
    to: &str,
) {
    use super::deps::{NodeKind, node, sub_node};
    let fix = |id: &mut String| match column {
        Some(c) => {
            let old = sub_node(engine, NodeKind::Column, schema, table, c);
            if *id == old {
                *id = sub_node(engine, NodeKind::Column, schema, table, to);
            }
        }
        None => {
            let old_table = node(engine, NodeKind::Table, schema, table);
            if *id == old_table {
                *id = node(engine, NodeKind::Table, schema, to);
                return;
            }
            let prefix_body = old_table.trim_start_matches("table:").to_string() + ".";
            if let Some((kind, body)) = id.split_once(':')
                && matches!(kind, "column" | "default" | "constraint" | "trigger" | "policy")
                && let Some(rest) = body.strip_prefix(&prefix_body)
            {
                let new_body = node(engine, NodeKind::Table, schema, to);
                *id = format!("{kind}:{}.{rest}", new_body.trim_start_matches("table:"));
            }
        }
    };
    for d in deps.iter_mut() {
        fix(&mut d.from);
        fix(&mut d.to);
    }
}

/// Parse `--rename` values: `[schema.]table=new_table` or
/// `[schema.]table.column=new_column` (the schema part only on Postgres).
pub fn parse_rename(engine: Engine, spec: &str) -> Option<Rename> {
    let (lhs, to) = spec.split_once('=')?;
    let parts: Vec<&str> = lhs.split('.').collect();
    let default_schema = if engine == Engine::Postgres { "public" } else { "" };
    let to = to.trim().to_string();
    if to.is_empty() {
        return None;
    }
    match (engine, parts.as_slice()) {
        (Engine::Postgres, [t]) | (Engine::Mysql | Engine::Sqlite, [t]) => Some(Rename::Table {
            schema: default_schema.into(),
            from: t.to_string(),
            to,
        }),
        (Engine::Postgres, [s, t]) => Some(Rename::Table {
            schema: s.to_string(),
            from: t.to_string(),
            to,
        }),
        (Engine::Mysql | Engine::Sqlite, [t, c]) => Some(Rename::Column {
            schema: String::new(),
            table: t.to_string(),
            from: c.to_string(),
            to,
        }),
        (Engine::Postgres, [s, t, c]) => Some(Rename::Column {
            schema: s.to_string(),
            table: t.to_string(),
            from: c.to_string(),
            to,
        }),
        _ => None,
    }
}
