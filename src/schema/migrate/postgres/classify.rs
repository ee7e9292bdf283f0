//! Decide what happens to every object, then extend the early drops to
//! everything that depends on what goes away.

use super::nodes::{Con, Obj};
use super::{Action, Planner};
use crate::schema::deps::NodeKind;
use crate::schema::normalize;
use crate::schema::objects::table_ddl;
use std::collections::BTreeSet;

impl Planner<'_> {
    /// Fill `actions`, `retyped` and `swapped`.
    pub(super) fn classify(&mut self) {
        let mut actions = std::mem::take(&mut self.actions);
        let ids: Vec<String> = self.sn.by_id.keys().cloned().collect();
        for id in ids {
            let Some(so) = self.sn.get(&id) else { continue };
            match self.tn.get(&id) {
                None => {
                    actions.insert(id, Action::Create);
                }
                Some(to) => {
                    if let Some(a) = self.compare(&id, so, to) {
                        actions.insert(id, a);
                    }
                }
            }
        }
        for id in self.tn.by_id.keys() {
            if !self.sn.has(id) {
                actions.insert(id.clone(), Action::Drop);
            }
        }
        self.actions = actions;
        // Sub-objects dropped or re-created go before anything is created.
        let early: Vec<String> = self
            .actions
            .iter()
            .filter(|(id, a)| match a {
                Action::Recreate => true,
                Action::Drop => matches!(
                    self.tn.get(id),
                    Some(
                        Obj::Constraint(..)
                            | Obj::DomainCheck(..)
                            | Obj::Index(..)
                            | Obj::ViewIndex(..)
                            | Obj::Trigger(..)
                            | Obj::Policy(..)
                    )
                ),
                _ => false,
            })
            .map(|(id, _)| id.clone())
            .collect();
        self.early.extend(early);
        self.early.extend(self.swapped.iter().cloned());
        self.name_collisions();
    }

    /// How an object present on both sides differs, if at all.
    fn compare(&mut self, id: &str, s: Obj<'_>, t: Obj<'_>) -> Option<Action> {
        let c = &self.c;
        let alter_if = |changed: bool| changed.then_some(Action::Alter);
        match (s, t) {
            (Obj::Schema(n), Obj::Schema(_)) => {
                alter_if(self.s.schema_comments.get(n) != self.t.schema_comments.get(n))
            }
            (Obj::Extension(a), Obj::Extension(b)) => alter_if(a != b),
            (Obj::Enum(a), Obj::Enum(b)) => {
                if a.values == b.values {
                    return alter_if(a.comment != b.comment);
                }
                let mut it = a.values.iter();
                if b.values.iter().all(|v| it.any(|x| x == v)) {
                    Some(Action::Alter)
                } else {
                    self.swap(id);
                    Some(Action::Recreate)
                }
            }
            (Obj::Domain(a), Obj::Domain(b)) => {
                if a.data_type != b.data_type || a.collation != b.collation {
                    self.swap(id);
                    return Some(Action::Recreate);
                }
                alter_if(c.create_domain(a) != c.create_domain(b) || a.comment != b.comment)
            }
            (Obj::Composite(a), Obj::Composite(b)) => {
                if a.attributes == b.attributes {
                    return alter_if(a.comment != b.comment);
                }
                if super::types::composite_alterable(a, b) {
                    Some(Action::Alter)
                } else {
                    Some(Action::Recreate)
                }
            }
            (Obj::Sequence(a), Obj::Sequence(b)) => alter_if(a != b),
            (Obj::Function(a), Obj::Function(b)) => {
                if normalize::body(&a.definition) == normalize::body(&b.definition) {
                    return alter_if(a.comment != b.comment);
                }
                let replaceable = a.kind == b.kind
                    && a.kind != "aggregate"
                    && header(&a.definition) == header(&b.definition)
                    && returns(&a.definition) == returns(&b.definition);
                Some(if replaceable { Action::Alter } else { Action::Recreate })
            }
            (Obj::Table(a), Obj::Table(b)) => {
                if a.partition_by != b.partition_by {
                    return Some(Action::Recreate);
                }
                for col in &b.columns {
                    match a.column(&col.name) {
                        Some(n) if n.data_type != col.data_type || n.collation != col.collation => {
                            self.retyped
                                .insert(id.replacen("table:", "column:", 1) + "." + &col.name);
                        }
                        _ => {}
                    }
                }
                let sorted = |x: &crate::schema::Table| {
                    let mut x = x.clone();
                    x.columns.sort_by(|p, q| p.name.cmp(&q.name));
                    table_ddl(c, &x)
                };
                alter_if(
                    sorted(a) != sorted(b)
                        || a.partition_of != b.partition_of
                        || a.partition_bound != b.partition_bound,
                )
            }
            (Obj::Column(..), Obj::Column(..)) | (Obj::Default(..), Obj::Default(..)) => None,
            (Obj::Constraint(ta, a), Obj::Constraint(tb, b)) => {
                let text = |tab: &crate::schema::Table, x: Con<'_>| match x {
                    Con::Primary(k) => c.primary_key(k),
                    Con::Unique(k) => c.unique(k),
                    Con::Check(k) => format!("{}{}", c.check(k), if k.not_valid { " NOT VALID" } else { "" }),
                    Con::Exclusion(k) => c.body(&k.expression),
                    Con::Foreign(f) => format!(
                        "{}{}",
                        c.foreign_key(&tab.schema, f),
                        if f.not_valid { " NOT VALID" } else { "" }
                    ),
                };
                if text(ta, a) != text(tb, b) {
                    Some(Action::Recreate)
                } else {
                    alter_if(a.comment() != b.comment())
                }
            }
            (Obj::DomainCheck(_, a), Obj::DomainCheck(_, b)) => {
                (a.expression != b.expression).then_some(Action::Recreate)
            }
            (Obj::Index(ta, a), Obj::Index(tb, b)) => {
                if c.create_index(ta, a, false) != c.create_index(tb, b, false) {
                    Some(Action::Recreate)
                } else {
                    alter_if(a.comment != b.comment || a.clustered != b.clustered)
                }
            }
            (Obj::ViewIndex(_, a), Obj::ViewIndex(_, b)) => {
                if a.definition.as_deref().map(normalize::body) != b.definition.as_deref().map(normalize::body) {
                    Some(Action::Recreate)
                } else {
                    alter_if(a.comment != b.comment)
                }
            }
            (Obj::View(a), Obj::View(b)) => {
                let body = |v: &crate::schema::View| normalize::body(&v.definition);
                if a.materialized != b.materialized
                    || (body(a) != body(b) && (a.materialized || !replaceable_view(a, b)))
                {
                    return Some(Action::Recreate);
                }
                alter_if(
                    body(a) != body(b)
                        || a.options != b.options
                        || a.comment != b.comment
                        || c.view_column_comments(a) != c.view_column_comments(b),
                )
            }
            (Obj::Trigger(a), Obj::Trigger(b)) => {
                if normalize::body(&a.definition) != normalize::body(&b.definition) {
                    Some(Action::Recreate)
                } else {
                    alter_if(a.enabled != b.enabled || a.comment != b.comment)
                }
            }
            (Obj::Policy(a), Obj::Policy(b)) => {
                if c.create_policy(a) != c.create_policy(b) {
                    Some(Action::Recreate)
                } else {
                    alter_if(a.comment != b.comment)
                }
            }
            // Same id, different kind (a table became a view): replace it.
            _ => Some(Action::Recreate),
        }
    }

    fn swap(&mut self, id: &str) {
        self.swapped.insert(id.to_string());
        // Every column of the type is converted to the new one.
        for (cid, o) in &self.tn.by_id {
            if let Obj::Column(t, col) = o
                && super::types::uses_type(&col.data_type, id)
                && self.sn.has(cid)
            {
                let _ = t;
                self.retyped.insert(cid.clone());
            }
        }
    }

    /// A removed relation or type whose name a created one takes must go
    /// before the create (a table replaced by a view of the same name).
    fn name_collisions(&mut self) {
        let rel_name = |id: &str| -> Option<(String, String)> {
            match NodeKind::of(id)? {
                NodeKind::Table | NodeKind::View | NodeKind::Sequence | NodeKind::Index | NodeKind::Type => {
                    let body = id.split_once(':')?.1;
                    let (s, n) = body.split_once('.')?;
                    Some((s.to_string(), n.to_string()))
                }
                _ => None,
            }
        };
        let created: BTreeSet<(String, String)> = self
            .actions
            .iter()
            .filter(|(_, a)| matches!(a, Action::Create | Action::Recreate))
            .filter_map(|(id, _)| rel_name(id))
            .collect();
        let clash: Vec<String> = self
            .actions
            .iter()
            .filter(|(_, a)| **a == Action::Drop)
            .filter(|(id, _)| rel_name(id).is_some_and(|k| created.contains(&k)))
            .map(|(id, _)| id.clone())
            .collect();
        self.early.extend(clash);
    }

    /// Add to the early drops everything in the target that depends on an
    /// early drop, a dropped column or a column whose type changes; those
    /// the source still has are re-created.
    pub(super) fn close_over_dependents(&mut self) {
        let dropped_cols: BTreeSet<String> = self
            .actions
            .iter()
            .filter(|(id, a)| **a == Action::Drop && NodeKind::of(id) == Some(NodeKind::Column))
            .map(|(id, _)| id.clone())
            .collect();
        let mut seeds: BTreeSet<String> = self.early.clone();
        seeds.extend(dropped_cols);
        seeds.extend(self.retyped.iter().cloned());
        let retyped = self.retyped.clone();
        let tn = &self.tn;
        let found = self.tg.dependents(&seeds, |seed, dep| {
            let kind = NodeKind::of(dep);
            let droppable = matches!(
                tn.get(dep),
                Some(
                    Obj::View(_)
                        | Obj::Function(_)
                        | Obj::Trigger(_)
                        | Obj::Policy(_)
                        | Obj::Index(..)
                        | Obj::ViewIndex(..)
                        | Obj::Constraint(..)
                        | Obj::DomainCheck(..)
                        | Obj::Default(..)
                )
            );
            if !droppable {
                return false;
            }
            // Postgres rebuilds indexes, constraints and defaults over a
            // column whose type changes by itself.
            !(retyped.contains(seed)
                && matches!(kind, Some(NodeKind::Index | NodeKind::Constraint | NodeKind::Default)))
        });
        for id in found {
            self.early.insert(id.clone());
            if self.sn.has(&id) && self.action(&id) != Some(Action::Create) {
                self.actions.insert(id, Action::Recreate);
            }
        }
        // A re-created default or constraint is put back by its table's ALTER.
        let owners: Vec<String> = self
            .actions
            .iter()
            .filter(|(_, a)| matches!(a, Action::Recreate | Action::Create))
            .filter_map(|(id, _)| match self.sn.get(id) {
                Some(Obj::Default(t, _) | Obj::Column(t, _)) => Some(super::nodes::table_id(&t.schema, &t.name)),
                Some(Obj::Constraint(t, c)) if !matches!(c, Con::Foreign(_)) => {
                    Some(super::nodes::table_id(&t.schema, &t.name))
                }
                Some(Obj::DomainCheck(d, _)) => Some(super::nodes::type_id(&d.schema, &d.name)),
                _ => None,
            })
            .collect();
        for o in owners {
            self.actions.entry(o).or_insert(Action::Alter);
        }
        // Tables holding a converted column are altered.
        let retyped_tables: Vec<String> = self
            .retyped
            .iter()
            .filter_map(|c| crate::schema::deps::parent(c))
            .collect();
        for t in retyped_tables {
            if self.sn.has(&t) {
                self.actions.entry(t).or_insert(Action::Alter);
            }
        }
    }
}

/// The argument list of a `pg_get_functiondef` text (what must not change
/// for `CREATE OR REPLACE`: names, modes, defaults).
fn header(def: &str) -> String {
    let first = def.lines().next().unwrap_or("");
    normalize::body(first.split_once('(').map(|(_, r)| r).unwrap_or(first))
}

/// The `RETURNS ...` line of a `pg_get_functiondef` text.
fn returns(def: &str) -> Option<&str> {
    def.lines().map(str::trim).find(|l| l.starts_with("RETURNS "))
}

/// `CREATE OR REPLACE VIEW` keeps the old columns (names and types, in
/// order) and may only add new ones at the end.
pub(super) fn replaceable_view(new: &crate::schema::View, old: &crate::schema::View) -> bool {
    !old.columns.is_empty()
        && new.columns.len() >= old.columns.len()
        && old
            .columns
            .iter()
            .zip(&new.columns)
            .all(|(o, n)| o.name == n.name && o.data_type == n.data_type && o.collation == n.collation)
}
