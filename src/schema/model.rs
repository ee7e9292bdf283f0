//! One normalized schema model for all engines. Every list is kept sorted
//! by name (see `Schema::normalize`) so that canonical JSON is stable.

use crate::db::Engine;
use serde::{Deserialize, Serialize};

mod refs;
mod routines;
mod types;

pub use refs::*;
pub use routines::*;
pub use types::*;

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
    /// Which object depends on which, read from the catalogs (node ids of
    /// [`crate::schema::deps`]); orders drops and creates.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub dependencies: Vec<Dependency>,
    /// Objects the engine holds that dbn does not model (rules, event
    /// triggers, ...): named in every diff and verify as not compared.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unmodelled: Vec<Unmodelled>,
    /// Which model this was read with (0 in snapshots older than it), so
    /// schemas read by different dbn versions compare at the older level.
    #[serde(default)]
    pub model_version: u32,
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
            dependencies: Vec::new(),
            unmodelled: Vec::new(),
            model_version: super::compat::MODEL_VERSION,
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
        self.dependencies.sort();
        self.dependencies.dedup();
        self.unmodelled.sort();
        self.unmodelled.dedup();
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
    /// Partition key of a partitioned table (`RANGE (created)`); on MySQL
    /// the method and expression (`RANGE (`id`)`, `HASH (`id`) PARTITIONS 4`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub partition_by: Option<String>,
    /// Postgres: the partitioned table this table is a partition of.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub partition_of: Option<ObjRef>,
    /// Postgres: the partition bound (`FOR VALUES FROM (1) TO (10)`, `DEFAULT`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub partition_bound: Option<String>,
    /// MySQL/MariaDB: the partitions of a partitioned table, in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub partitions: Vec<Partition>,
    /// Postgres: parents of an inheritance child (`INHERITS (...)`), in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub inherits: Vec<ObjRef>,
    /// Postgres: `UNLOGGED`.
    #[serde(default, skip_serializing_if = "is_false")]
    pub unlogged: bool,
    /// Storage options: Postgres reloptions (`fillfactor=70`), MySQL create
    /// options (`row_format=COMPRESSED`, `key_block_size=8`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub options: Vec<String>,
    /// Postgres: `REPLICA IDENTITY` when not the default (`FULL`, `NOTHING`,
    /// `USING INDEX name`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replica_identity: Option<String>,
    /// MySQL/MariaDB: storage engine.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub engine: Option<String>,
    /// MySQL/MariaDB: the table's default collation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub collation: Option<String>,
    /// SQLite: `WITHOUT ROWID`.
    #[serde(default, skip_serializing_if = "is_false")]
    pub without_rowid: bool,
    /// SQLite: `STRICT`.
    #[serde(default, skip_serializing_if = "is_false")]
    pub strict: bool,
    /// SQLite: the stored `CREATE TABLE` text, reused verbatim when the
    /// table is created or rebuilt so the engine's own schema text matches.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub original: Option<String>,
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
    /// Postgres: inherited from a parent table (a partition's columns, an
    /// inheritance child's), so not declared by the table itself.
    #[serde(default, skip_serializing_if = "is_false")]
    pub inherited: bool,
    /// MySQL/MariaDB: `INVISIBLE`.
    #[serde(default, skip_serializing_if = "is_false")]
    pub invisible: bool,
    /// Postgres: `STORAGE` when not the type's default (`EXTERNAL`, `MAIN`, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub storage: Option<String>,
    /// Postgres: `COMPRESSION` method when set (`pglz`, `lz4`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub compression: Option<String>,
    /// Postgres: per-column statistics target when set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub statistics: Option<i32>,
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
    /// Postgres: `DEFERRABLE INITIALLY DEFERRED` / `... IMMEDIATE` when deferrable.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deferrable: Option<String>,
    /// Postgres 15+: `NULLS NOT DISTINCT`.
    #[serde(default, skip_serializing_if = "is_false")]
    pub nulls_not_distinct: bool,
    /// Postgres: non-key `INCLUDE (...)` columns.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub include: Vec<String>,
    /// Postgres: storage parameters of the backing index (`fillfactor='70'`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub with: Option<String>,
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
    /// `MATCH FULL`.
    #[serde(default, skip_serializing_if = "is_false")]
    pub match_full: bool,
    /// Postgres: added `NOT VALID` and never validated.
    #[serde(default, skip_serializing_if = "is_false")]
    pub not_valid: bool,
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
    /// Postgres: `NO INHERIT`.
    #[serde(default, skip_serializing_if = "is_false")]
    pub no_inherit: bool,
    /// Postgres: added `NOT VALID` and never validated.
    #[serde(default, skip_serializing_if = "is_false")]
    pub not_valid: bool,
    /// MariaDB: a check declared on this column (`c int CHECK (c > 0)`),
    /// shown with the column rather than the table.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub column: Option<String>,
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
    /// Comment (Postgres `COMMENT ON`, MySQL `COMMENT '...'`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    /// MySQL `INVISIBLE` / MariaDB `IGNORED`.
    #[serde(default, skip_serializing_if = "is_false")]
    pub invisible: bool,
    /// MySQL/MariaDB index options besides the comment (`KEY_BLOCK_SIZE=8`,
    /// `WITH PARSER ngram`), as `SHOW CREATE TABLE` prints them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub options: Option<String>,
    /// Postgres: the table is `CLUSTER`ed on this index.
    #[serde(default, skip_serializing_if = "is_false")]
    pub clustered: bool,
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
    /// View options: Postgres reloptions (`security_barrier=true`,
    /// `check_option=cascaded`); MySQL `algorithm=MERGE`, `security=INVOKER`,
    /// `check_option=CASCADED`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub options: Vec<String>,
    /// SQLite: the stored `CREATE VIEW` text, reused verbatim.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub original: Option<String>,
}

pub(crate) fn is_false(v: &bool) -> bool {
    !*v
}
