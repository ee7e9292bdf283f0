//! The DDL a same-engine restore runs, produced by the schema module's own
//! migration planner: the captured model (or the part of it the restore
//! needs) is diffed against the target as it is, in two passes so data
//! loads between them:
//!
//! - before the data: namespaces, extensions, types, sequences, functions
//!   and tables without what would slow or disturb loading (Postgres:
//!   indexes, keys, foreign keys, row security; SQLite: indexes);
//! - after the data: those, plus views, materialized views (filled from the
//!   loaded tables), triggers, policies and grants.
//!
//! MariaDB commits DDL, so everything but triggers is created before its data
//! transaction (foreign key checks are off while loading) and triggers after.
//! Objects already on the target are never altered or dropped.

use crate::db::Engine;
use crate::schema::migrate::{MigrateOptions, plan as migrate};
use crate::schema::{Schema, Table};
use std::collections::BTreeSet;

/// DDL before and after the data.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SchemaSteps {
    /// Statements before the data is loaded.
    pub pre: Vec<String>,
    /// Statements after the data is loaded.
    pub post: Vec<String>,
}

fn qualified(schema: &str, name: &str) -> String {
    format!("{schema}.{name}")
}

/// What of `captured` a restore brings to a target: everything (`all`, a
/// new or empty database), else the missing tables of `tables` and what
/// they need (types, sequences, schemas, extensions, the functions their
/// triggers call) with their indexes, keys, triggers and policies.
pub fn wanted(captured: &Schema, live: &Schema, tables: &[(String, String)], all: bool) -> Schema {
    let engine = captured.engine;
    let same = |s1: &str, n1: &str, s2: &str, n2: &str| n1 == n2 && (engine != Engine::Postgres || s1 == s2);
    let in_live_table = |s: &str, n: &str| live.tables.iter().any(|t| same(&t.schema, &t.name, s, n));
    let mut out = Schema::empty(engine);
    if all {
        out = captured.clone();
        out.tables.retain(|t| !in_live_table(&t.schema, &t.name));
    } else {
        let names: BTreeSet<(String, String)> = tables.iter().cloned().collect();
        out.tables = captured
            .tables
            .iter()
            .filter(|t| names.iter().any(|(s, n)| same(&t.schema, &t.name, s, n)) && !in_live_table(&t.schema, &t.name))
            .cloned()
            .collect();
        let created: BTreeSet<String> = out.tables.iter().map(|t| qualified(&t.schema, &t.name)).collect();
        out.triggers = captured
            .triggers
            .iter()
            .filter(|t| created.contains(&qualified(&t.schema, &t.table)))
            .cloned()
            .collect();
        out.policies = captured
            .policies
            .iter()
            .filter(|p| created.contains(&qualified(&p.schema, &p.table)))
            .cloned()
            .collect();
        // Functions the new triggers call.
        out.functions = captured
            .functions
            .iter()
            .filter(|f| out.triggers.iter().any(|t| t.definition.contains(&f.name)))
            .cloned()
            .collect();
        out.schemas = captured.schemas.clone();
        out.enums = captured.enums.clone();
        out.domains = captured.domains.clone();
        out.composites = captured.composites.clone();
        out.extensions = captured.extensions.clone();
        // A sequence owned by a table that is neither restored nor on the
        // target (a partitioned table left out of a selective restore) would
        // be created `OWNED BY` a missing column: it belongs with its table.
        out.sequences = captured
            .sequences
            .iter()
            .filter(|q| {
                q.owned_by.as_deref().is_none_or(|o| {
                    let parts = split_quoted(o);
                    let [schema, table, _column] = parts.as_slice() else {
                        return true;
                    };
                    created.contains(&qualified(schema, table)) || in_live_table(schema, table)
                })
            })
            .cloned()
            .collect();
    }
    out
}

