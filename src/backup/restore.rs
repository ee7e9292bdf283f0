//! Restore: `plan` reads the target and decides everything (tables and their
//! row counts, tables outside the set that reference it, the DDL, counters,
//! triggers to keep from firing); `execute` carries the plan out all or
//! nothing. Nothing outside the restore set changes: no cascade and no
//! trigger fires while loading.
//!
//! Per engine:
//! - Postgres: one transaction with `session_replication_role = replica`
//!   (superusers; otherwise user triggers are disabled inside the
//!   transaction and foreign keys stay enforced), TRUNCATE, COPY, counters,
//!   then keys, indexes, foreign keys, views, triggers, policies and grants;
//! - SQLite: foreign keys off, then one transaction in which the set's
//!   triggers are dropped and recreated around DELETE + inserts;
//! - MariaDB commits DDL: missing objects are created first (and dropped
//!   again on failure), triggers on the set are dropped before and recreated
//!   after the load (said in the plan, as it cannot be rolled back), and the
//!   rows load in one transaction with foreign key checks off.

pub mod ddl;
mod execute;
mod load;
pub mod new_database;
pub mod preview;
pub mod schema_steps;
pub mod scope;
pub mod undoable;

pub use execute::execute;

use super::counters::{self, Counter};
use super::manifest::{Manifest, TableEntry};
use super::{BackupError, BackupResult};
use crate::db::{BulkTarget, Engine, Session, Value, query_all, quote};
use crate::schema::{Schema, Table};
use scope::Dependent;
use serde::Serialize;

/// What to restore.
#[derive(Debug, Clone, Default)]
pub struct RestoreOptions {
    /// Tables (`t` or `schema.t`); empty means every table of the backup.
    pub tables: Vec<String>,
    /// Add the tables that reference the restored ones instead of refusing.
    pub with_dependents: bool,
}

/// One table of a restore plan.
#[derive(Debug, Clone, Serialize)]
pub struct PlannedTable {
    /// The table as backed up.
    #[serde(skip)]
    pub entry: TableEntry,
    /// `schema.table` in the backup.
    pub table: String,
    /// Quoted name on the target.
    pub target: String,
    /// `schema.table` on the target (what a pre-restore snapshot captures).
    pub target_table: String,
    /// Whether the target already has it (its rows will be replaced).
    pub exists: bool,
    /// Rows in the target now.
    pub current_rows: u64,
    /// Rows the backup holds.
    pub backup_rows: u64,
    /// Added because it references a restored table (`--with-dependents`).
    pub dependent: bool,
    /// Where the rows go.
    #[serde(skip)]
    pub bulk: BulkTarget,
}

/// A trigger kept from firing while the rows load.
#[derive(Debug, Clone, Serialize)]
pub struct Suspended {
    /// `schema.table.trigger`.
    pub name: String,
    /// Statement that stops it.
    #[serde(skip)]
    pub stop: String,
    /// Statement that puts it back as it was.
    #[serde(skip)]
    pub resume: String,
}

/// What a restore will do.
#[derive(Debug, Clone, Serialize)]
pub struct RestorePlan {
    /// Backup id.
    pub backup: String,
    /// Engine the backup came from.
    pub source_engine: Engine,
    /// Engine of the target.
    pub target_engine: Engine,
    /// Tables, parents before children.
    pub tables: Vec<PlannedTable>,
    /// Dependents added by `--with-dependents`.
    pub dependents: Vec<String>,
    /// DDL before the data.
    pub pre_data: Vec<String>,
    /// DDL after the data (MariaDB: after the data transaction commits).
    pub post_data: Vec<String>,
    /// MariaDB: statements that drop what `pre_data` created, on failure.
    #[serde(skip)]
    pub undo_created: Vec<String>,
    /// Statements that put sequences and auto-increment counters back.
    pub counters: Vec<String>,
    /// Triggers stopped during the load.
    pub suspended: Vec<Suspended>,
    /// Postgres: load under `session_replication_role = replica`.
    pub replica: bool,
    /// Queries that must return no rows before commit, with their message.
    #[serde(skip)]
    pub checks: Vec<(String, String)>,
    /// What cannot be rolled back on this engine, said before starting.
    pub not_atomic: Vec<String>,
}

