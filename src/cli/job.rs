//! `dbn job add|list|run|history|remove`: saved schema and data sync jobs,
//! run by the in-process job runner and recorded in `job_runs`.

use super::diff_data::failure;
use super::resolve::resolve_saved;
use super::{Ctx, ExitCode, Failure};
use crate::jobs::{DataJob, JobDefinition, JobEvent, JobRunner, SchemaJob, Work};
use crate::sanitize::sanitize;
use crate::store::audit::AuditEntry;
use crate::store::connections::Tag;
use crate::store::jobs::{JobKind, RunStatus};
use anyhow::Result;
use clap::Subcommand;
use serde_json::json;

/// Arguments of `dbn job`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// What to do.
    #[command(subcommand)]
    pub action: Action,
}

/// `dbn job` subcommands.
#[derive(Debug, Subcommand)]
pub enum Action {
    /// Save a sync job.
    Add(AddArgs),
    /// List saved jobs.
    #[command(alias = "ls")]
    List(ListArgs),
    /// Run a saved job now (a preview unless --apply).
    Run(RunArgs),
    /// Show recorded runs, newest first.
    History(HistoryArgs),
    /// Remove a saved job (its history stays).
    #[command(alias = "rm")]
    Remove(RemoveArgs),
}

/// `dbn job add`.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  dbn job add nightly-orders --kind data --source prod --target analytics --table orders,order_items --strategy newest:updated_at
  dbn job add schema-to-dev --kind schema --source staging --target dev")]
pub struct AddArgs {
    /// Job name.
    pub name: String,
    /// Job kind.
    #[arg(long, value_enum)]
    pub kind: JobKind,
    /// Source connection name.
    #[arg(long, short = 's')]
    pub source: String,
    /// Target connection name.
    #[arg(long, short = 't')]
    pub target: String,
    /// Tables to sync (data jobs), comma-separated or repeated.
    #[arg(long = "table", value_delimiter = ',', value_name = "TABLES")]
    pub tables: Vec<String>,
    /// Key columns (data jobs; default: each table's primary key).
    #[arg(long, value_delimiter = ',', value_name = "COLS")]
    pub key: Vec<String>,
    /// Columns to compare and copy (data jobs).
    #[arg(long, value_delimiter = ',', value_name = "COLS")]
    pub columns: Vec<String>,
    /// SQL condition applied on both sides (data jobs).
    #[arg(long = "where", value_name = "EXPR")]
    pub filter: Option<String>,
    /// Conflict strategy: source-wins, target-wins or newest:COLUMN (data jobs).
    #[arg(long, default_value = "source-wins")]
    pub strategy: String,
    /// Delete target rows missing from the source (data jobs).
    #[arg(long)]
    pub delete_missing: bool,
    /// Changes per transaction (data jobs).
    #[arg(long, default_value_t = 500, value_parser = clap::value_parser!(u64).range(1..=100_000))]
    pub batch_size: u64,
}

/// `dbn job list`.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  dbn job list
  dbn job list --json")]
