//! One normalized schema model for all engines. Every list is kept sorted
//! by name (see `Schema::normalize`) so that canonical JSON is stable.

use crate::db::Engine;
use serde::{Deserialize, Serialize};

/// A whole database's structure.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Schema {
    /// Engine the schema was read from.
    pub engine: Engine,
    /// Schema (namespace) names; `main` for SQLite, the database for MySQL.
    #[serde(default)]
    pub schemas: Vec<String>,
    /// Tables.
    #[serde(default)]
    pub tables: Vec<Table>,
    /// Views and materialized views.
    #[serde(default)]
    pub views: Vec<View>,
    /// Sequences.
    #[serde(default)]
    pub sequences: Vec<Sequence>,
    /// Enum types (Postgres).
    #[serde(default)]
    pub enums: Vec<EnumType>,
    /// Domains (Postgres).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub domains: Vec<Domain>,
    /// Composite types (Postgres).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub composites: Vec<CompositeType>,
    /// Functions and procedures (Postgres, MySQL routines).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub functions: Vec<Function>,
    /// Triggers.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub triggers: Vec<Trigger>,
    /// Row-level security policies (Postgres).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub policies: Vec<Policy>,
    /// Installed extensions (Postgres).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub extensions: Vec<Extension>,
    /// Privileges granted to roles other than the owner (Postgres).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub privileges: Vec<Privilege>,
    /// Comments on schemas (namespace name to text), Postgres.
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub schema_comments: std::collections::BTreeMap<String, String>,
}

impl Schema {
    /// An empty schema for an engine.
    pub fn empty(engine: Engine) -> Self {
        Self {
            engine,
            schemas: Vec::new(),
            tables: Vec::new(),
            views: Vec::new(),
            sequences: Vec::new(),
            enums: Vec::new(),
            domains: Vec::new(),
            composites: Vec::new(),
            functions: Vec::new(),
            triggers: Vec::new(),
            policies: Vec::new(),
            extensions: Vec::new(),
            privileges: Vec::new(),
            schema_comments: Default::default(),
        }
    }

    /// Sort every list so equal schemas serialize identically.
    pub fn normalize(&mut self) {
        self.schemas.sort();
        self.schemas.dedup();
        self.tables
            .sort_by(|a, b| (&a.schema, &a.name).cmp(&(&b.schema, &b.name)));
        for t in &mut self.tables {
            t.normalize();
        }
        self.views
            .sort_by(|a, b| (&a.schema, &a.name).cmp(&(&b.schema, &b.name)));
        self.sequences
            .sort_by(|a, b| (&a.schema, &a.name).cmp(&(&b.schema, &b.name)));
        self.enums
            .sort_by(|a, b| (&a.schema, &a.name).cmp(&(&b.schema, &b.name)));
        self.domains
            .sort_by(|a, b| (&a.schema, &a.name).cmp(&(&b.schema, &b.name)));
        self.composites
            .sort_by(|a, b| (&a.schema, &a.name).cmp(&(&b.schema, &b.name)));
        self.functions
            .sort_by(|a, b| (&a.schema, &a.name, &a.arguments).cmp(&(&b.schema, &b.name, &b.arguments)));
        self.triggers
            .sort_by(|a, b| (&a.schema, &a.table, &a.name).cmp(&(&b.schema, &b.table, &b.name)));
        self.policies
            .sort_by(|a, b| (&a.schema, &a.table, &a.name).cmp(&(&b.schema, &b.table, &b.name)));
        self.extensions.sort_by(|a, b| a.name.cmp(&b.name));
        self.privileges.sort();
        self.privileges.dedup();
        for v in &mut self.views {
            v.indexes.sort_by(|a, b| a.name.cmp(&b.name));
            v.depends_on.sort();
            v.depends_on.dedup();
        }
    }

    /// Find a table by schema and name.
    pub fn table(&self, schema: &str, name: &str) -> Option<&Table> {
        self.tables.iter().find(|t| t.schema == schema && t.name == name)
    }

    /// Find a table by a user-written name: `schema.table` or a bare name
    /// (the first match across schemas, the default schema first).
    pub fn find_table(&self, written: &str) -> Option<&Table> {
        if let Some((s, n)) = written.split_once('.') {
            return self.table(s, n);
        }
        let preferred = ["public", "main"];
        self.tables
            .iter()
            .filter(|t| t.name == written)
            .min_by_key(|t| !preferred.contains(&t.schema.as_str()))
    }
}

