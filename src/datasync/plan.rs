//! Turn a diff into the changes a sync makes, under a conflict strategy.

use super::canonical::cmp_key_values;
use super::diff::DataDiff;
use super::rowdiff::{ColumnChange, Row, key_of};
use super::{DataSyncError, SyncResult};
use crate::db::Value;
use serde::{Deserialize, Serialize};
use std::cmp::Ordering;
use std::fmt;
use std::str::FromStr;

/// Who wins when a key exists on both sides with different values.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Strategy {
    /// The target row is overwritten with the source row.
    SourceWins,
    /// The target row is kept.
    TargetWins,
    /// The row whose COLUMN (an `updated_at`-style column) is newer wins;
    /// on a tie or a NULL in the source the target is kept, so running the
    /// sync in both directions converges.
    Newest(String),
}

impl FromStr for Strategy {
    type Err = DataSyncError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "source-wins" => Ok(Strategy::SourceWins),
            "target-wins" => Ok(Strategy::TargetWins),
            _ => match s.strip_prefix("newest:") {
                Some(col) if !col.trim().is_empty() => Ok(Strategy::Newest(col.trim().to_string())),
                _ => Err(DataSyncError::Invalid(format!(
                    "unknown strategy '{s}': use source-wins, target-wins or newest:COLUMN (e.g. newest:updated_at)"
                ))),
            },
        }
    }
}

impl fmt::Display for Strategy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Strategy::SourceWins => f.write_str("source-wins"),
            Strategy::TargetWins => f.write_str("target-wins"),
            Strategy::Newest(c) => write!(f, "newest:{c}"),
        }
    }
}

/// An UPDATE of one target row.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RowUpdate {
    /// Key values.
    pub key: Vec<Value>,
    /// Columns to set (`new` is written, `old` is what the target has).
    pub changes: Vec<ColumnChange>,
}

/// A changed row the strategy leaves alone.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct KeptRow {
    /// Key values.
    pub key: Vec<Value>,
    /// Why it is kept.
    pub reason: String,
}

/// The changes a sync makes to the target.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct SyncPlan {
    /// Source rows to insert into the target.
    pub inserts: Vec<Row>,
    /// Target rows to update.
    pub updates: Vec<RowUpdate>,
    /// Keys of target rows to delete (`--delete-missing`).
    pub deletes: Vec<Vec<Value>>,
    /// Changed rows left as they are.
    pub kept: Vec<KeptRow>,
    /// Target-only rows left in place (no `--delete-missing`).
    pub target_only_kept: u64,
}

impl SyncPlan {
    /// Number of row changes.
    pub fn total(&self) -> u64 {
        (self.inserts.len() + self.updates.len() + self.deletes.len()) as u64
    }
}

/// Decide what to write for `diff` under `strategy`.
pub fn plan_sync(diff: &DataDiff, strategy: &Strategy, delete_missing: bool) -> SyncResult<SyncPlan> {
    let newest = match strategy {
        Strategy::Newest(col) => Some(
            diff.columns
                .iter()
                .position(|c| c.eq_ignore_ascii_case(col))
                .ok_or_else(|| {
                    DataSyncError::Invalid(format!(
                        "strategy newest:{col}: column '{col}' is not among the compared columns ({}). Add it to --columns or name an existing column",
                        diff.columns.join(", ")
                    ))
                })?,
        ),
        _ => None,
    };
    let key = &diff.pair.source.key;
    let mut plan = SyncPlan {
        inserts: diff.diff.only_in_source.clone(),
        ..SyncPlan::default()
    };
    if delete_missing {
        plan.deletes = diff.diff.only_in_target.iter().map(|r| key_of(r, key)).collect();
    } else {
        plan.target_only_kept = diff.diff.only_in_target.len() as u64;
    }
    for ch in &diff.diff.changed {
        let verdict = match (strategy, newest) {
            (Strategy::SourceWins, _) => None,
            (Strategy::TargetWins, _) => Some("target wins".to_string()),
            (_, Some(i)) => {
                let (s, t) = (&ch.source[i], &ch.target[i]);
                let source_newer = match (s, t) {
                    (Value::Null, _) => false,
                    (_, Value::Null) => true,
                    _ => cmp_key_values(s, t) == Ordering::Greater,
                };
                (!source_newer).then(|| format!("target {} is not older ({} vs {})", diff.columns[i], t, s))
            }
            (_, None) => None,
        };
        match verdict {
            None => plan.updates.push(RowUpdate {
                key: ch.key.clone(),
                changes: ch.changes.clone(),
            }),
            Some(reason) => plan.kept.push(KeptRow {
                key: ch.key.clone(),
                reason,
            }),
        }
    }
    Ok(plan)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strategies_parse_and_print() {
        assert_eq!("source-wins".parse::<Strategy>().unwrap(), Strategy::SourceWins);
        assert_eq!(
            "newest:updated_at".parse::<Strategy>().unwrap(),
            Strategy::Newest("updated_at".into())
        );
        assert_eq!(Strategy::Newest("u".into()).to_string(), "newest:u");
        let err = "newest:".parse::<Strategy>().unwrap_err().to_string();
        assert!(err.contains("newest:COLUMN"), "{err}");
    }
}
