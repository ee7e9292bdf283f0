//! Query and introspection tasks. A query task owns the session while it
//! runs, forwards frames tagged with its ticket over a bounded channel
//! (backpressure), and drops the session after a connection error so the
//! next run reconnects.

use super::error::AppError;
use crate::db::{Canceller, Column, ConnSpec, DbError, ErrorCode, Frame, Session, Summary, Value, connect};
use crate::ops::run_statements::{Approved, End, Piece, ResultSink, RunOptions, Shown, execute};
use crate::ops::sinks::{NoPrompt, NoRecords, NullProgress, StoreRecords};
use crate::ops::{Face, OpsContext, OpsError, Records};
use crate::schema::Schema;
use std::sync::Arc;
use tokio::sync::{Mutex, mpsc};
use tokio_util::sync::CancellationToken;

/// The connection shared by query tasks; `None` until connected or after it dropped.
pub type SharedSession = Arc<Mutex<Option<Box<dyn Session>>>>;

/// One statement to run and where it sits in the editor buffer.
#[derive(Debug, Clone)]
pub struct Statement {
    /// SQL text.
    pub sql: String,
    /// Byte offset of the statement in the buffer, for error positions.
    pub offset: usize,
}

/// What a query task reports.
pub enum DbMsg {
    /// Connected and running; the handle cancels on the server.
    Started {
        /// Server-side cancel.
        canceller: Arc<dyn Canceller>,
        /// The session is read-only at the database level.
        read_only: bool,
    },
    /// A statement's columns (starts a new result).
    Columns(Vec<Column>),
    /// A batch of rows.
    Rows(Vec<Vec<Value>>),
    /// One statement finished.
    StatementDone {
        /// Index in the batch.
        index: usize,
        /// Its summary.
        summary: Summary,
    },
    /// The run ended (after the last statement or the first error).
    Finished(Option<QueryFailure>),
}

/// A failed statement with the buffer offset its position refers to.
#[derive(Debug, Clone)]
pub struct QueryFailure {
    /// The driver error.
    pub error: DbError,
    /// Byte offset of the failing statement in the buffer.
    pub offset: usize,
    /// Its text.
    pub sql: String,
}

/// A message with the ticket of the run that produced it; stale tickets are dropped.
pub struct DbEvent {
    /// Run ticket.
    pub ticket: u64,
    /// Payload.
    pub msg: DbMsg,
}

/// Background results other than query rows (the schema is boxed so small events stay small).
#[derive(Debug)]
pub enum JobEvent {
    /// Introspection finished.
    Schema(u64, Result<Box<Schema>, DbError>),
    /// Export progress: rows written so far.
    ExportProgress(u64),
    /// Export finished with the row count, or failed.
    ExportDone(Result<(u64, String), super::error::AppError>),
    /// Schema snapshots panel task.
    Snap(super::snapshots::SnapEvent),
    /// Data sync panel task.
    Sync(super::sync_preview::SyncEvent),
    /// Grid search, filter or sort scan.
    Grid(super::find::GridEvent),
    /// Query plan task.
    Plan(super::plan_view::PlanEvent),
    /// Chart scan.
    Chart(super::chart::ChartEvent),
    /// Activity view task.
    Activity(super::activity::ActivityEvent),
    /// A commit of staged grid edits ended.
    Edits(super::edit::EditsDone),
}

/// Where a run's audit entries and history go: the workspace's metadata
/// database (opened by the task) and the JSONL mirror.
#[derive(Debug, Clone)]
pub struct MetaPaths {
    /// `.dbnexus/metadata.db`, when a workspace store is open.
    pub metadata: Option<std::path::PathBuf>,
    /// The audit mirror.
    pub jsonl: Option<std::path::PathBuf>,
}