/// A table and everything attached to it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Table {
    /// Schema (namespace).
    pub schema: String,
    /// Table name.
    pub name: String,
    /// Columns in ordinal order.
    pub columns: Vec<ColumnDef>,
    /// Primary key, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub primary_key: Option<KeyConstraint>,
    /// Unique constraints.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub uniques: Vec<KeyConstraint>,
    /// Foreign keys.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub foreign_keys: Vec<ForeignKey>,
    /// Check constraints.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub checks: Vec<CheckConstraint>,
    /// Indexes that are not the backing index of a PK/unique constraint.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub indexes: Vec<Index>,
    /// Table comment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    /// Exclusion constraints (Postgres); `expression` holds the whole
    /// `EXCLUDE USING ...` definition.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub exclusions: Vec<CheckConstraint>,
    /// Row-level security: `None` off, `Some(false)` enabled, `Some(true)` enabled and forced.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub row_security: Option<bool>,
    /// Partition key of a partitioned table (`RANGE (created)`), Postgres.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub partition_by: Option<String>,
}

impl Table {
    fn normalize(&mut self) {
        self.exclusions.sort_by(|a, b| a.name.cmp(&b.name));
        self.uniques.sort_by(|a, b| a.name.cmp(&b.name));
        self.foreign_keys.sort_by(|a, b| a.name.cmp(&b.name));
        self.checks.sort_by(|a, b| a.name.cmp(&b.name));
        self.indexes.sort_by(|a, b| a.name.cmp(&b.name));
    }

    /// A column by name.
    pub fn column(&self, name: &str) -> Option<&ColumnDef> {
        self.columns.iter().find(|c| c.name == name)
    }

    /// Primary key columns, or the first unique constraint's, if any.
    pub fn key_columns(&self) -> Option<Vec<String>> {
        self.primary_key
            .as_ref()
            .or_else(|| self.uniques.first())
            .map(|k| k.columns.clone())
    }
}

/// A column definition.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ColumnDef {
    /// Column name.
    pub name: String,
    /// Formatted type as the engine prints it (`character varying(20)`, `int`).
    pub data_type: String,
    /// Whether NULL is allowed.
    pub nullable: bool,
    /// Default expression.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default: Option<String>,
    /// Identity (`ALWAYS`/`BY DEFAULT`) or `auto_increment`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identity: Option<String>,
    /// Identity sequence options that differ from the defaults, in
    /// `CREATE` order (`START WITH 10 INCREMENT BY 5 CACHE 20`), Postgres.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identity_options: Option<String>,
    /// Generation expression for generated columns.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub generated: Option<String>,
    /// Non-default collation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub collation: Option<String>,
    /// Column comment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
}

/// A primary key or unique constraint.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct KeyConstraint {
    /// Constraint name.
    pub name: String,
    /// Columns in key order.
    pub columns: Vec<String>,
    /// Comment (Postgres `COMMENT ON`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
}

/// A foreign key.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ForeignKey {
    /// Constraint name.
    pub name: String,
    /// Referencing columns.
    pub columns: Vec<String>,
    /// Referenced schema.
    pub ref_schema: String,
    /// Referenced table.
    pub ref_table: String,
    /// Referenced columns.
    pub ref_columns: Vec<String>,
    /// ON UPDATE action (`NO ACTION`, `CASCADE`, ...).
    pub on_update: String,
    /// ON DELETE action.
    pub on_delete: String,
    /// `DEFERRABLE INITIALLY DEFERRED` etc., when deferrable.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deferrable: Option<String>,
    /// Comment (Postgres `COMMENT ON`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
}

/// A check constraint.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CheckConstraint {
    /// Constraint name.
    pub name: String,
    /// Boolean expression, without the `CHECK` keyword.
    pub expression: String,
    /// Comment (Postgres `COMMENT ON`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
}

/// An index.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Index {
    /// Index name.
    pub name: String,
    /// Key columns or expressions, in order.
    pub columns: Vec<String>,
    /// Unique index.
    pub unique: bool,
    /// Partial index predicate.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub predicate: Option<String>,
    /// Access method (`btree`, `gin`, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub method: Option<String>,
    /// The engine's own complete `CREATE INDEX` text, when it gives one
    /// (Postgres `pg_get_indexdef`, SQLite `sqlite_master.sql`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub definition: Option<String>,
    /// Comment (Postgres `COMMENT ON`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
}

