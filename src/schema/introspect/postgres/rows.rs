//! Rows of the Postgres catalog queries, as the server builds them in JSON.

use super::loose_bool;
use crate::schema::{CheckConstraint, ObjRef};
use serde::Deserialize;

#[derive(Deserialize)]
pub(super) struct TableRow {
    pub(super) schema: String,
    pub(super) name: String,
    pub(super) comment: Option<String>,
    #[serde(deserialize_with = "loose_bool")]
    pub(super) rls: bool,
    #[serde(deserialize_with = "loose_bool")]
    pub(super) rls_forced: bool,
    pub(super) partition_by: Option<String>,
    #[serde(deserialize_with = "loose_bool")]
    pub(super) unlogged: bool,
    pub(super) options: Option<Vec<String>>,
    pub(super) replica_identity: Option<String>,
    pub(super) partition_bound: Option<String>,
    pub(super) parents: Option<Vec<ObjRef>>,
    #[serde(deserialize_with = "loose_bool")]
    pub(super) partition: bool,
}

#[derive(Deserialize)]
pub(super) struct ColumnRow {
    pub(super) schema: String,
    pub(super) table: String,
    pub(super) name: String,
    #[serde(rename = "type")]
    pub(super) data_type: String,
    #[serde(deserialize_with = "loose_bool")]
    pub(super) not_null: bool,
    pub(super) default: Option<String>,
    pub(super) generated: Option<String>,
    pub(super) identity: Option<String>,
    pub(super) collation: Option<String>,
    pub(super) comment: Option<String>,
    pub(super) identity_options: Option<String>,
    #[serde(default, deserialize_with = "loose_bool")]
    pub(super) inherited: bool,
    pub(super) storage: Option<String>,
    pub(super) compression: Option<String>,
    pub(super) statistics: Option<i32>,
}

#[derive(Deserialize)]
pub(super) struct SchemaCommentRow {
    pub(super) schema: String,
    pub(super) comment: String,
}

#[derive(Deserialize)]
pub(super) struct ConstraintRow {
    pub(super) schema: String,
    pub(super) table: String,
    pub(super) name: String,
    #[serde(rename = "type")]
    pub(super) kind: String,
    pub(super) def: String,
    pub(super) expr: Option<String>,
    pub(super) columns: Option<Vec<String>>,
    pub(super) ref_schema: Option<String>,
    pub(super) ref_table: Option<String>,
    pub(super) ref_columns: Option<Vec<String>>,
    pub(super) on_update: Option<String>,
    pub(super) on_delete: Option<String>,
    #[serde(deserialize_with = "loose_bool")]
    pub(super) deferrable: bool,
    #[serde(deserialize_with = "loose_bool")]
    pub(super) deferred: bool,
    pub(super) comment: Option<String>,
    #[serde(default, deserialize_with = "loose_bool")]
    pub(super) match_full: bool,
    #[serde(default, deserialize_with = "loose_bool")]
    pub(super) not_valid: bool,
    #[serde(default, deserialize_with = "loose_bool")]
    pub(super) no_inherit: bool,
    #[serde(default, deserialize_with = "loose_bool")]
    pub(super) nulls_not_distinct: bool,
    pub(super) include: Option<Vec<String>>,
    pub(super) with: Option<String>,
}

#[derive(Deserialize)]
pub(super) struct IndexRow {
    pub(super) schema: String,
    pub(super) table: String,
    pub(super) name: String,
    #[serde(deserialize_with = "loose_bool")]
    pub(super) unique: bool,
    pub(super) def: String,
    pub(super) method: String,
    pub(super) predicate: Option<String>,
    pub(super) columns: Option<Vec<String>>,
    pub(super) comment: Option<String>,
    #[serde(default, deserialize_with = "loose_bool")]
    pub(super) clustered: bool,
}

#[derive(Deserialize)]
pub(super) struct ViewRow {
    pub(super) schema: String,
    pub(super) name: String,
    #[serde(deserialize_with = "loose_bool")]
    pub(super) materialized: bool,
    pub(super) definition: String,
    pub(super) comment: Option<String>,
    pub(super) depends_on: Option<Vec<String>>,
    pub(super) options: Option<Vec<String>>,
}

#[derive(Deserialize)]
pub(super) struct SequenceRow {
    pub(super) schema: String,
    pub(super) name: String,
    pub(super) data_type: String,
    pub(super) start: i64,
    pub(super) increment: i64,
    pub(super) min_value: i64,
    pub(super) max_value: i64,
    #[serde(deserialize_with = "loose_bool")]
    pub(super) cycle: bool,
    pub(super) owned_by: Option<String>,
    pub(super) cache: i64,
    pub(super) comment: Option<String>,
}

#[derive(Deserialize)]
pub(super) struct EnumRow {
    pub(super) schema: String,
    pub(super) name: String,
    pub(super) values: Option<Vec<String>>,
    pub(super) comment: Option<String>,
}

#[derive(Deserialize)]
pub(super) struct DomainRow {
    pub(super) schema: String,
    pub(super) name: String,
    pub(super) data_type: String,
    #[serde(deserialize_with = "loose_bool")]
    pub(super) not_null: bool,
    pub(super) default: Option<String>,
    pub(super) collation: Option<String>,
    pub(super) checks: Option<Vec<CheckConstraint>>,
    pub(super) comment: Option<String>,
}

#[derive(Deserialize)]
pub(super) struct AttrRow {
    pub(super) name: String,
    #[serde(rename = "type")]
    pub(super) data_type: String,
}

#[derive(Deserialize)]
pub(super) struct CompositeRow {
    pub(super) schema: String,
    pub(super) name: String,
    pub(super) attributes: Option<Vec<AttrRow>>,
    pub(super) comment: Option<String>,
}

#[derive(Deserialize)]
pub(super) struct PolicyRow {
    pub(super) schema: String,
    pub(super) table: String,
    pub(super) name: String,
    pub(super) permissive: String,
    pub(super) command: String,
    pub(super) roles: Option<Vec<String>>,
    pub(super) using: Option<String>,
    pub(super) with_check: Option<String>,
    pub(super) comment: Option<String>,
}

#[derive(Deserialize)]
pub(super) struct PrivilegeRow {
    pub(super) object_kind: String,
    pub(super) object: String,
    pub(super) grantee: String,
    pub(super) privilege: String,
    #[serde(deserialize_with = "loose_bool")]
    pub(super) grantable: bool,
}
