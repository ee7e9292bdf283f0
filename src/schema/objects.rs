//! Flatten a schema into named objects, each with its canonical DDL: the
//! unit the diff compares and shows.

use super::ddl::Ddl;
use super::normalize;
use super::{Schema, Table};
use crate::db::Engine;
use serde::Serialize;

/// Kinds of schema objects, in the order summaries list them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// A namespace.
    Schema,
    /// An installed extension.
    Extension,
    /// An enum type.
    Enum,
    /// A domain.
    Domain,
    /// A composite type.
    CompositeType,
    /// A sequence.
    Sequence,
    /// A function or procedure.
    Function,
    /// An aggregate function.
    Aggregate,
    /// A table with its columns and constraints.
    Table,
    /// A partition of a partitioned table (Postgres).
    Partition,
    /// An index.
    Index,
    /// A view.
    View,
    /// A materialized view.
    MaterializedView,
    /// A trigger.
    Trigger,
    /// A row-level security policy.
    Policy,
    /// The privileges granted on one object.
    Privileges,
}

impl Kind {
    /// Singular label for object headings.
    pub fn singular(self) -> &'static str {
        match self {
            Kind::Schema => "schema",
            Kind::Extension => "extension",
            Kind::Enum => "enum",
            Kind::Domain => "domain",
            Kind::CompositeType => "composite type",
            Kind::Sequence => "sequence",
            Kind::Function => "function",
            Kind::Aggregate => "aggregate",
            Kind::Table => "table",
            Kind::Partition => "partition",
            Kind::Index => "index",
            Kind::View => "view",
            Kind::MaterializedView => "materialized view",
            Kind::Trigger => "trigger",
            Kind::Policy => "policy",
            Kind::Privileges => "privileges on",
        }
    }

    /// Plural label for summaries.
    pub fn label(self) -> &'static str {
        match self {
            Kind::Schema => "schemas",
            Kind::Extension => "extensions",
            Kind::Enum => "enums",
            Kind::Domain => "domains",
            Kind::CompositeType => "composite types",
            Kind::Sequence => "sequences",
            Kind::Function => "functions",
            Kind::Aggregate => "aggregates",
            Kind::Table => "tables",
            Kind::Partition => "partitions",
            Kind::Index => "indexes",
            Kind::View => "views",
            Kind::MaterializedView => "materialized views",
            Kind::Trigger => "triggers",
            Kind::Policy => "policies",
            Kind::Privileges => "privileges",
        }
    }
}

/// One object and its canonical DDL.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Object {
    /// Kind.
    pub kind: Kind,
    /// Display name (qualified on Postgres), unique within its kind.
    pub name: String,
    /// Normalized DDL.
    pub ddl: String,
    /// What equality is decided on (the DDL, except where the engine cannot
    /// express a difference, such as Postgres column order).
    #[serde(skip)]
    pub compare: String,
}

/// Options that change which objects are compared.
#[derive(Debug, Clone, Copy, Default)]
pub struct ObjectOptions {
    /// Include privileges.
    pub with_privileges: bool,
}

/// Display name of an object.
pub fn display_name(engine: Engine, schema: &str, name: &str) -> String {
    match engine {
        Engine::Postgres => format!("{schema}.{name}"),
        _ => name.to_string(),
    }
}

/// Canonical DDL of a table including everything attached to it except
/// indexes, triggers and policies (which are objects of their own).
pub fn table_ddl(d: &Ddl, t: &Table) -> String {
    let mut s = d.create_table(t, true);
    for extra in d.table_extras(t).into_iter().chain(d.fk_comments(t)) {
        s.push('\n');
        s.push_str(&extra);
    }
    s
}