/// A view or materialized view.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct View {
    /// Schema.
    pub schema: String,
    /// View name.
    pub name: String,
    /// Whether it is a materialized view.
    pub materialized: bool,
    /// Defining query.
    pub definition: String,
    /// Output columns (name and type).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub columns: Vec<ColumnDef>,
    /// Tables and views (`schema.name`) this view reads, for ordering.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub depends_on: Vec<String>,
    /// Indexes of a materialized view (Postgres).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub indexes: Vec<Index>,
    /// View comment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
}

/// A sequence.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Sequence {
    /// Schema.
    pub schema: String,
    /// Sequence name.
    pub name: String,
    /// Data type (`bigint`).
    pub data_type: String,
    /// START WITH.
    pub start: i64,
    /// INCREMENT BY.
    pub increment: i64,
    /// MINVALUE.
    pub min_value: i64,
    /// MAXVALUE.
    pub max_value: i64,
    /// CYCLE.
    pub cycle: bool,
    /// CACHE (1 when not set).
    #[serde(default = "one", skip_serializing_if = "is_one")]
    pub cache: i64,
    /// Quoted `schema.table.column` owning the sequence.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owned_by: Option<String>,
    /// Comment (Postgres `COMMENT ON`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
}

/// An enum type.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct EnumType {
    /// Schema.
    pub schema: String,
    /// Type name.
    pub name: String,
    /// Labels in sort order.
    pub values: Vec<String>,
    /// Type comment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
}

/// A domain (Postgres).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Domain {
    /// Schema.
    pub schema: String,
    /// Domain name.
    pub name: String,
    /// Base type, formatted.
    pub data_type: String,
    /// NOT NULL.
    pub not_null: bool,
    /// Default expression.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default: Option<String>,
    /// Non-default collation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub collation: Option<String>,
    /// Named checks; `expression` is the whole `CHECK (...)` text.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub checks: Vec<CheckConstraint>,
    /// Comment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
}

/// A composite type (Postgres).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CompositeType {
    /// Schema.
    pub schema: String,
    /// Type name.
    pub name: String,
    /// Attributes in order (name and type only).
    pub attributes: Vec<ColumnDef>,
    /// Comment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
}

/// A function or procedure.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Function {
    /// Schema.
    pub schema: String,
    /// Name.
    pub name: String,
    /// Identity arguments (`a integer, b text`), part of the key.
    pub arguments: String,
    /// `function` or `procedure`.
    pub kind: String,
    /// Complete `CREATE ...` text as the server renders it.
    pub definition: String,
    /// Comment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
}

/// A trigger.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Trigger {
    /// Schema of the table.
    pub schema: String,
    /// Table the trigger is on.
    pub table: String,
    /// Trigger name.
    pub name: String,
    /// Complete `CREATE TRIGGER ...` text.
    pub definition: String,
    /// Comment (Postgres `COMMENT ON`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
}

/// A row-level security policy (Postgres).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Policy {
    /// Schema of the table.
    pub schema: String,
    /// Table.
    pub table: String,
    /// Policy name.
    pub name: String,
    /// `PERMISSIVE` or `RESTRICTIVE`.
    pub permissive: String,
    /// `ALL`, `SELECT`, `INSERT`, `UPDATE`, `DELETE`.
    pub command: String,
    /// Roles (quoted), `PUBLIC` for everyone.
    pub roles: Vec<String>,
    /// USING expression.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub using: Option<String>,
    /// WITH CHECK expression.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub with_check: Option<String>,
    /// Comment (Postgres `COMMENT ON`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
}

/// An installed extension (Postgres).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Extension {
    /// Extension name.
    pub name: String,
    /// Schema it was installed into.
    pub schema: String,
    /// Installed version.
    pub version: String,
    /// Comment (Postgres `COMMENT ON`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
}

/// One privilege granted on one object.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Privilege {
    /// Object kind as SQL names it (`TABLE`, `SEQUENCE`, `FUNCTION`, `SCHEMA`).
    pub object_kind: String,
    /// Quoted, qualified object name as GRANT expects it.
    pub object: String,
    /// Grantee (quoted role name or `PUBLIC`).
    pub grantee: String,
    /// Privilege (`SELECT`, `USAGE`, ...).
    pub privilege: String,
    /// WITH GRANT OPTION.
    pub grantable: bool,
}

fn one() -> i64 {
    1
}

fn is_one(v: &i64) -> bool {
    *v == 1
}
