//! `dbn job add|list|run|history|remove`: saved schema and data sync jobs,
//! run by the in-process job runner and recorded in `job_runs`.

use super::diff_data::failure;
use super::guard::{CliFace, ops_failure};
use super::resolve::resolve_saved;
use super::snapshot::source;
use super::{Ctx, ExitCode, Failure};
use crate::jobs::{DataJob, JobDefinition, JobEvent, JobRunner, SchemaJob, Work};
use crate::ops::gate::{Confirmed, OperationKind};
use crate::ops::migration::Migration;
use crate::ops::{Face, OpsError, Target};
use crate::sanitize::sanitize;
use crate::schema::migrate::MigrateOptions;
use crate::store::audit::{AuditEntry, Completion};
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

/// The one rule for a job's target, asked through the terminal (or
/// `--confirm NAME`) and audited with the face `job`: the unlock of a
/// read-only target, and the job's own typed name (always for a migration,
/// for a data sync into a prod or read-only target).
fn authorize(
    ctx: &mut Ctx,
    target: &Target,
    kind: OperationKind,
    what: &str,
    refused: AuditEntry,
    flag: Option<&str>,
) -> Result<Confirmed> {
    let grants = crate::ops::gate::grants_from_flags(flag, false, false, None, false);
    let mut face = CliFace::new(ctx);
    let mut octx = face.context();
    octx.face = Face::Job;
    crate::ops::gate::authorize_operation(&mut octx, target, kind, what, refused, grants).map_err(ops_failure)
}

fn target_of(ctx: &mut Ctx, name: &str) -> Result<Target> {
    let (rec, spec) = resolve_saved(ctx, name)?;
    Ok(Target::new(rec.name.clone(), rec.tag, rec.read_only, spec))
}

/// What a run does, cleared by the one rule when it applies. Returns the
/// work and, for an applied data job, who confirmed it.
fn work_for(ctx: &mut Ctx, a: &RunArgs, def: &JobDefinition) -> Result<(Work, Option<Confirmed>)> {
    let refused = AuditEntry {
        connection: Some(def.endpoints().1.to_string()),
        action: "sync".into(),
        statement: Some(format!("job run {} --apply ({})", a.name, def.describe())),
        ..AuditEntry::default()
    };
    Ok(match def {
        JobDefinition::Data(d) => {
            let (_, source) = resolve_saved(ctx, &d.source)?;
            let target = target_of(ctx, &d.target)?;
            let confirmed = if a.apply {
                let what = format!("Run job '{}' with --apply: {}", a.name, def.describe());
                Some(authorize(
                    ctx,
                    &target,
                    OperationKind::DataSync,
                    &what,
                    refused,
                    a.confirm.as_deref(),
                )?)
            } else {
                None
            };
            let work = Work::Data {
                def: Box::new(d.clone()),
                source: Box::new(source),
                target: Box::new(target),
                confirmed: confirmed.clone(),
                jsonl: ctx.audit_jsonl()?,
            };
            (work, confirmed)
        }
        JobDefinition::Schema(s) => {
            let src_ref = source::parse(ctx, &s.source)?;
            let tgt_ref = source::parse(ctx, &s.target)?;
            let goal = source::load(ctx, &src_ref)?;
            let before = source::load(ctx, &tgt_ref)?;
            let target = target_of(ctx, &s.target)?;
            let plan = crate::schema::migrate::plan_with_renames(&goal, &before, MigrateOptions::default(), &[])?;
            let header = format!(
                "dbn schema migration (job '{}'): make {} match {}\n{} statement(s), {} with hazards. Generated {}.",
                a.name,
                target.name,
                src_ref.label(),
                plan.steps.len(),
                plan.hazard_count(),
                crate::store::now()
            );
            let migration = Migration {
                script: plan.render(&header),
                plan,
                goal,
                goal_label: src_ref.label(),
                before: Some(before),
                with_privileges: false,
            };
            let confirmed = if a.apply && !migration.plan.is_empty() {
                let mut refused = refused;
                refused.action = "migration".into();
                refused.statement = Some(migration.script.clone());
                let what = format!("Run job '{}': {}", a.name, migration.what(&target));
                Some(authorize(
                    ctx,
                    &target,
                    OperationKind::Migration,
                    &what,
                    refused,
                    a.confirm.as_deref(),
                )?)
            } else {
                None
            };
            let jsonl = ctx.audit_jsonl()?;
            let work = Work::Schema {
                target: Box::new(target),
                migration: Box::new(migration),
                confirmed,
                jsonl,
            };
            (work, None)
        }
    })
}

fn run_job(a: RunArgs, ctx: &mut Ctx) -> Result<ExitCode> {
    ctx.json_errors = a.json;
    let job = ctx.store()?.sync_job(&a.name)?;
    let def = JobDefinition::from_saved(&job)?;
    let (work, data_confirmed) = work_for(ctx, &a, &def)?;
    // A data job's apply is audited as one entry: intent before it starts
    // (fail closed), completed with the run's counts. A schema job's
    // migration audits itself (ops::migration).
    let intent = match &data_confirmed {
        Some(c) => {
            let entry = AuditEntry {
                connection: Some(def.endpoints().1.to_string()),
                action: "sync".into(),
                statement: Some(format!("job run {} --apply ({})", a.name, def.describe())),
                confirmed_by: Some(c.confirmed_by().to_string()),
                unlock: c.unlock().map(str::to_string),
                face: Some(Face::Job.as_str().into()),
                ..AuditEntry::default()
            };
            let mut face = CliFace::new(ctx);
            let mut octx = face.context();
            Some(octx.intent(&entry).map_err(ops_failure)?)
        }
        None => None,
    };
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
    if let Some(id) = intent {
        let done = Completion {
            outcome: match summary.status {
                RunStatus::Success => "ok".into(),
                RunStatus::Cancelled => "cancelled".into(),
                _ => format!("error: {}", summary.error.clone().unwrap_or_default()),
            },
            rows_affected: None,
            duration_ms: Some(summary.duration_ms),
            detail: Some(summary.counts.to_string()),
        };
        let mut face = CliFace::new(ctx);
        let octx = face.context();
        octx.records.complete(id, &done).map_err(|e| {
            ops_failure(OpsError::AuditIncomplete {
                id,
                reason: e.to_string(),
            })
        })?;
    }
    // A failed run exits as the same failure does in the command that does
    // the work alone (`dbn sync data`, `dbn sync schema --apply`).
    Ok(match summary.status {
        RunStatus::Success => ExitCode::Ok,
        RunStatus::Cancelled => ExitCode::Interrupted,
        _ if summary.exit != ExitCode::Ok => summary.exit,
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
            } else if let Some(script) = summary.counts.get("script").and_then(|o| o.as_str()) {
                print!("{}", sanitize(script));
            } else if let Some(n) = summary.counts.get("applied").and_then(serde_json::Value::as_u64) {
                println!(
                    "  applied {n} migration statement(s); verified empty diff: {}",
                    summary.counts["verified_empty_diff"]
                );
            }
            if let Some(e) = &summary.error {
                eprintln!("dbn: error: {}", sanitize(e));
            }
        }
    }
}
