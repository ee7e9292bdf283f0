//! Sending an approved plan: one statement per message, the audit intent
//! before each write and its completion after, history with secrets
//! redacted, all-or-nothing when asked.

use super::*;

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
            let entry = super::intents::intent_entry(ctx.face, plan, piece, opts.what.as_deref());
            match ctx.intent(&entry) {
                Ok(id) => audit_id = Some(id),
                Err(e) => {
                    report.error = Some(e);
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
