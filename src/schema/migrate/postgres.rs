//! Postgres migration planning, ordered by the catalog dependency graph.
//!
//! 1. Classify every object: created, altered in place, re-created (drop
//!    then create) or dropped.
//! 2. Whatever depends on something dropped early (a re-created function,
//!    a view over a column whose type changes, a foreign key on a replaced
//!    unique constraint) is dropped early too and re-created afterwards,
//!    with its comments and grants.
//! 3. Early drops run in reverse dependency order of the target; creates
//!    and in-place alters in dependency order of the source; foreign keys,
//!    ownership, comments and grants follow; objects that are simply gone
//!    are dropped last, again in reverse dependency order.

mod alter;
mod classify;
mod columns;
mod create;
mod drop;
mod grants;
mod identity;
mod late;
mod nodes;
mod types;

use super::{Builder, MigrateOptions, Phase};
use crate::db::Engine;
use crate::schema::Schema;
use crate::schema::ddl::Ddl;
use crate::schema::deps::{Graph, NodeKind};
use nodes::{Con, Nodes, Obj};
use std::collections::{BTreeMap, BTreeSet};

/// What happens to one object.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Action {
    /// Only in the source: created.
    Create,
    /// In both, changed in a way an ALTER (or CREATE OR REPLACE) handles.
    Alter,
    /// In both: dropped early, created again.
    Recreate,
    /// Only in the target: dropped.
    Drop,
}

/// The planner's view of both sides.
pub(super) struct Planner<'a> {
    s: &'a Schema,
    t: &'a Schema,
    sn: Nodes<'a>,
    tn: Nodes<'a>,
    sg: Graph,
    tg: Graph,
    /// Executable DDL.
    d: Ddl,
    /// Canonical DDL, for comparisons.
    c: Ddl,
    opts: MigrateOptions,
    /// Decided actions by node id (source id for creates/alters, target id
    /// for drops; the two are equal for objects in both).
    actions: BTreeMap<String, Action>,
    /// Target ids dropped before anything is created.
    early: BTreeSet<String>,
    /// Column ids whose type changes (views over them are re-created).
    retyped: BTreeSet<String>,
    /// Enum and domain types swapped: the old one is renamed away, columns
    /// are converted to the new one, the old one is dropped at the end.
    swapped: BTreeSet<String>,
}

/// Fill `b` with the statements that make `target` equal `source`.
pub(super) fn plan(b: &mut Builder, source: &Schema, target: &Schema, opts: MigrateOptions) {
    let mut p = Planner {
        s: source,
        t: target,
        sn: Nodes::of(source),
        tn: Nodes::of(target),
        sg: Graph::default(),
        tg: Graph::default(),
        d: Ddl::exec(Engine::Postgres),
        c: Ddl::canonical(Engine::Postgres),
        opts,
        actions: BTreeMap::new(),
        early: BTreeSet::new(),
        retyped: BTreeSet::new(),
        swapped: BTreeSet::new(),
    };
    p.sg = lifted(&Graph::of(source), &p.sn);
    p.tg = lifted(&Graph::of(target), &p.tn);
    p.classify();
    p.close_over_dependents();
    p.emit(b);
    if !b.is_empty() {
        // Function bodies may name tables created later in the same script.
        b.add(Phase::Setup, "SET LOCAL check_function_bodies = off");
    }
}

/// The graph with columns, defaults and non-foreign-key constraints
/// standing for their table (or domain), since they are created and
/// altered with it; what they need, the table needs.
fn lifted(g: &Graph, n: &Nodes<'_>) -> Graph {
    let mut out = g.clone();
    for (id, obj) in &n.by_id {
        let owner = match obj {
            Obj::Column(t, _) | Obj::Default(t, _) => nodes::table_id(&t.schema, &t.name),
            Obj::Constraint(t, c) if !matches!(c, Con::Foreign(_)) => nodes::table_id(&t.schema, &t.name),
            Obj::DomainCheck(d, _) => nodes::type_id(&d.schema, &d.name),
            Obj::ViewIndex(v, _) => nodes::view_id(v),
            _ => continue,
        };
        let needs: Vec<String> = g.needs(id).cloned().collect();
        for x in needs {
            let x_owner = n.get(&x).and_then(|o| match o {
                Obj::Column(t, _) | Obj::Default(t, _) => Some(nodes::table_id(&t.schema, &t.name)),
                _ => None,
            });
            if x_owner.as_deref() != Some(owner.as_str()) && x != owner {
                out.add(&owner, &x);
            }
        }
        out.add(id, &owner);
    }
    out
}

