//! `dbn explain`: the plan of one statement as a tree (or JSON), through
//! the same safety check as `dbn query` when `--analyze` runs it.

use super::guard::{CliFace, ops_failure};
use super::resolve::resolve;
use super::{Ctx, ExitCode, Failure};
use crate::db::connect;
use crate::ops::run_statements::{Piece, authorize, complete_intents, record_intents};
use crate::plan::{ExplainOptions, ExplainRequest, Explained, Flavor, PlanError, analyze, explain, render_text};
use anyhow::Result;
use std::io::Write;
use std::path::PathBuf;

/// Arguments of `dbn explain`.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  dbn explain --conn shop --sql 'SELECT * FROM orders WHERE customer_id = 42'
  dbn explain --conn shop --analyze --sql 'SELECT status, count(*) FROM orders GROUP BY status'
  dbn explain --conn shop --analyze --rollback --unlock-writes --sql \"UPDATE orders SET status = 'void' WHERE id = 7\"
  dbn explain --conn shop --json --file slow.sql | jq '.analysis.slowest'

Without --analyze the statement is only planned, never run. --analyze runs it
(PostgreSQL EXPLAIN ANALYZE with BUFFERS, MariaDB ANALYZE FORMAT=JSON, MySQL
EXPLAIN ANALYZE, SQLite: the plan, then the statement timed) and is allowed
only where the statement itself would be: a write needs the unlock on a
read-only connection and is audited; --rollback undoes its changes.
Marked in the tree: [slow N%] steps taking the most time (or cost without
--analyze) by themselves, [rows Nx ...] actual rows 10x or more off the estimate.
Exit codes: 0 ok, 1 query error, 2 usage/config, 3 connection/auth, 4 blocked by a safety rule, 130 interrupted.")]
pub struct Args {
    /// Saved connection name.
    #[arg(long, short = 'c', conflicts_with = "url")]
    pub conn: Option<String>,
    /// Connection URL (defaults: DATABASE_URL, then PG* variables).
    #[arg(long)]
    pub url: Option<String>,
    /// The statement to explain.
    #[arg(long, short = 's', conflicts_with = "file")]
    pub sql: Option<String>,
    /// File holding the statement (`-` for stdin).
    #[arg(long, short = 'f')]
    pub file: Option<PathBuf>,
    /// Run the statement and show actual rows, loops, times and buffers.
    #[arg(long)]
    pub analyze: bool,
    /// With --analyze of a statement that changes data: run it in a transaction and roll it back.
    #[arg(long, requires = "analyze")]
    pub rollback: bool,
    /// With --analyze on PostgreSQL: leave out block counts (BUFFERS).
    #[arg(long, requires = "analyze")]
    pub no_buffers: bool,
    /// Print the plan, its analysis and the server's own answer as JSON.
    #[arg(long)]
    pub json: bool,
    /// Safety: unlocking writes and confirmations (for --analyze of a write).
    #[command(flatten)]
    pub safety: super::guard::SafetyArgs,
}

/// Run `dbn explain`.
pub fn run(args: Args, ctx: &mut Ctx) -> Result<ExitCode> {
    ctx.json_errors = args.json;
    let text = super::query::read_sql_input(args.sql.as_deref(), args.file.as_deref())?;
    let target = resolve(ctx, args.conn.as_deref(), args.url.as_deref())?;
    let options = ExplainOptions {
        analyze: args.analyze,
        buffers: !args.no_buffers,
        rollback: args.rollback,
    };
    let req = ExplainRequest::new(target.spec.engine, &text, options).map_err(|e| Failure::usage(e.to_string()))?;
    // What is sent is judged before anything is: a read EXPLAIN passes everywhere,
    // an ANALYZE carries the verdict of the statement it runs.
    let guess = Flavor::guess(target.spec.engine);
    let pieces: Vec<Piece> = req
        .verdicts(guess)
        .into_iter()
        .map(|v| Piece {
            sql: v.sql.clone(),
            offset: 0,
            verdict: v,
            expect_rows: None,
        })
        .collect();
    let t = target.ops();
    let mut face = CliFace::new(ctx);
    let mut octx = face.context();
    let plan = authorize(&mut octx, &t, pieces, args.safety.grants(false)).map_err(ops_failure)?;
    if let Some(notice) = req.notice(guess) {
        eprintln!("dbn: note: {}", crate::sanitize::sanitize(&notice));
    }
    let approved = req.worst(guess);
    // Every write it sends is on record before it is sent.
    let ids = record_intents(&mut octx, &plan, Some("explain analyze")).map_err(ops_failure)?;
    let rt = super::runtime()?;
    let spec = plan.spec();
    let done = rt.block_on(async {
        let mut session = tokio::select! {
            s = connect(&spec) => s?,
            _ = tokio::signal::ctrl_c() => return Ok(None),
        };
        let canceller = session.canceller();
        let mut work = std::pin::pin!(explain(session.as_mut(), &req, approved, plan.permit()));
        let done = tokio::select! {
            d = &mut work => d,
            _ = tokio::signal::ctrl_c() => {
                // Cancel on the server, then let the run roll back and report.
                let _ = canceller.cancel().await;
                work.await
            }
        };
        anyhow::Ok(Some(done))
    });
    let ends: Vec<_> = match &done {
        Ok(Some(d)) => d
            .sent
            .iter()
            .map(|s| Some((s.outcome.clone(), s.rows_affected, s.duration)))
            .collect(),
        _ => Vec::new(),
    };
    let rolled_back = matches!(&done, Ok(Some(d)) if d.rolled_back);
    let detail = serde_json::json!({"what": "explain analyze", "explain_analyze": true, "rolled_back": rolled_back});
    complete_intents(octx.records, &ids, &ends, Some(detail.to_string())).map_err(ops_failure)?;
    let Some(done) = done? else {
        eprintln!("cancelled");
        return Ok(ExitCode::Interrupted);
    };
    let Explained {
        flavor,
        sent,
        rolled_back,
        result,
    } = done;
    let explanation = result.map_err(failure)?;
    let analysis = analyze(&explanation.plan);
    let mut out = std::io::stdout().lock();
    let written = if args.json {
        let doc = serde_json::json!({
            "connection": target.name,
            "engine": target.spec.engine,
            "server": match flavor { Flavor::MariaDb => "mariadb", Flavor::MySql => "mysql", Flavor::Postgres => "postgres", Flavor::Sqlite => "sqlite" },
            "statement": req.statement,
            "sent": sent.iter().map(|s| s.verdict.sql.clone()).collect::<Vec<_>>(),
            "analyzed": explanation.plan.analyzed,
            "rolled_back": rolled_back,
            "plan": explanation.plan,
            "analysis": analysis,
            "raw": explanation.raw,
        });
        writeln!(out, "{}", serde_json::to_string_pretty(&doc).unwrap_or_default())
    } else {
        write!(out, "{}", render_text(&explanation.plan, &analysis))
    };
    match written {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(ExitCode::Ok),
        Err(e) => Err(e.into()),
        Ok(()) => Ok(ExitCode::Ok),
    }
}

fn failure(e: PlanError) -> anyhow::Error {
    match e {
        // The driver error stays in the chain (its SQLSTATE is printed with --json).
        PlanError::Db(db) => db.into(),
        PlanError::Refused(r) => r.into(),
        other => {
            use crate::error::Coded;
            Failure::new(other.exit(), other.code(), other.to_string()).into()
        }
    }
}
