//! Comparing schemas read by different versions of dbn. A snapshot taken
//! before a kind or attribute was modelled does not record it; comparing it
//! with a newer reading would show every such thing as a difference (and
//! a migration from the old snapshot would drop, say, every partition). So
//! both sides are compared at the older model's level, and the diff says so.

use super::Schema;
use std::borrow::Cow;

/// The model version introspection writes. 0: before issue 14 (no
/// partitions, aggregates, table options, dependencies, unmodelled kinds).
pub const MODEL_VERSION: u32 = 1;

/// Both schemas at the level of the older one, and a note when that
/// meant leaving things out.
pub fn align<'a>(a: &'a Schema, b: &'a Schema) -> (Cow<'a, Schema>, Cow<'a, Schema>, Option<String>) {
    let level = a.model_version.min(b.model_version);
    if level >= MODEL_VERSION || a.model_version == b.model_version {
        return (Cow::Borrowed(a), Cow::Borrowed(b), None);
    }
    let note = format!(
        "one side was read by an older dbn (model version {level}): partitions, aggregates, table and index options, constraint options, trigger states and unmodelled objects are compared only where both sides record them"
    );
    (Cow::Owned(at_v0(a)), Cow::Owned(at_v0(b)), Some(note))
}

/// What a version-0 reading would have recorded.
fn at_v0(s: &Schema) -> Schema {
    let mut s = s.clone();
    s.tables.retain(|t| t.partition_of.is_none());
    for t in &mut s.tables {
        t.partition_bound = None;
        t.partitions.clear();
        t.inherits.clear();
        t.unlogged = false;
        t.options.clear();
        t.replica_identity = None;
        t.engine = None;
        t.collation = None;
        t.without_rowid = false;
        t.strict = false;
        t.original = None;
        if s.engine != crate::db::Engine::Postgres {
            t.partition_by = None;
        }
        for c in &mut t.columns {
            c.inherited = false;
            c.invisible = false;
            c.storage = None;
            c.compression = None;
            c.statistics = None;
        }
        for k in t.primary_key.iter_mut().chain(t.uniques.iter_mut()) {
            k.deferrable = None;
            k.nulls_not_distinct = false;
            k.include.clear();
            k.with = None;
        }
        for f in &mut t.foreign_keys {
            f.match_full = false;
            f.not_valid = false;
        }
        for k in &mut t.checks {
            k.no_inherit = false;
            k.not_valid = false;
            k.column = None;
        }
        for i in &mut t.indexes {
            i.invisible = false;
            i.options = None;
            i.clustered = false;
            if let Some(d) = &mut i.definition {
                *d = d.replacen(" ON ONLY ", " ON ", 1);
            }
        }
    }
    for v in &mut s.views {
        v.options.clear();
        v.original = None;
    }
    s.functions.retain(|f| f.kind != "aggregate");
    for t in &mut s.triggers {
        t.enabled = None;
    }
    // Version 0 listed neither type privileges nor the built-in defaults.
    s.privileges.retain(|p| {
        !(matches!(p.object_kind.as_str(), "TYPE" | "DOMAIN")
            || (p.grantee == "PUBLIC" && matches!(p.object_kind.as_str(), "FUNCTION" | "PROCEDURE"))
            || p.privilege.contains('(')
            || (p.object_kind == "SCHEMA" && p.object == "public"))
    });
    s.dependencies.clear();
    s.unmodelled.clear();
    s.model_version = 0;
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::Engine;
    use crate::schema::{ObjRef, Table};

    #[test]
    fn an_old_snapshot_never_drops_what_it_could_not_record() {
        let mut live = Schema::empty(Engine::Postgres);
        live.tables.push(Table {
            schema: "public".into(),
            name: "ev".into(),
            partition_by: Some("RANGE (at)".into()),
            ..Default::default()
        });
        live.tables.push(Table {
            schema: "public".into(),
            name: "ev_2024".into(),
            partition_of: Some(ObjRef {
                schema: "public".into(),
                name: "ev".into(),
            }),
            partition_bound: Some("FOR VALUES FROM ('2024-01-01') TO ('2025-01-01')".into()),
            ..Default::default()
        });
        let mut old: Schema = serde_json::from_str(r#"{"engine":"postgres","tables":[{"schema":"public","name":"ev","columns":[],"partition_by":"RANGE (at)"}]}"#).unwrap();
        old.normalize();
        assert_eq!(old.model_version, 0);
        let d = crate::schema::diff::diff(&old, &live, Default::default());
        assert!(d.is_empty(), "{:?}", d.changes);
        assert!(!d.is_identical());
        assert!(d.not_migrated[0].contains("older dbn"), "{:?}", d.not_migrated);
        let p = crate::schema::migrate::plan(&old, &live, Default::default()).unwrap();
        assert!(p.is_empty(), "{}", p.render(""));
    }
}
