//! Object node ids and the dependency graph that orders migrations.
//!
//! Every modelled object has a node id such as `table:public.users`,
//! `column:public.users.email` or `function:public.f(integer)`. On MySQL and
//! SQLite the schema part is left out (objects live in the connection's
//! database), so ids of two databases line up. Introspection records which
//! node needs which (`Schema::dependencies`, from `pg_depend` or parsed
//! definitions); the planner adds what the model itself implies.

use super::{Dependency, Schema};
use crate::db::Engine;
use std::collections::{BTreeMap, BTreeSet};

/// Kinds of nodes, in the order objects of otherwise equal standing are
/// created (drops go the other way).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum NodeKind {
    /// A namespace.
    Schema,
    /// An extension.
    Extension,
    /// An enum, domain, composite or range type.
    Type,
    /// A sequence.
    Sequence,
    /// A function, procedure or aggregate.
    Function,
    /// A table (or partition).
    Table,
    /// A column of a table.
    Column,
    /// A column default or generation expression.
    Default,
    /// A table or domain constraint.
    Constraint,
    /// A view or materialized view.
    View,
    /// An index.
    Index,
    /// A trigger.
    Trigger,
    /// A row-level security policy.
    Policy,
}

impl NodeKind {
    /// The prefix of ids of this kind.
    pub fn prefix(self) -> &'static str {
        match self {
            NodeKind::Schema => "schema",
            NodeKind::Extension => "extension",
            NodeKind::Type => "type",
            NodeKind::Sequence => "sequence",
            NodeKind::Function => "function",
            NodeKind::Table => "table",
            NodeKind::Column => "column",
            NodeKind::Default => "default",
            NodeKind::Constraint => "constraint",
            NodeKind::View => "view",
            NodeKind::Index => "index",
            NodeKind::Trigger => "trigger",
            NodeKind::Policy => "policy",
        }
    }

    /// The kind of a node id.
    pub fn of(id: &str) -> Option<NodeKind> {
        let p = id.split(':').next()?;
        [
            NodeKind::Schema,
            NodeKind::Extension,
            NodeKind::Type,
            NodeKind::Sequence,
            NodeKind::Function,
            NodeKind::Table,
            NodeKind::Column,
            NodeKind::Default,
            NodeKind::Constraint,
            NodeKind::View,
            NodeKind::Index,
            NodeKind::Trigger,
            NodeKind::Policy,
        ]
        .into_iter()
        .find(|k| k.prefix() == p)
    }
}

/// Id of a schema-level object (`table:public.users`; `table:users` on
/// MySQL and SQLite).
pub fn node(engine: Engine, kind: NodeKind, schema: &str, name: &str) -> String {
    match engine {
        Engine::Postgres => format!("{}:{schema}.{name}", kind.prefix()),
        _ => format!("{}:{}", kind.prefix(), fold(engine, name)),
    }
}

/// Id of a namespace (Postgres).
pub fn schema_node(name: &str) -> String {
    format!("schema:{name}")
}

/// Id of an extension.
pub fn extension_node(name: &str) -> String {
    format!("extension:{name}")
}

/// Id of an object that belongs to a table (or domain): a column, default,
/// constraint, trigger or policy (`constraint:public.users.users_pkey`).
pub fn sub_node(engine: Engine, kind: NodeKind, schema: &str, table: &str, name: &str) -> String {
    match engine {
        Engine::Postgres => format!("{}:{schema}.{table}.{name}", kind.prefix()),
        _ => format!("{}:{}.{}", kind.prefix(), fold(engine, table), fold(engine, name)),
    }
}

/// Id of an index: per schema on Postgres, per table elsewhere.
pub fn index_node(engine: Engine, schema: &str, table: &str, name: &str) -> String {
    match engine {
        Engine::Postgres => node(engine, NodeKind::Index, schema, name),
        _ => sub_node(engine, NodeKind::Index, schema, table, name),
    }
}

/// Id of a routine, identified by its argument types.
pub fn function_node(engine: Engine, schema: &str, name: &str, signature: &str) -> String {
    node(engine, NodeKind::Function, schema, &format!("{name}({signature})"))
}

/// SQLite names are case-insensitive: ids use one case so both sides meet.
fn fold(engine: Engine, name: &str) -> String {
    if engine == Engine::Sqlite {
        name.to_lowercase()
    } else {
        name.to_string()
    }
}

/// The table (or domain type) a sub-object id belongs to, if any.
pub fn parent(id: &str) -> Option<String> {
    let kind = NodeKind::of(id)?;
    let body = id.split_once(':')?.1;
    match kind {
        NodeKind::Column | NodeKind::Default | NodeKind::Constraint | NodeKind::Trigger | NodeKind::Policy => {
            let (owner, _) = body.rsplit_once('.')?;
            Some(format!("table:{owner}"))
        }
        _ => None,
    }
}

