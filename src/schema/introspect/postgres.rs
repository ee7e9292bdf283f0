//! Postgres introspection through pg_catalog (`format_type`, `pg_get_expr`,
//! `pg_get_indexdef`, `pg_get_constraintdef`, `pg_get_viewdef`, ...), so
//! every expression is rendered by the server the same way each time.

mod catalog;
mod queries;
mod rows;

use super::{json_rows, loose_bool, text_rows};
use crate::db::{DbResult, Engine, Session};
use crate::schema::{
    CheckConstraint, ColumnDef, CompositeType, Dependency, Domain, EnumType, Extension, ForeignKey, Function, Index,
    KeyConstraint, Policy, Privilege, Schema, Sequence, Table, Trigger, Unmodelled, View,
};
use rows::*;
use std::collections::HashMap;

/// Introspect the database behind `session`.
pub async fn introspect(session: &mut dyn Session) -> DbResult<Schema> {
    let mut schema = Schema::empty(Engine::Postgres);
    schema.schemas = text_rows(session, queries::SCHEMAS).await?;
    schema.schema_comments = json_rows::<SchemaCommentRow>(session, queries::SCHEMA_COMMENTS)
        .await?
        .into_iter()
        .map(|r| (r.schema, r.comment))
        .collect();
    let mut tables = read_tables(session).await?;
    let mut views: Vec<View> = json_rows::<ViewRow>(session, queries::VIEWS)
        .await?
        .into_iter()
        .map(|v| View {
            schema: v.schema,
            name: v.name,
            materialized: v.materialized,
            definition: v.definition,
            columns: Vec::new(),
            depends_on: v.depends_on.unwrap_or_default(),
            indexes: Vec::new(),
            comment: v.comment,
            options: v.options.unwrap_or_default(),
            ..Default::default()
        })
        .collect();
    for c in json_rows::<ColumnRow>(session, queries::COLUMNS).await? {
        let key = (c.schema.clone(), c.table.clone());
        let col = column(c);
        if let Some(t) = tables.get_mut(&key) {
            t.columns.push(col);
        } else if let Some(v) = views.iter_mut().find(|v| v.schema == key.0 && v.name == key.1) {
            v.columns.push(col);
        }
    }
    read_constraints(session, &mut tables).await?;
    read_indexes(session, &mut tables, &mut views).await?;
    schema.tables = tables.into_values().collect();
    schema.views = views;
    schema.sequences = read_sequences(session).await?;
    schema.enums = json_rows::<EnumRow>(session, queries::ENUMS)
        .await?
        .into_iter()
        .map(|e| EnumType {
            schema: e.schema,
            name: e.name,
            values: e.values.unwrap_or_default(),
            comment: e.comment,
        })
        .collect();
    read_types(session, &mut schema).await?;
    read_routines(session, &mut schema).await?;
    schema.dependencies = json_rows::<Dependency>(session, catalog::DEPENDENCIES).await?;
    schema.unmodelled = json_rows::<Unmodelled>(session, catalog::UNMODELLED).await?;
    schema.normalize();
    Ok(schema)
}

fn column(c: ColumnRow) -> ColumnDef {
    ColumnDef {
        name: c.name,
        data_type: c.data_type,
        nullable: !c.not_null,
        default: c.default,
        identity: c.identity,
        generated: c.generated,
        collation: c.collation,
        comment: c.comment,
        identity_options: c.identity_options,
        inherited: c.inherited,
        storage: c.storage,
        compression: c.compression,
        statistics: c.statistics,
        ..Default::default()
    }
}

