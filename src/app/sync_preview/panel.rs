//! The data sync panel's state: where it is, what was compared, the plans
//! under the chosen strategy and the shown table's row list.

use super::super::popup::ConnEntry;
use super::super::{ConnInfo, Level};
use crate::datasync::{DataDiff, Strategy, SyncPlan, SyncResult};
use crate::ops::sync_table::SyncPreview;
use std::collections::BTreeSet;
use tokio_util::sync::CancellationToken;

/// Where the panel is.
#[derive(Debug, Clone)]
pub enum Stage {
    /// Choosing the target connection.
    Targets,
    /// Choosing the tables.
    Tables,
    /// Diff or apply running.
    Running,
    /// Diff result.
    Result,
}

/// One differing row in the result list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowRef {
    /// `only_in_source[i]`.
    OnlySource(usize),
    /// `only_in_target[i]`.
    OnlyTarget(usize),
    /// `changed[i]`.
    Changed(usize),
}

/// Panel state.
#[derive(Debug)]
pub struct SyncPanel {
    /// Stage.
    pub stage: Stage,
    /// Saved connections (targets).
    pub targets: Vec<ConnEntry>,
    /// Tables of the current schema (`schema.table` or bare names).
    pub tables: Vec<String>,
    /// Indexes into `tables` marked with Space (several tables at once).
    pub marked: BTreeSet<usize>,
    /// Selected row of the current list.
    pub selected: usize,
    /// The resolved target.
    pub target: Option<ConnInfo>,
    /// The tables compared (and applied), in order.
    pub chosen: Vec<String>,
    /// Index into `chosen` of the table the running task is at.
    pub at_table: usize,
    /// Last progress line.
    pub progress: String,
    /// Rows fetched so far (for the gauge).
    pub fetched: u64,
    /// Apply gauge: done, total.
    pub applied: Option<(u64, u64)>,
    /// One diff and plan per chosen table (from `ops::sync_table::preview`).
    pub preview: SyncPreview,
    /// Index into the preview's tables of the table shown.
    pub shown: usize,
    /// Conflict strategy for rows that differ.
    pub strategy: Strategy,
    /// Rows of the shown table's list.
    pub rows: Vec<RowRef>,
    /// Per changed row of the shown table: the strategy keeps the target's row.
    pub kept: Vec<bool>,
    /// Show the selected row's columns.
    pub detail: bool,
    /// Delete rows only in the target when applying.
    pub delete_missing: bool,
    /// Last message.
    pub message: Option<(Level, String)>,
    /// Cancels the running task.
    pub token: Option<CancellationToken>,
}

impl SyncPanel {
    /// A panel at the target choice.
    pub fn new(targets: Vec<ConnEntry>, tables: Vec<String>) -> SyncPanel {
        SyncPanel {
            stage: Stage::Targets,
            targets,
            tables,
            marked: BTreeSet::new(),
            selected: 0,
            target: None,
            chosen: Vec::new(),
            at_table: 0,
            progress: String::new(),
            fetched: 0,
            applied: None,
            preview: SyncPreview::default(),
            shown: 0,
            strategy: Strategy::SourceWins,
            rows: Vec::new(),
            kept: Vec::new(),
            detail: false,
            delete_missing: false,
            message: None,
            token: None,
        }
    }

    /// Put a finished preview (one table per chosen one) into the panel.
    pub fn set_preview(&mut self, preview: SyncPreview) {
        self.preview = preview;
        self.shown = 0;
        self.stage = Stage::Result;
        self.replan();
    }

    /// How many tables were compared.
    pub fn compared(&self) -> usize {
        self.preview.tables.len()
    }

    /// The diffs, in order.
    pub fn diffs(&self) -> impl Iterator<Item = &DataDiff> {
        self.preview.tables.iter().map(|t| &t.diff)
    }

    /// The diff of the table shown.
    pub fn diff(&self) -> Option<&DataDiff> {
        self.preview.tables.get(self.shown).map(|t| &t.diff)
    }

    /// The plan of the table shown.
    pub fn plan(&self) -> Option<&SyncResult<SyncPlan>> {
        self.preview.tables.get(self.shown).map(|t| &t.plan)
    }

    /// Recompute the plans after the strategy or the delete-missing choice
    /// changed, and the shown table's row list.
    pub fn replan(&mut self) {
        self.preview.replan(&self.strategy, self.delete_missing);
        self.show(self.shown);
    }

    /// Show the table at `i` of the preview.
    pub fn show(&mut self, i: usize) {
        self.shown = i.min(self.compared().saturating_sub(1));
        self.selected = 0;
        self.detail = false;
        let Some(t) = self.preview.tables.get(self.shown) else {
            self.rows.clear();
            self.kept.clear();
            return;
        };
        let r = &t.diff.diff;
        self.rows = (0..r.only_in_source.len())
            .map(RowRef::OnlySource)
            .chain((0..r.only_in_target.len()).map(RowRef::OnlyTarget))
            .chain((0..r.changed.len()).map(RowRef::Changed))
            .collect();
        // The plan keeps changed rows in the diff's order: walk both.
        let kept_keys = match &t.plan {
            Ok(p) => p.kept.iter().map(|k| &k.key).collect::<Vec<_>>(),
            Err(_) => Vec::new(),
        };
        let mut next = 0;
        self.kept = r
            .changed
            .iter()
            .map(|c| {
                let hit = kept_keys.get(next).is_some_and(|k| **k == c.key);
                if hit {
                    next += 1;
                }
                hit
            })
            .collect();
    }

    /// The strategies `w` cycles through: source wins, target wins, then
    /// newest by each column every compared table has (time-like names first).
    pub fn strategies(&self) -> Vec<Strategy> {
        let mut out = vec![Strategy::SourceWins, Strategy::TargetWins];
        let Some(first) = self.diff_at(0) else {
            return out;
        };
        let mut cols: Vec<&String> = first
            .columns
            .iter()
            .filter(|c| !first.key.contains(c))
            .filter(|c| {
                self.diffs()
                    .skip(1)
                    .all(|d| d.columns.iter().any(|o| o.eq_ignore_ascii_case(c)))
            })
            .collect();
        let timeish = |c: &str| {
            let c = c.to_ascii_lowercase();
            ["updated", "modified", "changed", "_at", "time", "date", "version"]
                .iter()
                .any(|w| c.contains(w))
        };
        cols.sort_by_key(|c| !timeish(c));
        out.extend(cols.into_iter().map(|c| Strategy::Newest(c.clone())));
        out
    }

    fn diff_at(&self, i: usize) -> Option<&DataDiff> {
        self.preview.tables.get(i).map(|t| &t.diff)
    }

    /// Rows of the current list.
    pub(super) fn len(&self) -> usize {
        match self.stage {
            Stage::Targets => self.targets.len(),
            Stage::Tables => self.tables.len(),
            Stage::Result => self.rows.len(),
            Stage::Running => 0,
        }
    }
}
