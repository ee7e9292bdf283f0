//! MySQL/MariaDB migration planning. Objects are matched by name only: the
//! schema is the connection's database on either side.

use super::{Builder, Phase, affected_views, view_order};
use crate::db::Engine;
use crate::schema::ddl::Ddl;
use crate::schema::normalize;
use crate::schema::{Schema, Table};
use std::collections::BTreeSet;

fn find<'a>(s: &'a Schema, name: &str) -> Option<&'a Table> {
    s.tables.iter().find(|t| t.name == name)
}

/// Fill `b` with the statements that make `target` equal `source`.
pub(super) fn plan(b: &mut Builder, source: &Schema, target: &Schema) {
    let d = Ddl::exec(Engine::Mysql);
    let c = Ddl::canonical(Engine::Mysql);
    let mut touched = BTreeSet::new();
    for t in &target.tables {
        if find(source, &t.name).is_none_or(|s| s.columns != t.columns) {
            touched.insert(format!("{}.{}", t.schema, t.name));
        }
    }
    // Views: drop affected ones (target names), recreate from source.
    let affected = affected_views(&rebase(source, target), target, &touched);
    let drop: Vec<_> = target
        .views
        .iter()
        .filter(|v| affected.contains(&format!("{}.{}", v.schema, v.name)))
        .collect();
    for v in view_order(&drop).iter().rev() {
        b.add(Phase::DropDependants, format!("DROP VIEW {}", d.ident(&v.name)));
    }
    let create: Vec<_> = source
        .views
        .iter()
        .filter(|v| {
            affected.contains(&format!("{}.{}", target_db(target), v.name))
                || !target.views.iter().any(|t| t.name == v.name)
        })
        .collect();
    for v in view_order(&create) {
        b.add(Phase::CreateLate, d.create_view(v));
    }
    // Triggers and routines: drop changed/removed, create new/changed.
    for t in &target.triggers {
        let s = source.triggers.iter().find(|s| s.name == t.name);
        if s.is_none_or(|s| normalize::body(&s.definition) != normalize::body(&t.definition)) {
            b.add(Phase::DropDependants, format!("DROP TRIGGER {}", d.ident(&t.name)));
        }
    }
    for s in &source.triggers {
        let t = target.triggers.iter().find(|t| s.name == t.name);
        if t.is_none_or(|t| normalize::body(&s.definition) != normalize::body(&t.definition)) {
            b.add(Phase::CreateLate, s.definition.clone());
        }
    }
    for t in &target.functions {
        let s = source.functions.iter().find(|s| s.name == t.name && s.kind == t.kind);
        if s.is_none_or(|s| normalize::body(&s.definition) != normalize::body(&t.definition)) {
            let phase = if s.is_some() {
                Phase::CreateEarly
            } else {
                Phase::DropRemoved
            };
            b.add(phase, format!("DROP {} {}", t.kind.to_uppercase(), d.ident(&t.name)));
        }
    }
    for s in &source.functions {
        let t = target.functions.iter().find(|t| s.name == t.name && s.kind == t.kind);
        if t.is_none_or(|t| normalize::body(&s.definition) != normalize::body(&t.definition)) {
            b.add(Phase::CreateEarly, s.definition.clone());
        }
    }
    // Foreign keys: drop changed/removed (and those on dropped tables), add later.
    for t in &target.tables {
        let s = find(source, &t.name);
        for fk in &t.foreign_keys {
            let kept = s.and_then(|s| s.foreign_keys.iter().find(|f| f.name == fk.name));
            if kept.is_none_or(|f| c.foreign_key(&t.schema, f) != c.foreign_key(&t.schema, fk)) {
                b.add(
                    Phase::DropDependants,
                    format!(
                        "ALTER TABLE {} DROP FOREIGN KEY {}",
                        d.ident(&t.name),
                        d.ident(&fk.name)
                    ),
                );
            }
        }
    }
    for s in &source.tables {
        let t = find(target, &s.name);
        for fk in &s.foreign_keys {
            let old = t.and_then(|t| t.foreign_keys.iter().find(|f| f.name == fk.name));
            if old.is_none_or(|f| c.foreign_key(&s.schema, f) != c.foreign_key(&s.schema, fk)) {
                let mut fk = fk.clone();
                if fk.ref_schema == s.schema {
                    fk.ref_schema = target_db(target);
                }
                b.add(
                    Phase::CreateLate,
                    format!(
                        "ALTER TABLE {} ADD {}",
                        d.ident(&s.name),
                        d.foreign_key(&target_db(target), &fk)
                    ),
                );
            }
        }
        match t {
            None => b.add(Phase::Tables, d.create_table(s, false)),
            Some(t) => alter_table(b, &d, &c, s, t),
        }
    }
    for t in &target.tables {
        if find(source, &t.name).is_none() {
            b.add_h(
                Phase::DropRemoved,
                format!("DROP TABLE {}", d.ident(&t.name)),
                vec![format!("data loss: drops table {} and all its rows", t.name)],
            );
        }
    }
}