async fn read_tables(session: &mut dyn Session) -> DbResult<HashMap<(String, String), Table>> {
    let mut tables = HashMap::new();
    for t in json_rows::<TableRow>(session, queries::TABLES).await? {
        let row_security = t.rls.then_some(t.rls_forced);
        let parents = t.parents.unwrap_or_default();
        let (partition_of, inherits) = if t.partition {
            (parents.into_iter().next(), Vec::new())
        } else {
            (None, parents)
        };
        tables.insert(
            (t.schema.clone(), t.name.clone()),
            Table {
                schema: t.schema,
                name: t.name,
                comment: t.comment,
                row_security,
                partition_by: t.partition_by,
                partition_of,
                partition_bound: t.partition_bound,
                inherits,
                unlogged: t.unlogged,
                options: t.options.unwrap_or_default(),
                replica_identity: t.replica_identity,
                ..Default::default()
            },
        );
    }
    Ok(tables)
}

fn fk_action(code: Option<&str>) -> String {
    match code {
        Some("r") => "RESTRICT",
        Some("c") => "CASCADE",
        Some("n") => "SET NULL",
        Some("d") => "SET DEFAULT",
        _ => "NO ACTION",
    }
    .to_string()
}

async fn read_constraints(session: &mut dyn Session, tables: &mut HashMap<(String, String), Table>) -> DbResult<()> {
    for c in json_rows::<ConstraintRow>(session, queries::CONSTRAINTS).await? {
        let Some(t) = tables.get_mut(&(c.schema.clone(), c.table.clone())) else {
            continue;
        };
        let columns = c.columns.unwrap_or_default();
        let deferrable = c.deferrable.then(|| {
            if c.deferred {
                "DEFERRABLE INITIALLY DEFERRED".to_string()
            } else {
                "DEFERRABLE INITIALLY IMMEDIATE".to_string()
            }
        });
        let key = |name: String, columns: Vec<String>| KeyConstraint {
            name,
            columns,
            comment: c.comment.clone(),
            deferrable: deferrable.clone(),
            nulls_not_distinct: c.nulls_not_distinct,
            include: c.include.clone().unwrap_or_default(),
            with: c.with.clone().filter(|w| !w.is_empty()),
        };
        match c.kind.as_str() {
            "p" => t.primary_key = Some(key(c.name.clone(), columns)),
            "u" => t.uniques.push(key(c.name.clone(), columns)),
            "c" => t.checks.push(CheckConstraint {
                name: c.name,
                expression: c.expr.unwrap_or(c.def),
                comment: c.comment,
                no_inherit: c.no_inherit,
                not_valid: c.not_valid,
                column: None,
            }),
            "x" => t.exclusions.push(CheckConstraint {
                name: c.name,
                expression: c.def,
                comment: c.comment,
                ..Default::default()
            }),
            "f" => {
                t.foreign_keys.push(ForeignKey {
                    name: c.name,
                    columns,
                    ref_schema: c.ref_schema.unwrap_or_default(),
                    ref_table: c.ref_table.unwrap_or_default(),
                    ref_columns: c.ref_columns.unwrap_or_default(),
                    on_update: fk_action(c.on_update.as_deref()),
                    on_delete: fk_action(c.on_delete.as_deref()),
                    deferrable,
                    comment: c.comment,
                    match_full: c.match_full,
                    not_valid: c.not_valid,
                });
            }
            _ => {}
        }
    }
    Ok(())
}

async fn read_indexes(
    session: &mut dyn Session,
    tables: &mut HashMap<(String, String), Table>,
    views: &mut [View],
) -> DbResult<()> {
    for i in json_rows::<IndexRow>(session, queries::INDEXES).await? {
        let key = (i.schema.clone(), i.table.clone());
        let index = Index {
            name: i.name,
            columns: i.columns.unwrap_or_default(),
            unique: i.unique,
            predicate: i.predicate,
            method: Some(i.method),
            // A partitioned table's index is shown `ON ONLY`; created that way
            // it would not cascade to the partitions.
            definition: Some(i.def.replacen(" ON ONLY ", " ON ", 1)),
            comment: i.comment,
            clustered: i.clustered,
            ..Default::default()
        };
        if let Some(t) = tables.get_mut(&key) {
            t.indexes.push(index);
        } else if let Some(v) = views.iter_mut().find(|v| v.schema == key.0 && v.name == key.1) {
            v.indexes.push(index);
        }
    }
    Ok(())
}

