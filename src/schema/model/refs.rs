//! Small shared pieces: references, MySQL partitions, dependencies and
//! the record of objects dbn does not model.

use serde::{Deserialize, Serialize};

/// A reference to a table by schema and name.
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ObjRef {
    /// Schema.
    pub schema: String,
    /// Name.
    pub name: String,
}

/// One partition of a MySQL/MariaDB partitioned table.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Partition {
    /// Partition name.
    pub name: String,
    /// Bound (`VALUES LESS THAN (10)`, `VALUES IN (1,2)`); none for HASH/KEY.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bound: Option<String>,
    /// Partition comment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
}

/// `from` depends on `to` (node ids, see [`crate::schema::deps`]).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Dependency {
    /// The dependent object.
    pub from: String,
    /// The object it needs.
    pub to: String,
}

/// An object the engine holds that dbn does not model.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Unmodelled {
    /// Kind, plural as summaries print it (`rules`, `event triggers`).
    pub kind: String,
    /// Name (qualified where the engine qualifies it).
    pub name: String,
    /// The engine's definition text where one is available, so two sides
    /// can at least be told equal or different.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub definition: Option<String>,
}