pub struct ListArgs {
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

/// `dbn job run`.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  dbn job run nightly-orders                  # preview: diff and plan, nothing written
  dbn job run nightly-orders --apply
  dbn job run to-prod --apply --confirm prod  # a read-only or prod target needs its name

The run is recorded (queued, running, success, failed, cancelled) with counts and duration;
see `dbn job history`. Ctrl-C cancels it (exit 130).")]
pub struct RunArgs {
    /// Job name.
    pub name: String,
    /// Write the changes (without it: a preview that writes nothing).
    #[arg(long)]
    pub apply: bool,
    /// Confirm a read-only or prod target non-interactively by giving its name.
    #[arg(long, value_name = "NAME")]
    pub confirm: Option<String>,
    /// Print the run's events and result as JSON lines.
    #[arg(long)]
    pub json: bool,
}

/// `dbn job history`.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  dbn job history
  dbn job history nightly-orders --json --limit 5")]
pub struct HistoryArgs {
    /// Only runs of this job.
    pub name: Option<String>,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
    /// At most N runs.
    #[arg(long, default_value_t = 20, value_name = "N")]
    pub limit: usize,
}

/// `dbn job remove`.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  dbn job remove nightly-orders")]
pub struct RemoveArgs {
    /// Job name.
    pub name: String,
}

/// Run `dbn job ...`.
pub fn run(args: Args, ctx: &mut Ctx) -> Result<ExitCode> {
    match args.action {
        Action::Add(a) => add(a, ctx),
        Action::List(a) => list(a, ctx),
        Action::Run(a) => run_job(a, ctx),
        Action::History(a) => history(a, ctx),
        Action::Remove(a) => {
            ctx.store()?.remove_sync_job(&a.name)?;
            println!("Removed job '{}'.", sanitize(&a.name));
            Ok(ExitCode::Ok)
        }
    }
}

fn add(a: AddArgs, ctx: &mut Ctx) -> Result<ExitCode> {
    for name in [&a.source, &a.target] {
        ctx.store()?.connection(name)?;
    }
    let def = match a.kind {
        JobKind::Schema => JobDefinition::Schema(SchemaJob {
            source: a.source,
            target: a.target,
        }),
        JobKind::Data => {
            if a.tables.is_empty() {
                return Err(Failure::usage("a data job needs --table TABLES (comma-separated)").into());
            }
            a.strategy.parse::<crate::datasync::Strategy>().map_err(failure)?;
            JobDefinition::Data(DataJob {
                source: a.source,
                target: a.target,
                tables: a.tables,
                key: a.key,
                columns: a.columns,
                filter: a.filter,
                strategy: a.strategy,
                delete_missing: a.delete_missing,
                batch_size: a.batch_size,
            })
        }
    };
    ctx.store()?.add_sync_job(&a.name, def.kind(), &def.to_json())?;
    println!("Saved job '{}': {}", sanitize(&a.name), sanitize(&def.describe()));
    Ok(ExitCode::Ok)
}

fn list(a: ListArgs, ctx: &mut Ctx) -> Result<ExitCode> {
    let jobs = ctx.store()?.list_sync_jobs()?;
    if a.json {
        println!("{}", serde_json::to_string_pretty(&jobs)?);
        return Ok(ExitCode::Ok);
    }
    if jobs.is_empty() {
        println!("No saved jobs. Add one with `dbn job add NAME --kind data --source A --target B --table T`.");
    }
    for j in &jobs {
        let text = JobDefinition::from_saved(j).map_or_else(|e| e.to_string(), |d| d.describe());
        println!("{}  {}", sanitize(&j.name), sanitize(&text));
    }
    Ok(ExitCode::Ok)
}

fn history(a: HistoryArgs, ctx: &mut Ctx) -> Result<ExitCode> {
    if let Some(n) = &a.name {
        ctx.store()?.sync_job(n)?;
    }
    let runs = ctx.store()?.list_runs(a.name.as_deref(), a.limit)?;
    if a.json {
        println!("{}", serde_json::to_string_pretty(&runs)?);
        return Ok(ExitCode::Ok);
    }
    if runs.is_empty() {
        println!("No recorded runs.");
    }
    for r in &runs {
        println!(
            "#{} {} {} {} {} ms{}",
            r.id,
            r.started_at,
            sanitize(r.job_name.as_deref().unwrap_or("-")),
            r.status,
            r.duration_ms.unwrap_or(0),
            r.error
                .as_deref()
                .map(|e| format!("  {}", sanitize(e)))
                .unwrap_or_default()
        );
    }
    Ok(ExitCode::Ok)
}

fn confirm_target(ctx: &mut Ctx, job: &str, target: &str, prompt: &str, flag: Option<&str>) -> Result<Option<String>> {
    let rec = ctx.store()?.connection(target)?;
    if !(rec.read_only || rec.tag == Tag::Prod) {
        return Ok(None);
    }
    if let Some(u) = super::guard::timed_unlock(ctx, target)? {
        return Ok(Some(format!("unlock until {} ({})", u.until, u.confirmed_by)));
    }
    match crate::safety::confirm::confirm_typed(target, prompt, flag) {
        Ok(c) => Ok(Some(c.how)),
        Err(r) => {
            let entry = AuditEntry {
                connection: Some(target.to_string()),
                action: "sync".into(),
                statement: Some(format!("job run {job} --apply")),
                outcome: "refused".into(),
                verdict: Some(r.code.to_string()),
                ..AuditEntry::default()
            };
            super::guard::audit(ctx, &entry);
            Err(Failure::new(ExitCode::Blocked, r.code, r.message).into())
        }
    }
}

fn work_for(ctx: &mut Ctx, a: &RunArgs, def: &JobDefinition) -> Result<Work> {
    Ok(match def {
        JobDefinition::Data(d) => {
            let (_, source) = resolve_saved(ctx, &d.source)?;
            let (_, target) = resolve_saved(ctx, &d.target)?;
            Work::Data {
                def: Box::new(d.clone()),
                source: Box::new(source),
                target: Box::new(target),
                apply: a.apply,
            }
        }
        JobDefinition::Schema(s) => {
            let root = ctx.workspace()?.root.clone();
            let mut args = vec![
                "--workspace".to_string(),
                root.display().to_string(),
                "sync".into(),
                "schema".into(),
                "--source".into(),
                s.source.clone(),
                "--target".into(),
                s.target.clone(),
            ];
            if a.apply {
                // The confirmation was given to this command already.
                args.extend(["--apply".into(), "--confirm".into(), s.target.clone()]);
            }
            Work::Command {
                program: std::env::current_exe()?,
                args,
            }
        }
    })
}

fn run_job(a: RunArgs, ctx: &mut Ctx) -> Result<ExitCode> {
    ctx.json_errors = a.json;
    let job = ctx.store()?.sync_job(&a.name)?;
    let def = JobDefinition::from_saved(&job)?;
    let (_, target) = def.endpoints();
    let target = target.to_string();
    let confirmed_by = if a.apply {
        let prompt = format!("Run job '{}' with --apply: {}.", a.name, def.describe());
        confirm_target(ctx, &a.name, &target, &prompt, a.confirm.as_deref())?
    } else {
        None
    };
    let work = work_for(ctx, &a, &def)?;
    let metadata = ctx.workspace()?.metadata_db();
    let rt = super::runtime()?;
    let summary = rt.block_on(async {
        let (runner, mut events) = JobRunner::new(metadata);
        let handle = runner.submit(Some(&a.name), def.kind(), work)?;
        drop(runner);
        let cancel = handle.cancel.clone();
        let watcher = tokio::spawn(async move {
            if tokio::signal::ctrl_c().await.is_ok() {
                cancel.cancel();
            }
        });
        let json = a.json;
        let printer = tokio::spawn(async move {
            while let Some(ev) = events.recv().await {
                print_event(&ev, json);
            }
        });
        let summary = handle.done.await?;
        watcher.abort();
        let _ = printer.await;
        anyhow::Ok(summary)
    })?;
    if a.apply {
        let entry = AuditEntry {
            connection: Some(target),
            action: "sync".into(),
            statement: Some(format!("job run {} --apply ({})", a.name, def.describe())),
            duration_ms: Some(summary.duration_ms),
            outcome: match summary.status {
                RunStatus::Success => "ok".into(),
                RunStatus::Cancelled => "cancelled".into(),
                _ => format!("error: {}", summary.error.clone().unwrap_or_default()),
            },
            confirmed_by,
            detail: Some(summary.counts.to_string()),
            ..AuditEntry::default()
        };
        super::guard::audit(ctx, &entry);
    }
    Ok(match summary.status {
        RunStatus::Success => ExitCode::Ok,
        RunStatus::Cancelled => ExitCode::Interrupted,
        _ => ExitCode::QueryError,
    })
}

fn print_event(ev: &JobEvent, json: bool) {
    if json {
        println!("{}", json!(ev));
        return;
    }
    match ev {
        JobEvent::Queued { run } => eprintln!("dbn: run #{run} queued"),
        JobEvent::Started { run } => eprintln!("dbn: run #{run} running"),
        JobEvent::Table { table, .. } => eprintln!("dbn: table {}", sanitize(table)),
        JobEvent::Progress { progress, .. } => {
            if let crate::datasync::Progress::Applied { done, total } = progress {
                eprintln!("dbn: applied {done}/{total}");
            }
        }
        JobEvent::Finished { run, summary } => {
            println!("Run #{run}: {} in {} ms", summary.status, summary.duration_ms);
            if let Some(tables) = summary.counts.get("tables").and_then(|t| t.as_array()) {
                for t in tables {
                    println!("  {}", sanitize(&t.to_string()));
                }
            } else if let Some(out) = summary.counts.get("output").and_then(|o| o.as_str()) {
                print!("{}", sanitize(out));
            }
            if let Some(e) = &summary.error {
                eprintln!("dbn: error: {}", sanitize(e));
            }
        }
    }
}
