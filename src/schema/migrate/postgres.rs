//! Postgres migration planning.

use super::{Builder, MigrateOptions, Phase, affected_views, view_order};
use crate::db::Engine;
use crate::schema::ddl::Ddl;
use crate::schema::normalize;
use crate::schema::{ColumnDef, EnumType, Schema, Table};
use std::collections::BTreeSet;

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

fn schemas_and_extensions(b: &mut Builder, d: &Ddl, source: &Schema, target: &Schema) {
    for s in &source.schemas {
        if !target.schemas.contains(s) {
            b.add(Phase::CreateEarly, format!("CREATE SCHEMA {}", d.ident(s)));
        }
    }
    for s in &target.schemas {
        if !source.schemas.contains(s) {
            b.add_h(
                Phase::DropRemoved,
                format!("DROP SCHEMA {}", d.ident(s)),
                vec![format!("data loss: drops schema {s} (fails if anything is left in it)")],
            );
        }
    }
    for e in &source.extensions {
        if !target.extensions.iter().any(|x| x.name == e.name) {
            b.add(Phase::CreateEarly, d.create_extension(e));
        }
    }
    for e in &target.extensions {
        if !source.extensions.iter().any(|x| x.name == e.name) {
            b.add_h(
                Phase::DropRemoved,
                format!("DROP EXTENSION {}", d.ident(&e.name)),
                vec![format!("drops extension {} and fails if objects still use it", e.name)],
            );
        }
    }
}

fn uses_type(data_type: &str, e: &EnumType) -> bool {
    let base = data_type.trim_end_matches("[]");
    base == e.name || base == format!("{}.{}", e.schema, e.name) || base == format!("\"{}\"", e.name)
}

fn types(b: &mut Builder, d: &Ddl, c: &Ddl, source: &Schema, target: &Schema) {
    for e in &source.enums {
        let q = d.qname(&e.schema, &e.name);
        match target.enums.iter().find(|t| t.schema == e.schema && t.name == e.name) {
            None => b.add(Phase::CreateEarly, d.create_enum(e)),
            Some(t) if t.values != e.values => {
                let mut it = e.values.iter();
                let subsequence = t.values.iter().all(|v| it.any(|x| x == v));
                if subsequence {
                    for (i, v) in e.values.iter().enumerate() {
                        if t.values.contains(v) {
                            continue;
                        }
                        let pos = match e.values[..i].iter().rev().find(|p| t.values.contains(p)) {
                            Some(prev) => format!(" AFTER {}", d.literal(prev)),
                            None => match e.values[i + 1..].iter().find(|n| t.values.contains(n)) {
                                Some(next) => format!(" BEFORE {}", d.literal(next)),
                                None => String::new(),
                            },
                        };
                        b.add(
                            Phase::Pre,
                            format!("ALTER TYPE {q} ADD VALUE IF NOT EXISTS {}{pos}", d.literal(v)),
                        );
                    }
                } else {
                    recreate_enum(b, d, e, source);
                }
            }
            Some(_) => {}
        }
        let tc = target
            .enums
            .iter()
            .find(|t| t.schema == e.schema && t.name == e.name)
            .and_then(|t| t.comment.clone());
        if e.comment != tc {
            b.add(Phase::CreateLate, d.comment_on("TYPE", &q, e.comment.as_deref()));
        }
    }
    for t in &target.enums {
        if !source.enums.iter().any(|e| e.schema == t.schema && e.name == t.name) {
            b.add(Phase::DropRemoved, format!("DROP TYPE {}", d.qname(&t.schema, &t.name)));
        }
    }
    for x in &source.domains {
        let q = d.qname(&x.schema, &x.name);
        match target.domains.iter().find(|t| t.schema == x.schema && t.name == x.name) {
            None => b.add(Phase::CreateEarly, d.create_domain(x)),
            Some(t) if c.create_domain(t) != c.create_domain(x) => {
                if t.data_type != x.data_type || t.collation != x.collation {
                    b.add_h(
                        Phase::CreateEarly,
                        format!("DROP DOMAIN {q}"),
                        vec![format!("recreates domain {q}: fails while columns use it")],
                    );
                    b.add(Phase::CreateEarly, d.create_domain(x));
                } else {
                    if normalize::opt(&t.default) != normalize::opt(&x.default) {
                        b.add(
                            Phase::CreateEarly,
                            match &x.default {
                                Some(v) => format!("ALTER DOMAIN {q} SET DEFAULT {v}"),
                                None => format!("ALTER DOMAIN {q} DROP DEFAULT"),
                            },
                        );
                    }
                    if t.not_null != x.not_null {
                        let verb = if x.not_null { "SET" } else { "DROP" };
                        b.add(Phase::CreateEarly, format!("ALTER DOMAIN {q} {verb} NOT NULL"));
                    }
                    for k in &t.checks {
                        if !x.checks.contains(k) {
                            b.add(
                                Phase::CreateEarly,
                                format!("ALTER DOMAIN {q} DROP CONSTRAINT {}", d.ident(&k.name)),
                            );
                        }
                    }
                    for k in &x.checks {
                        if !t.checks.contains(k) {
                            b.add(
                                Phase::CreateEarly,
                                format!("ALTER DOMAIN {q} ADD CONSTRAINT {} {}", d.ident(&k.name), k.expression),
                            );
                        }
                    }
                }
            }
            Some(_) => {}
        }
        let tc = target
            .domains
            .iter()
            .find(|t| t.schema == x.schema && t.name == x.name)
            .and_then(|t| t.comment.clone());
        if x.comment != tc {
            b.add(Phase::CreateLate, d.comment_on("DOMAIN", &q, x.comment.as_deref()));
        }
    }
    for t in &target.domains {
        if !source.domains.iter().any(|e| e.schema == t.schema && e.name == t.name) {
            b.add(
                Phase::DropRemoved,
                format!("DROP DOMAIN {}", d.qname(&t.schema, &t.name)),
            );
        }
    }
    for x in &source.composites {
        let q = d.qname(&x.schema, &x.name);
        match target
            .composites
            .iter()
            .find(|t| t.schema == x.schema && t.name == x.name)
        {
            None => b.add(Phase::CreateEarly, d.create_composite(x)),
            Some(t) if t.attributes != x.attributes => {
                b.add_h(
                    Phase::CreateEarly,
                    format!("DROP TYPE {q}"),
                    vec![format!("recreates type {q}: fails while columns use it")],
                );
                b.add(Phase::CreateEarly, d.create_composite(x));
            }
            Some(_) => {}
        }
        let tc = target
            .composites
            .iter()
            .find(|t| t.schema == x.schema && t.name == x.name)
            .and_then(|t| t.comment.clone());
        if x.comment != tc {
            b.add(Phase::CreateLate, d.comment_on("TYPE", &q, x.comment.as_deref()));
        }
    }
    for t in &target.composites {
        if !source
            .composites
            .iter()
            .any(|e| e.schema == t.schema && e.name == t.name)
        {
            b.add(Phase::DropRemoved, format!("DROP TYPE {}", d.qname(&t.schema, &t.name)));
        }
    }
}