/// All objects of a schema, sorted by kind then name.
pub fn objects(schema: &Schema, opts: ObjectOptions) -> Vec<Object> {
    let e = schema.engine;
    let d = Ddl::canonical(e);
    let mut out = Vec::new();
    let mut push = |kind: Kind, name: String, ddl: String| {
        out.push(Object {
            kind,
            name,
            compare: ddl.clone(),
            ddl,
        })
    };
    if e == Engine::Postgres {
        for s in &schema.schemas {
            let ddl = with_comment(
                &d,
                format!("CREATE SCHEMA {};", d.ident(s)),
                "SCHEMA",
                &d.ident(s),
                &schema.schema_comments.get(s).cloned(),
            );
            push(Kind::Schema, s.clone(), ddl);
        }
    }
    for x in &schema.extensions {
        let ddl = with_comment(&d, d.create_extension(x), "EXTENSION", &d.ident(&x.name), &x.comment);
        push(Kind::Extension, x.name.clone(), ddl);
    }
    for x in &schema.enums {
        let ddl = with_comment(&d, d.create_enum(x), "TYPE", &d.qname(&x.schema, &x.name), &x.comment);
        push(Kind::Enum, display_name(e, &x.schema, &x.name), ddl);
    }
    for x in &schema.domains {
        let ddl = with_comment(
            &d,
            d.create_domain(x),
            "DOMAIN",
            &d.qname(&x.schema, &x.name),
            &x.comment,
        );
        push(Kind::Domain, display_name(e, &x.schema, &x.name), ddl);
    }
    for x in &schema.composites {
        let ddl = with_comment(
            &d,
            d.create_composite(x),
            "TYPE",
            &d.qname(&x.schema, &x.name),
            &x.comment,
        );
        push(Kind::CompositeType, display_name(e, &x.schema, &x.name), ddl);
    }
    for x in &schema.sequences {
        let mut ddl = d.create_sequence(x);
        if let Some(o) = &x.owned_by {
            ddl.push_str(&format!(
                "\nALTER SEQUENCE {} OWNED BY {o};",
                d.qname(&x.schema, &x.name)
            ));
        }
        let ddl = with_comment(&d, ddl, "SEQUENCE", &d.qname(&x.schema, &x.name), &x.comment);
        push(Kind::Sequence, display_name(e, &x.schema, &x.name), ddl);
    }
    for f in &schema.functions {
        let name = function_name(e, f);
        let mut ddl = normalize::body(&f.definition);
        if let Some(c) = &f.comment {
            ddl.push_str(&format!(
                "\nCOMMENT ON {} {name} IS {};",
                f.kind.to_uppercase(),
                d.literal(c)
            ));
        }
        let kind = if f.kind == "aggregate" {
            Kind::Aggregate
        } else {
            Kind::Function
        };
        push(kind, name, ddl);
    }
    for t in &schema.tables {
        let kind = if t.partition_of.is_some() {
            Kind::Partition
        } else {
            Kind::Table
        };
        push(kind, display_name(e, &t.schema, &t.name), table_ddl(&d, t));
        for i in &t.indexes {
            let mut ddl = d.create_index(t, i, false);
            if i.clustered {
                ddl.push_str(&format!(
                    "\nALTER TABLE {} CLUSTER ON {};",
                    d.qname(&t.schema, &t.name),
                    d.ident(&i.name)
                ));
            }
            let ddl = with_comment(&d, ddl, "INDEX", &d.qname(&t.schema, &i.name), &i.comment);
            push(Kind::Index, index_name(e, t, &i.name), ddl);
        }
    }
    for v in &schema.views {
        let kind = if v.materialized {
            Kind::MaterializedView
        } else {
            Kind::View
        };
        let what = if v.materialized { "MATERIALIZED VIEW" } else { "VIEW" };
        let mut ddl = with_comment(&d, d.create_view(v), what, &d.qname(&v.schema, &v.name), &v.comment);
        for i in d.view_indexes(v) {
            ddl.push('\n');
            ddl.push_str(&i);
        }
        for i in &v.indexes {
            ddl = with_comment(&d, ddl, "INDEX", &d.qname(&v.schema, &i.name), &i.comment);
        }
        for c in d.view_column_comments(v) {
            ddl.push('\n');
            ddl.push_str(&c);
        }
        push(kind, display_name(e, &v.schema, &v.name), ddl);
    }
    for t in &schema.triggers {
        let name = format!("{} on {}", t.name, display_name(e, &t.schema, &t.table));
        let on = format!("{} ON {}", d.ident(&t.name), d.qname(&t.schema, &t.table));
        let mut ddl = with_comment(&d, normalize::body(&t.definition), "TRIGGER", &on, &t.comment);
        if let Some(state) = &t.enabled {
            ddl.push_str(&format!(
                "\nALTER TABLE {} {state} TRIGGER {};",
                d.qname(&t.schema, &t.table),
                d.ident(&t.name)
            ));
        }
        push(Kind::Trigger, name, ddl);
    }
    for p in &schema.policies {
        let name = format!("{} on {}", p.name, display_name(e, &p.schema, &p.table));
        let on = format!("{} ON {}", d.ident(&p.name), d.qname(&p.schema, &p.table));
        let ddl = with_comment(&d, d.create_policy(p), "POLICY", &on, &p.comment);
        push(Kind::Policy, name, ddl);
    }
    if opts.with_privileges {
        let mut by_object: std::collections::BTreeMap<String, Vec<String>> = Default::default();
        for p in &schema.privileges {
            by_object.entry(p.object.clone()).or_default().push(d.grant(p));
        }
        for (obj, grants) in by_object {
            push(Kind::Privileges, obj, grants.join("\n"));
        }
    }
    if e == Engine::Postgres {
        // Postgres cannot reorder columns; order alone is not a change.
        let by_name: std::collections::HashMap<String, &Table> = schema
            .tables
            .iter()
            .map(|t| (display_name(e, &t.schema, &t.name), t))
            .collect();
        for o in out
            .iter_mut()
            .filter(|o| matches!(o.kind, Kind::Table | Kind::Partition))
        {
            if let Some(t) = by_name.get(&o.name) {
                let mut sorted = (*t).clone();
                sorted.columns.sort_by(|a, b| a.name.cmp(&b.name));
                o.compare = table_ddl(&d, &sorted);
            }
        }
    }
    out.sort_by(|a, b| (a.kind, &a.name).cmp(&(b.kind, &b.name)));
    out
}

/// Display name of a routine: qualified name and argument types (the
/// identity; parameter names are not part of it).
pub fn function_name(engine: Engine, f: &super::Function) -> String {
    let args = match engine {
        Engine::Postgres => f.identity(),
        _ => f.arguments.clone(),
    };
    format!("{}({args})", display_name(engine, &f.schema, &f.name))
}

/// Display name of an index: unique per schema on Postgres, per table on
/// MySQL (`table.index`), per database on SQLite.
pub fn index_name(engine: Engine, t: &Table, name: &str) -> String {
    match engine {
        Engine::Mysql => format!("{}.{name}", t.name),
        _ => display_name(engine, &t.schema, name),
    }
}

fn with_comment(d: &Ddl, mut ddl: String, what: &str, name: &str, comment: &Option<String>) -> String {
    if let Some(c) = comment {
        ddl.push('\n');
        ddl.push_str(&d.comment_on(what, name, Some(c)));
    }
    ddl
}
