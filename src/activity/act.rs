//! Cancelling a session's statement or terminating the session, through
//! the operations layer: the statement is built by dbn from the id
//! ([`super::signal::statement`]), judged by the one confirmation rule like
//! any write on the connection (the typed name on a read-only or prod
//! connection), audited with the session and its statement (intent before
//! it is sent), and sent on a session of its own, so neither the activity
//! session nor the console's session is involved.

use super::format::describe;
use super::model::SessionInfo;
use super::signal::{Signal, SignalError, statement};
use crate::db::{Engine, Frame, Value};
use crate::ops::run_statements::{Approved, End, Piece, ResultSink, RunOptions, Shown, execute, generated};
use crate::ops::{OpsContext, OpsError};
use crate::sanitize::sanitize;
use std::time::Duration;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

/// How long the signalling statement may take (it returns at once unless the server is stuck).
pub const TIMEOUT: Duration = Duration::from_secs(15);

/// A cancel or terminate of one session, as the user saw the session.
#[derive(Debug, Clone, PartialEq)]
pub struct Request {
    /// Cancel or terminate.
    pub signal: Signal,
    /// The session when the user chose it (id, user, state, statement).
    pub session: SessionInfo,
}

impl Request {
    /// A request to `signal` `session`.
    pub fn new(signal: Signal, session: SessionInfo) -> Request {
        Request { signal, session }
    }

    /// What it does, naming the session and its statement (confirmations, the audit log):
    /// `cancel the running statement of session 4711 (alice@shop from ..., active for 12s): UPDATE ...`.
    pub fn what(&self) -> String {
        match self.signal {
            Signal::Cancel => format!("cancel the running statement of {}", describe(&self.session)),
            Signal::Terminate => format!(
                "terminate {} (disconnects it and rolls back its open transaction)",
                describe(&self.session)
            ),
        }
    }

    /// The statement to send, as the rule judges it.
    pub fn pieces(&self, engine: Engine) -> Result<Vec<Piece>, SignalError> {
        let sql = statement(engine, self.signal, self.session.id)?;
        Ok(generated(vec![(sql, None)], engine))
    }

    fn done(&self) -> String {
        match self.signal {
            Signal::Cancel => format!("cancel sent to session {}", self.session.id),
            Signal::Terminate => format!("session {} terminated", self.session.id),
        }
    }
}

/// Keeps the first value the statement returns (`pg_cancel_backend`'s boolean).
#[derive(Default)]
struct FirstValue {
    value: Option<Value>,
    pending: Option<tokio::task::JoinHandle<Option<Value>>>,
}

#[async_trait::async_trait]
impl ResultSink for FirstValue {
    fn start(&mut self, _: usize, _: &Piece, _: CancellationToken) -> mpsc::Sender<Frame> {
        let (tx, mut rx) = mpsc::channel(2);
        self.pending = Some(tokio::spawn(async move {
            let mut first = None;
            while let Some(f) = rx.recv().await {
                if let Frame::Rows(rows) = f
                    && first.is_none()
                {
                    first = rows.into_iter().next().and_then(|r| r.into_iter().next());
                }
            }
            first
        }));
        tx
    }

    async fn finish(&mut self, _: usize, _: &Piece, _: &End) -> Shown {
        if let Some(h) = self.pending.take() {
            self.value = h.await.unwrap_or(None);
        }
        Shown {
            rows: None,
            go_on: true,
        }
    }
}

/// Why a cancel or terminate did not happen (or did, with its audit entry incomplete).
#[derive(Debug, thiserror::Error)]
pub enum SendError {
    /// The connection could not be opened.
    #[error("{}", sanitize(&.0.message))]
    Connect(crate::db::DbError),
    /// Sent, but the audit entry could not be completed.
    #[error("{done} but its audit entry #{id} could not be completed ({reason})")]
    AuditIncomplete {
        /// What was done.
        done: String,
        /// The entry left `unknown`.
        id: i64,
        /// Why.
        reason: String,
    },
    /// The operation refused or failed before sending.
    #[error("{}", sanitize(&.0.to_string()))]
    Ops(OpsError),
    /// The session ended before the signal arrived.
    #[error("session {id} is no longer there (it ended before the signal arrived); nothing was {what}")]
    Gone {
        /// Session id.
        id: i64,
        /// `cancelled` or `terminated`.
        what: &'static str,
    },
    /// The server refused the signal.
    #[error("{}", sanitize(&.0.message))]
    Failed(crate::db::DbError),
    /// Cancelled before the server answered.
    #[error("cancelled before the server answered")]
    Cancelled,
    /// Nothing was sent.
    #[error("nothing was sent")]
    NotSent,
}