impl Planner<'_> {
    fn action(&self, id: &str) -> Option<Action> {
        self.actions.get(id).copied()
    }

    /// Emit every statement in order.
    fn emit(&self, b: &mut Builder) {
        self.emit_enum_values(b);
        self.emit_early_drops(b);
        self.emit_main(b);
        self.emit_late(b);
        self.emit_late_drops(b);
    }

    /// Ids of the target to drop at the end: removed objects not dropped
    /// early and not going away with their table.
    fn late_drops(&self) -> BTreeSet<String> {
        let by_tables = self.sequences_dropped_by_tables();
        self.actions
            .iter()
            .filter(|(id, a)| **a == Action::Drop && !self.early.contains(*id) && !by_tables.contains(*id))
            .filter(|(id, _)| {
                matches!(
                    NodeKind::of(id),
                    Some(
                        NodeKind::Schema
                            | NodeKind::Extension
                            | NodeKind::Type
                            | NodeKind::Sequence
                            | NodeKind::Function
                            | NodeKind::Table
                            | NodeKind::View
                    )
                )
            })
            .map(|(id, _)| id.clone())
            .collect()
    }

    fn emit_late_drops(&self, b: &mut Builder) {
        let late = self.late_drops();
        let mut order = self.tg.order(&late);
        order.reverse();
        for id in order {
            if self.absorbed(&id, &late) {
                continue;
            }
            for (sql, hz) in self.drop_statements(&id) {
                b.add_h(Phase::DropRemoved, sql, hz);
            }
        }
        for id in &self.swapped {
            if let Some(sql) = self.drop_swapped(id) {
                b.add(Phase::DropRemoved, sql);
            }
        }
    }

    fn emit_early_drops(&self, b: &mut Builder) {
        let mut order = self.tg.order(&self.early);
        order.reverse();
        for id in order {
            if self.absorbed(&id, &self.early) {
                continue;
            }
            for (sql, hz) in self.drop_statements(&id) {
                b.add_h(Phase::DropDependants, sql, hz);
            }
        }
        // An identity going away frees its sequence's name for a new one.
        for s in &self.s.tables {
            let id = nodes::table_id(&s.schema, &s.name);
            let Some(Obj::Table(t)) = self.tn.get(&id) else {
                continue;
            };
            if self.action(&id) != Some(Action::Alter) {
                continue;
            }
            for col in &t.columns {
                if col.identity.is_some() && s.column(&col.name).is_some_and(|c| c.identity.is_none()) {
                    b.add(
                        Phase::DropDependants,
                        format!(
                            "ALTER TABLE {} ALTER COLUMN {} DROP IDENTITY",
                            self.d.qname(&t.schema, &t.name),
                            self.d.ident(&col.name)
                        ),
                    );
                }
            }
        }
    }

    /// Whether dropping `id` is implied by dropping its table, view or
    /// domain, which is also in `set`.
    fn absorbed(&self, id: &str, set: &BTreeSet<String>) -> bool {
        let owner = match self.tn.get(id) {
            // Foreign keys go explicitly: tables dropped together may
            // reference each other.
            Some(Obj::Constraint(_, Con::Foreign(_))) => return false,
            Some(Obj::Column(t, _) | Obj::Default(t, _) | Obj::Constraint(t, _) | Obj::Index(t, _)) => {
                nodes::table_id(&t.schema, &t.name)
            }
            Some(Obj::Trigger(t)) => nodes::table_id(&t.schema, &t.table),
            Some(Obj::Policy(p)) => nodes::table_id(&p.schema, &p.table),
            Some(Obj::ViewIndex(v, _)) => nodes::view_id(v),
            Some(Obj::DomainCheck(d, _)) => nodes::type_id(&d.schema, &d.name),
            _ => return false,
        };
        set.contains(&owner) || self.late_drops_contains(&owner)
    }

    fn late_drops_contains(&self, id: &str) -> bool {
        self.action(id) == Some(Action::Drop)
    }

    /// Main part: creates and in-place alters in source dependency order.
    fn emit_main(&self, b: &mut Builder) {
        let ids: BTreeSet<String> = self
            .actions
            .iter()
            .filter(|(id, a)| matches!(a, Action::Create | Action::Alter | Action::Recreate) && self.main_kind(id))
            .map(|(id, _)| id.clone())
            .collect();
        for id in self.sg.order(&ids) {
            self.emit_node(b, &id);
        }
    }

    /// Kinds placed by the dependency order (foreign keys come after all
    /// of them; columns, defaults and constraints go with their table).
    fn main_kind(&self, id: &str) -> bool {
        match self.sn.get(id) {
            Some(Obj::Constraint(_, Con::Foreign(_))) => false,
            Some(Obj::Column(..) | Obj::Default(..) | Obj::Constraint(..) | Obj::DomainCheck(..)) => false,
            Some(_) => true,
            None => false,
        }
    }
}