async fn read_sequences(session: &mut dyn Session) -> DbResult<Vec<Sequence>> {
    Ok(json_rows::<SequenceRow>(session, queries::SEQUENCES)
        .await?
        .into_iter()
        .map(|s| Sequence {
            schema: s.schema,
            name: s.name,
            data_type: s.data_type,
            start: s.start,
            increment: s.increment,
            min_value: s.min_value,
            max_value: s.max_value,
            cycle: s.cycle,
            owned_by: s.owned_by,
            cache: s.cache,
            comment: s.comment,
        })
        .collect())
}

async fn read_types(session: &mut dyn Session, schema: &mut Schema) -> DbResult<()> {
    schema.domains = json_rows::<DomainRow>(session, queries::DOMAINS)
        .await?
        .into_iter()
        .map(|d| Domain {
            schema: d.schema,
            name: d.name,
            data_type: d.data_type,
            not_null: d.not_null,
            default: d.default,
            collation: d.collation,
            checks: d.checks.unwrap_or_default(),
            comment: d.comment,
        })
        .collect();
    schema.composites = json_rows::<CompositeRow>(session, queries::COMPOSITES)
        .await?
        .into_iter()
        .map(|c| CompositeType {
            schema: c.schema,
            name: c.name,
            attributes: c
                .attributes
                .unwrap_or_default()
                .into_iter()
                .map(|a| ColumnDef {
                    name: a.name,
                    data_type: a.data_type,
                    nullable: true,
                    default: None,
                    identity: None,
                    generated: None,
                    collation: None,
                    comment: None,
                    ..Default::default()
                })
                .collect(),
            comment: c.comment,
        })
        .collect();
    Ok(())
}

async fn read_routines(session: &mut dyn Session, schema: &mut Schema) -> DbResult<()> {
    schema.functions = json_rows::<Function>(session, queries::FUNCTIONS).await?;
    schema
        .functions
        .extend(json_rows::<Function>(session, queries::AGGREGATES).await?);
    schema.triggers = json_rows::<Trigger>(session, queries::TRIGGERS).await?;
    schema.policies = json_rows::<PolicyRow>(session, queries::POLICIES)
        .await?
        .into_iter()
        .map(|p| Policy {
            schema: p.schema,
            table: p.table,
            name: p.name,
            permissive: p.permissive,
            command: p.command,
            roles: p.roles.unwrap_or_default(),
            using: p.using,
            with_check: p.with_check,
            comment: p.comment,
        })
        .collect();
    schema.extensions = json_rows::<Extension>(session, queries::EXTENSIONS).await?;
    schema.privileges = json_rows::<PrivilegeRow>(session, queries::PRIVILEGES)
        .await?
        .into_iter()
        .map(|p| Privilege {
            object_kind: p.object_kind,
            object: p.object,
            grantee: p.grantee,
            privilege: p.privilege,
            grantable: p.grantable,
        })
        .collect();
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::queries::*;

    #[test]
    fn every_catalog_query_returns_one_json_column_and_skips_system_schemas() {
        let all = [
            TABLES,
            COLUMNS,
            CONSTRAINTS,
            INDEXES,
            VIEWS,
            SEQUENCES,
            SCHEMA_COMMENTS,
            ENUMS,
            DOMAINS,
            COMPOSITES,
            FUNCTIONS,
            TRIGGERS,
            POLICIES,
            PRIVILEGES,
            AGGREGATES,
        ];
        for q in all {
            assert!(q.starts_with("SELECT json_build_object("), "{q}");
            assert!(q.contains("'pg_catalog', 'information_schema', 'pg_toast'"), "{q}");
        }
        assert!(SCHEMAS.contains("pg\\_temp\\_%"), "{SCHEMAS}");
        assert!(TABLES.contains("c.relispartition"), "partitions are tables too");
        for q in [super::catalog::DEPENDENCIES, super::catalog::UNMODELLED] {
            assert!(q.starts_with("WITH ns AS"), "{q}");
            assert!(q.contains("json_build_object("), "{q}");
        }
    }
}
