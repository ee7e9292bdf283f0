//! Types, sequences, extensions and privileges.

use super::{CheckConstraint, ColumnDef};
use serde::{Deserialize, Serialize};

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
