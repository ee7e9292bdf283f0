//! Postgres migration planning.

mod identity;
mod types;

use super::{Builder, MigrateOptions, Phase, affected_views, view_order};
use crate::db::Engine;
use crate::schema::ddl::Ddl;
use crate::schema::normalize;
use crate::schema::{ColumnDef, Schema, Table};
use identity::{identity_increment, identity_set};
use std::collections::BTreeSet;
use types::{functions, schemas_and_extensions, sequences, types};

type Key = (String, String);

fn key(s: &str, n: &str) -> Key {
    (s.to_string(), n.to_string())
}

/// Fill `b` with the statements that make `target` equal `source`.
pub(super) fn plan(b: &mut Builder, source: &Schema, target: &Schema, opts: MigrateOptions) {
    let d = Ddl::exec(Engine::Postgres);
    let c = Ddl::canonical(Engine::Postgres);
    schemas_and_extensions(b, &d, source, target);
    types(b, &d, &c, source, target);
    sequences(b, &d, source, target);
    functions(b, &d, source, target);

    // Which tables change at all (views over them are rebuilt).
    let mut touched: BTreeSet<String> = BTreeSet::new();
    let mut key_changed: BTreeSet<Key> = BTreeSet::new();
    for t in &target.tables {
        match source.table(&t.schema, &t.name) {
            None => {
                touched.insert(format!("{}.{}", t.schema, t.name));
            }
            Some(s) => {
                if s.columns != t.columns {
                    touched.insert(format!("{}.{}", t.schema, t.name));
                }
                let pk = |x: &Table| x.primary_key.as_ref().map(|k| c.primary_key(k));
                let uq = |x: &Table| x.uniques.iter().map(|k| c.unique(k)).collect::<Vec<_>>();
                if pk(s) != pk(t) || uq(s) != uq(t) || s.columns != t.columns {
                    key_changed.insert(key(&t.schema, &t.name));
                }
            }
        }
    }
    views_drop(b, &d, source, target, &touched);
    triggers_and_policies_drop(b, &c, source, target);
    foreign_keys(b, &d, &c, source, target, &key_changed);
    for s in &source.tables {
        match target.table(&s.schema, &s.name) {
            None => create_table(b, &d, s, opts),
            Some(t) => alter_table(b, &d, &c, s, t, opts),
        }
    }
    for t in &target.tables {
        if source.table(&t.schema, &t.name).is_none() {
            b.add_h(
                Phase::DropRemoved,
                format!("DROP TABLE {}", d.qname(&t.schema, &t.name)),
                vec![format!(
                    "data loss: drops table {}.{} and all its rows",
                    t.schema, t.name
                )],
            );
        }
    }
    views_create(b, &d, source, target, &touched);
    triggers_and_policies_create(b, &c, source, target);
    if opts.with_privileges {
        let src: BTreeSet<_> = source.privileges.iter().collect();
        let tgt: BTreeSet<_> = target.privileges.iter().collect();
        for p in src.difference(&tgt) {
            b.add(Phase::CreateLate, d.grant(p));
        }
        for p in tgt.difference(&src) {
            b.add(Phase::CreateLate, d.revoke(p));
        }
    }
    if !b.is_empty() {
        // Function bodies may name tables created later in the same script.
        b.add(Phase::Setup, "SET LOCAL check_function_bodies = off");
    }
}

fn views_drop(b: &mut Builder, d: &Ddl, source: &Schema, target: &Schema, touched: &BTreeSet<String>) {
    let affected = affected_views(source, target, touched);
    let mut list: Vec<_> = target
        .views
        .iter()
        .filter(|v| affected.contains(&format!("{}.{}", v.schema, v.name)))
        .collect();
    list = view_order(&list);
    for v in list.iter().rev() {
        let kind = if v.materialized { "MATERIALIZED VIEW" } else { "VIEW" };
        b.add(
            Phase::DropDependants,
            format!("DROP {kind} {}", d.qname(&v.schema, &v.name)),
        );
    }
}

