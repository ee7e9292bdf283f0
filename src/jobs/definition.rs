//! Job definitions as stored in `sync_jobs.definition`.

use super::JobError;
use crate::store::jobs::{JobKind, SyncJob};
use serde::{Deserialize, Serialize};

fn default_strategy() -> String {
    "source-wins".into()
}

fn default_batch() -> u64 {
    500
}

/// A data sync job: tables copied from one saved connection to another.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DataJob {
    /// Source connection name.
    pub source: String,
    /// Target connection name.
    pub target: String,
    /// Tables, synced in order.
    pub tables: Vec<String>,
    /// Key columns (empty: each table's primary key).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub key: Vec<String>,
    /// Compared columns (empty: all shared columns).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub columns: Vec<String>,
    /// SQL filter applied on both sides.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub filter: Option<String>,
    /// Conflict strategy (`source-wins`, `target-wins`, `newest:COLUMN`).
    #[serde(default = "default_strategy")]
    pub strategy: String,
    /// Delete target rows missing from the source.
    #[serde(default)]
    pub delete_missing: bool,
    /// Changes per transaction.
    #[serde(default = "default_batch")]
    pub batch_size: u64,
}

/// A schema sync job.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SchemaJob {
    /// Source connection name.
    pub source: String,
    /// Target connection name.
    pub target: String,
}

/// A job definition of either kind.
#[derive(Debug, Clone, PartialEq)]
pub enum JobDefinition {
    /// Schema sync.
    Schema(SchemaJob),
    /// Data sync.
    Data(DataJob),
}

impl JobDefinition {
    /// The kind.
    pub fn kind(&self) -> JobKind {
        match self {
            JobDefinition::Schema(_) => JobKind::Schema,
            JobDefinition::Data(_) => JobKind::Data,
        }
    }

    /// The stored JSON document.
    pub fn to_json(&self) -> serde_json::Value {
        match self {
            JobDefinition::Schema(s) => serde_json::to_value(s),
            JobDefinition::Data(d) => serde_json::to_value(d),
        }
        .unwrap_or(serde_json::Value::Null)
    }

    /// Parse a saved job.
    pub fn from_saved(job: &SyncJob) -> Result<Self, JobError> {
        let bad = |e: serde_json::Error| JobError::BadDefinition {
            name: job.name.clone(),
            reason: e.to_string(),
        };
        Ok(match job.kind {
            JobKind::Schema => JobDefinition::Schema(serde_json::from_value(job.definition.clone()).map_err(bad)?),
            JobKind::Data => JobDefinition::Data(serde_json::from_value(job.definition.clone()).map_err(bad)?),
        })
    }

    /// Source and target connection names.
    pub fn endpoints(&self) -> (&str, &str) {
        match self {
            JobDefinition::Schema(s) => (&s.source, &s.target),
            JobDefinition::Data(d) => (&d.source, &d.target),
        }
    }

    /// One-line description for listings.
    pub fn describe(&self) -> String {
        match self {
            JobDefinition::Schema(s) => format!("schema {} -> {}", s.source, s.target),
            JobDefinition::Data(d) => format!(
                "data {} -> {}: {} ({}{})",
                d.source,
                d.target,
                d.tables.join(", "),
                d.strategy,
                if d.delete_missing { ", delete missing" } else { "" }
            ),
        }
    }
}
