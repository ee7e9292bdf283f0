//! Running statements one after another on one session, with Ctrl-C,
//! --timeout, --limit and broken pipes all cancelling on the server.

use super::consume::{Consumed, Sink, consume};
use crate::cli::resolve::Target;
use crate::cli::{ExitCode, Failure};
use crate::db::{Access, DbError, ErrorCode, Lexing, Session, Summary, connect};
use crate::export::Format;
use crate::safety::{Catalog, StatementVerdict};
use anyhow::Result;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::{Notify, mpsc, oneshot};

/// How to run.
pub struct Options {
    /// Output format.
    pub format: Format,
    /// Row limit per statement.
    pub limit: Option<u64>,
    /// Statement timeout.
    pub timeout: Option<Duration>,
    /// Output file.
    pub out: Option<PathBuf>,
}

/// What happened to one statement (for history and audit).
#[derive(Debug, Clone)]
pub struct StatementOutcome {
    /// Statement text.
    pub sql: String,
    /// Start time, RFC 3339.
    pub started_at: String,
    /// Wall time.
    pub duration: Duration,
    /// Rows returned or affected.
    pub rows: Option<u64>,
    /// `ok`, `error`, `cancelled`.
    pub outcome: String,
    /// Error message.
    pub error: Option<String>,
    /// Summary from the driver.
    pub summary: Option<Summary>,
}

/// Everything that ran, and how the run ended.
pub struct RunOutcome {
    /// Per-statement results, in order (only statements that started).
    pub statements: Vec<StatementOutcome>,
    /// Exit code or error.
    pub result: Result<ExitCode>,
}

/// Parse `30s`, `5m`, `1h`, `1500ms` or a bare number of seconds.
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    let s = s.trim();
    let (num, unit) = match s.find(|c: char| !c.is_ascii_digit() && c != '.') {
        Some(i) => (&s[..i], &s[i..]),
        None => (s, "s"),
    };
    let n: f64 = num
        .parse()
        .map_err(|_| format!("'{s}' is not a duration: use e.g. 30s, 5m, 2h, 7d or 1500ms"))?;
    let secs = match unit.trim() {
        "ms" => n / 1000.0,
        "s" | "sec" | "secs" => n,
        "m" | "min" | "mins" => n * 60.0,
        "h" | "hour" | "hours" => n * 3600.0,
        "d" | "day" | "days" => n * 86400.0,
        "w" | "week" | "weeks" => n * 7.0 * 86400.0,
        other => {
            return Err(format!(
                "unknown duration unit '{other}' in '{s}': use ms, s, m, h, d or w"
            ));
        }
    };
    if !secs.is_finite() || secs <= 0.0 {
        return Err(format!("duration '{s}' must be greater than zero"));
    }
    Ok(Duration::from_secs_f64(secs))
}

/// Connect, or `None` when Ctrl-C came first.
pub async fn connect_interruptible(target: &Target) -> Result<Option<Box<dyn Session>>, DbError> {
    tokio::select! {
        s = connect(&target.spec) => s.map(Some),
        _ = tokio::signal::ctrl_c() => Ok(None),
    }
}

/// What the classifier needs from the session: its lexing settings (asked
/// only when the text has characters they change) and, on a read-only
/// connection, the database's own functions and views.
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