fn views_create(b: &mut Builder, d: &Ddl, source: &Schema, target: &Schema, touched: &BTreeSet<String>) {
    let affected = affected_views(source, target, touched);
    let list: Vec<_> = source
        .views
        .iter()
        .filter(|v| {
            let k = format!("{}.{}", v.schema, v.name);
            affected.contains(&k) || !target.views.iter().any(|t| t.schema == v.schema && t.name == v.name)
        })
        .collect();
    for v in view_order(&list) {
        b.add(Phase::CreateLate, d.create_view(v));
        for i in d.view_indexes(v) {
            b.add(Phase::CreateLate, i);
        }
        for i in &v.indexes {
            if let Some(c) = &i.comment {
                b.add(
                    Phase::CreateLate,
                    d.comment_on("INDEX", &d.qname(&v.schema, &i.name), Some(c)),
                );
            }
        }
        if let Some(c) = &v.comment {
            let kind = if v.materialized { "MATERIALIZED VIEW" } else { "VIEW" };
            b.add(
                Phase::CreateLate,
                d.comment_on(kind, &d.qname(&v.schema, &v.name), Some(c)),
            );
        }
    }
    for v in &source.views {
        if list.iter().any(|l| l.schema == v.schema && l.name == v.name) {
            continue;
        }
        let old = target.views.iter().find(|t| t.schema == v.schema && t.name == v.name);
        for i in &v.indexes {
            let was = old.and_then(|t| t.indexes.iter().find(|x| x.name == i.name));
            if was.is_some_and(|x| x.comment != i.comment) {
                let q = d.qname(&v.schema, &i.name);
                b.add(Phase::CreateLate, d.comment_on("INDEX", &q, i.comment.as_deref()));
            }
        }
        if old.is_some_and(|t| t.comment != v.comment) {
            let kind = if v.materialized { "MATERIALIZED VIEW" } else { "VIEW" };
            b.add(
                Phase::CreateLate,
                d.comment_on(kind, &d.qname(&v.schema, &v.name), v.comment.as_deref()),
            );
        }
    }
}

fn triggers_and_policies_drop(b: &mut Builder, c: &Ddl, source: &Schema, target: &Schema) {
    for t in &target.triggers {
        let s = source
            .triggers
            .iter()
            .find(|s| s.schema == t.schema && s.table == t.table && s.name == t.name);
        if s.is_none_or(|s| normalize::body(&s.definition) != normalize::body(&t.definition)) {
            b.add(
                Phase::DropDependants,
                format!("DROP TRIGGER {} ON {}", c.ident(&t.name), c.qname(&t.schema, &t.table)),
            );
        }
    }
    for p in &target.policies {
        let s = source
            .policies
            .iter()
            .find(|s| s.schema == p.schema && s.table == p.table && s.name == p.name);
        if s.is_none_or(|s| c.create_policy(s) != c.create_policy(p)) {
            b.add(
                Phase::DropDependants,
                format!("DROP POLICY {} ON {}", c.ident(&p.name), c.qname(&p.schema, &p.table)),
            );
        }
    }
}

fn triggers_and_policies_create(b: &mut Builder, c: &Ddl, source: &Schema, target: &Schema) {
    let d = Ddl::exec(Engine::Postgres);
    for s in &source.triggers {
        let t = target
            .triggers
            .iter()
            .find(|t| s.schema == t.schema && s.table == t.table && s.name == t.name);
        let on = format!("{} ON {}", d.ident(&s.name), d.qname(&s.schema, &s.table));
        if t.is_none_or(|t| normalize::body(&s.definition) != normalize::body(&t.definition)) {
            b.add(Phase::CreateLate, s.definition.clone());
            if s.comment.is_some() {
                b.add(Phase::CreateLate, d.comment_on("TRIGGER", &on, s.comment.as_deref()));
            }
        } else if t.is_some_and(|t| t.comment != s.comment) {
            b.add(Phase::CreateLate, d.comment_on("TRIGGER", &on, s.comment.as_deref()));
        }
    }
    for s in &source.policies {
        let t = target
            .policies
            .iter()
            .find(|t| s.schema == t.schema && s.table == t.table && s.name == t.name);
        let on = format!("{} ON {}", d.ident(&s.name), d.qname(&s.schema, &s.table));
        if t.is_none_or(|t| c.create_policy(s) != c.create_policy(t)) {
            b.add(Phase::CreateLate, d.create_policy(s));
            if s.comment.is_some() {
                b.add(Phase::CreateLate, d.comment_on("POLICY", &on, s.comment.as_deref()));
            }
        } else if t.is_some_and(|t| t.comment != s.comment) {
            b.add(Phase::CreateLate, d.comment_on("POLICY", &on, s.comment.as_deref()));
        }
    }
}

