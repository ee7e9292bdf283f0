//! `dbn query`: run SQL from --sql, --file or stdin and stream the results.

mod consume;
mod run;

use super::resolve::resolve;
use super::{Ctx, ExitCode, Failure};
use crate::ops::run_statements::{RunOptions, authorize, context_for, split_in};
use crate::output::Format;
use anyhow::{Context, Result};
use std::io::{IsTerminal, Read};
use std::path::PathBuf;
use std::time::Duration;

pub use run::parse_duration;

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
    let target = resolve(ctx, args.conn.as_deref(), args.url.as_deref())?;
    let wants_unlock = args.safety.unlock_writes || args.safety.unlock_minutes.is_some();
    if args.read_only && wants_unlock {
        return Err(Failure::usage("--read-only and --unlock-writes contradict each other: pass one of them").into());
    }
    let mut target = target.ops();
    if args.read_only {
        target.spec.read_only = true;
    }
    if crate::safety::split(&sql, target.engine()).is_empty() {
        return Err(Failure::usage("no SQL statements found in the input").into());
    }
    if wants_unlock && !target.read_only {
        eprintln!(
            "dbn: note: connection '{}' is not read-only; nothing to unlock",
            crate::sanitize::sanitize(&target.name)
        );
    }
    let grants = args.safety.grants(args.read_only);
    let opts = RunOptions {
        timeout: args.timeout,
        history: !args.no_history,
        atomic: false,
        what: None,
    };
    let out = run::Options {
        format: args.format,
        limit: args.limit,
        out: args.out.clone(),
    };
    let rt = super::runtime()?;
    // Connect first: the classifier reads the text as this session will
    // (its lexing settings) and knows this database's own functions.
    let mut session = match rt.block_on(run::connect_interruptible(&target.spec)) {
        Ok(Some(s)) => s,
        Ok(None) => return Ok(ExitCode::Interrupted),
        Err(e) => return Err(e.into()),
    };
    let (lexing, catalog) = rt.block_on(context_for(session.as_mut(), &sql, target.spec.read_only))?;
    let context = crate::safety::Context {
        engine: target.engine(),
        lexing,
        catalog: catalog.as_ref(),
    };
    let pieces = split_in(&sql, &context);
    let mut face = super::guard::CliFace::new(ctx);
    let mut octx = face.context();
    // Every statement is judged before the first is sent.
    let plan = authorize(&mut octx, &target, pieces, grants).map_err(super::guard::ops_failure)?;
    rt.block_on(run::run_all(&mut octx, &plan, session, out, &opts))
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