impl RestorePlan {
    /// Target names (`schema.table`) of tables that exist and will be
    /// replaced (what a pre-restore snapshot must capture).
    pub fn replaced(&self) -> Vec<String> {
        self.tables
            .iter()
            .filter(|t| t.exists)
            .map(|t| t.target_table.clone())
            .collect()
    }
}

/// Totals of an executed restore.
#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct RestoreReport {
    /// Tables restored.
    pub tables: u64,
    /// Rows loaded.
    pub rows: u64,
    /// Rows removed from replaced tables.
    pub deleted: u64,
}

async fn count(session: &mut dyn Session, target: &str) -> BackupResult<u64> {
    let (_, rows, _) = query_all(session, &format!("SELECT count(*) FROM {target}")).await?;
    Ok(match rows.first().and_then(|r| r.first()) {
        Some(Value::Int(n)) => (*n).max(0) as u64,
        Some(Value::UInt(n)) => *n,
        Some(v) => v.to_string().parse().unwrap_or(0),
        None => 0,
    })
}

/// Parents before children, by the backup's foreign keys (cycles keep
/// their backup order).
fn order_by_fk(m: &Manifest, tables: Vec<TableEntry>) -> Vec<TableEntry> {
    let mut left = tables;
    let mut out: Vec<TableEntry> = Vec::new();
    while !left.is_empty() {
        let ready = left.iter().position(|t| {
            let deps = m
                .schema
                .table(&t.schema, &t.name)
                .map(|s| s.foreign_keys.clone())
                .unwrap_or_default();
            deps.iter().all(|fk| {
                (fk.ref_schema == t.schema && fk.ref_table == t.name)
                    || !left.iter().any(|o| o.schema == fk.ref_schema && o.name == fk.ref_table)
            })
        });
        out.push(left.remove(ready.unwrap_or(0)));
    }
    out
}

/// The refusal when tables outside the set reference it.
fn dependents_error(found: &[Dependent]) -> BackupError {
    let list: Vec<String> = found.iter().map(|d| format!("  {d}")).collect();
    BackupError::Dependents(list.join("\n"))
}

/// The database name a MariaDB schema lives in (its first namespace).
fn mysql_db(s: &Schema) -> String {
    s.schemas
        .first()
        .cloned()
        .or_else(|| s.tables.first().map(|t| t.schema.clone()))
        .unwrap_or_default()
}