fn foreign_keys(b: &mut Builder, d: &Ddl, c: &Ddl, source: &Schema, target: &Schema, key_changed: &BTreeSet<Key>) {
    for t in &target.tables {
        let s = source.table(&t.schema, &t.name);
        for fk in &t.foreign_keys {
            let kept = s.and_then(|s| s.foreign_keys.iter().find(|f| f.name == fk.name));
            let changed = kept.is_none_or(|f| c.foreign_key(&t.schema, f) != c.foreign_key(&t.schema, fk));
            let refs_changed = key_changed.contains(&key(&fk.ref_schema, &fk.ref_table));
            if changed || refs_changed {
                b.add(
                    Phase::DropDependants,
                    format!(
                        "ALTER TABLE {} DROP CONSTRAINT {}",
                        d.qname(&t.schema, &t.name),
                        d.ident(&fk.name)
                    ),
                );
            }
        }
    }
    let mut pending_comments = Vec::new();
    for s in &source.tables {
        let t = target.table(&s.schema, &s.name);
        for fk in &s.foreign_keys {
            let existing = t.and_then(|t| t.foreign_keys.iter().find(|f| f.name == fk.name));
            let changed = existing.is_none_or(|f| c.foreign_key(&s.schema, f) != c.foreign_key(&s.schema, fk));
            let refs_changed = key_changed.contains(&key(&fk.ref_schema, &fk.ref_table));
            let recreated = changed || refs_changed;
            let on = format!("{} ON {}", d.ident(&fk.name), d.qname(&s.schema, &s.name));
            let comment_changed = existing.is_some_and(|f| f.comment != fk.comment);
            if (recreated && fk.comment.is_some()) || (!recreated && comment_changed) {
                // Emitted after every foreign key is added, below.
                pending_comments.push(d.comment_on("CONSTRAINT", &on, fk.comment.as_deref()));
            }
            if recreated {
                b.add_h(
                    Phase::CreateLate,
                    format!(
                        "ALTER TABLE {} ADD {}",
                        d.qname(&s.schema, &s.name),
                        d.foreign_key(&s.schema, fk)
                    ),
                    if t.is_some() {
                        vec![format!("long lock: validates every row of {}.{}", s.schema, s.name)]
                    } else {
                        Vec::new()
                    },
                );
            }
        }
    }
    for sql in pending_comments {
        b.add(Phase::CreateLate, sql);
    }
}

fn create_table(b: &mut Builder, d: &Ddl, t: &Table, opts: MigrateOptions) {
    b.add(Phase::Tables, d.create_table(t, false));
    for x in d.table_extras(t) {
        b.add(Phase::Tables, x);
    }
    for i in &t.indexes {
        let _ = opts;
        b.add(Phase::CreateLate, d.create_index(t, i, false));
        if i.comment.is_some() {
            b.add(Phase::CreateLate, index_comment(d, t, i));
        }
    }
}

fn index_comment(d: &Ddl, t: &Table, i: &crate::schema::Index) -> String {
    d.comment_on("INDEX", &d.qname(&t.schema, &i.name), i.comment.as_deref())
}

fn column_clause(d: &Ddl, col: &ColumnDef) -> String {
    d.column(col, false)
}