/// Run every statement in order on `session` (or a new one), stopping at
/// the first error.
pub async fn run_all(
    target: &Target,
    session: Option<Box<dyn Session>>,
    verdicts: &[StatementVerdict],
    opts: &Options,
) -> RunOutcome {
    let mut done = Vec::new();
    let mut session = match session {
        Some(s) => s,
        None => match connect_interruptible(target).await {
            Ok(Some(s)) => s,
            Ok(None) => {
                return RunOutcome {
                    statements: done,
                    result: Ok(ExitCode::Interrupted),
                };
            }
            Err(e) => {
                return RunOutcome {
                    statements: done,
                    result: Err(e.into()),
                };
            }
        },
    };
    let total = verdicts.len();
    for v in verdicts {
        let sql = &v.sql;
        if let Err(e) = still_reads_as_judged(session.as_mut(), v).await {
            return RunOutcome {
                statements: done,
                result: Err(e),
            };
        }
        let started_at = crate::store::now();
        let t0 = Instant::now();
        let step = run_one(session.as_mut(), sql, v.access(None), opts, total > 1).await;
        let duration = t0.elapsed();
        let (outcome, error, rows, summary, end) = match step {
            Ok(Step::Done { summary, consumed }) => {
                let rows = if consumed.had_columns {
                    Some(consumed.rows)
                } else {
                    summary.rows_affected
                };
                let end = if consumed.broken_pipe {
                    Some(Ok(ExitCode::Ok))
                } else {
                    None
                };
                ("ok".to_string(), None, rows, Some(summary), end)
            }
            Ok(Step::Interrupted) => (
                "cancelled".into(),
                Some("interrupted by Ctrl-C".to_string()),
                None,
                None,
                Some(Ok(ExitCode::Interrupted)),
            ),
            Err(e) => {
                let msg = format!("{e:#}");
                let kind = if msg.contains("cancel") { "cancelled" } else { "error" };
                (kind.to_string(), Some(msg), None, None, Some(Err(e)))
            }
        };
        done.push(StatementOutcome {
            sql: sql.clone(),
            started_at,
            duration,
            rows,
            outcome,
            error,
            summary,
        });
        if let Some(end) = end {
            if matches!(end, Ok(ExitCode::Interrupted)) {
                eprintln!("cancelled");
            }
            return RunOutcome {
                statements: done,
                result: end,
            };
        }
    }
    RunOutcome {
        statements: done,
        result: Ok(ExitCode::Ok),
    }
}

/// Code dbn cannot see (a trigger, a function) may have changed how the
/// server lexes text since the statement was judged: refuse to send it then.
async fn still_reads_as_judged(session: &mut dyn Session, v: &StatementVerdict) -> Result<()> {
    if v.lexing.is_none() || !Lexing::text_is_sensitive(&v.sql) {
        return Ok(());
    }
    let now = session.lexing().await?;
    if v.still_reads_as_judged(&now) {
        return Ok(());
    }
    Err(Failure::new(
        ExitCode::Blocked,
        crate::safety::rules::READ_ONLY,
        format!(
            "stopped before `{}`: the server's lexing settings changed since the statement was judged (an earlier statement changed standard_conforming_strings or sql_mode in a way dbn could not see), so it could be read differently; nothing more was sent. Run it again on its own",
            crate::safety::policy::excerpt(&v.sql)
        ),
    )
    .into())
}

enum Step {
    Done { summary: Summary, consumed: Consumed },
    Interrupted,
}

