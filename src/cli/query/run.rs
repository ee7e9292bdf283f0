//! The CLI face of `ops::run_statements`: connect (Ctrl-C aware), run the
//! approved statements with results written by [`CliSink`], and turn the
//! report into an exit code. --timeout, --limit, Ctrl-C and broken pipes
//! all cancel on the server (inside the operation).

use super::consume::{Consumed, Sink, consume};
use crate::cli::{ExitCode, Failure};
use crate::db::{DbError, Frame, Session, Summary, connect};
use crate::ops::OpsContext;
use crate::ops::run_statements::{Approved, End, Piece, ResultSink, RunOptions, Shown, execute};
use crate::output::Format;
use anyhow::Result;
use async_trait::async_trait;
use std::path::PathBuf;
use std::time::Duration;
use tokio::sync::{mpsc, oneshot};
use tokio_util::sync::CancellationToken;

/// Where and how results are written.
pub struct Options {
    /// Output format.
    pub format: Format,
    /// Row limit per statement.
    pub limit: Option<u64>,
    /// Output file.
    pub out: Option<PathBuf>,
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
pub async fn connect_interruptible(spec: &crate::db::ConnSpec) -> Result<Option<Box<dyn Session>>, DbError> {
    tokio::select! {
        s = connect(spec) => s.map(Some),
        _ = tokio::signal::ctrl_c() => Ok(None),
    }
}

/// Run the approved statements on `session` in order, stopping at the first error.
pub async fn run_all(
    ctx: &mut OpsContext<'_>,
    plan: &Approved,
    mut session: Box<dyn Session>,
    out: Options,
    opts: &RunOptions,
) -> Result<ExitCode> {
    let cancel = ctx.cancel.clone();
    let watcher = tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            cancel.cancel();
        }
    });
    let mut sink = CliSink {
        out,
        multi: plan.pieces.len() > 1,
        pending: None,
        io_error: None,
    };
    let report = execute(ctx, plan, session.as_mut(), &mut sink, opts).await;
    watcher.abort();
    if let Some(e) = sink.io_error {
        return Err(Failure::usage(format!("cannot write the result: {e}")).into());
    }
    if report.output_gone {
        return Ok(ExitCode::Ok);
    }
    if let Some(e) = report.error {
        if matches!(e, crate::ops::OpsError::Cancelled) {
            eprintln!("cancelled");
            return Ok(ExitCode::Interrupted);
        }
        return Err(super::super::guard::ops_failure(e));
    }
    match report.failed().map(|s| s.end.clone()) {
        Some(End::Cancelled) => {
            eprintln!("cancelled");
            Ok(ExitCode::Interrupted)
        }
        Some(End::Failed(e)) => Err(e.into()),
        Some(End::Conflict { expected, got }) => Err(Failure::new(
            ExitCode::QueryError,
            "QUERY_CONFLICT",
            format!("expected {expected} row(s) changed, got {got}"),
        )
        .into()),
        _ => Ok(ExitCode::Ok),
    }
}

/// Writes each statement's rows on a blocking thread as they arrive.
struct CliSink {
    out: Options,
    multi: bool,
    pending: Option<(tokio::task::JoinHandle<Consumed>, oneshot::Sender<Summary>)>,
    io_error: Option<String>,
}

#[async_trait]
impl ResultSink for CliSink {
    fn start(&mut self, _: usize, _: &Piece, stop: CancellationToken) -> mpsc::Sender<Frame> {
        let (tx, rx) = mpsc::channel(4);
        let sink = match &self.out.out {
            Some(path) => match std::fs::OpenOptions::new().create(true).append(true).open(path) {
                Ok(f) => Sink::File(f),
                Err(e) => {
                    self.io_error = Some(format!("cannot open output file '{}': {e}", path.display()));
                    stop.cancel();
                    return tx;
                }
            },
            None => Sink::Stdout,
        };
        let (done_tx, done_rx) = oneshot::channel();
        let (format, limit) = (self.out.format, self.out.limit);
        let writer = tokio::task::spawn_blocking(move || consume(rx, format, limit, sink, stop, done_rx));
        self.pending = Some((writer, done_tx));
        tx
    }

    async fn finish(&mut self, _: usize, piece: &Piece, end: &End) -> Shown {
        let Some((writer, done_tx)) = self.pending.take() else {
            return Shown {
                rows: None,
                go_on: self.io_error.is_none(),
            };
        };
        match end {
            End::Done(s) => {
                let _ = done_tx.send(s.clone());
            }
            // A limit or a closed pipe: the footer reports what was shown.
            End::Stopped => {
                let _ = done_tx.send(Summary::default());
            }
            // No footer for a result that did not finish.
            _ => drop(done_tx),
        }
        let consumed = writer.await.unwrap_or_else(|e| Consumed {
            io_error: Some(format!("output task failed: {e}")),
            ..Consumed::default()
        });
        if let Some(e) = &consumed.io_error {
            self.io_error = Some(e.clone());
        }
        match end {
            End::Done(summary) if !consumed.had_columns && !consumed.broken_pipe && consumed.io_error.is_none() => {
                report_status(summary, self.out.format, self.multi);
            }
            End::Failed(e) => print_position(&piece.sql, e),
            _ => {}
        }
        if let (Some(path), true) = (&self.out.out, consumed.had_columns)
            && consumed.io_error.is_none()
            && matches!(end, End::Done(_) | End::Stopped)
        {
            eprintln!("wrote {} rows to {}", consumed.rows, path.display());
        }
        Shown {
            rows: consumed.had_columns.then_some(consumed.rows),
            go_on: !consumed.broken_pipe && consumed.io_error.is_none(),
        }
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