/// `a."B c".d` -> `["a", "B c", "d"]` (Postgres identifiers as
/// `quote_ident` writes them).
fn split_quoted(text: &str) -> Vec<String> {
    let mut parts = Vec::new();
    let mut cur = String::new();
    let mut inside = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' if inside && chars.peek() == Some(&'"') => {
                cur.push('"');
                chars.next();
            }
            '"' => inside = !inside,
            '.' if !inside => parts.push(std::mem::take(&mut cur)),
            _ => cur.push(c),
        }
    }
    parts.push(cur);
    parts
}

/// `base` with every object of `add` it does not have yet (matched by
/// name); nothing of `base` is changed or removed.
fn add_missing(base: &Schema, add: &Schema) -> Schema {
    let engine = base.engine;
    let same = |s1: &str, n1: &str, s2: &str, n2: &str| n1 == n2 && (engine != Engine::Postgres || s1 == s2);
    let mut out = base.clone();
    for s in &add.schemas {
        if !out.schemas.contains(s) {
            out.schemas.push(s.clone());
        }
    }
    macro_rules! named {
        ($field:ident) => {
            for o in &add.$field {
                if !out
                    .$field
                    .iter()
                    .any(|x| same(&x.schema, &x.name, &o.schema, &o.name))
                {
                    out.$field.push(o.clone());
                }
            }
        };
    }
    named!(tables);
    named!(views);
    named!(sequences);
    named!(enums);
    named!(domains);
    named!(composites);
    for f in &add.functions {
        if !out
            .functions
            .iter()
            .any(|x| same(&x.schema, &x.name, &f.schema, &f.name) && x.arguments == f.arguments)
        {
            out.functions.push(f.clone());
        }
    }
    for t in &add.triggers {
        if !out
            .triggers
            .iter()
            .any(|x| same(&x.schema, &x.table, &t.schema, &t.table) && x.name == t.name)
        {
            out.triggers.push(t.clone());
        }
    }
    for p in &add.policies {
        if !out
            .policies
            .iter()
            .any(|x| same(&x.schema, &x.table, &p.schema, &p.table) && x.name == p.name)
        {
            out.policies.push(p.clone());
        }
    }
    for e in &add.extensions {
        if !out.extensions.iter().any(|x| x.name == e.name) {
            out.extensions.push(e.clone());
        }
    }
    for p in &add.privileges {
        if !out.privileges.contains(p) {
            out.privileges.push(p.clone());
        }
    }
    for (k, v) in &add.schema_comments {
        out.schema_comments.entry(k.clone()).or_insert_with(|| v.clone());
    }
    out.normalize();
    out
}

/// The part of a table created before its data.
fn table_for_load(engine: Engine, t: &Table) -> Table {
    let mut t = t.clone();
    match engine {
        Engine::Postgres => {
            t.indexes.clear();
            t.foreign_keys.clear();
            t.primary_key = None;
            t.uniques.clear();
            t.exclusions.clear();
            t.row_security = None;
        }
        Engine::Sqlite => t.indexes.clear(),
        Engine::Mysql => {}
    }
    t
}

/// `s` without what loads after the data.
fn for_load(s: &Schema) -> Schema {
    let mut out = s.clone();
    out.triggers.clear();
    if s.engine != Engine::Mysql {
        out.tables = s.tables.iter().map(|t| table_for_load(s.engine, t)).collect();
        out.views.clear();
        out.policies.clear();
        out.privileges.clear();
    }
    out
}

/// MariaDB definitions name their database (`` `shop`.`orders` ``); a
/// restore into another database renames it.
pub fn rebase_mysql(s: &mut Schema, from: &str, to: &str) {
    if s.engine != Engine::Mysql || from == to || from.is_empty() {
        return;
    }
    let q = |n: &str| format!("`{}`.", n.replace('`', "``"));
    let (old, new) = (q(from), q(to));
    let fix = |text: &mut String| {
        if text.contains(&old) {
            *text = text.replace(&old, &new);
        }
    };
    for t in &mut s.tables {
        if t.schema == from {
            t.schema = to.to_string();
        }
        for fk in &mut t.foreign_keys {
            if fk.ref_schema == from {
                fk.ref_schema = to.to_string();
            }
        }
    }
    for v in &mut s.views {
        if v.schema == from {
            v.schema = to.to_string();
        }
        fix(&mut v.definition);
        for d in &mut v.depends_on {
            if let Some(rest) = d.strip_prefix(&format!("{from}.")) {
                *d = format!("{to}.{rest}");
            }
        }
    }
    for t in &mut s.triggers {
        if t.schema == from {
            t.schema = to.to_string();
        }
        fix(&mut t.definition);
    }
    for f in &mut s.functions {
        if f.schema == from {
            f.schema = to.to_string();
        }
        fix(&mut f.definition);
    }
    for n in &mut s.schemas {
        if n == from {
            *n = to.to_string();
        }
    }
}

