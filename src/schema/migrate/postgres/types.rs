//! Postgres migration of everything that is not a table: schemas,
//! extensions, enums, domains, composite types, sequences and functions.

use super::super::{Builder, Phase};
use crate::schema::ddl::Ddl;
use crate::schema::normalize;
use crate::schema::{EnumType, Schema};

/// Schemas and extensions.
pub(super) fn schemas_and_extensions(b: &mut Builder, d: &Ddl, source: &Schema, target: &Schema) {
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
    for s in &source.schemas {
        let (sc, tc) = (source.schema_comments.get(s), target.schema_comments.get(s));
        if sc != tc && (sc.is_some() || target.schemas.contains(s)) {
            b.add(
                Phase::CreateLate,
                d.comment_on("SCHEMA", &d.ident(s), sc.map(String::as_str)),
            );
        }
    }
    for e in &source.extensions {
        let t = target.extensions.iter().find(|x| x.name == e.name);
        if t.is_none() {
            b.add(Phase::CreateEarly, d.create_extension(e));
        }
        // A new extension gets its control file's comment, which may differ.
        if t.is_none_or(|t| t.comment != e.comment) {
            b.add(
                Phase::CreateLate,
                d.comment_on("EXTENSION", &d.ident(&e.name), e.comment.as_deref()),
            );
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

/// Enums, domains and composite types.
pub(super) fn types(b: &mut Builder, d: &Ddl, c: &Ddl, source: &Schema, target: &Schema) {
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

/// Sequences and their ownership.
pub(super) fn sequences(b: &mut Builder, d: &Ddl, source: &Schema, target: &Schema) {
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
                alt.comment = s.comment.clone();
                if alt != *s {
                    b.add(
                        Phase::CreateEarly,
                        format!(
                            "ALTER SEQUENCE {q} AS {} INCREMENT BY {} MINVALUE {} MAXVALUE {} START WITH {} CACHE {} {}",
                            s.data_type,
                            s.increment,
                            s.min_value,
                            s.max_value,
                            s.start,
                            s.cache.max(1),
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
        if t.map_or(s.comment.is_some(), |t| t.comment != s.comment) {
            b.add(Phase::CreateLate, d.comment_on("SEQUENCE", &q, s.comment.as_deref()));
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

/// Functions and procedures (created early, dropped last).
pub(super) fn functions(b: &mut Builder, d: &Ddl, source: &Schema, target: &Schema) {
    let same = |a: &crate::schema::Function, x: &crate::schema::Function| {
        a.schema == x.schema && a.name == x.name && a.arguments == x.arguments
    };
    for f in &source.functions {
        let t = target.functions.iter().find(|t| same(t, f));
        let sig = format!("{}({})", d.qname(&f.schema, &f.name), f.arguments);
        if t.is_none_or(|t| normalize::body(&t.definition) != normalize::body(&f.definition)) {
            // CREATE OR REPLACE cannot change the result type or the kind.
            if let Some(t) = t.filter(|t| returns(&t.definition) != returns(&f.definition) || t.kind != f.kind) {
                b.add_h(
                    Phase::CreateEarly,
                    format!("DROP {} {sig}", t.kind.to_uppercase()),
                    vec![format!(
                        "recreates {sig} (result type changed): fails while views or defaults use it"
                    )],
                );
            }
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

/// The `RETURNS ...` line of a `pg_get_functiondef` text.
fn returns(def: &str) -> Option<&str> {
    def.lines().map(str::trim).find(|l| l.starts_with("RETURNS "))
}
