//! Column changes, and what a type change costs: a rewrite of the table, a
//! scan of it, or only a catalog update, in the direction of the change.

use super::Planner;
use super::identity::{identity_increment, identity_set};
use crate::schema::migrate::{Builder, Phase};
use crate::schema::normalize;
use crate::schema::{ColumnDef, Table};

/// What `ALTER COLUMN ... TYPE` does to the table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Effect {
    /// Catalog only (binary-compatible, limit relaxed).
    Metadata,
    /// Every row is checked, nothing rewritten (into a domain with checks).
    Scan,
    /// The table and its indexes are rewritten.
    Rewrite,
}

/// A formatted type split into its name and modifiers:
/// `character varying(20)` -> (`character varying`, [20]).
fn split_type(t: &str) -> (String, Vec<i64>, String) {
    let t = t.trim();
    let (array, t) = match t.strip_suffix("[]") {
        Some(x) => ("[]".to_string(), x),
        None => (String::new(), t),
    };
    match (t.find('('), t.find(')')) {
        (Some(a), Some(z)) if z > a => {
            let mods = t[a + 1..z].split(',').filter_map(|x| x.trim().parse().ok()).collect();
            let name = format!("{}{}", t[..a].trim(), t[z + 1..].trim_end());
            (name.trim().to_string() + &array, mods, t[z + 1..].trim().to_string())
        }
        _ => (t.to_string() + &array, Vec::new(), String::new()),
    }
}

fn is_string(name: &str) -> bool {
    matches!(name, "character varying" | "text")
}

/// The effect of changing a column from `old` to `new` (formatted types).
/// `domain_base` gives a domain's base type and whether it has checks.
pub(crate) fn type_change_effect(old: &str, new: &str, domain_base: &dyn Fn(&str) -> Option<(String, bool)>) -> Effect {
    if old == new {
        return Effect::Metadata;
    }
    if let Some((base, _)) = domain_base(old)
        && base == new
    {
        return Effect::Metadata;
    }
    if let Some((base, checked)) = domain_base(new)
        && type_change_effect(old, &base, &|_| None) == Effect::Metadata
    {
        return if checked { Effect::Scan } else { Effect::Metadata };
    }
    let (on, om, _) = split_type(old);
    let (nn, nm, _) = split_type(new);
    let relaxed = nm.is_empty() || (om.len() == nm.len() && !om.is_empty() && nm[0] >= om[0]);
    match (on.as_str(), nn.as_str()) {
        (a, b) if is_string(a) && is_string(b) => {
            if b == "text" || relaxed {
                Effect::Metadata
            } else {
                Effect::Rewrite
            }
        }
        ("numeric", "numeric") => {
            let same_scale = om.get(1).copied().unwrap_or(0) == nm.get(1).copied().unwrap_or(0);
            if nm.is_empty() || (!om.is_empty() && nm[0] >= om[0] && same_scale) {
                Effect::Metadata
            } else {
                Effect::Rewrite
            }
        }
        (a, b) if a == b && relaxed => Effect::Metadata,
        ("cidr", "inet") | ("bit varying", "bit varying") if relaxed => Effect::Metadata,
        _ => Effect::Rewrite,
    }
}