/// A directed graph: `from` needs `to`.
#[derive(Debug, Clone, Default)]
pub struct Graph {
    needs: BTreeMap<String, BTreeSet<String>>,
    needed_by: BTreeMap<String, BTreeSet<String>>,
}

impl Graph {
    /// A graph of a schema's recorded dependencies plus those the model
    /// implies (a sub-object needs its table, a foreign key its referenced
    /// table, a view the relations it reads, a column its type).
    pub fn of(schema: &Schema) -> Graph {
        let mut g = Graph::default();
        for d in &schema.dependencies {
            g.add(&d.from, &d.to);
        }
        implied(schema, &mut g);
        g
    }

    /// Record that `from` needs `to`.
    pub fn add(&mut self, from: &str, to: &str) {
        if from == to {
            return;
        }
        self.needs.entry(from.to_string()).or_default().insert(to.to_string());
        self.needed_by
            .entry(to.to_string())
            .or_default()
            .insert(from.to_string());
    }

    /// What `id` needs directly.
    pub fn needs(&self, id: &str) -> impl Iterator<Item = &String> {
        self.needs.get(id).into_iter().flatten()
    }

    /// What needs `id` directly.
    pub fn needed_by(&self, id: &str) -> impl Iterator<Item = &String> {
        self.needed_by.get(id).into_iter().flatten()
    }

    /// Order `nodes` so that each comes after what it needs (through any
    /// path in the graph, also through nodes not in the list). Ties go by
    /// kind then id; a cycle is broken at its lowest-ranked node.
    pub fn order(&self, nodes: &BTreeSet<String>) -> Vec<String> {
        // Reduce the graph to the listed nodes, following paths through
        // unlisted ones so transitive needs are kept.
        let mut preds: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
        for n in nodes {
            let mut seen: BTreeSet<&str> = BTreeSet::new();
            let mut stack: Vec<&str> = self.needs(n).map(String::as_str).collect();
            let entry = preds.entry(n.as_str()).or_default();
            while let Some(x) = stack.pop() {
                if !seen.insert(x) {
                    continue;
                }
                if nodes.contains(x) {
                    if x != n.as_str() {
                        entry.insert(x);
                    }
                } else {
                    stack.extend(self.needs(x).map(String::as_str));
                }
            }
        }
        // Kahn's algorithm, the ready node of lowest (kind, id) first.
        use std::cmp::Reverse;
        use std::collections::BinaryHeap;
        let rank = |id: &str| (NodeKind::of(id), id.to_string());
        let mut waiting: BTreeMap<&str, usize> = BTreeMap::new();
        let mut unblocks: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
        for (n, ps) in &preds {
            waiting.insert(n, ps.len());
            for p in ps {
                unblocks.entry(p).or_default().push(n);
            }
        }
        let mut heap: BinaryHeap<Reverse<(Option<NodeKind>, String)>> = waiting
            .iter()
            .filter(|(_, w)| **w == 0)
            .map(|(n, _)| Reverse(rank(n)))
            .collect();
        let mut out = Vec::with_capacity(nodes.len());
        let mut done: BTreeSet<String> = BTreeSet::new();
        while done.len() < nodes.len() {
            let next = match heap.pop() {
                Some(Reverse((_, n))) => n,
                // A cycle: take the lowest-ranked node left.
                None => match nodes.iter().filter(|n| !done.contains(*n)).min_by_key(|n| rank(n)) {
                    Some(n) => n.clone(),
                    None => break,
                },
            };
            if !done.insert(next.clone()) {
                continue;
            }
            for d in unblocks.get(next.as_str()).into_iter().flatten() {
                if let Some(w) = waiting.get_mut(d) {
                    *w = w.saturating_sub(1);
                    if *w == 0 && !done.contains(*d) {
                        heap.push(Reverse(rank(d)));
                    }
                }
            }
            out.push(next);
        }
        out
    }

    /// Everything that needs any of `seeds`, transitively, descending only
    /// through nodes `follow` accepts (the seeds themselves are not included).
    pub fn dependents(&self, seeds: &BTreeSet<String>, follow: impl Fn(&str, &str) -> bool) -> BTreeSet<String> {
        let mut out = BTreeSet::new();
        let mut stack: Vec<(String, String)> = seeds.iter().map(|s| (s.clone(), s.clone())).collect();
        while let Some((seed, x)) = stack.pop() {
            for d in self.needed_by(&x) {
                if seeds.contains(d) || out.contains(d) || !follow(&seed, d) {
                    continue;
                }
                out.insert(d.clone());
                stack.push((seed.clone(), d.clone()));
            }
        }
        out
    }
}

