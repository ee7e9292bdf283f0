//! `W`: the staged edits become dbn-built statements that must each change
//! exactly one row, pass the editor's gate (`Pending::Edits`), and run in
//! one transaction through `ops::run_statements::execute`. Success clears
//! the staging and runs the query again; a conflict or an error rolls
//! everything back and leaves the edits staged, the failing one marked.

use super::super::query::{JobEvent, SharedSession};
use crate::app::{App, Level};
use crate::db::{DbError, Frame, connect};
use crate::ops::run_statements::{Approved, End, Piece, ResultSink, RunOptions, RunReport, Shown, execute, generated};
use crate::ops::sinks::{NoPrompt, NoRecords, NullProgress, StoreRecords};
use crate::ops::{Face, OpsContext, Records};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

/// How a commit ended.
#[derive(Debug)]
pub struct EditsDone {
    /// Statements sent.
    pub sent: usize,
    /// The statement that failed and why (the transaction was rolled back).
    pub failed: Option<(usize, String)>,
    /// Rolled back.
    pub rolled_back: bool,
    /// Committed, but something after the commit went wrong (an audit entry could not be completed).
    pub warning: Option<String>,
}

impl App {
    /// `W`: commit the staged edits in one transaction, through the gate.
    pub fn commit_edits(&mut self) {
        let Some(state) = self.edits.as_ref() else {
            return self.set_status(Level::Info, "nothing staged to commit");
        };
        if state.committing {
            return self.set_status(Level::Warn, "a commit is already running");
        }
        if state.staged.is_empty() {
            return self.set_status(Level::Info, "nothing staged to commit");
        }
        if let Err(why) = state.staged.check() {
            return self.set_status(Level::Error, format!("not committed: {why}; nothing was sent"));
        }
        if self.running.is_some() {
            return self.set_status(Level::Warn, "a statement is running: commit when it ends");
        }
        if self.tx_since.is_some() {
            return self.set_status(
                Level::Warn,
                "a transaction you opened is in progress (TX): end it with COMMIT or ROLLBACK first; the edits commit in their own transaction",
            );
        }
        let statements = state.staged.statements();
        let pieces = generated(
            statements.into_iter().map(|s| (s.sql, Some(1))).collect(),
            self.engine(),
        );
        self.guarded_edits(pieces);
    }

    /// The gate allowed the commit: run it in the background.
    pub(in crate::app) fn start_edits(&mut self, plan: Approved) {
        let Some(state) = self.edits.as_mut() else { return };
        state.committing = true;
        state.failed = None;
        let token = CancellationToken::new();
        self.edits_token = Some(token.clone());
        let what = format!("grid edit of {}", state.staged.target.display_name());
        let meta = super::super::query::MetaPaths {
            metadata: self.store.as_ref().map(|s| s.path().to_path_buf()),
            jsonl: self.audit_jsonl.clone(),
        };
        self.set_status(Level::Info, format!("committing {} statement(s)…", plan.pieces.len()));
        spawn_commit(plan, self.session.clone(), meta, what, self.job_tx.clone(), token);
    }

    /// The commit ended.
    pub(in crate::app) fn on_edits_done(&mut self, done: EditsDone) {
        self.edits_token = None;
        let Some(state) = self.edits.as_mut() else { return };
        state.committing = false;
        match done.failed {
            None => {
                let summary = state.staged.summary();
                let table = state.staged.target.display_name();
                self.edits = None;
                let msg = format!("committed {summary} on {table} in one transaction");
                match done.warning {
                    None => {
                        self.set_status(Level::Info, msg.clone());
                        self.edits_committed = Some(msg);
                    }
                    Some(w) => self.set_status(Level::Warn, format!("{msg}, but: {w}")),
                }
                self.rerun_grid_query();
            }
            Some((index, why)) => {
                let n = state.staged.statements().len();
                let undone = if done.rolled_back {
                    "rolled back, nothing was kept"
                } else {
                    "nothing was kept"
                };
                let msg = format!(
                    "commit failed at statement {} of {n}: {why}; {undone}; the edits stay staged (P shows them, u reverts, X discards)",
                    index + 1
                );
                state.failed = Some((index, why));
                self.set_status(Level::Error, msg);
            }
        }
        self.sync_new_rows();
    }

    /// Ctrl+C during a commit: cancel it (it rolls back). True when one ran.
    pub(in crate::app) fn cancel_commit(&mut self) -> bool {
        match self.edits_token.take() {
            Some(t) => {
                t.cancel();
                self.set_status(Level::Warn, "cancelling the commit (it rolls back)…");
                true
            }
            None => false,
        }
    }