impl crate::error::Coded for SendError {
    fn code(&self) -> &'static str {
        match self {
            SendError::Connect(e) | SendError::Failed(e) => e.code(),
            SendError::AuditIncomplete { .. } => crate::ops::error::AUDIT_UNAVAILABLE,
            SendError::Ops(e) => e.code(),
            SendError::Gone { .. } | SendError::NotSent => "QUERY_ERROR",
            SendError::Cancelled => "CANCELLED",
        }
    }

    fn exit(&self) -> crate::error::ExitStatus {
        use crate::error::ExitStatus;
        match self {
            SendError::Connect(e) | SendError::Failed(e) => e.exit(),
            SendError::AuditIncomplete { .. } => ExitStatus::Blocked,
            SendError::Ops(e) => e.exit(),
            SendError::Gone { .. } | SendError::NotSent => ExitStatus::QueryError,
            SendError::Cancelled => ExitStatus::Interrupted,
        }
    }
}

/// Send an approved request (see [`crate::ops::run_statements::authorize`]
/// or `review` + `approve`) on a new session of the connection: the audit
/// intent is recorded before it is sent (fail closed) and completed after.
/// `Ok` is the line to show; `Err` says why nothing happened.
pub async fn send(ctx: &mut OpsContext<'_>, plan: &Approved, req: &Request) -> Result<String, SendError> {
    let mut session = crate::db::connect(&plan.spec()).await.map_err(SendError::Connect)?;
    let mut sink = FirstValue::default();
    let opts = RunOptions {
        timeout: Some(TIMEOUT),
        history: false,
        atomic: false,
        what: Some(req.what()),
    };
    let report = execute(ctx, plan, session.as_mut(), &mut sink, &opts).await;
    let end = report.statements.first().map(|s| &s.end);
    match (end, report.error) {
        (_, Some(OpsError::AuditIncomplete { id, reason })) => Err(SendError::AuditIncomplete {
            done: req.done(),
            id,
            reason,
        }),
        (_, Some(e)) => Err(SendError::Ops(e)),
        (Some(End::Done(_)), None) => match sink.value {
            // Postgres answers false (with a warning) for a pid that is not a backend any more.
            Some(Value::Bool(false)) => Err(SendError::Gone {
                id: req.session.id,
                what: match req.signal {
                    Signal::Cancel => "cancelled",
                    Signal::Terminate => "terminated",
                },
            }),
            _ => Ok(req.done()),
        },
        (Some(End::Failed(e)), None) => Err(SendError::Failed(e.clone())),
        (Some(End::Cancelled), None) => Err(SendError::Cancelled),
        (Some(End::Stopped | End::Conflict { .. }), None) | (None, None) => Err(SendError::NotSent),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_names_the_session_and_its_statement() {
        let s = SessionInfo {
            id: 4711,
            user: Some("alice".into()),
            database: Some("shop".into()),
            state: "active".into(),
            statement_age_s: Some(12.0),
            query: Some("UPDATE orders\n SET paid = true".into()),
            ..Default::default()
        };
        let r = Request::new(Signal::Cancel, s.clone());
        assert_eq!(
            r.what(),
            "cancel the running statement of session 4711 (alice@shop, active for 12s): UPDATE orders SET paid = true"
        );
        let t = Request::new(Signal::Terminate, s).what();
        assert!(t.starts_with("terminate session 4711 (alice@shop"), "{t}");
        assert!(t.contains("rolls back"), "{t}");
    }

    #[test]
    fn pieces_are_one_write_built_from_the_id() {
        let s = SessionInfo {
            id: 12,
            ..Default::default()
        };
        let p = Request::new(Signal::Terminate, s.clone())
            .pieces(Engine::Mysql)
            .unwrap();
        assert_eq!(p.len(), 1);
        assert_eq!(p[0].sql, "KILL CONNECTION 12");
        assert!(!p[0].verdict.verdict.is_read());
        assert!(Request::new(Signal::Cancel, s).pieces(Engine::Sqlite).is_err());
    }
}