/// Plan a restore of `m` into the database behind `session`. Reads only.
pub async fn plan(session: &mut dyn Session, m: &Manifest, opts: &RestoreOptions) -> BackupResult<RestorePlan> {
    let dst = session.engine();
    let live = crate::schema::introspect::introspect(session).await?;
    let mut captured = m.schema.clone();
    if dst == Engine::Mysql && m.engine == Engine::Mysql {
        schema_steps::rebase_mysql(&mut captured, &mysql_db(&m.schema), &mysql_db(&live));
    }
    let same_engine = m.engine == dst;
    let mut chosen: Vec<TableEntry> = if opts.tables.is_empty() {
        m.tables.clone()
    } else {
        opts.tables
            .iter()
            .map(|w| m.table(w).cloned().ok_or_else(|| BackupError::UnknownTable(w.clone())))
            .collect::<BackupResult<_>>()?
    };
    // Tables outside the set that reference it: named, refused or added.
    let mut dependents = Vec::new();
    loop {
        let set: Vec<&Table> = chosen
            .iter()
            .filter_map(|e| ddl::find_target(&live, m.engine, e))
            .collect();
        let found = scope::dependents(&live, &set);
        if found.is_empty() {
            break;
        }
        if !opts.with_dependents {
            return Err(dependents_error(&found));
        }
        for d in found {
            let name = d.table.split_once('.').map(|(_, n)| n).unwrap_or(&d.table);
            let entry = m
                .table(&d.table)
                .or_else(|| m.table(name))
                .ok_or_else(|| BackupError::DependentNotInBackup(d.to_string()))?;
            if !chosen.iter().any(|c| c.qualified() == entry.qualified()) {
                dependents.push(entry.qualified());
                chosen.push(entry.clone());
            }
        }
    }
    let mut tables = Vec::new();
    for entry in order_by_fk(m, chosen) {
        tables.push(plan_table(session, &live, m, entry, &dependents).await?);
    }
    let exists_all = !tables.is_empty() && tables.iter().all(|t| t.exists);
    let fresh = live.tables.is_empty() && opts.tables.is_empty();
    let mut p = RestorePlan {
        backup: m.id.clone(),
        source_engine: m.engine,
        target_engine: dst,
        tables,
        dependents,
        pre_data: Vec::new(),
        post_data: Vec::new(),
        undo_created: Vec::new(),
        counters: Vec::new(),
        suspended: Vec::new(),
        replica: false,
        checks: Vec::new(),
        not_atomic: Vec::new(),
    };
    if same_engine && !exists_all {
        let names: Vec<(String, String)> = p
            .tables
            .iter()
            .map(|t| (t.entry.schema.clone(), t.entry.name.clone()))
            .collect();
        let want = schema_steps::wanted(&captured, &live, &names, fresh);
        let steps = schema_steps::steps(&want, &live).map_err(|e| BackupError::Unsupported(e.to_string()))?;
        p.pre_data = steps.pre;
        p.post_data = steps.post;
        if dst == Engine::Mysql {
            p.undo_created = mysql_undo(&want);
        }
    } else if !same_engine {
        for t in p.tables.iter().filter(|t| !t.exists) {
            let nullable = |c: &str| {
                m.schema
                    .table(&t.entry.schema, &t.entry.name)
                    .and_then(|s| s.column(c))
                    .is_none_or(|c| c.nullable)
            };
            p.pre_data.extend(ddl::create_table(m.engine, dst, &t.entry, &nullable));
            p.undo_created.push(format!("DROP TABLE IF EXISTS {}", t.target));
        }
    }
    // Created tables take their final names for the counters and checks.
    let mut after = live.clone();
    for t in p.tables.iter().filter(|t| !t.exists) {
        let def = match dst {
            Engine::Postgres => captured.table(&t.entry.schema, &t.entry.name),
            _ => captured.tables.iter().find(|c| c.name == t.entry.name),
        };
        if let Some(def) = def
            && same_engine
        {
            after.tables.push(def.clone());
        }
    }
    let set: Vec<&Table> = p
        .tables
        .iter()
        .filter_map(|t| ddl::find_target(&after, m.engine, &t.entry))
        .collect();
    p.checks = scope::boundary_checks(dst, &after, &set);
    if same_engine {
        p.counters = plan_counters(session, m, &set, opts.tables.is_empty()).await?;
    }
    let existing: Vec<&Table> = p
        .tables
        .iter()
        .filter(|t| t.exists)
        .filter_map(|t| ddl::find_target(&live, m.engine, &t.entry))
        .collect();
    p.replica = dst == Engine::Postgres && execute::is_superuser(session).await?;
    p.suspended = execute::triggers_to_suspend(session, &live, &existing, p.replica).await?;
    if dst == Engine::Mysql {
        p.not_atomic = mysql_notes(&p);
    }
    Ok(p)
}

