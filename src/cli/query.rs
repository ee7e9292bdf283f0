//! `dbn query`: run SQL from --sql, --file or stdin and stream the results.

mod consume;
mod run;

use super::resolve::resolve;
use super::{Ctx, ExitCode, Failure};
use crate::export::Format;
use anyhow::{Context, Result};
use std::io::{IsTerminal, Read};
use std::path::PathBuf;
use std::time::Duration;

pub use run::{StatementOutcome, parse_duration};

/// Arguments of `dbn query`.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  dbn query --conn shop --sql 'SELECT * FROM orders LIMIT 10'
  dbn query --url postgres://app@db/shop --format csv --sql 'SELECT * FROM orders' > orders.csv
  dbn query --conn shop --file report.sql --format json
  echo 'SELECT 1; SELECT 2' | dbn query --conn shop --format jsonl
  dbn query --conn shop --sql 'SELECT * FROM big' | head -5

Several statements run in order; the run stops at the first error.
Exit codes: 0 ok, 1 query error, 2 usage/config, 3 connection/auth, 4 blocked by a safety rule, 130 interrupted.")]
pub struct Args {
    /// Saved connection name.
    #[arg(long, short = 'c', conflicts_with = "url")]
    pub conn: Option<String>,
    /// Connection URL (defaults: DATABASE_URL, then PG* variables).
    #[arg(long)]
    pub url: Option<String>,
    /// SQL text to run.
    #[arg(long, short = 's', conflicts_with = "file")]
    pub sql: Option<String>,
    /// File with SQL to run (`-` for stdin).
    #[arg(long, short = 'f')]
    pub file: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// Stop after N rows per statement (the rest is cancelled on the server).
    #[arg(long, value_name = "N")]
    pub limit: Option<u64>,
    /// Cancel a statement that runs longer than this (e.g. 30s, 5m, 1500ms).
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub timeout: Option<Duration>,
    /// Write results to FILE instead of stdout.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Open the session read-only even if the connection allows writes.
    #[arg(long)]
    pub read_only: bool,
    /// Do not record the statements in the query history.
    #[arg(long)]
    pub no_history: bool,
    /// Safety: unlocking writes and confirmations.
    #[command(flatten)]
    pub safety: super::guard::SafetyArgs,
}

/// Run `dbn query`.
pub fn run(args: Args, ctx: &mut Ctx) -> Result<ExitCode> {
    ctx.json_errors = matches!(args.format, Format::Json | Format::Jsonl);
    let sql = read_sql(&args)?;
    let mut target = resolve(ctx, args.conn.as_deref(), args.url.as_deref())?;
    if args.read_only {
        if args.safety.unlock_writes || args.safety.unlock_minutes.is_some() {
            return Err(
                Failure::usage("--read-only and --unlock-writes contradict each other: pass one of them").into(),
            );
        }
        target.spec.read_only = true;
    }
    if crate::safety::split(&sql, target.spec.engine).is_empty() {
        return Err(Failure::usage("no SQL statements found in the input").into());
    }
    let rt = super::runtime()?;
    // Connect first: the classifier reads the text as this session will
    // (its lexing settings) and knows this database's own functions.
    let mut session = match rt.block_on(run::connect_interruptible(&target)) {
        Ok(Some(s)) => s,
        Ok(None) => return Ok(ExitCode::Interrupted),
        Err(e) => return Err(e.into()),
    };
    let (lexing, catalog) = rt.block_on(run::context_for(session.as_mut(), &sql, target.read_only()))?;
    let context = crate::safety::Context {
        engine: target.spec.engine,
        lexing,
        catalog: catalog.as_ref(),
    };
    let verdicts = crate::safety::classify_in(&sql, &context);
    // Every statement is judged before the first is sent.
    let mut safety = args.safety.clone();
    safety.forced_read_only = args.read_only;
    let cleared = super::guard::clear(ctx, &target, &sql, &verdicts, &safety)?;
    let session = if cleared.unlocked {
        // The unlocked run opens a writable session.
        target.spec.read_only = false;
        None
    } else {
        Some(session)
    };
    let opts = run::Options {
        format: args.format,
        limit: args.limit,
        timeout: args.timeout,
        out: args.out.clone(),
    };
    let outcome = rt.block_on(run::run_all(&target, session, &verdicts, &opts));
    if !args.no_history {
        record_history(ctx, &target.name, target.spec.engine, &outcome.statements);
    }
    let sent: Vec<super::guard::Sent<'_>> = verdicts
        .iter()
        .zip(&outcome.statements)
        .map(|(v, s)| super::guard::Sent {
            verdict: v,
            outcome: &s.outcome,
            error: s.error.as_deref(),
            rows: s.summary.as_ref().and_then(|x| x.rows_affected).or(s.rows),
            duration: s.duration,
        })
        .collect();
    super::guard::audit_sent(ctx, &target, &sent, cleared.confirmed_by.as_deref());
    outcome.result
}

fn record_history(ctx: &mut Ctx, conn: &str, engine: crate::db::Engine, done: &[StatementOutcome]) {
    let Ok(store) = ctx.store() else { return };
    for s in done {
        // Token-aware: masks PASSWORD/IDENTIFIED BY literals however they are spaced.
        let redacted = crate::safety::audit::redact_sql(&s.sql, engine);
        tracing::info!(
            connection = conn,
            outcome = %s.outcome,
            rows = ?s.rows,
            ms = s.duration.as_millis() as u64,
            "statement: {}",
            redacted.chars().take(200).collect::<String>()
        );
        let _ = store.add_history(&crate::store::history::NewHistory {
            connection: conn,
            sql: &redacted,
            started_at: s.started_at.clone(),
            duration_ms: Some(s.duration.as_millis() as i64),
            rows: s.rows.map(|r| r as i64),
            outcome: &s.outcome,
            error: s.error.as_deref(),
        });
    }
}

fn read_sql(args: &Args) -> Result<String> {
    read_sql_input(args.sql.as_deref(), args.file.as_deref())
}

/// SQL from `--sql`, `--file` (`-` for stdin) or piped stdin (also `dbn explain`).
pub(super) fn read_sql_input(sql: Option<&str>, file: Option<&std::path::Path>) -> Result<String> {
    if let Some(s) = sql {
        return Ok(s.to_string());
    }
    if let Some(f) = file.filter(|f| f.as_os_str() != "-") {
        return std::fs::read_to_string(f)
            .with_context(|| format!("cannot read SQL file '{}'", f.display()))
            .map_err(|e| Failure::usage(format!("{e:#}")).into());
    }
    if file.is_none() && std::io::stdin().is_terminal() {
        return Err(Failure::usage("no SQL given: pass --sql 'SELECT ...', --file FILE, or pipe SQL on stdin").into());
    }
    let mut buf = String::new();
    std::io::stdin()
        .read_to_string(&mut buf)
        .map_err(|e| Failure::usage(format!("cannot read SQL from stdin: {e}")))?;
    Ok(buf)
}