async fn run_one(
    session: &mut dyn Session,
    sql: &str,
    access: Access<'_>,
    opts: &Options,
    multi: bool,
) -> Result<Step> {
    let sink = match &opts.out {
        Some(path) => Sink::File(
            std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(path)
                .map_err(|e| Failure::usage(format!("cannot open output file '{}': {e}", path.display())))?,
        ),
        None => Sink::Stdout,
    };
    let canceller = session.canceller();
    let (tx, rx) = mpsc::channel(4);
    let stop = Arc::new(Notify::new());
    let (done_tx, done_rx) = oneshot::channel();
    let (format, limit, stop2) = (opts.format, opts.limit, stop.clone());
    let writer = tokio::task::spawn_blocking(move || consume(rx, format, limit, sink, stop2, done_rx));
    let deadline = opts.timeout;
    let mut exec = std::pin::pin!(session.execute_as(sql, access, tx));
    let mut stopped_early = false;
    let result = tokio::select! {
        biased;
        _ = tokio::signal::ctrl_c() => {
            let _ = canceller.cancel().await;
            let _ = tokio::time::timeout(Duration::from_secs(5), &mut exec).await;
            drop(done_tx); // no footer for a result that did not finish
            let _ = writer.await;
            return Ok(Step::Interrupted);
        }
        _ = stop.notified() => {
            stopped_early = true;
            let _ = canceller.cancel().await;
            exec.await
        }
        _ = sleep_opt(deadline) => {
            let _ = canceller.cancel().await;
            let _ = tokio::time::timeout(Duration::from_secs(5), &mut exec).await;
            drop(done_tx); // no footer for a result that did not finish
            let _ = writer.await;
            let secs = deadline.map(|d| d.as_secs_f64()).unwrap_or_default();
            return Err(DbError::new(
                ErrorCode::DbTimeout,
                format!("statement exceeded --timeout {secs}s and was cancelled on the server"),
            )
            .with_sqlstate("57014")
            .into());
        }
        r = &mut exec => r,
    };
    let summary = match result {
        Ok(s) => s,
        Err(e) if stopped_early && e.code == ErrorCode::QueryCancelled => Summary::default(),
        Err(e) if e.code == ErrorCode::QueryCancelled => {
            // The consumer may stop (limit, closed pipe) and drop its receiver
            // while the driver is mid-send, so the driver sees the cancel first.
            let _ = done_tx.send(Summary::default());
            let consumed = writer.await.map_err(|e| anyhow::anyhow!("output task failed: {e}"))?;
            if consumed.limit_hit || consumed.broken_pipe {
                return Ok(Step::Done {
                    summary: Summary::default(),
                    consumed,
                });
            }
            return Err(e.into());
        }
        Err(e) => {
            drop(done_tx); // no footer for a result that did not finish
            let _ = writer.await;
            print_position(sql, &e);
            return Err(e.into());
        }
    };
    let _ = done_tx.send(summary.clone());
    let consumed = writer.await.map_err(|e| anyhow::anyhow!("output task failed: {e}"))?;
    if let Some(err) = &consumed.io_error {
        return Err(Failure::usage(format!("cannot write the result: {err}")).into());
    }
    if !consumed.had_columns && !consumed.broken_pipe {
        report_status(&summary, opts.format, multi);
    }
    if let (Some(path), true) = (&opts.out, consumed.had_columns) {
        eprintln!("wrote {} rows to {}", consumed.rows, path.display());
    }
    Ok(Step::Done { summary, consumed })
}

async fn sleep_opt(d: Option<Duration>) {
    match d {
        Some(d) => tokio::time::sleep(d).await,
        None => std::future::pending().await,
    }
}

/// The command tag of a statement without rows (`UPDATE 3`, `CREATE TABLE`).
fn report_status(summary: &Summary, format: Format, _multi: bool) {
    let tag = summary.tag.clone().unwrap_or_else(|| match summary.rows_affected {
        Some(n) => format!("OK, {n} row{} affected", if n == 1 { "" } else { "s" }),
        None => "OK".into(),
    });
    if format == Format::Table {
        println!("{tag}");
    } else {
        eprintln!("{tag}");
    }
}

/// Show where a syntax error is, psql-style: the line and a caret.
fn print_position(sql: &str, e: &DbError) {
    let Some(pos) = e.position else { return };
    let mut line_start = 0;
    let mut line_no = 1;
    for (i, ch) in sql.char_indices() {
        if sql[..i].chars().count() + 1 >= pos {
            break;
        }
        if ch == '\n' {
            line_start = i + 1;
            line_no += 1;
        }
    }
    let line_end = sql[line_start..]
        .find('\n')
        .map(|i| line_start + i)
        .unwrap_or(sql.len());
    let line = crate::sanitize::sanitize(&sql[line_start..line_end]).into_owned();
    let col = pos.saturating_sub(sql[..line_start].chars().count()).max(1);
    eprintln!("LINE {line_no}: {line}");
    eprintln!("{}^", " ".repeat(format!("LINE {line_no}: ").len() + col - 1));
}

#[cfg(test)]
mod tests {
    use super::parse_duration;
    use std::time::Duration;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("30s").unwrap(), Duration::from_secs(30));
        assert_eq!(parse_duration("5m").unwrap(), Duration::from_secs(300));
        assert_eq!(parse_duration("1500ms").unwrap(), Duration::from_millis(1500));
        assert_eq!(parse_duration("2").unwrap(), Duration::from_secs(2));
        assert_eq!(parse_duration("7d").unwrap(), Duration::from_secs(7 * 86400));
        assert!(parse_duration("abc").is_err());
        assert!(parse_duration("5y").unwrap_err().contains("unit"));
        assert!(parse_duration("0s").is_err());
    }
}