fn alter_table(b: &mut Builder, d: &Ddl, c: &Ddl, s: &Table, t: &Table, opts: MigrateOptions) {
    let q = d.qname(&s.schema, &s.name);
    let at = |sql: String| format!("ALTER TABLE {q} {sql}");
    // Constraints that changed or disappeared go first.
    let cons = |x: &Table| -> Vec<(String, String)> {
        let mut v = Vec::new();
        if let Some(k) = &x.primary_key {
            v.push((k.name.clone(), c.primary_key(k)));
        }
        v.extend(x.uniques.iter().map(|k| (k.name.clone(), c.unique(k))));
        v.extend(x.checks.iter().map(|k| (k.name.clone(), c.check(k))));
        v.extend(x.exclusions.iter().map(|k| (k.name.clone(), k.expression.clone())));
        v
    };
    let (sc, tc) = (cons(s), cons(t));
    for (name, text) in &tc {
        if !sc.iter().any(|(n, x)| n == name && x == text) {
            b.add(Phase::DropDependants, at(format!("DROP CONSTRAINT {}", d.ident(name))));
        }
    }
    for i in &t.indexes {
        let same = s
            .indexes
            .iter()
            .any(|x| x.name == i.name && c.create_index(s, x, false) == c.create_index(t, i, false));
        if !same {
            b.add(
                Phase::DropDependants,
                format!("DROP INDEX {}", d.qname(&t.schema, &i.name)),
            );
        }
    }
    for col in &t.columns {
        if s.column(&col.name).is_none() {
            b.add_h(
                Phase::Tables,
                at(format!("DROP COLUMN {}", d.ident(&col.name))),
                vec![format!("data loss: drops column {}.{}.{}", t.schema, t.name, col.name)],
            );
        }
    }
    for col in &s.columns {
        match t.column(&col.name) {
            None => {
                let hz = if !col.nullable && col.default.is_none() && col.identity.is_none() && col.generated.is_none()
                {
                    vec![format!(
                        "fails if {}.{} has rows: NOT NULL column without a default",
                        s.schema, s.name
                    )]
                } else if col.generated.is_some() || col.identity.is_some() {
                    vec![format!("table rewrite: fills {} for every row", col.name)]
                } else {
                    Vec::new()
                };
                b.add_h(Phase::Tables, at(format!("ADD COLUMN {}", column_clause(d, col))), hz);
            }
            Some(old) => alter_column(b, d, &q, s, col, old),
        }
        let old_comment = t.column(&col.name).and_then(|o| o.comment.clone());
        if old_comment != col.comment {
            let name = format!("{q}.{}", d.ident(&col.name));
            b.add(Phase::CreateLate, d.comment_on("COLUMN", &name, col.comment.as_deref()));
        }
    }
    for (name, text) in &sc {
        if !tc.iter().any(|(n, x)| n == name && x == text) {
            let clause = if let Some(k) = s.primary_key.as_ref().filter(|k| &k.name == name) {
                d.primary_key(k)
            } else if let Some(k) = s.uniques.iter().find(|k| &k.name == name) {
                d.unique(k)
            } else if let Some(k) = s.checks.iter().find(|k| &k.name == name) {
                d.check(k)
            } else if let Some(k) = s.exclusions.iter().find(|k| &k.name == name) {
                format!("CONSTRAINT {} {}", d.ident(&k.name), k.expression)
            } else {
                continue;
            };
            b.add_h(
                Phase::Tables,
                at(format!("ADD {clause}")),
                vec![format!("long lock: validates every row of {}.{}", s.schema, s.name)],
            );
        }
    }
    let comments = |x: &Table| -> Vec<(String, Option<String>)> {
        let keys = x.primary_key.iter().chain(&x.uniques).map(|k| (&k.name, &k.comment));
        let checks = x.checks.iter().chain(&x.exclusions).map(|k| (&k.name, &k.comment));
        keys.chain(checks).map(|(n, c)| (n.clone(), c.clone())).collect()
    };
    let tcomments = comments(t);
    for (name, comment) in comments(s) {
        let recreated = !tc
            .iter()
            .any(|(n, x)| n == &name && sc.iter().any(|(m, y)| m == n && y == x));
        let old = tcomments.iter().find(|(n, _)| n == &name).and_then(|(_, c)| c.clone());
        if (recreated && comment.is_some()) || (!recreated && old != comment) {
            let on = format!("{} ON {q}", d.ident(&name));
            b.add(Phase::CreateLate, d.comment_on("CONSTRAINT", &on, comment.as_deref()));
        }
    }
    for i in &s.indexes {
        let same = t
            .indexes
            .iter()
            .any(|x| x.name == i.name && c.create_index(s, i, false) == c.create_index(t, x, false));
        if same {
            if t.indexes.iter().any(|x| x.name == i.name && x.comment != i.comment) {
                b.add(Phase::CreateLate, index_comment(d, s, i));
            }
        } else if opts.online {
            b.add(Phase::Post, d.create_index(s, i, true));
            if i.comment.is_some() {
                b.add(Phase::Post, index_comment(d, s, i));
            }
        } else {
            b.add_h(
                Phase::CreateLate,
                d.create_index(s, i, false),
                vec![format!(
                    "long lock: blocks writes to {}.{} while building (see --online)",
                    s.schema, s.name
                )],
            );
            if i.comment.is_some() {
                b.add(Phase::CreateLate, index_comment(d, s, i));
            }
        }
    }
    if s.row_security != t.row_security {
        match s.row_security {
            None => b.add(Phase::CreateLate, at("DISABLE ROW LEVEL SECURITY".into())),
            Some(forced) => {
                b.add(Phase::CreateLate, at("ENABLE ROW LEVEL SECURITY".into()));
                let f = if forced { "FORCE" } else { "NO FORCE" };
                b.add(Phase::CreateLate, at(format!("{f} ROW LEVEL SECURITY")));
            }
        }
    }
    if s.comment != t.comment {
        b.add(Phase::CreateLate, d.comment_on("TABLE", &q, s.comment.as_deref()));
    }
}

