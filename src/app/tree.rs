//! The schema tree: the introspected model flattened into visible rows,
//! with expansion, a `/` filter and vim-style movement.

mod ddl;

pub use ddl::{ConstraintKind, DdlGone, DdlRef};

use crate::sanitize::sanitize;
use crate::schema::Function;
use crate::schema::objects::{Kind, display_name, function_name, index_name};
use crate::schema::{Schema, Table};
use std::collections::HashSet;

/// What a tree row stands for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NodeKind {
    /// A schema (namespace).
    Schema,
    /// A group heading (Tables, Views, ...).
    Group,
    /// A table or view that can be previewed.
    Relation {
        /// Schema name.
        schema: String,
        /// Table name.
        name: String,
    },
    /// A leaf (column, index, key, sequence, enum).
    Leaf,
}

/// One visible row.
#[derive(Debug, Clone)]
pub struct Node {
    /// Indentation level.
    pub depth: usize,
    /// Text (sanitized).
    pub label: String,
    /// Secondary text (type, markers).
    pub detail: String,
    /// Kind.
    pub kind: NodeKind,
    /// Stable path used for expansion.
    pub key: String,
    /// Has children.
    pub expandable: bool,
    /// Children shown.
    pub expanded: bool,
    /// The object whose DDL this row shows.
    pub ddl: Option<DdlRef>,
}

/// Tree pane state.
#[derive(Debug, Default)]
pub struct TreeState {
    /// The schema, once loaded.
    pub schema: Option<Schema>,
    /// Loading in the background.
    pub loading: bool,
    /// Last introspection error.
    pub error: Option<String>,
    /// Expanded node keys.
    pub expanded: HashSet<String>,
    /// Filter text (case-insensitive substring on relation names).
    pub filter: String,
    /// Typing into the filter.
    pub filtering: bool,
    /// Selected row.
    pub selected: usize,
    /// First visible row.
    pub top: usize,
    /// Flattened visible rows.
    pub nodes: Vec<Node>,
    /// Connection label shown as the root.
    pub root: String,
}

impl TreeState {
    /// Install a freshly introspected schema.
    pub fn set_schema(&mut self, schema: Schema) {
        if self.expanded.is_empty() {
            // Open the first schema and its tables so the tree is useful at once.
            if let Some(s) = schema.schemas.first().or(schema.tables.first().map(|t| &t.schema)) {
                self.expanded.insert(format!("s:{s}"));
                self.expanded.insert(format!("g:{s}:tables"));
            }
        }
        self.schema = Some(schema);
        self.loading = false;
        self.error = None;
        self.rebuild();
    }

    /// Recompute the visible rows.
    pub fn rebuild(&mut self) {
        let mut nodes = Vec::new();
        if let Some(schema) = &self.schema {
            let filter = self.filter.to_lowercase();
            let mut names: Vec<String> = schema.schemas.clone();
            for t in &schema.tables {
                if !names.contains(&t.schema) {
                    names.push(t.schema.clone());
                }
            }
            for s in &names {
                self.schema_nodes(schema, s, &filter, &mut nodes);
            }
        }
        self.nodes = nodes;
        self.selected = self.selected.min(self.nodes.len().saturating_sub(1));
    }

    fn is_open(&self, key: &str, filter: &str) -> bool {
        !filter.is_empty() && !key.starts_with("t:") || self.expanded.contains(key)
    }