/// Dependencies the model implies, so ordering also works for snapshots
/// taken before dependencies were recorded.
fn implied(s: &Schema, g: &mut Graph) {
    let e = s.engine;
    let types: BTreeMap<String, String> = s
        .enums
        .iter()
        .map(|x| (&x.schema, &x.name))
        .chain(s.domains.iter().map(|x| (&x.schema, &x.name)))
        .chain(s.composites.iter().map(|x| (&x.schema, &x.name)))
        .flat_map(|(sc, n)| {
            let id = node(e, NodeKind::Type, sc, n);
            [
                (n.clone(), id.clone()),
                (format!("{sc}.{n}"), id.clone()),
                (format!("\"{n}\""), id),
            ]
        })
        .collect();
    let type_of = |data_type: &str| types.get(data_type.trim_end_matches("[]")).cloned();
    for t in &s.tables {
        let tid = node(e, NodeKind::Table, &t.schema, &t.name);
        if e == Engine::Postgres {
            g.add(&tid, &schema_node(&t.schema));
        }
        for c in &t.columns {
            let cid = sub_node(e, NodeKind::Column, &t.schema, &t.name, &c.name);
            g.add(&cid, &tid);
            if let Some(ty) = type_of(&c.data_type) {
                g.add(&cid, &ty);
                g.add(&tid, &ty);
            }
        }
        if let Some(p) = &t.partition_of {
            g.add(&tid, &node(e, NodeKind::Table, &p.schema, &p.name));
        }
        for p in &t.inherits {
            g.add(&tid, &node(e, NodeKind::Table, &p.schema, &p.name));
        }
        for fk in &t.foreign_keys {
            let id = sub_node(e, NodeKind::Constraint, &t.schema, &t.name, &fk.name);
            g.add(&id, &tid);
            g.add(&id, &node(e, NodeKind::Table, &fk.ref_schema, &fk.ref_table));
        }
        for i in &t.indexes {
            g.add(&index_node(e, &t.schema, &t.name, &i.name), &tid);
        }
    }
    for v in &s.views {
        let vid = node(e, NodeKind::View, &v.schema, &v.name);
        for dep in &v.depends_on {
            let (sc, n) = dep.split_once('.').unwrap_or(("", dep.as_str()));
            let is_view = s
                .views
                .iter()
                .any(|x| x.name == n && (e != Engine::Postgres || x.schema == sc));
            let kind = if is_view { NodeKind::View } else { NodeKind::Table };
            g.add(&vid, &node(e, kind, sc, n));
        }
        for i in &v.indexes {
            g.add(&index_node(e, &v.schema, &v.name, &i.name), &vid);
        }
    }
    for t in &s.triggers {
        let id = sub_node(e, NodeKind::Trigger, &t.schema, &t.table, &t.name);
        g.add(&id, &node(e, NodeKind::Table, &t.schema, &t.table));
    }
    for p in &s.policies {
        let id = sub_node(e, NodeKind::Policy, &p.schema, &p.table, &p.name);
        g.add(&id, &node(e, NodeKind::Table, &p.schema, &p.table));
    }
    for d in &s.domains {
        if let Some(ty) = type_of(&d.data_type) {
            g.add(&node(e, NodeKind::Type, &d.schema, &d.name), &ty);
        }
    }
    for c in &s.composites {
        for a in &c.attributes {
            if let Some(ty) = type_of(&a.data_type) {
                g.add(&node(e, NodeKind::Type, &c.schema, &c.name), &ty);
            }
        }
    }
}

/// A dependency record.
pub fn dep(from: impl Into<String>, to: impl Into<String>) -> Dependency {
    Dependency {
        from: from.into(),
        to: to.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn orders_dependencies_first_and_breaks_cycles() {
        let mut g = Graph::default();
        g.add("view:public.v", "function:public.f()");
        g.add("function:public.f()", "table:public.t");
        g.add("function:public.g()", "view:public.v");
        let nodes: BTreeSet<String> = ["function:public.g()", "function:public.f()", "view:public.v"]
            .into_iter()
            .map(String::from)
            .collect();
        assert_eq!(
            g.order(&nodes),
            vec!["function:public.f()", "view:public.v", "function:public.g()"]
        );
        g.add("table:public.t", "function:public.g()");
        let mut all = nodes.clone();
        all.insert("table:public.t".into());
        assert_eq!(g.order(&all).len(), 4);
        let seeds: BTreeSet<String> = ["table:public.t".to_string()].into();
        let deps = g.dependents(&seeds, |_, _| true);
        assert!(deps.contains("function:public.g()"));
        assert_eq!(parent("column:public.t.a").as_deref(), Some("table:public.t"));
        assert_eq!(parent("view:public.v"), None);
    }
}
