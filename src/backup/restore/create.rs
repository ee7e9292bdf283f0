//! What a same-engine restore creates: missing tables as the backup
//! defined them, through the shared schema migration planner.

use crate::backup::manifest::{Manifest, TableEntry};
use crate::db::Engine;

/// Postgres: whether inserts need OVERRIDING SYSTEM VALUE, and the columns
/// whose sequences must move past the restored values.
pub(super) fn pg_identity(dst: Engine, t: &crate::schema::Table, columns: &[String]) -> (bool, Vec<String>) {
    if dst != Engine::Postgres {
        return (false, Vec::new());
    }
    let mut overriding = false;
    let mut serials = Vec::new();
    for c in columns {
        let Some(col) = t.column(c) else { continue };
        if col
            .identity
            .as_deref()
            .is_some_and(|i| i.eq_ignore_ascii_case("always"))
        {
            overriding = true;
        }
        if col.identity.is_some() || col.default.as_deref().is_some_and(|d| d.contains("nextval(")) {
            serials.push(c.clone());
        }
    }
    (overriding, serials)
}

/// Same engine: let `crate::schema::migrate` create the missing tables (and
/// the enums, domains, composite types, sequences and schemas they may
/// need) as the backup recorded them. `None` falls back to plain CREATE
/// TABLE statements.
pub(super) fn same_engine_ddl(
    m: &Manifest,
    live: &crate::schema::Schema,
    missing: &[&TableEntry],
) -> Option<Vec<String>> {
    if m.engine != live.engine {
        return None;
    }
    let mut want = live.clone();
    // MariaDB/SQLite tables live in the target's own database.
    let rename_to = match live.engine {
        Engine::Postgres => None,
        _ => Some(
            live.schemas
                .first()
                .cloned()
                .or_else(|| live.tables.first().map(|t| t.schema.clone()))?,
        ),
    };
    for e in missing {
        let mut t = m.schema.table(&e.schema, &e.name)?.clone();
        if let Some(to) = &rename_to {
            let from = std::mem::replace(&mut t.schema, to.clone());
            for fk in &mut t.foreign_keys {
                if fk.ref_schema == from {
                    fk.ref_schema = to.clone();
                }
            }
        }
        want.tables.push(t);
    }
    if live.engine == Engine::Postgres {
        let s = &m.schema;
        want.schemas
            .extend(s.schemas.iter().filter(|n| !live.schemas.contains(n)).cloned());
        macro_rules! add_missing {
            ($field:ident) => {
                for o in &s.$field {
                    if !live
                        .$field
                        .iter()
                        .any(|l| l.schema == o.schema && l.name == o.name)
                    {
                        want.$field.push(o.clone());
                    }
                }
            };
        }
        add_missing!(enums);
        add_missing!(domains);
        add_missing!(composites);
        add_missing!(sequences);
    }
    want.normalize();
    let plan = crate::schema::migrate::plan(&want, live, crate::schema::migrate::MigrateOptions::default()).ok()?;
    Some(plan.steps.into_iter().map(|s| s.sql).collect())
}