    fn schema_nodes(&self, schema: &Schema, s: &str, filter: &str, out: &mut Vec<Node>) {
        let e = schema.engine;
        let keep = |name: &str| filter.is_empty() || name.to_lowercase().contains(filter);
        let tables: Vec<&Table> = schema
            .tables
            .iter()
            .filter(|t| t.schema == s && keep(&t.name))
            .collect();
        let views: Vec<_> = schema
            .views
            .iter()
            .filter(|v| v.schema == s && !v.materialized && keep(&v.name))
            .collect();
        let mviews: Vec<_> = schema
            .views
            .iter()
            .filter(|v| v.schema == s && v.materialized && keep(&v.name))
            .collect();
        let routines = |kind: &str| -> Vec<&Function> {
            schema
                .functions
                .iter()
                .filter(|f| f.schema == s && f.kind.eq_ignore_ascii_case(kind) && keep(&f.name))
                .collect()
        };
        let (functions, procedures) = (routines("function"), routines("procedure"));
        let seqs: Vec<_> = schema
            .sequences
            .iter()
            .filter(|q| q.schema == s && keep(&q.name))
            .collect();
        let enums: Vec<_> = schema.enums.iter().filter(|e| e.schema == s && keep(&e.name)).collect();
        let domains: Vec<_> = schema
            .domains
            .iter()
            .filter(|d| d.schema == s && keep(&d.name))
            .collect();
        if !filter.is_empty()
            && tables.is_empty()
            && views.is_empty()
            && mviews.is_empty()
            && functions.is_empty()
            && procedures.is_empty()
            && seqs.is_empty()
            && enums.is_empty()
            && domains.is_empty()
        {
            return;
        }
        let skey = format!("s:{s}");
        let sopen = self.is_open(&skey, filter);
        out.push(node(0, s, "", NodeKind::Schema, &skey, true, sopen));
        if !sopen {
            return;
        }
        let group = |name: &str, n: usize, out: &mut Vec<Node>| -> bool {
            let key = format!("g:{s}:{}", name.to_lowercase());
            if n == 0 && name != "Tables" {
                return false;
            }
            let open = self.is_open(&key, filter);
            out.push(node(1, name, &n.to_string(), NodeKind::Group, &key, n > 0, open));
            open && n > 0
        };
        let obj = |kind: Kind, name: &str| Some(DdlRef::Object(kind, display_name(e, s, name)));
        if group("Tables", tables.len(), out) {
            for t in tables {
                self.table_nodes(schema, t, out);
            }
        }
        if group("Views", views.len(), out) {
            for v in views {
                let key = format!("t:{s}.{}", v.name);
                let open = self.expanded.contains(&key);
                let kind = relation(s, &v.name);
                let mut n = node(2, &v.name, "view", kind, &key, !v.columns.is_empty(), open);
                n.ddl = obj(Kind::View, &v.name);
                out.push(n);
                if open {
                    for c in &v.columns {
                        out.push(leaf(3, &c.name, &c.data_type, &key, obj(Kind::View, &v.name)));
                    }
                }
            }
        }
        if group("Materialized views", mviews.len(), out) {
            for v in mviews {
                let key = format!("t:{s}.{}", v.name);
                let mut n = node(2, &v.name, "matview", relation(s, &v.name), &key, false, false);
                n.ddl = obj(Kind::MaterializedView, &v.name);
                out.push(n);
            }
        }
        for (title, list) in [("Functions", &functions), ("Procedures", &procedures)] {
            if group(title, list.len(), out) {
                for f in list.iter() {
                    let name = function_name(e, f);
                    let label = format!("ƒ {}", f.name);
                    out.push(leaf(
                        2,
                        &label,
                        &f.arguments,
                        &skey,
                        Some(DdlRef::Object(Kind::Function, name)),
                    ));
                }
            }
        }
        if group("Sequences", seqs.len(), out) {
            for q in seqs {
                out.push(leaf(2, &q.name, &q.data_type, &skey, obj(Kind::Sequence, &q.name)));
            }
        }
        if group("Enums", enums.len(), out) {
            for x in enums {
                out.push(leaf(2, &x.name, &x.values.join(", "), &skey, obj(Kind::Enum, &x.name)));
            }
        }
        if group("Domains", domains.len(), out) {
            for d in domains {
                out.push(leaf(2, &d.name, &d.data_type, &skey, obj(Kind::Domain, &d.name)));
            }
        }
    }

