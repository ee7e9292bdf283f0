//! Ask a session for a plan. The caller has already passed what is sent
//! through the safety check and says how far it approved; this refuses
//! anything beyond that, wraps a data-changing ANALYZE in a transaction
//! rolled back when asked, and reports every statement sent for the audit log.

use super::sql::{ExplainRequest, Flavor};
use super::{Plan, PlanError, mysql, mysql_tree, postgres, sqlite};
use crate::db::{Access, DbError, Engine, ErrorCode, Frame, Session, Summary, Value};
use crate::safety::WritePermit;
use crate::safety::audit::Outcome;
use crate::safety::{Refusal, StatementVerdict, Verdict, rules};
use std::time::{Duration, Instant};
use tokio::sync::mpsc;

/// One statement sent to the server, for the audit log.
#[derive(Debug, Clone)]
pub struct Sent {
    /// What was sent and its verdict.
    pub verdict: StatementVerdict,
    /// How it ended.
    pub outcome: Outcome,
    /// Rows changed, when the server said.
    pub rows_affected: Option<u64>,
    /// Wall time.
    pub duration: Duration,
}

/// A plan with the server's own answer.
#[derive(Debug, Clone)]
pub struct Explanation {
    /// The parsed plan.
    pub plan: Plan,
    /// The answer as the server gave it (JSON, or the text of a tree).
    pub raw: serde_json::Value,
}

/// Everything an explain did.
#[derive(Debug)]
pub struct Explained {
    /// The server family that answered.
    pub flavor: Flavor,
    /// Statements sent (without transaction control), in order.
    pub sent: Vec<Sent>,
    /// The statement ran in a transaction that was rolled back.
    pub rolled_back: bool,
    /// The plan, or why there is none.
    pub result: Result<Explanation, PlanError>,
}

/// Explain `req` on `session`. `approved` is the most severe verdict the
/// safety check allowed; a statement beyond it is refused, never sent.
/// `permit` (from the approved plan, `ops::run_statements::Approved`) lets
/// an ANALYZE write through a read-only connection's session.
pub async fn explain(
    session: &mut dyn Session,
    req: &ExplainRequest,
    approved: Verdict,
    permit: Option<&WritePermit>,
) -> Explained {
    let flavor = match session.engine() {
        Engine::Mysql => match session.server_version().await {
            Ok(v) => Flavor::from_version(Engine::Mysql, &v),
            Err(e) => return failed(Flavor::MariaDb, e.into()),
        },
        other => Flavor::guess(other),
    };
    let verdicts = req.verdicts(flavor);
    if let Some(v) = verdicts.iter().find(|v| v.verdict > approved) {
        let r = Refusal::new(
            rules::READ_ONLY,
            format!(
                "refused `{}`: it is a {} and only {} was approved; nothing was sent",
                crate::safety::policy::excerpt(&v.sql),
                v.verdict,
                approved
            ),
        );
        return failed(flavor, PlanError::Refused(r));
    }
    let transaction = req.options.rollback && req.changes_data(flavor);
    let mut run = Explained {
        flavor,
        sent: Vec::new(),
        rolled_back: false,
        result: Err(PlanError::Unsupported("nothing was sent".into())),
    };
    let write = permit.map_or(Access::Read, Access::Write);
    if transaction && let Err(e) = control(session, begin(flavor), write).await {
        run.result = Err(e.into());
        return run;
    }
    let mut answers = Vec::new();
    let mut measured = None;
    for (i, v) in verdicts.iter().enumerate() {
        let started = Instant::now();
        // Only the EXPLAIN answer is kept; the statement itself (SQLite ANALYZE) is counted.
        // With a permit everything runs writable, so the transaction spans the EXPLAIN too.
        let res = fetch(session, &v.sql, i == 0, write).await;
        let duration = started.elapsed();
        let outcome = match &res {
            Ok(_) => Outcome::Ok,
            Err(e) if e.code == ErrorCode::QueryCancelled => Outcome::Cancelled,
            Err(e) => Outcome::Error(e.message.clone()),
        };
        let rows_affected = res.as_ref().ok().and_then(|(_, _, s)| s.rows_affected);
        run.sent.push(Sent {
            verdict: v.clone(),
            outcome,
            rows_affected,
            duration,
        });
        match res {
            Ok((rows, _, _)) if i == 0 => answers = rows,
            Ok((_, count, summary)) => measured = Some((summary.rows_affected.unwrap_or(count), duration)),
            Err(e) => {
                if transaction {
                    // The statement failed: undo what it did before reporting.
                    let _ = control(session, "ROLLBACK", write).await;
                    run.rolled_back = true;
                }
                run.result = Err(e.into());
                return run;
            }
        }
    }
    if transaction {
        if let Err(e) = control(session, "ROLLBACK", write).await {
            run.result = Err(e.into());
            return run;
        }
        run.rolled_back = true;
    }
    run.result = parse_answer(flavor, req.options.analyze, &answers).map(|(mut plan, raw)| {
        if let Some((rows, took)) = measured {
            measured_root(&mut plan, rows, took);
        }
        if run.rolled_back {
            plan.notes
                .push("the statement ran in a transaction that was rolled back".into());
        } else if req.changes_data(flavor) {
            plan.notes.push("the statement ran and its changes were kept".into());
        }
        Explanation { plan, raw }
    });
    run
}

