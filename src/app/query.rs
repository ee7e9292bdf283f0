//! Query and introspection tasks. A query task owns the session while it
//! runs, forwards frames tagged with its ticket over a bounded channel
//! (backpressure), and drops the session after a connection error so the
//! next run reconnects.

use crate::db::{Canceller, Column, ConnSpec, DbError, ErrorCode, Frame, Session, Summary, Value, connect};
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
    ExportDone(Result<(u64, String), String>),
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
}

/// Start a run of `stmts` on the shared session.
pub fn spawn_query(
    ticket: u64,
    spec: ConnSpec,
    session: SharedSession,
    stmts: Vec<Statement>,
    tx: mpsc::Sender<DbEvent>,
    token: CancellationToken,
) {
    tokio::spawn(async move {
        let send = |msg| {
            let tx = tx.clone();
            async move { tx.send(DbEvent { ticket, msg }).await.is_ok() }
        };
        let mut guard = session.lock().await;
        if guard.is_none() {
            match connect(&spec).await {
                Ok(s) => *guard = Some(s),
                Err(error) => {
                    let offset = stmts.first().map_or(0, |s| s.offset);
                    send(DbMsg::Finished(Some(QueryFailure {
                        error,
                        offset,
                        sql: String::new(),
                    })))
                    .await;
                    return;
                }
            }
        }
        let Some(sess) = guard.as_mut() else {
            return;
        };
        let started = DbMsg::Started {
            canceller: Arc::from(sess.canceller()),
            read_only: sess.is_read_only(),
        };
        if !send(started).await {
            return;
        }
        let mut failure = None;
        for (index, st) in stmts.iter().enumerate() {
            if token.is_cancelled() {
                failure = Some(cancelled(st));
                break;
            }
            let (ftx, mut frx) = mpsc::channel::<Frame>(4);
            let forward = async {
                loop {
                    tokio::select! {
                        biased;
                        () = token.cancelled() => break,
                        f = frx.recv() => match f {
                            Some(Frame::Columns(c)) => { if !send(DbMsg::Columns(c)).await { break } }
                            Some(Frame::Rows(r)) => { if !send(DbMsg::Rows(r)).await { break } }
                            None => break,
                        },
                    }
                }
                // Dropping the receiver makes the driver stop fetching.
                drop(frx);
            };
            let (res, ()) = tokio::join!(sess.execute(&st.sql, ftx), forward);
            match res {
                Ok(summary) => {
                    send(DbMsg::StatementDone { index, summary }).await;
                }
                Err(error) => {
                    failure = Some(QueryFailure {
                        error,
                        offset: st.offset,
                        sql: st.sql.clone(),
                    });
                    break;
                }
            }
        }
        if let Some(f) = &failure
            && (f.error.code.is_connection() || f.error.code == ErrorCode::DbConnLost)
        {
            *guard = None;
        }
        drop(guard);
        send(DbMsg::Finished(failure)).await;
    });
}

fn cancelled(st: &Statement) -> QueryFailure {
    QueryFailure {
        error: DbError::new(ErrorCode::QueryCancelled, "query cancelled"),
        offset: st.offset,
        sql: st.sql.clone(),
    }
}

/// Introspect on a separate session so queries never wait for it.
pub fn spawn_introspect(ticket: u64, spec: ConnSpec, tx: mpsc::UnboundedSender<JobEvent>) {
    tokio::spawn(async move {
        let res = async {
            let mut s = connect(&spec).await?;
            s.introspect().await.map(Box::new)
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
    format: crate::export::Format,
    tx: mpsc::UnboundedSender<JobEvent>,
    token: CancellationToken,
) {
    tokio::spawn(async move {
        let (ftx, mut frx) = mpsc::channel::<Frame>(4);
        let writer_path = path.clone();
        let progress = tx.clone();
        let write = tokio::task::spawn_blocking(move || -> Result<u64, String> {
            let file = std::fs::File::create(&writer_path)
                .map_err(|e| format!("cannot create '{}': {e}", writer_path.display()))?;
            let mut w = crate::export::writer(format, Box::new(std::io::BufWriter::new(file)));
            let mut n = 0u64;
            let mut begun = false;
            while let Some(frame) = frx.blocking_recv() {
                match frame {
                    Frame::Columns(c) => {
                        w.begin(&c).map_err(|e| e.to_string())?;
                        begun = true;
                    }
                    Frame::Rows(r) => {
                        w.rows(&r).map_err(|e| e.to_string())?;
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
                w.finish(&summary).map_err(|e| e.to_string())?;
            }
            Ok(n)
        });
        let run = async {
            let mut s = connect(&spec).await.map_err(|e| e.to_string())?;
            tokio::select! {
                r = s.execute(&sql, ftx) => r.map_err(|e| e.to_string()),
                () = token.cancelled() => Err("export cancelled".to_string()),
            }
        };
        let res = run.await;
        let written = write.await.map_err(|e| e.to_string()).and_then(|r| r);
        let out = match (res, written) {
            (Ok(_), Ok(n)) => Ok((n, path.display().to_string())),
            (Err(e), _) | (_, Err(e)) => Err(e),
        };
        let _ = tx.send(JobEvent::ExportDone(out));
    });
}
