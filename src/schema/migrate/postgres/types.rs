//! Enums, domains, composite types and sequences: create, alter in place,
//! or (for enums losing labels and domains changing base type) swap.

use super::nodes::{Obj, type_id};
use super::{Action, Planner};
use crate::schema::migrate::{Builder, Phase};
use crate::schema::normalize;
use crate::schema::{CompositeType, Domain, EnumType, Sequence};

impl Planner<'_> {
    /// Create or alter a type or sequence.
    pub(super) fn emit_type(&self, b: &mut Builder, id: &str, obj: Obj<'_>, create: bool) {
        let d = &self.d;
        let old = if create { None } else { self.tn.get(id) };
        match obj {
            Obj::Enum(e) => {
                if create {
                    b.add(Phase::Tables, d.create_enum(e));
                }
                let was = match old {
                    Some(Obj::Enum(o)) => o.comment.as_deref(),
                    _ => None,
                };
                if e.comment.as_deref() != was {
                    let q = d.qname(&e.schema, &e.name);
                    b.add(Phase::Tables, d.comment_on("TYPE", &q, e.comment.as_deref()));
                }
            }
            Obj::Domain(x) => {
                let q = d.qname(&x.schema, &x.name);
                match old {
                    Some(Obj::Domain(o)) => self.alter_domain(b, x, o),
                    _ => b.add(Phase::Tables, d.create_domain(x)),
                }
                let was = match old {
                    Some(Obj::Domain(o)) => o.comment.as_deref(),
                    _ => None,
                };
                if x.comment.as_deref() != was {
                    b.add(Phase::Tables, d.comment_on("DOMAIN", &q, x.comment.as_deref()));
                }
            }
            Obj::Composite(x) => {
                let q = d.qname(&x.schema, &x.name);
                match old {
                    Some(Obj::Composite(o)) => self.alter_composite(b, x, o),
                    _ => b.add(Phase::Tables, d.create_composite(x)),
                }
                let was = match old {
                    Some(Obj::Composite(o)) => o.comment.as_deref(),
                    _ => None,
                };
                if x.comment.as_deref() != was {
                    b.add(Phase::Tables, d.comment_on("TYPE", &q, x.comment.as_deref()));
                }
            }
            Obj::Sequence(s) => match old {
                Some(Obj::Sequence(o)) => self.alter_sequence(b, s, o),
                _ => {
                    b.add(Phase::Tables, d.create_sequence(s));
                    if let Some(c) = &s.comment {
                        b.add(
                            Phase::Tables,
                            d.comment_on("SEQUENCE", &d.qname(&s.schema, &s.name), Some(c)),
                        );
                    }
                }
            },
            _ => {}
        }
    }

    /// `ALTER TYPE ... ADD VALUE` for labels added to an enum; they run
    /// before the transaction so later statements may use them.
    pub(super) fn emit_enum_values(&self, b: &mut Builder) {
        let d = &self.d;
        for e in &self.s.enums {
            let id = type_id(&e.schema, &e.name);
            if self.action(&id) != Some(Action::Alter) {
                continue;
            }
            let Some(Obj::Enum(t)) = self.tn.get(&id) else { continue };
            let q = d.qname(&e.schema, &e.name);
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
        }
    }

    fn alter_domain(&self, b: &mut Builder, x: &Domain, o: &Domain) {
        let d = &self.d;
        let q = d.qname(&x.schema, &x.name);
        if normalize::opt(&o.default) != normalize::opt(&x.default) {
            b.add(
                Phase::Tables,
                match &x.default {
                    Some(v) => format!("ALTER DOMAIN {q} SET DEFAULT {v}"),
                    None => format!("ALTER DOMAIN {q} DROP DEFAULT"),
                },
            );
        }
        if o.not_null != x.not_null {
            let verb = if x.not_null { "SET" } else { "DROP" };
            b.add_h(
                Phase::Tables,
                format!("ALTER DOMAIN {q} {verb} NOT NULL"),
                if x.not_null {
                    vec![format!("scans every column of type {q}; fails on NULLs")]
                } else {
                    Vec::new()
                },
            );
        }
        for k in &x.checks {
            let cid = crate::schema::deps::sub_node(
                crate::db::Engine::Postgres,
                crate::schema::deps::NodeKind::Constraint,
                &x.schema,
                &x.name,
                &k.name,
            );
            if matches!(self.action(&cid), Some(Action::Create | Action::Recreate)) {
                b.add_h(
                    Phase::Tables,
                    format!("ALTER DOMAIN {q} ADD CONSTRAINT {} {}", d.ident(&k.name), k.expression),
                    vec![format!("scans every column of type {q} to check it")],
                );
            }
        }
    }

    fn alter_composite(&self, b: &mut Builder, x: &CompositeType, o: &CompositeType) {
        let d = &self.d;
        let q = d.qname(&x.schema, &x.name);
        for a in &o.attributes {
            if !x.attributes.iter().any(|n| n.name == a.name) {
                b.add(
                    Phase::Tables,
                    format!("ALTER TYPE {q} DROP ATTRIBUTE {}", d.ident(&a.name)),
                );
            }
        }
        for a in &x.attributes {
            match o.attributes.iter().find(|n| n.name == a.name) {
                None => b.add(
                    Phase::Tables,
                    format!("ALTER TYPE {q} ADD ATTRIBUTE {} {}", d.ident(&a.name), a.data_type),
                ),
                Some(p) if p.data_type != a.data_type => b.add(
                    Phase::Tables,
                    format!(
                        "ALTER TYPE {q} ALTER ATTRIBUTE {} TYPE {}",
                        d.ident(&a.name),
                        a.data_type
                    ),
                ),
                Some(_) => {}
            }
        }
    }

    fn alter_sequence(&self, b: &mut Builder, s: &Sequence, o: &Sequence) {
        let mut alt = o.clone();
        alt.owned_by = s.owned_by.clone();
        alt.comment = s.comment.clone();
        if alt == *s {
            return;
        }
        let q = self.d.qname(&s.schema, &s.name);
        // Postgres refuses new bounds that exclude the current value. Moving
        // the value up to a raised MINVALUE (down to a lowered MAXVALUE)
        // only skips numbers, never issues one twice; a value already inside
        // the bounds is left as it is.
        let reg = self.d.literal(&q);
        if s.min_value > o.min_value {
            b.add(
                Phase::Tables,
                format!(
                    "SELECT setval({reg}, GREATEST(last_value, {m}), is_called AND last_value >= {m}) FROM {q}",
                    m = s.min_value
                ),
            );
        }
        if s.max_value < o.max_value {
            b.add(
                Phase::Tables,
                format!(
                    "SELECT setval({reg}, LEAST(last_value, {m}), is_called AND last_value <= {m}) FROM {q}",
                    m = s.max_value
                ),
            );
        }
        b.add(
            Phase::Tables,
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

    /// Sequence ownership and comments, after every table exists.
    pub(super) fn emit_sequence_late(&self, b: &mut Builder) {
        let d = &self.d;
        for s in &self.s.sequences {
            let id = crate::schema::deps::node(
                crate::db::Engine::Postgres,
                crate::schema::deps::NodeKind::Sequence,
                &s.schema,
                &s.name,
            );
            let q = d.qname(&s.schema, &s.name);
            let old = match self.tn.get(&id) {
                Some(Obj::Sequence(o)) => Some(o),
                _ => None,
            };
            if old.and_then(|o| o.owned_by.clone()) != s.owned_by {
                let owner = s.owned_by.clone().unwrap_or_else(|| "NONE".into());
                b.add(Phase::CreateLate, format!("ALTER SEQUENCE {q} OWNED BY {owner}"));
            }
            if let Some(o) = old
                && o.comment != s.comment
            {
                b.add(Phase::CreateLate, d.comment_on("SEQUENCE", &q, s.comment.as_deref()));
            }
        }
    }
}

/// Whether a column type names the type with node id `id` (or an array of it).
pub(super) fn uses_type(data_type: &str, id: &str) -> bool {
    let Some((schema, name)) = id.strip_prefix("type:").and_then(|b| b.split_once('.')) else {
        return false;
    };
    let base = data_type.trim_end_matches("[]");
    let quoted = crate::db::quote::ident(crate::db::Engine::Postgres, name);
    base == name
        || base == quoted
        || base == format!("{schema}.{name}")
        || base == format!("{schema}.{quoted}")
        || base == format!("\"{schema}\".{quoted}")
}

/// Whether `ALTER TYPE` can turn `old` into `new`: kept attributes stay in
/// order and new ones come last.
pub(super) fn composite_alterable(new: &CompositeType, old: &CompositeType) -> bool {
    let kept_new: Vec<&str> = new
        .attributes
        .iter()
        .filter(|a| old.attributes.iter().any(|o| o.name == a.name))
        .map(|a| a.name.as_str())
        .collect();
    let kept_old: Vec<&str> = old
        .attributes
        .iter()
        .filter(|a| new.attributes.iter().any(|o| o.name == a.name))
        .map(|a| a.name.as_str())
        .collect();
    let first_new = new
        .attributes
        .iter()
        .position(|a| !old.attributes.iter().any(|o| o.name == a.name));
    kept_new == kept_old && first_new.is_none_or(|p| p >= kept_new.len())
}

/// The enum a swapped column converts to, for `USING`.
pub(super) fn _enum_of(e: &EnumType) -> String {
    format!("{}.{}", e.schema, e.name)
}