fn failed(flavor: Flavor, e: PlanError) -> Explained {
    Explained {
        flavor,
        sent: Vec::new(),
        rolled_back: false,
        result: Err(e),
    }
}

fn begin(flavor: Flavor) -> &'static str {
    match flavor {
        Flavor::MariaDb | Flavor::MySql => "START TRANSACTION",
        Flavor::Postgres | Flavor::Sqlite => "BEGIN",
    }
}

async fn control(session: &mut dyn Session, sql: &str, access: Access<'_>) -> Result<(), DbError> {
    fetch(session, sql, false, access).await.map(|_| ())
}

/// Run one statement; keep its rows when `keep`, else only count them (a
/// statement run for timing may return millions).
async fn fetch(
    session: &mut dyn Session,
    sql: &str,
    keep: bool,
    access: Access<'_>,
) -> Result<(Vec<Vec<Value>>, u64, Summary), DbError> {
    let (tx, mut rx) = mpsc::channel(16);
    let collect = async {
        let mut rows = Vec::new();
        let mut n = 0u64;
        while let Some(frame) = rx.recv().await {
            if let Frame::Rows(mut r) = frame {
                n += r.len() as u64;
                if keep {
                    rows.append(&mut r);
                }
            }
        }
        (rows, n)
    };
    let (summary, (rows, n)) = tokio::join!(session.execute_as(sql, access, tx), collect);
    Ok((rows, n, summary?))
}

/// The plan from the rows a server answered to the EXPLAIN built for
/// `flavor`, and the answer itself (JSON, or the text of a tree).
pub fn parse_answer(
    flavor: Flavor,
    analyzed: bool,
    rows: &[Vec<Value>],
) -> Result<(Plan, serde_json::Value), PlanError> {
    let cell = || {
        rows.first()
            .and_then(|r| r.first())
            .map(Value::render)
            .ok_or_else(|| PlanError::Parse("the server returned no plan row".into()))
    };
    match flavor {
        Flavor::Postgres => {
            let text = cell()?;
            let plan = postgres::parse(&text, analyzed)?;
            Ok((plan, json_or_text(&text)))
        }
        Flavor::MariaDb => {
            let text = cell()?;
            Ok((mysql::parse(&text, analyzed, true)?, json_or_text(&text)))
        }
        Flavor::MySql if analyzed => {
            let text = cell()?;
            Ok((mysql_tree::parse(&text)?, serde_json::Value::String(text)))
        }
        Flavor::MySql => {
            let text = cell()?;
            Ok((mysql::parse(&text, false, false)?, json_or_text(&text)))
        }
        Flavor::Sqlite => {
            let plan = sqlite::parse(rows)?;
            let raw = rows
                .iter()
                .map(|r| {
                    serde_json::json!({
                        "id": r.first().map(Value::render),
                        "parent": r.get(1).map(Value::render),
                        "detail": r.get(3).map(Value::render),
                    })
                })
                .collect();
            Ok((plan, serde_json::Value::Array(raw)))
        }
    }
}

fn json_or_text(text: &str) -> serde_json::Value {
    serde_json::from_str(text).unwrap_or_else(|_| serde_json::Value::String(text.to_string()))
}

/// SQLite's ANALYZE: the statement's rows and time, measured around it, on the root.
fn measured_root(plan: &mut Plan, rows: u64, took: Duration) {
    let ms = took.as_secs_f64() * 1000.0;
    plan.analyzed = true;
    plan.execution_ms = Some(ms);
    plan.root.actual_rows = Some(rows as f64);
    plan.root.loops = Some(1.0);
    plan.root.actual_ms = Some(ms);
    plan.notes
        .push("rows and time measured around the whole statement; SQLite has no per-step figures".into());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failed_explain_reports_its_code() {
        let e = failed(Flavor::Postgres, DbError::new(ErrorCode::QueryError, "boom").into());
        assert!(matches!(e.result, Err(PlanError::Db(_))));
    }
}