    fn table_nodes(&self, schema: &Schema, t: &Table, out: &mut Vec<Node>) {
        let e = schema.engine;
        let key = format!("t:{}.{}", t.schema, t.name);
        let open = self.expanded.contains(&key);
        let table_ddl = Some(DdlRef::Object(Kind::Table, display_name(e, &t.schema, &t.name)));
        let mut n = node(2, &t.name, "", relation(&t.schema, &t.name), &key, true, open);
        n.ddl = table_ddl.clone();
        out.push(n);
        if !open {
            return;
        }
        let pk: Vec<&String> = t.primary_key.iter().flat_map(|k| k.columns.iter()).collect();
        for c in &t.columns {
            let mut detail = c.data_type.clone();
            if !c.nullable {
                detail.push_str(" not null");
            }
            if let Some(d) = &c.default {
                detail.push_str(&format!(" = {d}"));
            }
            let mut marks = String::new();
            if pk.contains(&&c.name) {
                marks.push_str("PK ");
            }
            if t.foreign_keys.iter().any(|f| f.columns.contains(&c.name)) {
                marks.push_str("FK ");
            }
            out.push(leaf(3, &format!("{marks}{}", c.name), &detail, &key, table_ddl.clone()));
        }
        let part = |what: ConstraintKind, name: &str| {
            Some(DdlRef::Constraint {
                schema: t.schema.clone(),
                table: t.name.clone(),
                kind: what,
                name: name.to_string(),
            })
        };
        for i in &t.indexes {
            let u = if i.unique { "unique index" } else { "index" };
            let r = Some(DdlRef::Object(Kind::Index, index_name(e, t, &i.name)));
            out.push(leaf(
                3,
                &format!("⌕ {}", i.name),
                &format!("{u} ({})", i.columns.join(", ")),
                &key,
                r,
            ));
        }
        for u in &t.uniques {
            let detail = format!("unique ({})", u.columns.join(", "));
            out.push(leaf(
                3,
                &format!("U {}", u.name),
                &detail,
                &key,
                part(ConstraintKind::Unique, &u.name),
            ));
        }
        for c in &t.checks {
            let detail = format!("check ({})", c.expression);
            out.push(leaf(
                3,
                &format!("✓ {}", c.name),
                &detail,
                &key,
                part(ConstraintKind::Check, &c.name),
            ));
        }
        for f in &t.foreign_keys {
            let target = format!("→ {}.{}({})", f.ref_schema, f.ref_table, f.ref_columns.join(", "));
            out.push(leaf(
                3,
                &format!("FK {}", f.name),
                &format!("({}) {target}", f.columns.join(", ")),
                &key,
                part(ConstraintKind::ForeignKey, &f.name),
            ));
        }
        for tr in schema
            .triggers
            .iter()
            .filter(|x| x.schema == t.schema && x.table == t.name)
        {
            let name = format!("{} on {}", tr.name, display_name(e, &t.schema, &t.name));
            out.push(leaf(
                3,
                &format!("⚡ {}", tr.name),
                "trigger",
                &key,
                Some(DdlRef::Object(Kind::Trigger, name)),
            ));
        }
    }

    /// The selected row.
    pub fn current(&self) -> Option<&Node> {
        self.nodes.get(self.selected)
    }

    /// Expand or collapse the selected node.
    pub fn set_expanded(&mut self, open: bool) {
        let Some(n) = self.current().cloned() else { return };
        if !n.expandable {
            if !open {
                self.select_parent(n.depth);
            }
            return;
        }
        if open == n.expanded && !open {
            self.select_parent(n.depth);
            return;
        }
        if open {
            self.expanded.insert(n.key.clone());
        } else {
            self.expanded.remove(&n.key);
        }
        self.rebuild();
    }

    fn select_parent(&mut self, depth: usize) {
        if depth == 0 {
            return;
        }
        if let Some(p) = self.nodes[..self.selected].iter().rposition(|n| n.depth < depth) {
            self.selected = p;
        }
    }

    /// Move the selection by `delta`, keeping it visible in `height` rows.
    pub fn move_by(&mut self, delta: isize, height: usize) {
        let last = self.nodes.len().saturating_sub(1) as isize;
        self.selected = (self.selected as isize + delta).clamp(0, last.max(0)) as usize;
        self.follow(height);
    }

    /// Keep the selection visible.
    pub fn follow(&mut self, height: usize) {
        let h = height.max(1);
        if self.selected < self.top {
            self.top = self.selected;
        } else if self.selected >= self.top + h {
            self.top = self.selected + 1 - h;
        }
    }

    /// Table and column names for completion.
    pub fn completion_words(&self) -> Vec<String> {
        let mut v = Vec::new();
        if let Some(s) = &self.schema {
            for t in &s.tables {
                v.push(t.name.clone());
                v.extend(t.columns.iter().map(|c| c.name.clone()));
            }
            v.extend(s.views.iter().map(|x| x.name.clone()));
        }
        v.sort();
        v.dedup();
        v
    }
}

fn relation(schema: &str, name: &str) -> NodeKind {
    NodeKind::Relation {
        schema: schema.to_string(),
        name: name.to_string(),
    }
}

fn node(depth: usize, label: &str, detail: &str, kind: NodeKind, key: &str, expandable: bool, expanded: bool) -> Node {
    Node {
        depth,
        label: sanitize(label).into_owned(),
        detail: sanitize(detail).into_owned(),
        kind,
        key: key.to_string(),
        expandable,
        expanded: expanded && expandable,
        ddl: None,
    }
}

fn leaf(depth: usize, label: &str, detail: &str, parent: &str, ddl: Option<DdlRef>) -> Node {
    let mut n = node(
        depth,
        label,
        detail,
        NodeKind::Leaf,
        &format!("{parent}/{label}"),
        false,
        false,
    );
    n.ddl = ddl;
    n
}