impl MetaPaths {
    /// The records a task writes: the workspace store, or, when there is
    /// none or it cannot be opened, records that refuse every audited step
    /// (so nothing that needs an audit entry is sent).
    pub fn open_records(&self) -> Box<dyn crate::ops::Records + Send> {
        use crate::ops::sinks::{NoRecords, StoreRecords};
        match &self.metadata {
            Some(path) => match StoreRecords::open(path, self.jsonl.clone()) {
                Ok(r) => Box::new(r),
                Err(e) => Box::new(NoRecords {
                    reason: format!("cannot open the workspace store: {e}"),
                }),
            },
            None => Box::new(NoRecords {
                reason: "no workspace store is open".into(),
            }),
        }
    }
}

/// Start an approved run: `ops::run_statements::execute` in a task, on the
/// shared session (a read-only connection's session stays read-only; an
/// unlocked run's writes pass by the permit the plan carries), frames
/// forwarded with the run's ticket.
pub fn spawn_run(
    ticket: u64,
    plan: Approved,
    session: SharedSession,
    meta: MetaPaths,
    opts: RunOptions,
    tx: mpsc::Sender<DbEvent>,
    token: CancellationToken,
) {
    tokio::spawn(async move {
        let send = |msg| {
            let tx = tx.clone();
            async move { tx.send(DbEvent { ticket, msg }).await.is_ok() }
        };
        let first = plan.pieces.first().map_or(0, |p| p.offset);
        let mut shared = session.lock().await;
        let slot = &mut *shared;
        if slot.is_none() {
            match connect(&plan.spec()).await {
                Ok(s) => *slot = Some(s),
                Err(error) => {
                    send(DbMsg::Finished(Some(QueryFailure {
                        error,
                        offset: first,
                        sql: String::new(),
                    })))
                    .await;
                    return;
                }
            }
        }
        let Some(sess) = slot.as_mut() else {
            return;
        };
        let started = DbMsg::Started {
            canceller: Arc::from(sess.canceller()),
            read_only: sess.is_read_only(),
        };
        if !send(started).await {
            return;
        }
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
        let mut sink = GridSink {
            ticket,
            tx: tx.clone(),
            token: token.clone(),
            forward: None,
        };
        let mut ctx = OpsContext {
            face: Face::Tui,
            records: &mut *records,
            prompt: &mut NoPrompt,
            progress: &mut NullProgress,
            cancel: token,
        };
        let report = execute(&mut ctx, &plan, sess.as_mut(), &mut sink, &opts).await;
        let failure = report.failed().and_then(|s| {
            let piece = plan.pieces.get(s.index)?;
            let error = match &s.end {
                End::Failed(e) => e.clone(),
                End::Cancelled => DbError::new(ErrorCode::QueryCancelled, "query cancelled"),
                End::Conflict { expected, got } => DbError::new(
                    ErrorCode::QueryError,
                    format!("conflict: expected {expected} row(s) changed, got {got}; nothing was kept"),
                ),
                End::Done(_) | End::Stopped => return None,
            };
            Some(QueryFailure {
                error,
                offset: piece.offset,
                sql: piece.sql.clone(),
            })
        });
        let failure = failure.or_else(|| {
            report.error.as_ref().map(|e| QueryFailure {
                error: match e {
                    OpsError::Cancelled => DbError::new(ErrorCode::QueryCancelled, "query cancelled"),
                    other => DbError::new(ErrorCode::QueryError, other.to_string()),
                },
                offset: first,
                sql: String::new(),
            })
        });
        if let Some(f) = &failure
            && (f.error.code.is_connection() || f.error.code == ErrorCode::DbConnLost)
        {
            *slot = None;
        }
        drop(shared);
        send(DbMsg::Finished(failure)).await;
    });
}

/// Forwards a statement's frames to the app, tagged with the run's ticket.
struct GridSink {
    ticket: u64,
    tx: mpsc::Sender<DbEvent>,
    token: CancellationToken,
    forward: Option<tokio::task::JoinHandle<Option<u64>>>,
}

