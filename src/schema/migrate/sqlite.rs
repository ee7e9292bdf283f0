//! SQLite migration planning. SQLite's ALTER TABLE cannot change columns
//! or constraints, so any changed table goes through the documented
//! rebuild: create the new shape, copy, drop, rename, recreate indexes and
//! triggers, then check foreign keys (with `foreign_keys` off meanwhile).

use super::{Builder, Phase, affected_views, view_order};
use crate::db::Engine;
use crate::schema::ddl::Ddl;
use crate::schema::normalize;
use crate::schema::objects::table_ddl;
use crate::schema::{Schema, Table};
use std::collections::BTreeSet;

/// Fill `b` with the statements that make `target` equal `source`.
pub(super) fn plan(b: &mut Builder, source: &Schema, target: &Schema) {
    let d = Ddl::exec(Engine::Sqlite);
    let c = Ddl::canonical(Engine::Sqlite);
    let mut rebuilt: BTreeSet<String> = BTreeSet::new();
    let mut touched = BTreeSet::new();
    for t in &target.tables {
        match source.table(&t.schema, &t.name) {
            None => {
                touched.insert(format!("main.{}", t.name));
            }
            Some(s) if table_ddl(&c, s) != table_ddl(&c, t) => {
                touched.insert(format!("main.{}", t.name));
                rebuilt.insert(t.name.clone());
            }
            Some(_) => {}
        }
    }
    let affected = affected_views(source, target, &touched);
    let drop: Vec<_> = target
        .views
        .iter()
        .filter(|v| affected.contains(&format!("main.{}", v.name)))
        .collect();
    for v in view_order(&drop).iter().rev() {
        b.add(Phase::DropDependants, format!("DROP VIEW {}", d.ident(&v.name)));
    }
    let trig_same = |a: &str, x: &str| normalize::body(a) == normalize::body(x);
    for t in &target.triggers {
        let s = source.triggers.iter().find(|s| s.name == t.name);
        let gone_with_table = rebuilt.contains(&t.table) || source.table("main", &t.table).is_none();
        if !gone_with_table && s.is_none_or(|s| !trig_same(&s.definition, &t.definition)) {
            b.add(Phase::DropDependants, format!("DROP TRIGGER {}", d.ident(&t.name)));
        }
    }
    for s in &source.tables {
        let t = target.table(&s.schema, &s.name);
        match t {
            None => {
                b.add(Phase::Tables, d.create_table(s, true));
                for i in &s.indexes {
                    b.add(Phase::Tables, d.create_index(s, i, false));
                }
            }
            Some(t) if rebuilt.contains(&s.name) => rebuild(b, &d, s, t),
            Some(t) => {
                for i in &t.indexes {
                    if !s
                        .indexes
                        .iter()
                        .any(|x| c.create_index(s, x, false) == c.create_index(t, i, false))
                    {
                        b.add(Phase::DropDependants, format!("DROP INDEX {}", d.ident(&i.name)));
                    }
                }
                for i in &s.indexes {
                    if !t
                        .indexes
                        .iter()
                        .any(|x| c.create_index(s, i, false) == c.create_index(t, x, false))
                    {
                        b.add(Phase::Tables, d.create_index(s, i, false));
                    }
                }
            }
        }
    }
    for t in &target.tables {
        if source.table(&t.schema, &t.name).is_none() {
            b.add_h(
                Phase::DropRemoved,
                format!("DROP TABLE {}", d.ident(&t.name)),
                vec![format!("data loss: drops table {} and all its rows", t.name)],
            );
        }
    }
    let create: Vec<_> = source
        .views
        .iter()
        .filter(|v| affected.contains(&format!("main.{}", v.name)) || !target.views.iter().any(|t| t.name == v.name))
        .collect();
    for v in view_order(&create) {
        b.add(Phase::CreateLate, d.create_view(v));
    }
    for s in &source.triggers {
        let t = target.triggers.iter().find(|t| t.name == s.name);
        if rebuilt.contains(&s.table) || t.is_none_or(|t| !trig_same(&s.definition, &t.definition)) {
            b.add(Phase::CreateLate, s.definition.clone());
        }
    }
    if !rebuilt.is_empty() || !source.tables.iter().all(|s| target.table(&s.schema, &s.name).is_some()) {
        b.add(Phase::Pre, "PRAGMA foreign_keys = OFF");
        b.check("PRAGMA foreign_key_check");
        b.add(Phase::Post, "PRAGMA foreign_keys = ON");
    }
}

fn rebuild(b: &mut Builder, d: &Ddl, s: &Table, t: &Table) {
    let tmp = format!("_dbn_new_{}", s.name);
    let mut shape = s.clone();
    shape.name = tmp.clone();
    let common: Vec<String> = s
        .columns
        .iter()
        .filter(|c| c.generated.is_none())
        .filter(|c| t.column(&c.name).is_some_and(|o| o.generated.is_none()))
        .map(|c| d.ident(&c.name))
        .collect();
    let dropped: Vec<&str> = t
        .columns
        .iter()
        .filter(|c| s.column(&c.name).is_none())
        .map(|c| c.name.as_str())
        .collect();
    let mut hz = vec![format!(
        "table rewrite: rebuilds {} (create, copy, drop, rename)",
        s.name
    )];
    if !dropped.is_empty() {
        hz.push(format!(
            "data loss: drops column(s) {} of {}",
            dropped.join(", "),
            s.name
        ));
    }
    b.add_h(Phase::Tables, d.create_table(&shape, true), hz);
    if !common.is_empty() {
        let cols = common.join(", ");
        b.add(
            Phase::Tables,
            format!(
                "INSERT INTO {} ({cols}) SELECT {cols} FROM {}",
                d.ident(&tmp),
                d.ident(&s.name)
            ),
        );
    }
    b.add(Phase::Tables, format!("DROP TABLE {}", d.ident(&s.name)));
    b.add(
        Phase::Tables,
        format!("ALTER TABLE {} RENAME TO {}", d.ident(&tmp), d.ident(&s.name)),
    );
    for i in &s.indexes {
        b.add(Phase::Tables, d.create_index(s, i, false));
    }
}
