//! The data sync panel: the current connection is the source; pick a
//! target connection and one or several tables, diff them in the background
//! (cancellable), read the per-table summary, the sync plan under the chosen
//! strategy (source wins, target wins, newest by a column; deleting
//! target-only rows or not) and the row-level differences, and apply the plan
//! behind the typed confirmation with live progress. The preview and the
//! apply are `ops::sync_table`'s; the panel gathers the choices and shows
//! the outcome.

mod apply;
mod keys;
mod panel;
mod tasks;

pub use panel::{RowRef, Stage, SyncPanel};

use crate::datasync::apply::ApplyReport;
use crate::datasync::{DataSyncError, Progress, SyncResult};
use crate::ops::sync_table::SyncPreview;

/// Messages from the panel's background tasks.
#[derive(Debug)]
pub enum SyncEvent {
    /// Progress of the diff or the apply.
    Progress(Progress),
    /// The task moved on to the table at this index of the chosen ones.
    Table(usize),
    /// The preview of every chosen table finished (or the first failure).
    Previewed(Box<SyncResult<SyncPreview>>),
    /// The apply finished: one report per table reached, in order; it stops
    /// at the first failure.
    Applied(Vec<(String, Result<ApplyReport, DataSyncError>)>),
}