    /// Show the table as it is now after a commit (reads only).
    fn rerun_grid_query(&mut self) {
        let sql = self.grid.sql.clone();
        let pieces = crate::ops::run_statements::split(&sql, self.engine());
        if !pieces.is_empty() && pieces.iter().all(|p| p.verdict.verdict.is_read()) {
            self.guarded_run(pieces);
        } else {
            self.edits_committed = None;
        }
    }
}

/// Frames of the commit's statements are drained and dropped.
struct Drain;

#[async_trait::async_trait]
impl ResultSink for Drain {
    fn start(&mut self, _: usize, _: &Piece, _: CancellationToken) -> mpsc::Sender<Frame> {
        let (tx, mut rx) = mpsc::channel::<Frame>(4);
        tokio::spawn(async move { while rx.recv().await.is_some() {} });
        tx
    }

    async fn finish(&mut self, _: usize, _: &Piece, _: &End) -> Shown {
        Shown {
            rows: None,
            go_on: true,
        }
    }
}

fn spawn_commit(
    plan: Approved,
    session: SharedSession,
    meta: super::super::query::MetaPaths,
    what: String,
    tx: mpsc::UnboundedSender<JobEvent>,
    token: CancellationToken,
) {
    tokio::spawn(async move {
        let report = commit(&plan, &session, &meta, what, token).await;
        let _ = tx.send(JobEvent::Edits(outcome(&plan, &report)));
    });
}

async fn commit(
    plan: &Approved,
    session: &SharedSession,
    meta: &super::super::query::MetaPaths,
    what: String,
    token: CancellationToken,
) -> Result<RunReport, DbError> {
    let mut shared = session.lock().await;
    let sess = match shared.as_mut() {
        Some(s) => s,
        None => shared.insert(connect(&plan.spec()).await?),
    };
    let mut records: Box<dyn Records + Send> = match &meta.metadata {
        Some(path) => match StoreRecords::open(path, meta.jsonl.clone()) {
            Ok(r) => Box::new(r),
            Err(e) => Box::new(NoRecords {
                reason: format!("cannot open the workspace store: {e}"),
            }),
        },
        None => Box::new(NoRecords {
            reason: "no workspace store is open".into(),
        }),
    };
    let mut ctx = OpsContext {
        face: Face::Tui,
        records: &mut *records,
        prompt: &mut NoPrompt,
        progress: &mut NullProgress,
        cancel: token,
    };
    let opts = RunOptions {
        atomic: true,
        history: true,
        what: Some(what),
        ..RunOptions::default()
    };
    let report = execute(&mut ctx, plan, sess.as_mut(), &mut Drain, &opts).await;
    if let Some(End::Failed(e)) = report.failed().map(|s| &s.end)
        && (e.code.is_connection() || e.code == crate::db::ErrorCode::DbConnLost)
    {
        *shared = None;
    }
    Ok(report)
}

fn outcome(plan: &Approved, report: &Result<RunReport, DbError>) -> EditsDone {
    let report = match report {
        Ok(r) => r,
        Err(e) => {
            return EditsDone {
                sent: 0,
                failed: Some((0, format!("cannot connect: {e}"))),
                rolled_back: false,
                warning: None,
            };
        }
    };
    let sent = report.statements.len();
    let failed = report.failed().map(|s| {
        let why = match &s.end {
            End::Conflict { got, expected } => format!(
                "conflict: the row was changed or removed by someone else since it was read (the statement changed {got} row(s), not {expected})"
            ),
            End::Failed(e) => crate::sanitize::sanitize(&e.message).into_owned(),
            End::Cancelled => "cancelled".into(),
            End::Done(_) | End::Stopped => String::new(),
        };
        (s.index, why)
    });
    // Every statement went well but the run did not commit (BEGIN failed,
    // an audit intent could not be written, cancelled between statements).
    let failed = failed.or_else(|| {
        (report.rolled_back || sent < plan.pieces.len()).then(|| {
            let why = report
                .error
                .as_ref()
                .map_or_else(|| "not committed".to_string(), ToString::to_string);
            (sent.min(plan.pieces.len().saturating_sub(1)), why)
        })
    });
    let warning = if failed.is_none() {
        report.error.as_ref().map(ToString::to_string)
    } else {
        None
    };
    EditsDone {
        sent,
        failed,
        rolled_back: report.rolled_back,
        warning,
    }
}
