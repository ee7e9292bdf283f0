//! SQLite migration planning. New columns at the end and simple column
//! drops use `ALTER TABLE`; any other table change goes through a rebuild
//! that keeps the wanted table's own text: rename the old table away
//! (`legacy_alter_table`, so nothing else is rewritten), create the table
//! from the source's stored `CREATE TABLE`, copy the rows, drop the old
//! one, recreate indexes and triggers, then check foreign keys (with
//! `foreign_keys` off meanwhile). Names match case-insensitively, as
//! SQLite matches them.

use super::{Builder, Phase};
use crate::db::Engine;
use crate::schema::ddl::Ddl;
use crate::schema::deps::{Graph, NodeKind, node};
use crate::schema::normalize;
use crate::schema::objects::table_ddl;
use crate::schema::{ColumnDef, Index, Schema, Table, View};
use std::collections::BTreeSet;

fn find<'a>(s: &'a Schema, name: &str) -> Option<&'a Table> {
    s.tables.iter().find(|t| t.name.eq_ignore_ascii_case(name))
}

fn fold(name: &str) -> String {
    name.to_lowercase()
}

/// How a table both sides have changes.
enum Change {
    /// Same table (indexes may still differ).
    None,
    /// Only new columns, each addable with `ALTER TABLE ADD COLUMN`.
    AddColumns(Vec<ColumnDef>),
    /// Only columns removed, each droppable with `ALTER TABLE DROP COLUMN`.
    DropColumns(Vec<String>),
    /// Anything else.
    Rebuild,
}

/// The canonical text of a table under a fixed name (so a change of case
/// in the name alone is not a change of the table).
fn shape(c: &Ddl, t: &Table) -> String {
    let mut t = t.clone();
    t.name = fold(&t.name);
    table_ddl(c, &t)
}

fn classify(c: &Ddl, s: &Table, t: &Table, source: &Schema, target: &Schema) -> Change {
    if shape(c, s) == shape(c, t) {
        return Change::None;
    }
    if t.options.iter().any(|o| o == "virtual") || s.options.iter().any(|o| o == "virtual") {
        return Change::Rebuild;
    }
    // New columns at the end only.
    if s.columns.len() > t.columns.len() {
        let mut head = s.clone();
        let added = head.columns.split_off(t.columns.len());
        let pk_or_unique = |col: &ColumnDef| {
            s.primary_key.as_ref().is_some_and(|k| k.columns.contains(&col.name))
                || s.uniques.iter().any(|u| u.columns.contains(&col.name))
        };
        let addable = added.iter().all(|col| {
            !pk_or_unique(col)
                && !col.generated.as_deref().is_some_and(|g| g.ends_with("STORED"))
                && (col.nullable || col.default.as_deref().is_some_and(|d| !d.eq_ignore_ascii_case("null")))
                && col.default.as_deref().is_none_or(constant_default)
                && !s
                    .foreign_keys
                    .iter()
                    .any(|f| f.columns.contains(&col.name) && col.default.is_some())
        });
        let mut without = s.clone();
        without.columns.truncate(t.columns.len());
        let extra_cols: Vec<&String> = added.iter().map(|c| &c.name).collect();
        // Constraints over the new columns come with them (column text);
        // anything else must already match.
        without.checks.clear();
        without
            .foreign_keys
            .retain(|f| !f.columns.iter().any(|x| extra_cols.contains(&x)));
        let mut old = t.clone();
        old.checks.clear();
        let table_level_checks_same = s.checks.len() == t.checks.len();
        if addable && table_level_checks_same && shape(c, &without) == shape(c, &old) {
            return Change::AddColumns(added);
        }
    }
    // Columns removed only, none of them used by anything.
    if s.columns.len() < t.columns.len() {
        let dropped: Vec<&ColumnDef> = t.columns.iter().filter(|x| s.column(&x.name).is_none()).collect();
        let mut trimmed = t.clone();
        trimmed.columns.retain(|x| s.column(&x.name).is_some());
        let used = |name: &str| {
            let mention = |text: &str| normalize::body(text).to_lowercase().contains(&name.to_lowercase());
            t.primary_key
                .as_ref()
                .is_some_and(|k| k.columns.iter().any(|x| x == name))
                || t.uniques.iter().any(|u| u.columns.iter().any(|x| x == name))
                || t.indexes.iter().any(|i| i.columns.iter().any(|x| x == name))
                || t.foreign_keys.iter().any(|f| f.columns.iter().any(|x| x == name))
                || t.checks.iter().any(|k| mention(&k.expression))
                || t.columns.iter().any(|x| x.generated.as_deref().is_some_and(mention))
                || target.views.iter().any(|v| mention(&v.definition))
                || target.triggers.iter().any(|tr| mention(&tr.definition))
                || source.views.iter().any(|v| mention(&v.definition))
        };
        if dropped.iter().all(|x| !used(&x.name)) && shape(c, &trimmed) == shape(c, s) {
            return Change::DropColumns(dropped.iter().map(|x| x.name.clone()).collect());
        }
    }
    Change::Rebuild
}