#[async_trait::async_trait]
impl ResultSink for GridSink {
    fn start(&mut self, _: usize, _: &Piece, _: CancellationToken) -> mpsc::Sender<Frame> {
        let (ftx, mut frx) = mpsc::channel::<Frame>(4);
        let (tx, ticket, token) = (self.tx.clone(), self.ticket, self.token.clone());
        self.forward = Some(tokio::spawn(async move {
            let mut rows: Option<u64> = None;
            loop {
                tokio::select! {
                    biased;
                    () = token.cancelled() => break,
                    f = frx.recv() => {
                        let msg = match f {
                            Some(Frame::Columns(c)) => {
                                rows = Some(0);
                                DbMsg::Columns(c)
                            }
                            Some(Frame::Rows(r)) => {
                                rows = Some(rows.unwrap_or(0) + r.len() as u64);
                                DbMsg::Rows(r)
                            }
                            None => break,
                        };
                        if tx.send(DbEvent { ticket, msg }).await.is_err() {
                            break;
                        }
                    }
                }
            }
            // Dropping the receiver makes the driver stop fetching.
            drop(frx);
            rows
        }));
        ftx
    }

    async fn finish(&mut self, index: usize, _: &Piece, end: &End) -> Shown {
        let rows = match self.forward.take() {
            Some(h) => h.await.unwrap_or(None),
            None => None,
        };
        if let End::Done(summary) = end {
            let msg = DbMsg::StatementDone {
                index,
                summary: summary.clone(),
            };
            let _ = self
                .tx
                .send(DbEvent {
                    ticket: self.ticket,
                    msg,
                })
                .await;
        }
        Shown { rows, go_on: true }
    }
}

/// Introspect on a separate session so queries never wait for it.
pub fn spawn_introspect(ticket: u64, spec: ConnSpec, tx: mpsc::UnboundedSender<JobEvent>) {
    tokio::spawn(async move {
        let res = async {
            let mut s = connect(&spec).await?;
            crate::schema::introspect::introspect(s.as_mut()).await.map(Box::new)
        }
        .await;
        let _ = tx.send(JobEvent::Schema(ticket, res));
    });
}

/// Re-run a read-only statement on its own session, streaming into a file.
pub fn spawn_export(
    spec: ConnSpec,
    sql: String,
    path: std::path::PathBuf,
    format: crate::output::Format,
    tx: mpsc::UnboundedSender<JobEvent>,
    token: CancellationToken,
) {
    tokio::spawn(async move {
        let (ftx, mut frx) = mpsc::channel::<Frame>(4);
        let writer_path = path.clone();
        let progress = tx.clone();
        let write = tokio::task::spawn_blocking(move || -> Result<u64, AppError> {
            let failed = |e| AppError::file("write", &writer_path, e);
            let file = std::fs::File::create(&writer_path).map_err(|e| AppError::file("create", &writer_path, e))?;
            let mut w = crate::output::writer(format, Box::new(std::io::BufWriter::new(file)));
            let mut n = 0u64;
            let mut begun = false;
            while let Some(frame) = frx.blocking_recv() {
                match frame {
                    Frame::Columns(c) => {
                        w.begin(&c).map_err(failed)?;
                        begun = true;
                    }
                    Frame::Rows(r) => {
                        w.rows(&r).map_err(failed)?;
                        n += r.len() as u64;
                        let _ = progress.send(JobEvent::ExportProgress(n));
                    }
                }
            }
            if begun {
                let summary = Summary {
                    rows_returned: n,
                    ..Summary::default()
                };
                w.finish(&summary).map_err(failed)?;
            }
            Ok(n)
        });
        let run = async {
            let mut s = connect(&spec).await?;
            tokio::select! {
                r = s.execute(&sql, ftx) => r.map_err(AppError::from),
                () = token.cancelled() => Err(AppError::Cancelled),
            }
        };
        let res = run.await;
        let written = write.await.map_err(|e| AppError::Task(e.to_string())).and_then(|r| r);
        let out = match (res, written) {
            (Ok(_), Ok(n)) => Ok((n, path.display().to_string())),
            (Err(e), _) | (_, Err(e)) => Err(e),
        };
        let _ = tx.send(JobEvent::ExportDone(out));
    });
}
