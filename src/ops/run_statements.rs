//! Run statements: split (one splitter per dialect), classify, gate (the one
//! confirmation rule), then execute one statement per message with the
//! audit intent recorded before each write is sent and completed after,
//! and every statement added to the history with secrets redacted.
//!
//! Faces call it in two steps: [`authorize`] (CLI, jobs: asks through the
//! context's prompt) or [`review`] + [`approve`] (the TUI, which asks in
//! its own dialogs), then [`execute`] with a [`ResultSink`] that shows rows.

use super::context::{Face, OpsContext, Records};
use super::error::OpsError;
use super::gate;
use super::target::Target;
use crate::db::{Access, ConnSpec, DbError, Engine, ErrorCode, Frame, Lexing, Session, Summary};
use crate::safety::WritePermit;
use crate::safety::audit::{Outcome, should_audit, statement_entry};
use crate::safety::gate::{Approval, Grants, Review, review_statements};
use crate::safety::redact;
use crate::safety::{Catalog, Context, StatementVerdict, Verdict, classify, classify_in};
use crate::store::audit::{AuditEntry, Completion};
use crate::store::history::NewHistory;
use crate::store::unlocks::Unlock;
use async_trait::async_trait;
use std::time::{Duration, Instant};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

/// One statement to send.
#[derive(Debug, Clone)]
pub struct Piece {
    /// Its text, sent alone.
    pub sql: String,
    /// Byte offset in the buffer it came from (error positions, the editor cursor).
    pub offset: usize,
    /// What it may do.
    pub verdict: StatementVerdict,
    /// Rows it must change (dbn-built edits); anything else is a conflict.
    pub expect_rows: Option<u64>,
}

/// Split a buffer into statements with the connection's dialect and judge
/// each (the splitter every face uses: `safety::split` under `classify`),
/// with the engine's default lexing settings and no catalog.
pub fn split(text: &str, engine: Engine) -> Vec<Piece> {
    split_in(text, &Context::new(engine))
}

/// [`split`] as the text will run in `ctx`: the session's lexing settings
/// and the database's own functions ([`context_for`]).
pub fn split_in(text: &str, ctx: &Context<'_>) -> Vec<Piece> {
    classify_in(text, ctx)
        .into_iter()
        .map(|v| Piece {
            sql: v.sql.clone(),
            offset: v.span.start,
            verdict: v,
            expect_rows: None,
        })
        .collect()
}

/// Statements built by dbn (grid edits, session kills), each judged alone
/// by its most severe verdict, with the rows each must change.
pub fn generated(statements: Vec<(String, Option<u64>)>, engine: Engine) -> Vec<Piece> {
    statements
        .into_iter()
        .map(|(sql, expect_rows)| {
            let verdict = classify(&sql, engine)
                .into_iter()
                .max_by_key(|v| v.verdict)
                .unwrap_or_else(|| StatementVerdict {
                    span: 0..sql.len(),
                    sql: sql.clone(),
                    verdict: Verdict::Write,
                    reason: "empty statement".into(),
                    objects: Vec::new(),
                    parsed: false,
                    lexing: None,
                });
            Piece {
                sql,
                offset: 0,
                verdict,
                expect_rows,
            }
        })
        .collect()
}

/// How to run.
#[derive(Debug, Clone, Default)]
pub struct RunOptions {
    /// Cancel a statement running longer than this.
    pub timeout: Option<Duration>,
    /// Add each statement to the query history.
    pub history: bool,
    /// Run everything in one transaction; roll back on the first error or conflict.
    pub atomic: bool,
    /// What the user is doing, kept in each audit entry's detail (`cancel session 4711`).
    pub what: Option<String>,
}

/// Statements cleared by the rule, with the unlock that allows them.
#[derive(Debug)]
pub struct Approved {
    /// Where they go.
    pub target: Target,
    /// What is sent, in order.
    pub pieces: Vec<Piece>,
    /// What the rule granted.
    pub approval: Approval,
    /// Which unlock allows the writes (recorded in each entry's `unlock`).
    pub unlock: Option<String>,
    /// What lets the writes through a read-only connection's session.
    permit: Option<WritePermit>,
}