/// Defaults `ADD COLUMN` accepts: constants, not `CURRENT_*` or expressions.
fn constant_default(d: &str) -> bool {
    let d = d.trim();
    !(d.starts_with('(') || d.to_ascii_uppercase().starts_with("CURRENT_"))
}

/// Fill `b` with the statements that make `target` equal `source`.
pub(super) fn plan(b: &mut Builder, source: &Schema, target: &Schema) {
    let d = Ddl::exec(Engine::Sqlite);
    let c = Ddl::canonical(Engine::Sqlite);
    let mut rebuilt: BTreeSet<String> = BTreeSet::new();
    let mut renamed_case = false;
    for s in &source.tables {
        let Some(t) = find(target, &s.name) else { continue };
        if t.name != s.name {
            // Only the case differs: SQLite refuses a direct rename.
            let tmp = format!("_dbn_case_{}", fold(&s.name));
            b.add(
                Phase::Renames,
                format!("ALTER TABLE {} RENAME TO {}", d.ident(&t.name), d.ident(&tmp)),
            );
            b.add(
                Phase::Renames,
                format!("ALTER TABLE {} RENAME TO {}", d.ident(&tmp), d.ident(&s.name)),
            );
            renamed_case = true;
        }
        match classify(&c, s, t, source, target) {
            Change::None => index_changes(b, &d, &c, s, t),
            Change::AddColumns(cols) => {
                for col in cols {
                    let def = column_text(s, &col.name).unwrap_or_else(|| {
                        let mut def = d.column(&col, false);
                        for fk in s.foreign_keys.iter().filter(|f| f.columns == [col.name.clone()]) {
                            def.push_str(&format!(
                                " REFERENCES {} ({})",
                                d.ident(&fk.ref_table),
                                d.ident(&fk.ref_columns.join(""))
                            ));
                        }
                        def
                    });
                    b.add(
                        Phase::Tables,
                        format!("ALTER TABLE {} ADD COLUMN {def}", d.ident(&s.name)),
                    );
                }
                index_changes(b, &d, &c, s, t);
            }
            Change::DropColumns(cols) => {
                for col in cols {
                    b.add_h(
                        Phase::Tables,
                        format!("ALTER TABLE {} DROP COLUMN {}", d.ident(&s.name), d.ident(&col)),
                        vec![format!("data loss: drops column {}.{col}", s.name)],
                    );
                }
                index_changes(b, &d, &c, s, t);
            }
            Change::Rebuild => {
                rebuilt.insert(fold(&s.name));
                rebuild(b, &d, s, t);
            }
        }
    }
    let mut created = false;
    for s in &source.tables {
        if find(target, &s.name).is_none() {
            created = true;
            b.add(Phase::Tables, d.create_table(s, true));
            for i in &s.indexes {
                b.add(Phase::Tables, index_sql(&d, s, i));
            }
        }
    }
    let mut dropped = false;
    for t in &target.tables {
        if find(source, &t.name).is_none() {
            dropped = true;
            b.add_h(
                Phase::DropRemoved,
                format!("DROP TABLE {}", d.ident(&t.name)),
                vec![format!("data loss: drops table {} and all its rows", t.name)],
            );
        }
    }
    views(b, &d, &c, source, target);
    triggers(b, &d, source, target, &rebuilt);
    if !rebuilt.is_empty() || created || dropped || renamed_case {
        b.add(Phase::Pre, "PRAGMA foreign_keys = OFF");
        b.add(Phase::Setup, "PRAGMA legacy_alter_table = ON");
        b.check("PRAGMA foreign_key_check");
        b.add(Phase::Post, "PRAGMA legacy_alter_table = OFF");
        b.add(Phase::Post, "PRAGMA foreign_keys = ON");
    }
}

/// A column's definition as written in the table's stored text.
fn column_text(t: &Table, column: &str) -> Option<String> {
    use crate::schema::introspect::sqlite::scan;
    let original = t.original.as_ref()?;
    scan::table_items(original)
        .into_iter()
        .find(|item| scan::scan_item(item).column.as_deref() == Some(column))
}

fn index_sql(d: &Ddl, t: &Table, i: &Index) -> String {
    match &i.definition {
        Some(def) => format!("{};", def.trim().trim_end_matches(';')),
        None => d.create_index(t, i, false),
    }
}

