//! Routines and what hangs off tables besides columns: functions,
//! procedures, aggregates, triggers and row-level security policies.

use serde::{Deserialize, Serialize};

/// A function or procedure.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Function {
    /// Schema.
    pub schema: String,
    /// Name.
    pub name: String,
    /// Identity arguments (`a integer, b text`).
    pub arguments: String,
    /// Argument types only (`integer, text`): what identifies the routine
    /// (parameter names are not part of it). Empty in old snapshots.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub signature: String,
    /// `function`, `procedure` or `aggregate`.
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
    /// Postgres firing state when not the default: `DISABLE`,
    /// `ENABLE REPLICA` or `ENABLE ALWAYS`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enabled: Option<String>,
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