impl Approved {
    /// The spec to open the session with: the connection's own. A
    /// read-only connection stays read-only; its writes pass by permit.
    pub fn spec(&self) -> ConnSpec {
        self.target.spec.clone()
    }

    /// Writes pass a read-only connection in this run (an unlock is in force).
    pub fn unlocked(&self) -> bool {
        self.permit.is_some()
    }

    /// The permit for executors that send these statements themselves
    /// (a query plan's ANALYZE): only an approved plan has one.
    pub fn permit(&self) -> Option<&WritePermit> {
        self.permit.as_ref()
    }

    /// How a statement runs. An unlocked run sends every statement with
    /// the permit, so a transaction it opens spans its reads too (the
    /// driver would roll back an open write transaction before a read);
    /// otherwise allowed session settings persist and the rest is read-only.
    fn access(&self, piece: &Piece) -> Access<'_> {
        match &self.permit {
            Some(p) => Access::Write(p),
            None => piece.verdict.access(None),
        }
    }
}

/// What the classifier needs from the session a buffer will run on: its
/// lexing settings (asked only when the text has characters they change)
/// and, on a read-only connection, the database's own functions and views.
pub async fn context_for(
    session: &mut dyn Session,
    sql: &str,
    read_only: bool,
) -> Result<(Lexing, Option<Catalog>), DbError> {
    let lexing = if Lexing::text_is_sensitive(sql) {
        session.lexing().await?
    } else {
        Lexing::default()
    };
    let catalog = if read_only {
        Some(Catalog::load(session).await?)
    } else {
        None
    };
    Ok((lexing, catalog))
}

/// Code dbn cannot see (a trigger, a function) may have changed how the
/// server lexes text since the statement was judged: refuse to send it then.
async fn still_reads_as_judged(session: &mut dyn Session, piece: &Piece) -> Result<(), OpsError> {
    let v = &piece.verdict;
    if v.lexing.is_none() || !Lexing::text_is_sensitive(&v.sql) {
        return Ok(());
    }
    let now = session.lexing().await?;
    if v.still_reads_as_judged(&now) {
        return Ok(());
    }
    Err(OpsError::Refused(crate::safety::Refusal::new(
        crate::safety::rules::READ_ONLY,
        format!(
            "stopped before `{}`: the server's lexing settings changed since the statement was judged (an earlier statement changed standard_conforming_strings or sql_mode in a way dbn could not see), so it could be read differently; nothing more was sent. Run it again on its own",
            crate::safety::policy::excerpt(&v.sql)
        ),
    )))
}

/// The rule applied to `pieces` (pure; the TUI asks its dialogs from the answer).
pub fn review(target: &Target, pieces: &[Piece], grants: &Grants, timed: Option<&Unlock>, face: Face) -> Review {
    let verdicts: Vec<StatementVerdict> = pieces.iter().map(|p| p.verdict.clone()).collect();
    review_statements(&gate::conn(target, timed, face), &verdicts, grants)
}

/// What a refusal of `pieces` records: the redacted text and the worst verdict.
pub fn refused_entry(target: &Target, pieces: &[Piece]) -> AuditEntry {
    let text = pieces.iter().map(|p| p.sql.as_str()).collect::<Vec<_>>().join(";\n");
    AuditEntry {
        connection: Some(target.name.clone()),
        action: "blocked".into(),
        statement: Some(redact::statement(&text, target.engine())),
        verdict: pieces
            .iter()
            .map(|p| p.verdict.verdict)
            .max()
            .map(|v| v.as_str().to_string()),
        ..Default::default()
    }
}

/// Record the unlock of a ready review and hand out the approved run
/// (faces that asked through their own dialogs).
pub fn approve(
    records: &mut dyn Records,
    face: Face,
    target: &Target,
    pieces: Vec<Piece>,
    approval: Approval,
) -> Result<Approved, OpsError> {
    let unlock = gate::record_unlock(records, face, target, &approval)?;
    let permit = if target.read_only {
        crate::safety::gate::permit(&approval, &target.db_key())
    } else {
        None
    };
    Ok(Approved {
        target: target.clone(),
        pieces,
        approval,
        unlock,
        permit,
    })
}

