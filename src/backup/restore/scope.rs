//! What a restore may touch: the tables outside the restore set that
//! reference it (named before anything changes, refused or added), and the
//! foreign keys from the set to tables outside it, checked after the load
//! because foreign key enforcement is off while loading.

use crate::db::{Engine, quote};
use crate::schema::{ForeignKey, Schema, Table};

/// A table outside the restore set whose foreign key points into it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dependent {
    /// `schema.table` of the referencing table.
    pub table: String,
    /// The foreign key's name.
    pub constraint: String,
    /// `schema.table` it references (in the set).
    pub references: String,
    /// Its ON DELETE action.
    pub on_delete: String,
}

impl std::fmt::Display for Dependent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} (foreign key {} -> {}, ON DELETE {})",
            self.table, self.constraint, self.references, self.on_delete
        )
    }
}

fn refers_to(engine: Engine, fk: &ForeignKey, t: &Table) -> bool {
    fk.ref_table == t.name && (engine != Engine::Postgres || fk.ref_schema == t.schema)
}

/// Tables of `live` outside `set` that reference a table in `set`.
pub fn dependents(live: &Schema, set: &[&Table]) -> Vec<Dependent> {
    let engine = live.engine;
    let inside = |t: &Table| set.iter().any(|s| s.schema == t.schema && s.name == t.name);
    let mut out = Vec::new();
    for t in live.tables.iter().filter(|t| !inside(t)) {
        for fk in &t.foreign_keys {
            if let Some(target) = set.iter().find(|s| refers_to(engine, fk, s)) {
                out.push(Dependent {
                    table: format!("{}.{}", t.schema, t.name),
                    constraint: fk.name.clone(),
                    references: format!("{}.{}", target.schema, target.name),
                    on_delete: fk.on_delete.clone(),
                });
            }
        }
    }
    out
}

/// Queries that return a row when a table of the set references a row
/// missing from a table outside it, after the load; with the message.
pub fn boundary_checks(engine: Engine, live: &Schema, set: &[&Table]) -> Vec<(String, String)> {
    let inside = |schema: &str, name: &str| {
        set.iter()
            .any(|s| s.name == name && (engine != Engine::Postgres || s.schema == schema))
    };
    let mut out = Vec::new();
    for t in set {
        for fk in &t.foreign_keys {
            if inside(&fk.ref_schema, &fk.ref_table) || fk.columns.is_empty() {
                continue;
            }
            let Some(parent) = live
                .tables
                .iter()
                .find(|p| p.name == fk.ref_table && (engine != Engine::Postgres || p.schema == fk.ref_schema))
            else {
                continue;
            };
            let q = |c: &str| quote::ident(engine, c);
            let child = quote::qualified(engine, Some(&t.schema), &t.name);
            let par = quote::qualified(engine, Some(&parent.schema), &parent.name);
            let not_null: Vec<String> = fk.columns.iter().map(|c| format!("c.{} IS NOT NULL", q(c))).collect();
            let join: Vec<String> = fk
                .columns
                .iter()
                .zip(&fk.ref_columns)
                .map(|(c, r)| format!("p.{} = c.{}", q(r), q(c)))
                .collect();
            let sql = format!(
                "SELECT 1 FROM {child} c WHERE {} AND NOT EXISTS (SELECT 1 FROM {par} p WHERE {}) LIMIT 1",
                not_null.join(" AND "),
                join.join(" AND ")
            );
            let why = format!(
                "restored rows of {}.{} reference rows of {}.{} that do not exist there (foreign key {}); restore {} too, or add the missing rows first",
                t.schema, t.name, parent.schema, parent.name, fk.name, parent.name
            );
            out.push((sql, why));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(name: &str, fk_to: Option<&str>) -> Table {
        Table {
            schema: "public".into(),
            name: name.into(),
            foreign_keys: fk_to
                .map(|p| ForeignKey {
                    name: format!("{name}_fk"),
                    columns: vec!["pid".into()],
                    ref_schema: "public".into(),
                    ref_table: p.into(),
                    ref_columns: vec!["id".into()],
                    on_update: "NO ACTION".into(),
                    on_delete: "CASCADE".into(),
                    ..Default::default()
                })
                .into_iter()
                .collect(),
            ..Default::default()
        }
    }

    #[test]
    fn dependents_and_boundary() {
        let mut live = Schema::empty(Engine::Postgres);
        live.tables = vec![t("parent", None), t("child", Some("parent")), t("other", None)];
        let set = [&live.tables[0]];
        let d = dependents(&live, &set);
        assert_eq!(d.len(), 1);
        assert_eq!(
            d[0].to_string(),
            "public.child (foreign key child_fk -> public.parent, ON DELETE CASCADE)"
        );
        let set = [&live.tables[1]];
        assert!(dependents(&live, &set).is_empty());
        let checks = boundary_checks(Engine::Postgres, &live, &set);
        assert_eq!(checks.len(), 1);
        assert!(checks[0].0.contains("NOT EXISTS"), "{}", checks[0].0);
    }
}
