//! Every object of one side of a Postgres migration under its node id, so
//! the planner can go from the dependency graph to the object and back.

use crate::db::Engine;
use crate::schema::deps::{NodeKind, extension_node, function_node, index_node, node, schema_node, sub_node};
use crate::schema::{
    CheckConstraint, ColumnDef, CompositeType, Domain, EnumType, Extension, ForeignKey, Function, Index, KeyConstraint,
    Policy, Schema, Sequence, Table, Trigger, View,
};
use std::collections::BTreeMap;

const PG: Engine = Engine::Postgres;

/// A table constraint, whichever kind it is.
#[derive(Debug, Clone, Copy)]
pub(super) enum Con<'a> {
    /// Primary key.
    Primary(&'a KeyConstraint),
    /// Unique constraint.
    Unique(&'a KeyConstraint),
    /// Check constraint.
    Check(&'a CheckConstraint),
    /// Exclusion constraint (whole definition in `expression`).
    Exclusion(&'a CheckConstraint),
    /// Foreign key.
    Foreign(&'a ForeignKey),
}

impl<'a> Con<'a> {
    /// Constraint name.
    pub(super) fn name(&self) -> &'a str {
        match self {
            Con::Primary(k) | Con::Unique(k) => &k.name,
            Con::Check(c) | Con::Exclusion(c) => &c.name,
            Con::Foreign(f) => &f.name,
        }
    }

    /// Comment.
    pub(super) fn comment(&self) -> Option<&'a str> {
        match self {
            Con::Primary(k) | Con::Unique(k) => k.comment.as_deref(),
            Con::Check(c) | Con::Exclusion(c) => c.comment.as_deref(),
            Con::Foreign(f) => f.comment.as_deref(),
        }
    }
}

/// Any modelled object.
#[derive(Debug, Clone, Copy)]
pub(super) enum Obj<'a> {
    /// A namespace.
    Schema(&'a str),
    /// An extension.
    Extension(&'a Extension),
    /// An enum type.
    Enum(&'a EnumType),
    /// A domain.
    Domain(&'a Domain),
    /// A composite type.
    Composite(&'a CompositeType),
    /// A sequence.
    Sequence(&'a Sequence),
    /// A routine.
    Function(&'a Function),
    /// A table or partition.
    Table(&'a Table),
    /// A column.
    Column(&'a Table, &'a ColumnDef),
    /// A column default.
    Default(&'a Table, &'a ColumnDef),
    /// A table constraint.
    Constraint(&'a Table, Con<'a>),
    /// A domain check constraint.
    DomainCheck(&'a Domain, &'a CheckConstraint),
    /// An index of a table.
    Index(&'a Table, &'a Index),
    /// An index of a materialized view (created with it).
    ViewIndex(&'a View, &'a Index),
    /// A view or materialized view.
    View(&'a View),
    /// A trigger.
    Trigger(&'a Trigger),
    /// A policy.
    Policy(&'a Policy),
}

/// Node id of a routine.
pub(super) fn fn_id(f: &Function) -> String {
    function_node(PG, &f.schema, &f.name, &f.identity())
}

/// Node id of a table.
pub(super) fn table_id(schema: &str, name: &str) -> String {
    node(PG, NodeKind::Table, schema, name)
}

/// Node id of a table's sub-object.
pub(super) fn sub_id(kind: NodeKind, t: &Table, name: &str) -> String {
    sub_node(PG, kind, &t.schema, &t.name, name)
}

/// Node id of a view.
pub(super) fn view_id(v: &View) -> String {
    node(PG, NodeKind::View, &v.schema, &v.name)
}

/// Node id of a type.
pub(super) fn type_id(schema: &str, name: &str) -> String {
    node(PG, NodeKind::Type, schema, name)
}

/// All objects of one side by node id.
pub(super) struct Nodes<'a> {
    /// Objects by id.
    pub(super) by_id: BTreeMap<String, Obj<'a>>,
}

impl<'a> Nodes<'a> {
    /// Index every object of `s`.
    pub(super) fn of(s: &'a Schema) -> Nodes<'a> {
        let mut m: BTreeMap<String, Obj<'a>> = BTreeMap::new();
        for n in &s.schemas {
            m.insert(schema_node(n), Obj::Schema(n));
        }
        for x in &s.extensions {
            m.insert(extension_node(&x.name), Obj::Extension(x));
        }
        for x in &s.enums {
            m.insert(type_id(&x.schema, &x.name), Obj::Enum(x));
        }
        for x in &s.domains {
            m.insert(type_id(&x.schema, &x.name), Obj::Domain(x));
            for c in &x.checks {
                m.insert(
                    sub_node(PG, NodeKind::Constraint, &x.schema, &x.name, &c.name),
                    Obj::DomainCheck(x, c),
                );
            }
        }
        for x in &s.composites {
            m.insert(type_id(&x.schema, &x.name), Obj::Composite(x));
        }
        for x in &s.sequences {
            m.insert(node(PG, NodeKind::Sequence, &x.schema, &x.name), Obj::Sequence(x));
        }
        for f in &s.functions {
            m.insert(fn_id(f), Obj::Function(f));
        }
        for t in &s.tables {
            m.insert(table_id(&t.schema, &t.name), Obj::Table(t));
            for c in &t.columns {
                m.insert(sub_id(NodeKind::Column, t, &c.name), Obj::Column(t, c));
                if c.default.is_some() || c.generated.is_some() {
                    m.insert(sub_id(NodeKind::Default, t, &c.name), Obj::Default(t, c));
                }
            }
            for c in constraints(t) {
                m.insert(sub_id(NodeKind::Constraint, t, c.name()), Obj::Constraint(t, c));
            }
            for i in &t.indexes {
                m.insert(index_node(PG, &t.schema, &t.name, &i.name), Obj::Index(t, i));
            }
        }
        for v in &s.views {
            m.insert(view_id(v), Obj::View(v));
            for i in &v.indexes {
                m.insert(index_node(PG, &v.schema, &v.name, &i.name), Obj::ViewIndex(v, i));
            }
        }
        for t in &s.triggers {
            m.insert(
                sub_node(PG, NodeKind::Trigger, &t.schema, &t.table, &t.name),
                Obj::Trigger(t),
            );
        }
        for p in &s.policies {
            m.insert(
                sub_node(PG, NodeKind::Policy, &p.schema, &p.table, &p.name),
                Obj::Policy(p),
            );
        }
        Nodes { by_id: m }
    }

    /// The object with this id.
    pub(super) fn get(&self, id: &str) -> Option<Obj<'a>> {
        self.by_id.get(id).copied()
    }

    /// Whether an object with this id exists.
    pub(super) fn has(&self, id: &str) -> bool {
        self.by_id.contains_key(id)
    }
}

/// Every constraint of a table.
pub(super) fn constraints(t: &Table) -> Vec<Con<'_>> {
    let mut v: Vec<Con<'_>> = Vec::new();
    v.extend(t.primary_key.iter().map(Con::Primary));
    v.extend(t.uniques.iter().map(Con::Unique));
    v.extend(t.checks.iter().map(Con::Check));
    v.extend(t.exclusions.iter().map(Con::Exclusion));
    v.extend(t.foreign_keys.iter().map(Con::Foreign));
    v
}
