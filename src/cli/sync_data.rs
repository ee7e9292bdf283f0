//! `dbn sync data --source A --target B --table T [--apply]`: preview, then
//! apply in batches, one transaction per batch, under the target's safety
//! rules.

use super::diff_data::{self, Resolved, Watch, failure, render, resolve};
use super::guard::{CliFace, ops_failure};
use super::{Ctx, ExitCode};
use crate::datasync::apply::ApplyReport;
use crate::datasync::{DataDiff, Method, Strategy, SyncPlan};
use crate::ops::gate::Confirmed;
use crate::ops::sync_table::SyncWhat;
use crate::ops::{Face, Target};
use crate::store::audit::AuditEntry;
use anyhow::{Context, Result};
use serde_json::json;
use std::path::PathBuf;
use std::time::Instant;

/// Arguments of `dbn sync data`.
#[derive(Debug, Clone, clap::Args)]
#[command(after_help = "Examples:
  dbn sync data --source staging --target dev --table orders                 # preview
  dbn sync data --source staging --target dev --table orders --apply
  dbn sync data --source a --target b --table users --strategy newest:updated_at --apply
  dbn sync data --source a --target prod --table t --delete-missing --apply --confirm prod

Without --apply nothing is written: the plan (counts, then rows) is printed. With --apply the
changes are written in batches, each batch one transaction; a killed run can simply be re-run
and converges. A read-only or prod target needs a confirmation: type its name, or pass
--confirm NAME (without a terminal and without --confirm the sync is refused, exit 4).")]
pub struct Args {
    /// Saved connection the data comes from.
    #[arg(long, short = 's')]
    pub source: String,
    /// Saved connection that is changed.
    #[arg(long, short = 't')]
    pub target: String,
    /// Table to sync (`schema.table` or a bare name).
    #[arg(long)]
    pub table: String,
    /// Key columns, comma-separated (default: the primary key).
    #[arg(long, value_delimiter = ',', value_name = "COLS")]
    pub key: Vec<String>,
    /// Columns to compare and copy, comma-separated (default: all columns both sides have).
    #[arg(long, value_delimiter = ',', value_name = "COLS")]
    pub columns: Vec<String>,
    /// SQL condition applied on both sides.
    #[arg(long = "where", value_name = "EXPR")]
    pub filter: Option<String>,
    /// Conflict strategy for rows present on both sides: source-wins, target-wins or newest:COLUMN.
    #[arg(long, default_value = "source-wins", value_name = "STRATEGY")]
    pub strategy: String,
    /// Delete target rows whose key is not in the source.
    #[arg(long)]
    pub delete_missing: bool,
    /// Changes per transaction.
    #[arg(long, default_value_t = 500, value_name = "N", value_parser = clap::value_parser!(u64).range(1..=100_000))]
    pub batch_size: u64,
    /// Write the changes (without it: preview only).
    #[arg(long)]
    pub apply: bool,
    /// Confirm a read-only or prod target non-interactively by giving its name.
    #[arg(long, value_name = "NAME")]
    pub confirm: Option<String>,
    /// Comparison method.
    #[arg(long, value_enum, default_value_t = Method::Auto)]
    pub method: Method,
    /// Print the plan (and the result) as JSON.
    #[arg(long)]
    pub json: bool,
    /// Rows shown per kind in the text preview.
    #[arg(long, default_value_t = 50, value_name = "N")]
    pub limit: usize,
    /// Write the full plan as JSON to FILE.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub out: Option<PathBuf>,
}

impl Args {
    fn diff_args(&self) -> diff_data::Args {
        diff_data::Args {
            source: self.source.clone(),
            target: self.target.clone(),
            table: self.table.clone(),
            key: self.key.clone(),
            columns: self.columns.clone(),
            filter: self.filter.clone(),
            method: self.method,
            json: self.json,
            out: None,
            limit: self.limit,
        }
    }
}

fn audit_entry(tgt: &Resolved, a: &Args, strategy: &Strategy) -> AuditEntry {
    AuditEntry {
        connection: Some(tgt.name.clone()),
        action: "sync".into(),
        statement: Some(format!(
            "sync data --source {} --target {} --table {} --strategy {strategy}{}",
            a.source,
            a.target,
            a.table,
            if a.delete_missing { " --delete-missing" } else { "" }
        )),
        ..AuditEntry::default()
    }
}

/// The one rule for the target: the unlock of a read-only target and, for
/// a prod or read-only one, the sync's own typed name (or `--confirm NAME`).
/// A refusal is audited and exits 4.
fn clear_target(ctx: &mut Ctx, tgt: &Resolved, a: &Args, strategy: &Strategy, plan: &SyncPlan) -> Result<Confirmed> {
    let target = Target::new(tgt.name.clone(), tgt.tag, tgt.read_only, tgt.spec.clone());
    let what = format!(
        "sync data into table '{}' on '{}' ({}{}): insert {}, update {}, delete {} row(s)",
        a.table,
        tgt.name,
        tgt.tag,
        if tgt.read_only { ", read-only" } else { "" },
        plan.inserts.len(),
        plan.updates.len(),
        plan.deletes.len()
    );
    let grants = crate::ops::gate::grants_from_flags(a.confirm.as_deref(), false, false, None, false);
    let mut face = CliFace::new(ctx);
    let mut octx = face.context();
    crate::ops::gate::authorize_operation(
        &mut octx,
        &target,
        crate::ops::gate::OperationKind::DataSync,
        &what,
        audit_entry(tgt, a, strategy),
        grants,
    )
    .map_err(ops_failure)
}