/// Labels were removed or reordered: rename the old type away, create the
/// new one, convert every column through text, drop the old type.
fn recreate_enum(b: &mut Builder, d: &Ddl, e: &EnumType, source: &Schema) {
    let q = d.qname(&e.schema, &e.name);
    let old = format!("{}__dbn_old", e.name);
    b.add_h(
        Phase::CreateEarly,
        format!("ALTER TYPE {q} RENAME TO {}", d.ident(&old)),
        vec![format!(
            "enum {q} loses or reorders labels: rows holding a removed label make this migration fail"
        )],
    );
    b.add(Phase::CreateEarly, d.create_enum(e));
    for t in &source.tables {
        for col in t.columns.iter().filter(|c| uses_type(&c.data_type, e)) {
            let tq = d.qname(&t.schema, &t.name);
            let cq = d.ident(&col.name);
            if col.default.is_some() {
                b.add(
                    Phase::Tables,
                    format!("ALTER TABLE {tq} ALTER COLUMN {cq} DROP DEFAULT"),
                );
            }
            let arr = if col.data_type.ends_with("[]") { "[]" } else { "" };
            b.add_h(
                Phase::Tables,
                format!("ALTER TABLE {tq} ALTER COLUMN {cq} TYPE {q}{arr} USING {cq}::text{arr}::{q}{arr}"),
                vec![format!("table rewrite: converts {}.{}.{}", t.schema, t.name, col.name)],
            );
            if let Some(def) = &col.default {
                b.add(
                    Phase::Tables,
                    format!("ALTER TABLE {tq} ALTER COLUMN {cq} SET DEFAULT {def}"),
                );
            }
        }
    }
    b.add(
        Phase::DropRemoved,
        format!("DROP TYPE {}.{}", d.ident(&e.schema), d.ident(&old)),
    );
}