/// Apply the rule, asking through `ctx.prompt` (CLI, jobs); refusals are audited.
pub fn authorize(
    ctx: &mut OpsContext<'_>,
    target: &Target,
    pieces: Vec<Piece>,
    mut grants: Grants,
) -> Result<Approved, OpsError> {
    let face = ctx.face;
    let approval = gate::clear(ctx, target, &mut grants, refused_entry(target, &pieces), |c, g| {
        let verdicts: Vec<StatementVerdict> = pieces.iter().map(|p| p.verdict.clone()).collect();
        review_statements(c, &verdicts, g)
    })?;
    approve(ctx.records, face, target, pieces, approval)
}

/// For executors that send an approved plan's statements themselves (a
/// query plan): record the intent of every write before anything is sent,
/// fail closed. Ids by piece (`None` for reads), for [`complete_intents`].
pub fn record_intents(
    ctx: &mut OpsContext<'_>,
    plan: &Approved,
    what: Option<&str>,
) -> Result<Vec<Option<i64>>, OpsError> {
    let confirmed_by = plan.approval.confirmed_by();
    let mut ids = Vec::with_capacity(plan.pieces.len());
    for piece in &plan.pieces {
        if !should_audit(&piece.verdict) {
            ids.push(None);
            continue;
        }
        let mut entry = statement_entry(
            &plan.target.name,
            plan.target.engine(),
            &piece.verdict,
            &Outcome::Ok,
            None,
            None,
            confirmed_by.as_deref(),
        );
        entry.face = Some(ctx.face.as_str().into());
        entry.unlock = plan.unlock.clone();
        entry.detail = what.map(|w| serde_json::json!({"what": w}).to_string());
        let id = ctx
            .records
            .intent(&entry)
            .map_err(|e| OpsError::AuditUnavailable(e.to_string()))?;
        ids.push(Some(id));
    }
    Ok(ids)
}

/// Complete intents from [`record_intents`] with each piece's outcome
/// (`None`: it was not sent).
pub fn complete_intents(
    records: &mut dyn Records,
    ids: &[Option<i64>],
    ends: &[Option<(Outcome, Option<u64>, Duration)>],
    detail: Option<String>,
) -> Result<(), OpsError> {
    for (i, id) in ids.iter().enumerate() {
        let Some(id) = *id else { continue };
        let done = match ends.get(i).cloned().flatten() {
            Some((outcome, rows, took)) => Completion {
                outcome: outcome.as_text(),
                rows_affected: rows.map(|r| i64::try_from(r).unwrap_or(i64::MAX)),
                duration_ms: Some(i64::try_from(took.as_millis()).unwrap_or(i64::MAX)),
                detail: detail.clone(),
            },
            None => Completion {
                outcome: "error: not sent".into(),
                detail: detail.clone(),
                ..Completion::default()
            },
        };
        records.complete(id, &done).map_err(|e| OpsError::AuditIncomplete {
            id,
            reason: e.to_string(),
        })?;
    }
    Ok(())
}

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
    fn outcome(&self) -> Outcome {
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

    fn history_outcome(&self) -> &'static str {
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

fn begin_sql(engine: Engine) -> &'static str {
    match engine {
        Engine::Mysql => "START TRANSACTION",
        Engine::Postgres | Engine::Sqlite => "BEGIN",
    }
}

/// dbn's own transaction control around an atomic run (with the permit, so
/// a read-only connection's writes stay in one transaction).
async fn quiet(session: &mut dyn Session, sql: &str, plan: &Approved) -> Result<Summary, DbError> {
    let (tx, _rx) = mpsc::channel(1);
    let access = plan.permit.as_ref().map_or(Access::Read, Access::Write);
    session.execute_as(sql, access, tx).await
}

async fn sleep_opt(d: Option<Duration>) {
    match d {
        Some(d) => tokio::time::sleep(d).await,
        None => std::future::pending().await,
    }
}