fn index_changes(b: &mut Builder, d: &Ddl, c: &Ddl, s: &Table, t: &Table) {
    let same = |a: &Index, x: &Index| {
        a.name.eq_ignore_ascii_case(&x.name) && c.create_index(s, a, false) == c.create_index(t, x, false)
    };
    for i in &t.indexes {
        if !s.indexes.iter().any(|x| same(x, i)) {
            b.add(Phase::DropDependants, format!("DROP INDEX {}", d.ident(&i.name)));
        }
    }
    for i in &s.indexes {
        if !t.indexes.iter().any(|x| same(i, x)) {
            b.add(Phase::Tables, index_sql(d, s, i));
        }
    }
}

/// Rebuild `t` into `s`, keeping rows of the columns both have.
fn rebuild(b: &mut Builder, d: &Ddl, s: &Table, t: &Table) {
    let old = format!("_dbn_old_{}", fold(&s.name));
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
        "table rewrite: rebuilds {} (rename away, create, copy, drop)",
        s.name
    )];
    if !dropped.is_empty() {
        hz.push(format!(
            "data loss: drops column(s) {} of {}",
            dropped.join(", "),
            s.name
        ));
    }
    let virtual_table = s.options.iter().any(|o| o == "virtual") || t.options.iter().any(|o| o == "virtual");
    if virtual_table {
        hz.push(format!("data loss: virtual table {} is re-created empty", s.name));
        b.add_h(Phase::Tables, format!("DROP TABLE {}", d.ident(&t.name)), hz);
        b.add(Phase::Tables, d.create_table(s, true));
        return;
    }
    b.add_h(
        Phase::Tables,
        format!("ALTER TABLE {} RENAME TO {}", d.ident(&s.name), d.ident(&old)),
        hz,
    );
    b.add(Phase::Tables, d.create_table(s, true));
    if !common.is_empty() {
        let cols = common.join(", ");
        b.add(
            Phase::Tables,
            format!(
                "INSERT INTO {} ({cols}) SELECT {cols} FROM {}",
                d.ident(&s.name),
                d.ident(&old)
            ),
        );
    }
    if s.columns.iter().any(|c| c.identity.is_some()) && t.columns.iter().any(|c| c.identity.is_some()) {
        // Keep the AUTOINCREMENT counter, which may be past the highest row.
        b.add(
            Phase::Tables,
            format!(
                "UPDATE sqlite_sequence SET seq = (SELECT seq FROM sqlite_sequence WHERE name = {}) WHERE name = {}",
                d.literal(&old),
                d.literal(&s.name)
            ),
        );
    }
    b.add(Phase::Tables, format!("DROP TABLE {}", d.ident(&old)));
    for i in &s.indexes {
        b.add(Phase::Tables, index_sql(d, s, i));
    }
}

fn view_id(v: &View) -> String {
    node(Engine::Sqlite, NodeKind::View, "main", &v.name)
}

fn views(b: &mut Builder, d: &Ddl, c: &Ddl, source: &Schema, target: &Schema) {
    let same = |a: &View, x: &View| c.create_view(a) == c.create_view(x) && a.name == x.name;
    let drop: BTreeSet<String> = target
        .views
        .iter()
        .filter(|v| !source.views.iter().any(|s| same(s, v)))
        .map(view_id)
        .collect();
    let mut order = Graph::of(target).order(&drop);
    order.reverse();
    for id in order {
        if let Some(v) = target.views.iter().find(|v| view_id(v) == id) {
            b.add(Phase::DropDependants, format!("DROP VIEW {}", d.ident(&v.name)));
        }
    }
    let create: BTreeSet<String> = source
        .views
        .iter()
        .filter(|v| !target.views.iter().any(|t| same(v, t)))
        .map(view_id)
        .collect();
    for id in Graph::of(source).order(&create) {
        if let Some(v) = source.views.iter().find(|v| view_id(v) == id) {
            b.add(Phase::CreateLate, d.create_view(v));
        }
    }
}

fn triggers(b: &mut Builder, d: &Ddl, source: &Schema, target: &Schema, rebuilt: &BTreeSet<String>) {
    let same = |a: &str, x: &str| normalize::body(a) == normalize::body(x);
    for t in &target.triggers {
        let s = source.triggers.iter().find(|s| s.name.eq_ignore_ascii_case(&t.name));
        let gone_with_table = rebuilt.contains(&fold(&t.table)) || find(source, &t.table).is_none();
        if !gone_with_table && s.is_none_or(|s| !same(&s.definition, &t.definition)) {
            b.add(Phase::DropDependants, format!("DROP TRIGGER {}", d.ident(&t.name)));
        }
    }
    for s in &source.triggers {
        let t = target.triggers.iter().find(|t| t.name.eq_ignore_ascii_case(&s.name));
        if rebuilt.contains(&fold(&s.table)) || t.is_none_or(|t| !same(&s.definition, &t.definition)) {
            b.add(
                Phase::CreateLate,
                format!("{};", s.definition.trim().trim_end_matches(';')),
            );
        }
    }
}