fn target_db(target: &Schema) -> String {
    target.schemas.first().cloned().unwrap_or_default()
}

/// The source schema with its database name replaced by the target's, so
/// view dependency keys line up.
fn rebase(source: &Schema, target: &Schema) -> Schema {
    let db = target_db(target);
    let from = source.schemas.first().cloned().unwrap_or_default();
    let mut s = source.clone();
    for v in &mut s.views {
        v.schema = db.clone();
        v.depends_on = v
            .depends_on
            .iter()
            .map(|d| {
                d.strip_prefix(&format!("{from}."))
                    .map(|n| format!("{db}.{n}"))
                    .unwrap_or(d.clone())
            })
            .collect();
    }
    s
}

fn alter_table(b: &mut Builder, d: &Ddl, c: &Ddl, s: &Table, t: &Table) {
    let q = d.ident(&s.name);
    let at = |sql: String| format!("ALTER TABLE {q} {sql}");
    let pk = |x: &Table| x.primary_key.as_ref().map(|k| c.primary_key(k));
    if pk(s) != pk(t) {
        if t.primary_key.is_some() {
            b.add_h(
                Phase::Tables,
                at("DROP PRIMARY KEY".into()),
                vec!["table rewrite: rebuilds the clustered index".into()],
            );
        }
        if let Some(k) = &s.primary_key {
            b.add_h(
                Phase::Tables,
                at(format!("ADD {}", d.primary_key(k))),
                vec!["table rewrite: rebuilds the clustered index".into()],
            );
        }
    }
    for u in &t.uniques {
        if !s.uniques.iter().any(|x| x == u) {
            b.add(Phase::Tables, at(format!("DROP INDEX {}", d.ident(&u.name))));
        }
    }
    for i in &t.indexes {
        if !s.indexes.iter().any(|x| x == i) {
            b.add(Phase::Tables, at(format!("DROP INDEX {}", d.ident(&i.name))));
        }
    }
    for k in &t.checks {
        if !s.checks.iter().any(|x| x.name == k.name && c.check(x) == c.check(k)) {
            b.add(Phase::Tables, at(format!("DROP CONSTRAINT {}", d.ident(&k.name))));
        }
    }
    for col in &t.columns {
        if s.column(&col.name).is_none() {
            b.add_h(
                Phase::Tables,
                at(format!("DROP COLUMN {}", d.ident(&col.name))),
                vec![format!("data loss: drops column {}.{}", t.name, col.name)],
            );
        }
    }
    let mut prev: Option<&str> = None;
    for col in &s.columns {
        let pos = match prev {
            Some(p) => format!(" AFTER {}", d.ident(p)),
            None => " FIRST".to_string(),
        };
        match t.column(&col.name) {
            None => b.add(Phase::Tables, at(format!("ADD COLUMN {}{pos}", d.column(col, false)))),
            Some(old) if c.column(old, false) != c.column(col, false) => {
                let hz = if old.data_type != col.data_type {
                    vec![format!(
                        "table rewrite; data loss if {} -> {} narrows values of {}.{}",
                        old.data_type, col.data_type, s.name, col.name
                    )]
                } else if old.nullable && !col.nullable {
                    vec![format!("table rewrite; fails if {}.{} holds NULLs", s.name, col.name)]
                } else {
                    Vec::new()
                };
                b.add_h(Phase::Tables, at(format!("MODIFY COLUMN {}", d.column(col, false))), hz);
            }
            Some(_) => {}
        }
        prev = Some(&col.name);
    }
    for u in &s.uniques {
        if !t.uniques.iter().any(|x| x == u) {
            b.add(Phase::Tables, at(format!("ADD {}", d.unique(u))));
        }
    }
    for i in &s.indexes {
        if !t.indexes.iter().any(|x| x == i) {
            b.add(Phase::CreateLate, d.create_index(s, i, false));
        }
    }
    for k in &s.checks {
        if !t.checks.iter().any(|x| x.name == k.name && c.check(x) == c.check(k)) {
            b.add(Phase::Tables, at(format!("ADD {}", d.check(k))));
        }
    }
    if s.comment != t.comment {
        b.add(
            Phase::Tables,
            at(format!("COMMENT = {}", d.literal(s.comment.as_deref().unwrap_or("")))),
        );
    }
}