/// Send one statement, honouring cancel, stop and timeout.
async fn send(
    session: &mut dyn Session,
    sql: &str,
    access: Access<'_>,
    tx: mpsc::Sender<Frame>,
    cancel: &CancellationToken,
    stop: &CancellationToken,
    timeout: Option<Duration>,
) -> End {
    let canceller = session.canceller();
    let mut exec = std::pin::pin!(session.execute_as(sql, access, tx));
    let res = tokio::select! {
        biased;
        () = cancel.cancelled() => {
            let _ = canceller.cancel().await;
            let _ = tokio::time::timeout(Duration::from_secs(5), &mut exec).await;
            return End::Cancelled;
        }
        () = stop.cancelled() => {
            let _ = canceller.cancel().await;
            return match exec.await {
                Ok(_) => End::Stopped,
                Err(e) if e.code == ErrorCode::QueryCancelled => End::Stopped,
                Err(e) => End::Failed(e),
            };
        }
        () = sleep_opt(timeout) => {
            let _ = canceller.cancel().await;
            let _ = tokio::time::timeout(Duration::from_secs(5), &mut exec).await;
            let secs = timeout.map(|d| d.as_secs_f64()).unwrap_or_default();
            return End::Failed(
                DbError::new(
                    ErrorCode::DbTimeout,
                    format!("statement exceeded --timeout {secs}s and was cancelled on the server"),
                )
                .with_sqlstate("57014"),
            );
        }
        r = &mut exec => r,
    };
    match res {
        Ok(s) => End::Done(s),
        // The sink may stop and drop its receiver while the driver is mid-send.
        Err(e) if e.code == ErrorCode::QueryCancelled && stop.is_cancelled() => End::Stopped,
        Err(e) if e.code == ErrorCode::QueryCancelled && cancel.is_cancelled() => End::Cancelled,
        Err(e) => End::Failed(e),
    }
}