impl Planner<'_> {
    /// A domain's base type and whether it has checks, on either side.
    fn domain_base(&self, ty: &str) -> Option<(String, bool)> {
        self.s
            .domains
            .iter()
            .chain(&self.t.domains)
            .find(|d| ty == d.name || ty == format!("{}.{}", d.schema, d.name))
            .map(|d| (d.data_type.clone(), !d.checks.is_empty() || d.not_null))
    }

    /// Whether a type is one of the user's enums, domains or composites.
    fn user_type(&self, ty: &str) -> bool {
        let base = ty.trim_end_matches("[]");
        let hit = |s: &str, n: &str| base == n || base == format!("{s}.{n}") || base == format!("\"{n}\"");
        let s = self.s;
        let t = self.t;
        s.enums.iter().chain(&t.enums).any(|e| hit(&e.schema, &e.name))
            || s.domains.iter().chain(&t.domains).any(|d| hit(&d.schema, &d.name))
            || s.composites
                .iter()
                .chain(&t.composites)
                .any(|c| hit(&c.schema, &c.name))
    }

    /// Statements that change column `old` into `col` on table `s`.
    /// `default_dropped`: the default was dropped early (it needs something
    /// that was re-created) and must be set again.
    pub(super) fn alter_column(
        &self,
        b: &mut Builder,
        s: &Table,
        col: &ColumnDef,
        old: &ColumnDef,
        default_dropped: bool,
    ) {
        let swapped = self.retyped.contains(&super::nodes::sub_id(
            crate::schema::deps::NodeKind::Column,
            s,
            &col.name,
        ));
        let d = &self.d;
        let q = d.qname(&s.schema, &s.name);
        let cq = d.ident(&col.name);
        let at = |sql: String| format!("ALTER TABLE {q} ALTER COLUMN {cq} {sql}");
        let path = format!("{}.{}.{}", s.schema, s.name, col.name);
        if col.generated != old.generated {
            if old.generated.is_some() && col.generated.is_none() {
                b.add(Phase::Tables, at("DROP EXPRESSION".into()));
            } else {
                b.add_h(
                    Phase::Tables,
                    format!("ALTER TABLE {q} DROP COLUMN {cq}"),
                    vec![format!(
                        "data loss: re-creates column {path} (its generation changes) at the end of the table"
                    )],
                );
                b.add_h(
                    Phase::Tables,
                    format!("ALTER TABLE {q} ADD COLUMN {}", d.column(col, false)),
                    vec![format!(
                        "table rewrite: computes {path} for every row (ACCESS EXCLUSIVE lock)"
                    )],
                );
                return;
            }
        }
        let retyped = (col.data_type != old.data_type || col.collation != old.collation || swapped) && !col.inherited;
        let default_changed = normalize::opt(&col.default) != normalize::opt(&old.default);
        let reset_default = default_changed || default_dropped || (retyped && old.default.is_some());
        if reset_default && old.default.is_some() && !default_dropped && old.identity.is_none() {
            b.add(Phase::Tables, at("DROP DEFAULT".into()));
        }
        if let Some(seq) = self.replaced_sequence(s, col, old) {
            b.add(Phase::Tables, format!("DROP SEQUENCE {seq}"));
        }
        if retyped {
            self.retype(b, s, col, old);
        }
        if reset_default && let Some(v) = &col.default {
            b.add(Phase::Tables, at(format!("SET DEFAULT {v}")));
        }
        if col.nullable != old.nullable {
            if col.nullable {
                b.add(Phase::Tables, at("DROP NOT NULL".into()));
            } else {
                b.add_h(
                    Phase::Tables,
                    at("SET NOT NULL".into()),
                    vec![format!(
                        "scan: checks every row of {}.{} under an ACCESS EXCLUSIVE lock; fails if {path} holds NULLs",
                        s.schema, s.name
                    )],
                );
            }
        }
        self.alter_identity(b, &at, &path, col, old);
        if col.storage != old.storage {
            let st = col.storage.clone().unwrap_or_else(|| "EXTENDED".into());
            b.add(Phase::Tables, at(format!("SET STORAGE {st}")));
        }
        if col.statistics != old.statistics {
            b.add(
                Phase::Tables,
                at(format!("SET STATISTICS {}", col.statistics.unwrap_or(-1))),
            );
        }
        if col.compression != old.compression {
            let m = col.compression.clone().unwrap_or_else(|| "DEFAULT".into());
            b.add(Phase::Tables, at(format!("SET COMPRESSION {m}")));
        }
    }

    fn retype(&self, b: &mut Builder, s: &Table, col: &ColumnDef, old: &ColumnDef) {
        let d = &self.d;
        let q = d.qname(&s.schema, &s.name);
        let cq = d.ident(&col.name);
        let coll = col
            .collation
            .as_ref()
            .map(|c| format!(" COLLATE {c}"))
            .unwrap_or_default();
        let path = format!("{}.{}.{}", s.schema, s.name, col.name);
        let effect = if col.data_type == old.data_type && self.user_type(&col.data_type) {
            Effect::Rewrite
        } else if col.data_type == old.data_type {
            Effect::Metadata
        } else {
            type_change_effect(&old.data_type, &col.data_type, &|t| self.domain_base(t))
        };
        let using = if effect == Effect::Metadata && !self.user_type(&col.data_type) && !self.user_type(&old.data_type)
        {
            // Binary-compatible: a USING clause would add nothing.
            String::new()
        } else if col.data_type == "text" {
            format!(" USING {cq}::text")
        } else if self.user_type(&old.data_type) || self.user_type(&col.data_type) {
            let arr = if col.data_type.ends_with("[]") { "[]" } else { "" };
            format!(" USING {cq}::text{arr}::{}", col.data_type)
        } else {
            format!(" USING {cq}::{}", col.data_type)
        };
        let sql = format!("ALTER TABLE {q} ALTER COLUMN {cq} TYPE {}{coll}{using}", col.data_type);
        let what = format!("{} -> {}", old.data_type, col.data_type);
        match effect {
            Effect::Metadata => b.add_n(
                Phase::Tables,
                sql,
                Vec::new(),
                vec![format!(
                    "metadata only: {what} keeps every stored value of {path} (brief ACCESS EXCLUSIVE lock{})",
                    if col.collation != old.collation {
                        "; indexes on the column are rebuilt"
                    } else {
                        ""
                    }
                )],
            ),
            Effect::Scan => b.add_h(
                Phase::Tables,
                sql,
                vec![format!(
                    "scan: {what} checks every row of {}.{} against the domain under an ACCESS EXCLUSIVE lock",
                    s.schema, s.name
                )],
            ),
            Effect::Rewrite => b.add_h(
                Phase::Tables,
                sql,
                vec![format!(
                    "table rewrite: {what} rewrites {}.{} and its indexes under an ACCESS EXCLUSIVE lock; fails if a value of {path} does not convert",
                    s.schema, s.name
                )],
            ),
        }
    }

    fn alter_identity(
        &self,
        b: &mut Builder,
        at: &dyn Fn(String) -> String,
        path: &str,
        col: &ColumnDef,
        old: &ColumnDef,
    ) {
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
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn type_changes_are_classified_by_direction() {
        let none = &|_: &str| None;
        assert_eq!(
            type_change_effect("character varying(20)", "character varying(32)", none),
            Effect::Metadata
        );
        assert_eq!(
            type_change_effect("character varying(32)", "character varying(20)", none),
            Effect::Rewrite
        );
        assert_eq!(
            type_change_effect("character varying(20)", "text", none),
            Effect::Metadata
        );
        assert_eq!(type_change_effect("character varying", "text", none), Effect::Metadata);
        assert_eq!(
            type_change_effect("text", "character varying(10)", none),
            Effect::Rewrite
        );
        assert_eq!(
            type_change_effect("numeric(10,2)", "numeric(12,2)", none),
            Effect::Metadata
        );
        assert_eq!(
            type_change_effect("numeric(10,2)", "numeric(12,3)", none),
            Effect::Rewrite
        );
        assert_eq!(type_change_effect("numeric(10,2)", "numeric", none), Effect::Metadata);
        assert_eq!(type_change_effect("integer", "bigint", none), Effect::Rewrite);
        assert_eq!(
            type_change_effect("timestamp(3) without time zone", "timestamp(6) without time zone", none),
            Effect::Metadata
        );
        let dom = &|t: &str| (t == "email").then(|| ("text".to_string(), true));
        assert_eq!(type_change_effect("text", "email", dom), Effect::Scan);
        assert_eq!(type_change_effect("email", "text", dom), Effect::Metadata);
    }
}