fn apply(
    ctx: &mut Ctx,
    rt: &tokio::runtime::Runtime,
    (tgt, confirmed, what): (&Resolved, &Confirmed, &SyncWhat),
    d: &DataDiff,
    plan: &SyncPlan,
    batch: usize,
    quiet: bool,
) -> Result<Result<ApplyReport, crate::datasync::DataSyncError>> {
    let target = Target::new(tgt.name.clone(), tgt.tag, tgt.read_only, tgt.spec.clone());
    let mut face = CliFace::new(ctx);
    let octx = face.context();
    rt.block_on(async {
        let mut session = crate::ops::sync_table::open_target(confirmed, &target)
            .await
            .with_context(|| format!("cannot connect to '{}' for writing", tgt.name))?;
        let watch = Watch::start(quiet);
        let result = crate::ops::sync_table::apply(
            octx.records,
            Face::Cli,
            confirmed,
            what,
            session.as_mut(),
            d,
            plan,
            batch,
            &watch.ctl,
        )
        .await;
        watch.finish().await;
        Ok(result)
    })
}

/// Run `dbn sync data`.
pub fn run(a: Args, ctx: &mut Ctx) -> Result<ExitCode> {
    ctx.json_errors = a.json;
    let strategy: Strategy = a.strategy.parse().map_err(failure)?;
    let rt = super::runtime()?;
    let src = resolve(ctx, &a.source)?;
    let tgt = resolve(ctx, &a.target)?;
    let mut req = a.diff_args().request(&src, &tgt);
    req.strategy = strategy.clone();
    req.delete_missing = a.delete_missing;
    let (d, plan) = rt
        .block_on(async {
            let watch = Watch::start(a.json);
            let preview = crate::ops::sync_table::preview(&req, &watch.ctl, &mut |_, _| {}).await;
            watch.finish().await;
            preview
        })
        .and_then(crate::ops::sync_table::SyncPreview::into_single)
        .map_err(failure)?;
    let mut out = json!({
        "table": d.table, "source": src.name, "target": tgt.name, "strategy": strategy.to_string(),
        "diff": {"only_in_source": d.diff.only_in_source.len(), "only_in_target": d.diff.only_in_target.len(),
                 "changed": d.diff.changed.len(), "identical": d.diff.equal, "stats": d.stats},
        "plan": render::plan_json(&d, &plan),
        "applied": null,
    });
    if let Some(path) = &a.out {
        crate::fsutil::write_atomic(path, serde_json::to_string_pretty(&out)?.as_bytes())
            .with_context(|| format!("cannot write '{}'", path.display()))?;
    }
    if !a.json {
        print!("{}", render::summary(&d, &src.name, &tgt.name));
        println!();
        print!("{}", render::plan_text(&d, &plan, a.limit));
    }
    if !a.apply || plan.total() == 0 {
        if a.json {
            println!("{}", serde_json::to_string_pretty(&out)?);
        } else if plan.total() == 0 {
            println!("Nothing to write: the target already matches under strategy {strategy}.");
        } else {
            println!("Preview only: nothing was written. Re-run with --apply to write these changes.");
        }
        return Ok(ExitCode::Ok);
    }
    let confirmed = clear_target(ctx, &tgt, &a, &strategy, &plan)?;
    let started = Instant::now();
    let what = SyncWhat::new(&src.name, &tgt.name, &a.table, &strategy, a.delete_missing);
    let result = apply(
        ctx,
        &rt,
        (&tgt, &confirmed, &what),
        &d,
        &plan,
        a.batch_size as usize,
        a.json,
    )?;
    let mut entry = audit_entry(&tgt, &a, &strategy);
    entry.confirmed_by = Some(confirmed.confirmed_by().to_string()).filter(|c| !c.is_empty());
    entry.unlock = confirmed.unlock().map(str::to_string);
    entry.face = Some(Face::Cli.as_str().into());
    entry.duration_ms = Some(started.elapsed().as_millis() as i64);
    entry.detail = Some(json!({"source": src.name, "table": d.table, "plan": render::plan_summary(&plan)}).to_string());
    match result {
        Ok(report) => {
            entry.outcome = "ok".into();
            entry.rows_affected = Some(report.total() as i64);
            super::guard::audit(ctx, &entry);
            if a.json {
                out["applied"] = json!(report);
                println!("{}", serde_json::to_string_pretty(&out)?);
            } else {
                println!(
                    "Applied: inserted {}, updated {}, deleted {} row(s) in {} batch(es), {} ms.",
                    report.inserted, report.updated, report.deleted, report.batches, report.elapsed_ms
                );
            }
            Ok(ExitCode::Ok)
        }
        // The audit log cannot be written: its one message says so.
        Err(e @ crate::datasync::DataSyncError::Audit(_)) => Err(failure(e)),
        Err(e) => {
            entry.outcome = match &e {
                crate::datasync::DataSyncError::Cancelled => "cancelled".into(),
                other => format!("error: {other}"),
            };
            super::guard::audit(ctx, &entry);
            Err(failure(e))
        }
    }
}
