//! MySQL/MariaDB migration planning. Objects are matched by name only: the
//! schema is the connection's database on either side.
//!
//! Order: foreign keys, triggers and views that go or change are dropped
//! first; routines are (re)created; each table gets one `ALTER TABLE` with
//! all its column, key, check and option changes (one copy of the table at
//! most), then its partitioning; views follow in dependency order, then
//! triggers, then foreign keys; removed tables and routines go last.

mod alter;
mod partitions;

use super::{Builder, Phase};
use crate::db::Engine;
use crate::schema::ddl::Ddl;
use crate::schema::deps::{Graph, NodeKind, node};
use crate::schema::normalize;
use crate::schema::{ForeignKey, Function, Schema, Table, View};
use std::collections::BTreeSet;

fn find<'a>(s: &'a Schema, name: &str) -> Option<&'a Table> {
    s.tables.iter().find(|t| t.name == name)
}

/// Canonical text of a foreign key, its target qualified only when it
/// lies in another database than its own table.
fn fk_text(c: &Ddl, t: &Table, fk: &ForeignKey) -> String {
    c.foreign_key(&t.schema, fk)
}

/// Fill `b` with the statements that make `target` equal `source`.
pub(super) fn plan(b: &mut Builder, source: &Schema, target: &Schema) {
    let d = Ddl::exec(Engine::Mysql);
    let c = Ddl::canonical(Engine::Mysql);
    let db = target.schemas.first().cloned().unwrap_or_default();

    // Columns whose definition changes: foreign keys over them must be
    // dropped first (the server refuses to change a referenced column).
    let mut touched_cols: BTreeSet<(String, String)> = BTreeSet::new();
    // Keys (by table) dropped or re-created: foreign keys relying on them go too.
    let mut touched_keys: BTreeSet<String> = BTreeSet::new();
    for s in &source.tables {
        let Some(t) = find(target, &s.name) else { continue };
        for col in &t.columns {
            let same = s.column(&col.name).is_some_and(|n| {
                n.data_type == col.data_type && n.collation == col.collation && n.generated == col.generated
            });
            if !same {
                touched_cols.insert((t.name.clone(), col.name.clone()));
            }
        }
        if alter::keys_change(&c, s, t) {
            touched_keys.insert(t.name.clone());
        }
        if s.collation != t.collation {
            for col in &t.columns {
                touched_cols.insert((t.name.clone(), col.name.clone()));
            }
        }
    }
    // Foreign keys to drop (changed, removed, or over a touched column/key).
    let mut fk_dropped: BTreeSet<(String, String)> = BTreeSet::new();
    for t in &target.tables {
        let s = find(source, &t.name);
        for fk in &t.foreign_keys {
            let kept = s.and_then(|s| s.foreign_keys.iter().find(|f| f.name == fk.name));
            let changed = kept.is_none_or(|f| s.is_some_and(|s| fk_text(&c, s, f) != fk_text(&c, t, fk)));
            let over_touched = fk
                .columns
                .iter()
                .any(|col| touched_cols.contains(&(t.name.clone(), col.clone())))
                || fk
                    .ref_columns
                    .iter()
                    .any(|col| touched_cols.contains(&(fk.ref_table.clone(), col.clone())))
                || touched_keys.contains(&fk.ref_table)
                || touched_keys.contains(&t.name);
            if changed || over_touched {
                fk_dropped.insert((t.name.clone(), fk.name.clone()));
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
    views_drop(b, &d, source, target);
    triggers(b, &d, source, target);
    routines(b, &d, source, target);
    for s in &source.tables {
        match find(target, &s.name) {
            None => b.add(Phase::Tables, d.create_table(s, false)),
            Some(t) => {
                alter::alter_table(b, &d, &c, s, t);
                partitions::alter_partitions(b, &d, s, t);
            }
        }
    }
    views_create(b, &d, &c, source, target);
    for s in &source.tables {
        let t = find(target, &s.name);
        for fk in &s.foreign_keys {
            let existing = t.and_then(|t| t.foreign_keys.iter().find(|f| f.name == fk.name));
            if existing.is_none() || fk_dropped.contains(&(s.name.clone(), fk.name.clone())) {
                let mut fk = fk.clone();
                if fk.ref_schema == s.schema {
                    fk.ref_schema = db.clone();
                }
                let hz = if t.is_some() {
                    vec![format!(
                        "copies {} (ALGORITHM=COPY) to check every row against {}; blocks writes meanwhile",
                        s.name, fk.ref_table
                    )]
                } else {
                    Vec::new()
                };
                b.add_h(
                    Phase::CreateLate,
                    format!("ALTER TABLE {} ADD {}", d.ident(&s.name), d.foreign_key(&db, &fk)),
                    hz,
                );
            }
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

fn same_view(c: &Ddl, a: &View, b: &View) -> bool {
    c.create_view(a) == c.create_view(b)
}

fn views_drop(b: &mut Builder, d: &Ddl, source: &Schema, target: &Schema) {
    let gone: BTreeSet<String> = target
        .views
        .iter()
        .filter(|v| !source.views.iter().any(|s| s.name == v.name))
        .map(|v| node(Engine::Mysql, NodeKind::View, "", &v.name))
        .collect();
    let mut order = Graph::of(target).order(&gone);
    order.reverse();
    for id in order {
        if let Some(v) = target
            .views
            .iter()
            .find(|v| node(Engine::Mysql, NodeKind::View, "", &v.name) == id)
        {
            b.add(Phase::DropDependants, format!("DROP VIEW {}", d.ident(&v.name)));
        }
    }
}

/// New and changed views, `CREATE OR REPLACE` in dependency order.
fn views_create(b: &mut Builder, d: &Ddl, c: &Ddl, source: &Schema, target: &Schema) {
    let ids: BTreeSet<String> = source
        .views
        .iter()
        .filter(|v| {
            target
                .views
                .iter()
                .find(|t| t.name == v.name)
                .is_none_or(|t| !same_view(c, v, t))
        })
        .map(|v| node(Engine::Mysql, NodeKind::View, "", &v.name))
        .collect();
    for id in Graph::of(source).order(&ids) {
        let Some(v) = source
            .views
            .iter()
            .find(|v| node(Engine::Mysql, NodeKind::View, "", &v.name) == id)
        else {
            continue;
        };
        let sql = d.create_view(v);
        let sql = if target.views.iter().any(|t| t.name == v.name) {
            sql.replacen("CREATE", "CREATE OR REPLACE", 1)
        } else {
            sql
        };
        b.add(Phase::CreateLate, sql);
    }
}

fn triggers(b: &mut Builder, d: &Ddl, source: &Schema, target: &Schema) {
    let same = |x: &str, y: &str| normalize::body(x) == normalize::body(y);
    for t in &target.triggers {
        let s = source.triggers.iter().find(|s| s.name == t.name);
        let table_gone = find(source, &t.table).is_none();
        if !table_gone && s.is_none_or(|s| !same(&s.definition, &t.definition)) {
            b.add(Phase::DropDependants, format!("DROP TRIGGER {}", d.ident(&t.name)));
        }
    }
    for s in &source.triggers {
        let t = target.triggers.iter().find(|t| s.name == t.name);
        let recreated_table = find(target, &s.table).is_none();
        if recreated_table || t.is_none_or(|t| !same(&s.definition, &t.definition)) {
            b.add(Phase::CreateLate, s.definition.clone());
        }
    }
}

fn routines(b: &mut Builder, d: &Ddl, source: &Schema, target: &Schema) {
    let key = |f: &Function| (f.name.clone(), f.kind.clone());
    let same = |x: &Function, y: &Function| normalize::body(&x.definition) == normalize::body(&y.definition);
    for t in &target.functions {
        let s = source.functions.iter().find(|s| key(s) == key(t));
        if s.is_none_or(|s| !same(s, t)) {
            let phase = if s.is_some() {
                Phase::DropDependants
            } else {
                Phase::DropRemoved
            };
            b.add(phase, format!("DROP {} {}", t.kind.to_uppercase(), d.ident(&t.name)));
        }
    }
    for s in &source.functions {
        let t = target.functions.iter().find(|t| key(t) == key(s));
        if t.is_none_or(|t| !same(s, t)) {
            b.add(Phase::CreateEarly, s.definition.clone());
        }
    }
}