/// Run approved statements on `session`, one per message, stopping at the
/// first failure. Each write's audit intent is recorded before it is sent;
/// if that fails nothing more is sent.
pub async fn execute(
    ctx: &mut OpsContext<'_>,
    plan: &Approved,
    session: &mut dyn Session,
    sink: &mut dyn ResultSink,
    opts: &RunOptions,
) -> RunReport {
    let mut report = RunReport::default();
    let target = &plan.target;
    let engine = target.engine();
    let confirmed_by = plan.approval.confirmed_by();
    let cancel = ctx.cancel.clone();
    // Atomic runs complete their audit entries only once the transaction ends.
    let mut deferred: Vec<(i64, Completion)> = Vec::new();
    if opts.atomic
        && let Err(e) = quiet(session, begin_sql(engine), plan).await
    {
        report.error = Some(OpsError::Db(e));
        return report;
    }
    for (index, piece) in plan.pieces.iter().enumerate() {
        if cancel.is_cancelled() {
            report.error = Some(OpsError::Cancelled);
            break;
        }
        if let Err(e) = still_reads_as_judged(session, piece).await {
            report.error = Some(e);
            break;
        }
        let audited = should_audit(&piece.verdict);
        let mut audit_id = None;
        if audited {
            let mut entry = statement_entry(
                &target.name,
                engine,
                &piece.verdict,
                &Outcome::Ok,
                None,
                None,
                confirmed_by.as_deref(),
            );
            entry.face = Some(ctx.face.as_str().into());
            entry.unlock = plan.unlock.clone();
            if let Some(w) = &opts.what {
                entry.detail = Some(serde_json::json!({"what": w}).to_string());
            }
            match ctx.records.intent(&entry) {
                Ok(id) => audit_id = Some(id),
                Err(e) => {
                    report.error = Some(OpsError::AuditUnavailable(e.to_string()));
                    break;
                }
            }
        }
        let started_at = crate::store::now();
        let t0 = Instant::now();
        let stop = CancellationToken::new();
        let tx = sink.start(index, piece, stop.clone());
        let mut end = send(
            session,
            &piece.sql,
            plan.access(piece),
            tx,
            &cancel,
            &stop,
            opts.timeout,
        )
        .await;
        if let (End::Done(s), Some(expected)) = (&end, piece.expect_rows) {
            let got = s.rows_affected.unwrap_or(0);
            if got != expected {
                end = End::Conflict { expected, got };
            }
        }
        let duration = t0.elapsed();
        let shown = sink.finish(index, piece, &end).await;
        let affected = match &end {
            End::Done(s) => s.rows_affected,
            _ => None,
        };
        let rows = match &end {
            End::Done(s) => shown.rows.or(s.rows_affected),
            End::Stopped => shown.rows,
            _ => None,
        };
        let ok = matches!(end, End::Done(_) | End::Stopped);
        if let Some(id) = audit_id {
            let done = Completion {
                outcome: end.outcome().as_text(),
                rows_affected: affected.map(|r| i64::try_from(r).unwrap_or(i64::MAX)),
                duration_ms: Some(i64::try_from(duration.as_millis()).unwrap_or(i64::MAX)),
                detail: None,
            };
            if opts.atomic && ok {
                deferred.push((id, done));
            } else if let Err(e) = ctx.records.complete(id, &done) {
                report.error = Some(OpsError::AuditIncomplete {
                    id,
                    reason: e.to_string(),
                });
            }
        }
        let redacted = redact::statement(&piece.sql, engine);
        tracing::info!(
            connection = %target.name,
            outcome = end.history_outcome(),
            rows = ?rows,
            ms = duration.as_millis() as u64,
            "statement: {}",
            redacted.chars().take(200).collect::<String>()
        );
        if opts.history {
            let error = match &end {
                End::Failed(e) => Some(redact::message(&e.message, &piece.sql, engine)),
                End::Conflict { .. } => Some(end.outcome().as_text()),
                _ => None,
            };
            let h = NewHistory {
                connection: &target.name,
                sql: &redacted,
                started_at: started_at.clone(),
                duration_ms: Some(i64::try_from(duration.as_millis()).unwrap_or(i64::MAX)),
                rows: rows.map(|r| i64::try_from(r).unwrap_or(i64::MAX)),
                outcome: end.history_outcome(),
                error: error.as_deref(),
            };
            if let Err(e) = ctx.records.add_history(&h) {
                tracing::warn!("cannot record history: {e}");
            }
        }
        report.statements.push(StatementReport {
            index,
            started_at,
            duration,
            end,
            rows,
            audit_id,
        });
        if !shown.go_on {
            report.output_gone = true;
            break;
        }
        if !ok || report.error.is_some() {
            break;
        }
    }
    if opts.atomic {
        finish_atomic(ctx, plan, session, &mut report, deferred).await;
    }
    report
}

/// Commit an atomic run that went well, otherwise roll it back; then complete its audit entries.
async fn finish_atomic(
    ctx: &mut OpsContext<'_>,
    plan: &Approved,
    session: &mut dyn Session,
    report: &mut RunReport,
    deferred: Vec<(i64, Completion)>,
) {
    let all_sent = report.error.is_none() && report.failed().is_none() && !report.output_gone;
    let ended = if all_sent {
        quiet(session, "COMMIT", plan).await.map(|_| true)
    } else {
        quiet(session, "ROLLBACK", plan).await.map(|_| false)
    };
    let outcome = match &ended {
        Ok(true) => None,
        Ok(false) => Some("rolled back".to_string()),
        Err(e) => Some(format!("error: transaction did not end cleanly: {}", e.message)),
    };
    report.rolled_back = !matches!(ended, Ok(true));
    if let Err(e) = ended
        && report.error.is_none()
    {
        report.error = Some(OpsError::Db(e));
    }
    for (id, mut done) in deferred {
        if let Some(o) = &outcome {
            done.outcome = o.clone();
        }
        if let Err(e) = ctx.records.complete(id, &done)
            && report.error.is_none()
        {
            report.error = Some(OpsError::AuditIncomplete {
                id,
                reason: e.to_string(),
            });
        }
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