async fn plan_table(
    session: &mut dyn Session,
    live: &Schema,
    m: &Manifest,
    entry: TableEntry,
    dependents: &[String],
) -> BackupResult<PlannedTable> {
    let dst = session.engine();
    let target_table = ddl::find_target(live, m.engine, &entry);
    let mut p = PlannedTable {
        table: entry.qualified(),
        target: ddl::target_name(m.engine, dst, &entry),
        target_table: entry.name.clone(),
        exists: target_table.is_some(),
        current_rows: 0,
        backup_rows: entry.rows,
        dependent: dependents.contains(&entry.qualified()),
        bulk: BulkTarget {
            schema: ddl::target_schema(m.engine, dst, &entry),
            table: entry.name.clone(),
            columns: entry.columns.clone(),
            types: entry.types.clone(),
        },
        entry,
    };
    if let Some(t) = target_table {
        p.target = quote::qualified(dst, Some(&t.schema), &t.name);
        p.target_table = format!("{}.{}", t.schema, t.name);
        p.bulk.schema = Some(t.schema.clone());
        p.bulk.table = t.name.clone();
        let mut types = Vec::new();
        for c in &p.entry.columns {
            let Some(col) = t.column(c) else {
                return Err(BackupError::Unsupported(format!(
                    "table {} on the target has no column '{c}' that the backup holds; the schema changed since the backup. Restore with --new-database NAME, or add the column first",
                    p.table
                )));
            };
            if col.generated.is_some() {
                return Err(BackupError::Unsupported(format!(
                    "column '{c}' of {} is generated on the target but holds data in the backup; restore with --new-database NAME",
                    p.table
                )));
            }
            types.push(col.data_type.clone());
        }
        p.bulk.types = types;
        p.current_rows = count(session, &p.target).await?;
    }
    if dst == Engine::Mysql && p.bulk.schema.as_deref().is_none_or(str::is_empty) {
        p.bulk.schema = None;
    }
    Ok(p)
}

/// Counter statements: every counter for a full restore, those serving a
/// restored table otherwise; never moving a counter back.
async fn plan_counters(
    session: &mut dyn Session,
    m: &Manifest,
    set: &[&Table],
    all: bool,
) -> BackupResult<Vec<String>> {
    if m.counters.is_empty() {
        return Ok(Vec::new());
    }
    let dst = session.engine();
    let now = counters::capture(session).await?;
    let mut out = Vec::new();
    for c in &m.counters {
        let serves = set.iter().find(|t| c.serves(dst, t));
        if !all && serves.is_none() {
            continue;
        }
        let current = now
            .iter()
            .find(|x| x.name == c.name && (dst != Engine::Postgres || x.schema == c.schema));
        let exists_after = current.is_some() || set.iter().any(|t| c.serves(dst, t)) || dst == Engine::Postgres;
        if !exists_after {
            continue;
        }
        let table_schema = serves.map(|t| t.schema.clone());
        let target: Counter = Counter {
            schema: if dst == Engine::Mysql {
                table_schema.clone().unwrap_or_default()
            } else {
                c.schema.clone()
            },
            ..c.clone()
        };
        out.extend(counters::restore_sql(dst, &target, current, table_schema.as_deref()));
    }
    Ok(out)
}

/// Statements that drop what a MariaDB restore created, newest first.
fn mysql_undo(want: &Schema) -> Vec<String> {
    let q = |n: &str| quote::ident(Engine::Mysql, n);
    let mut out = Vec::new();
    for t in want.triggers.iter().rev() {
        out.push(format!("DROP TRIGGER IF EXISTS {}", q(&t.name)));
    }
    for v in want.views.iter().rev() {
        out.push(format!("DROP VIEW IF EXISTS {}", q(&v.name)));
    }
    for t in want.tables.iter().rev() {
        out.push(format!("DROP TABLE IF EXISTS {}", q(&t.name)));
    }
    for f in want.functions.iter().rev() {
        out.push(format!("DROP {} IF EXISTS {}", f.kind.to_uppercase(), q(&f.name)));
    }
    out
}

fn mysql_notes(p: &RestorePlan) -> Vec<String> {
    let mut out = Vec::new();
    if !p.suspended.is_empty() {
        let names: Vec<&str> = p.suspended.iter().map(|s| s.name.as_str()).collect();
        out.push(format!(
            "MariaDB cannot switch triggers off inside a transaction: {} are dropped before the load and recreated right after it; if dbn is killed in between they stay dropped (their definitions are in the plan: `--json`)",
            names.join(", ")
        ));
    }
    if !p.pre_data.is_empty() {
        out.push(
            "MariaDB commits DDL: the tables and objects the restore creates exist before the data loads; on failure dbn drops them again, but a killed dbn leaves them (empty)".into(),
        );
    }
    if !p.counters.is_empty() {
        out.push("AUTO_INCREMENT counters are set after the data commits (ALTER TABLE)".into());
    }
    out
}