fn alter_column(b: &mut Builder, d: &Ddl, q: &str, s: &Table, col: &ColumnDef, old: &ColumnDef) {
    let cq = d.ident(&col.name);
    let at = |sql: String| format!("ALTER TABLE {q} ALTER COLUMN {cq} {sql}");
    let path = format!("{}.{}.{}", s.schema, s.name, col.name);
    if col.generated != old.generated {
        b.add_h(
            Phase::Tables,
            format!("ALTER TABLE {q} DROP COLUMN {cq}"),
            vec![format!("data loss: recreates generated column {path}")],
        );
        b.add(
            Phase::Tables,
            format!("ALTER TABLE {q} ADD COLUMN {}", d.column(col, false)),
        );
        return;
    }
    if old.identity.is_some() && col.identity.is_none() {
        b.add(Phase::Tables, at("DROP IDENTITY".into()));
    }
    let default_changed = normalize::opt(&col.default) != normalize::opt(&old.default);
    if default_changed && old.default.is_some() {
        b.add(Phase::Tables, at("DROP DEFAULT".into()));
    }
    if col.data_type != old.data_type || col.collation != old.collation {
        let coll = col
            .collation
            .as_ref()
            .map(|c| format!(" COLLATE {c}"))
            .unwrap_or_default();
        b.add_h(
            Phase::Tables,
            at(format!("TYPE {}{coll} USING {cq}::{}", col.data_type, col.data_type)),
            vec![format!(
                "table rewrite and long lock; data loss if {} -> {} narrows values of {path}",
                old.data_type, col.data_type
            )],
        );
    }
    if default_changed && let Some(v) = &col.default {
        b.add(Phase::Tables, at(format!("SET DEFAULT {v}")));
    }
    if col.nullable != old.nullable {
        if col.nullable {
            b.add(Phase::Tables, at("DROP NOT NULL".into()));
        } else {
            b.add_h(
                Phase::Tables,
                at("SET NOT NULL".into()),
                vec![format!("long lock: scans every row; fails if {path} holds NULLs")],
            );
        }
    }
    if let Some(id) = &col.identity
        && col.identity != old.identity
    {
        let sql = if old.identity.is_some() {
            format!("SET GENERATED {id}")
        } else {
            match &col.identity_options {
                Some(o) => format!("ADD GENERATED {id} AS IDENTITY ({o})"),
                None => format!("ADD GENERATED {id} AS IDENTITY"),
            }
        };
        b.add(Phase::Tables, at(sql));
    }
    if col.identity.is_some() && old.identity.is_some() && col.identity_options != old.identity_options {
        let set = identity_set(col.identity_options.as_deref());
        let inc = |o: &ColumnDef| identity_increment(o.identity_options.as_deref()).signum();
        if inc(col) != inc(old) {
            // The current value lies outside the new direction's range.
            b.add_h(
                Phase::Tables,
                at(format!("{set} RESTART")),
                vec![format!(
                    "identity of {path} changes direction and restarts at its START value: new ids may collide with existing rows"
                )],
            );
        } else {
            b.add(Phase::Tables, at(set));
        }
    }
}