/// Plan the DDL that brings `want` (from [`wanted`]) onto `live`.
pub fn steps(want: &Schema, live: &Schema) -> Result<SchemaSteps, crate::schema::migrate::PlanError> {
    let opts = MigrateOptions {
        online: false,
        with_privileges: true,
    };
    let staged = add_missing(live, &for_load(want));
    let full = add_missing(live, want);
    let pre = migrate(&staged, live, opts)?;
    let post = migrate(&full, &staged, opts)?;
    let keep = |p: crate::schema::migrate::Plan| -> Vec<String> {
        p.steps
            .into_iter()
            .filter(|s| !s.expect_no_rows)
            .map(|s| s.sql)
            .collect()
    };
    Ok(SchemaSteps {
        pre: keep(pre),
        post: keep(post),
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::schema::{ColumnDef, ForeignKey, Index, KeyConstraint};

    fn table(name: &str) -> Table {
        Table {
            schema: "public".into(),
            name: name.into(),
            columns: vec![ColumnDef {
                name: "id".into(),
                data_type: "integer".into(),
                nullable: false,
                ..Default::default()
            }],
            primary_key: Some(KeyConstraint {
                name: format!("{name}_pkey"),
                columns: vec!["id".into()],
                ..Default::default()
            }),
            ..Default::default()
        }
    }

    #[test]
    fn quoted_owners_split_into_their_parts() {
        assert_eq!(split_quoted("public.events.id"), ["public", "events", "id"]);
        assert_eq!(split_quoted("\"a.b\".\"T\"\"x\".id"), ["a.b", "T\"x", "id"]);
    }

    #[test]
    fn postgres_loads_before_keys_indexes_and_foreign_keys() {
        let mut captured = Schema::empty(Engine::Postgres);
        captured.schemas.push("public".into());
        let mut child = table("child");
        child.foreign_keys.push(ForeignKey {
            name: "child_fk".into(),
            columns: vec!["id".into()],
            ref_schema: "public".into(),
            ref_table: "parent".into(),
            ref_columns: vec!["id".into()],
            on_update: "NO ACTION".into(),
            on_delete: "CASCADE".into(),
            ..Default::default()
        });
        child.indexes.push(Index {
            name: "child_i".into(),
            columns: vec!["id".into()],
            ..Default::default()
        });
        captured.tables = vec![table("parent"), child];
        let mut live = Schema::empty(Engine::Postgres);
        live.schemas.push("public".into());
        let want = wanted(&captured, &live, &[], true);
        let s = steps(&want, &live).unwrap();
        let pre = s.pre.join("\n");
        let post = s.post.join("\n");
        assert!(pre.contains("CREATE TABLE"), "{pre}");
        assert!(!pre.contains("PRIMARY KEY") && !pre.contains("FOREIGN KEY"), "{pre}");
        assert!(post.contains("PRIMARY KEY") && post.contains("FOREIGN KEY"), "{post}");
        assert!(post.contains("child_i"), "{post}");
        // An existing table is left as it is.
        live.tables.push(table("parent"));
        let want = wanted(&captured, &live, &[("public".into(), "parent".into())], false);
        let s = steps(&want, &live).unwrap();
        assert!(
            s.pre.iter().chain(&s.post).all(|x| !x.contains("\"parent\" (")),
            "{s:?}"
        );
    }
}