fn sequences(b: &mut Builder, d: &Ddl, source: &Schema, target: &Schema) {
    for s in &source.sequences {
        let q = d.qname(&s.schema, &s.name);
        let t = target
            .sequences
            .iter()
            .find(|t| t.schema == s.schema && t.name == s.name);
        match t {
            None => b.add(Phase::CreateEarly, d.create_sequence(s)),
            Some(t) => {
                let mut alt = t.clone();
                alt.owned_by = s.owned_by.clone();
                if alt != *s {
                    b.add(
                        Phase::CreateEarly,
                        format!(
                            "ALTER SEQUENCE {q} AS {} INCREMENT BY {} MINVALUE {} MAXVALUE {} START WITH {} {}",
                            s.data_type,
                            s.increment,
                            s.min_value,
                            s.max_value,
                            s.start,
                            if s.cycle { "CYCLE" } else { "NO CYCLE" }
                        ),
                    );
                }
            }
        }
        if t.and_then(|t| t.owned_by.clone()) != s.owned_by {
            let owner = s.owned_by.clone().unwrap_or_else(|| "NONE".into());
            b.add(Phase::CreateLate, format!("ALTER SEQUENCE {q} OWNED BY {owner}"));
        }
    }
    for t in &target.sequences {
        if !source
            .sequences
            .iter()
            .any(|s| s.schema == t.schema && s.name == t.name)
        {
            b.add(
                Phase::DropRemoved,
                format!("DROP SEQUENCE IF EXISTS {}", d.qname(&t.schema, &t.name)),
            );
        }
    }
}

fn functions(b: &mut Builder, d: &Ddl, source: &Schema, target: &Schema) {
    let same = |a: &crate::schema::Function, x: &crate::schema::Function| {
        a.schema == x.schema && a.name == x.name && a.arguments == x.arguments
    };
    for f in &source.functions {
        let t = target.functions.iter().find(|t| same(t, f));
        let sig = format!("{}({})", d.qname(&f.schema, &f.name), f.arguments);
        if t.is_none_or(|t| normalize::body(&t.definition) != normalize::body(&f.definition)) {
            b.add(Phase::CreateEarly, f.definition.trim_end().to_string());
        }
        if t.and_then(|t| t.comment.clone()) != f.comment {
            b.add(
                Phase::CreateLate,
                d.comment_on(&f.kind.to_uppercase(), &sig, f.comment.as_deref()),
            );
        }
    }
    for t in &target.functions {
        if !source.functions.iter().any(|f| same(f, t)) {
            let sig = format!("{}({})", d.qname(&t.schema, &t.name), t.arguments);
            b.add(Phase::DropRemoved, format!("DROP {} {sig}", t.kind.to_uppercase()));
        }
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
        if t.is_none_or(|t| normalize::body(&s.definition) != normalize::body(&t.definition)) {
            b.add(Phase::CreateLate, s.definition.clone());
        }
    }
    for s in &source.policies {
        let t = target
            .policies
            .iter()
            .find(|t| s.schema == t.schema && s.table == t.table && s.name == t.name);
        if t.is_none_or(|t| c.create_policy(s) != c.create_policy(t)) {
            b.add(Phase::CreateLate, d.create_policy(s));
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
    for s in &source.tables {
        let t = target.table(&s.schema, &s.name);
        for fk in &s.foreign_keys {
            let existing = t.and_then(|t| t.foreign_keys.iter().find(|f| f.name == fk.name));
            let changed = existing.is_none_or(|f| c.foreign_key(&s.schema, f) != c.foreign_key(&s.schema, fk));
            let refs_changed = key_changed.contains(&key(&fk.ref_schema, &fk.ref_table));
            if changed || refs_changed {
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
}

fn create_table(b: &mut Builder, d: &Ddl, t: &Table, opts: MigrateOptions) {
    b.add(Phase::Tables, d.create_table(t, false));
    for x in d.table_extras(t) {
        b.add(Phase::Tables, x);
    }
    for i in &t.indexes {
        let _ = opts;
        b.add(Phase::CreateLate, d.create_index(t, i, false));
    }
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
    for i in &s.indexes {
        let same = t
            .indexes
            .iter()
            .any(|x| x.name == i.name && c.create_index(s, i, false) == c.create_index(t, x, false));
        if !same {
            if opts.online {
                b.add(Phase::Post, d.create_index(s, i, true));
            } else {
                b.add_h(
                    Phase::CreateLate,
                    d.create_index(s, i, false),
                    vec![format!(
                        "long lock: blocks writes to {}.{} while building (see --online)",
                        s.schema, s.name
                    )],
                );
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
            format!("ADD GENERATED {id} AS IDENTITY")
        };
        b.add(Phase::Tables, at(sql));
    }
}
