//! What a run reports: how each statement ended, and the sinks that
//! receive result rows.

use super::*;

/// How one statement ended.
#[derive(Debug, Clone)]
pub enum End {
    /// It completed.
    Done(Summary),
    /// The sink asked to stop (row limit, reader gone); cancelled on the server, counted as done.
    Stopped,
    /// The server reported an error (a `--timeout` is `DB_TIMEOUT`).
    Failed(DbError),
    /// The user cancelled it.
    Cancelled,
    /// A dbn-built statement changed another number of rows than expected.
    Conflict {
        /// Rows it had to change.
        expected: u64,
        /// Rows it changed.
        got: u64,
    },
}

impl End {
    pub(super) fn outcome(&self) -> Outcome {
        match self {
            End::Done(_) | End::Stopped => Outcome::Ok,
            // A timeout cancels the statement on the server.
            End::Failed(e) if matches!(e.code, ErrorCode::QueryCancelled | ErrorCode::DbTimeout) => Outcome::Cancelled,
            End::Failed(e) => Outcome::Error(e.message.clone()),
            End::Cancelled => Outcome::Cancelled,
            End::Conflict { expected, got } => {
                Outcome::Error(format!("conflict: expected {expected} row(s) changed, got {got}"))
            }
        }
    }

    pub(super) fn history_outcome(&self) -> &'static str {
        match self {
            End::Done(_) | End::Stopped => "ok",
            End::Cancelled => "cancelled",
            End::Failed(e) if matches!(e.code, ErrorCode::QueryCancelled | ErrorCode::DbTimeout) => "cancelled",
            End::Failed(_) | End::Conflict { .. } => "error",
        }
    }
}

/// What the sink did with a statement's rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shown {
    /// Rows it received (returned rows), when it counts them.
    pub rows: Option<u64>,
    /// Go on with the next statement (false: the output is gone or failed).
    pub go_on: bool,
}

/// Where results go: the CLI's writers, the TUI's grid, a job's log.
#[async_trait]
pub trait ResultSink: Send {
    /// Statement `index` is about to be sent: where its frames go. Cancel
    /// `stop` to end it early (row limit, reader gone); the statement is then
    /// cancelled on the server and counts as done.
    fn start(&mut self, index: usize, piece: &Piece, stop: CancellationToken) -> mpsc::Sender<Frame>;
    /// Statement `index` ended (its frame sender is dropped).
    async fn finish(&mut self, index: usize, piece: &Piece, end: &End) -> Shown;
}

/// One statement that was sent.
#[derive(Debug, Clone)]
pub struct StatementReport {
    /// Position in the plan.
    pub index: usize,
    /// Start time (RFC 3339).
    pub started_at: String,
    /// Wall time.
    pub duration: Duration,
    /// How it ended.
    pub end: End,
    /// Rows returned (as shown) or affected.
    pub rows: Option<u64>,
    /// Its audit entry, when it was a write.
    pub audit_id: Option<i64>,
}

/// What a run did.
#[derive(Debug, Default)]
pub struct RunReport {
    /// Statements sent, in order (the run stops at the first that fails).
    pub statements: Vec<StatementReport>,
    /// Why the run stopped before sending everything, when it was not a statement's own end.
    pub error: Option<OpsError>,
    /// The output went away: the face stops quietly.
    pub output_gone: bool,
    /// Atomic runs: the transaction was rolled back.
    pub rolled_back: bool,
}

impl RunReport {
    /// The first statement that did not end well.
    pub fn failed(&self) -> Option<&StatementReport> {
        self.statements
            .iter()
            .find(|s| !matches!(s.end, End::Done(_) | End::Stopped))
    }
}

/// A sink that keeps nothing but counts rows (jobs, tests).
#[derive(Debug, Default)]
pub struct CountingSink {
    /// Rows received per statement (`None`: it returned no result set).
    pub rows: Vec<Option<u64>>,
    pending: Option<tokio::task::JoinHandle<Option<u64>>>,
}

#[async_trait]
impl ResultSink for CountingSink {
    fn start(&mut self, _: usize, _: &Piece, _: CancellationToken) -> mpsc::Sender<Frame> {
        let (tx, mut rx) = mpsc::channel(4);
        self.pending = Some(tokio::spawn(async move {
            let mut n = None;
            while let Some(f) = rx.recv().await {
                match f {
                    Frame::Columns(_) => n = Some(n.unwrap_or(0)),
                    Frame::Rows(r) => n = Some(n.unwrap_or(0) + r.len() as u64),
                }
            }
            n
        }));
        tx
    }

    async fn finish(&mut self, _: usize, _: &Piece, _: &End) -> Shown {
        let n = match self.pending.take() {
            Some(h) => h.await.unwrap_or(None),
            None => None,
        };
        self.rows.push(n);
        Shown { rows: n, go_on: true }
    }
}
