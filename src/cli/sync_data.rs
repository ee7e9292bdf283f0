//! `dbn sync data --source A --target B --table T [--apply]`: preview, then
//! apply in batches, one transaction per batch, under the target's safety
//! rules.

use super::diff_data::{self, Opened, failure, open, progress, render};
use super::{Ctx, ExitCode, Failure};
use crate::datasync::apply::{ApplyReport, apply_plan};
use crate::datasync::{Control, DataDiff, Method, Progress, Strategy, SyncPlan, plan_sync};
use crate::store::audit::AuditEntry;
use crate::store::connections::Tag;
use anyhow::{Context, Result};
use serde_json::json;
use std::path::PathBuf;
use std::time::Instant;
use tokio::sync::mpsc;

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

fn audit_entry(tgt: &Opened, a: &Args, strategy: &Strategy) -> AuditEntry {
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

/// Confirm writes to a guarded (read-only or prod) target. Returns who
/// confirmed, or an exit-4 failure (audited).
fn clear_target(ctx: &mut Ctx, tgt: &Opened, a: &Args, strategy: &Strategy, plan: &SyncPlan) -> Result<Option<String>> {
    if !(tgt.read_only || tgt.tag == Tag::Prod) {
        return Ok(None);
    }
    if let Some(u) = super::guard::timed_unlock(ctx, &tgt.name)? {
        return Ok(Some(format!("unlock until {} ({})", u.until, u.confirmed_by)));
    }
    let prompt = format!(
        "Sync data into table '{}' on '{}' ({}{}): insert {}, update {}, delete {} row(s).",
        a.table,
        tgt.name,
        tgt.tag,
        if tgt.read_only { ", read-only" } else { "" },
        plan.inserts.len(),
        plan.updates.len(),
        plan.deletes.len()
    );
    match crate::safety::confirm::confirm_typed(&tgt.name, &prompt, a.confirm.as_deref()) {
        Ok(c) => Ok(Some(c.how)),
        Err(r) => {
            let mut e = audit_entry(tgt, a, strategy);
            e.outcome = "refused".into();
            e.verdict = Some(r.code.to_string());
            e.detail = Some(json!({"reason": r.message}).to_string());
            super::guard::audit(ctx, &e);
            Err(Failure::new(ExitCode::Blocked, r.code, r.message).into())
        }
    }
}

fn apply(
    rt: &tokio::runtime::Runtime,
    tgt: &Opened,
    d: &DataDiff,
    plan: &SyncPlan,
    batch: usize,
    quiet: bool,
) -> Result<Result<ApplyReport, crate::datasync::DataSyncError>> {
    let mut spec = tgt.spec.clone();
    spec.read_only = false;
    rt.block_on(async {
        let mut session = crate::db::connect(&spec)
            .await
            .with_context(|| format!("cannot connect to '{}' for writing", tgt.name))?;
        for sql in crate::datasync::sql::session_setup(session.engine()) {
            crate::db::query_all(session.as_mut(), sql).await?;
        }
        let (tx, rx) = mpsc::unbounded_channel::<Progress>();
        let ctl = Control {
            cancel: tokio_util::sync::CancellationToken::new(),
            progress: Some(tx),
        };
        let shown = progress::spawn(rx, quiet);
        let cancel = ctl.cancel.clone();
        let watcher = tokio::spawn(async move {
            if tokio::signal::ctrl_c().await.is_ok() {
                cancel.cancel();
            }
        });
        let result = apply_plan(session.as_mut(), &d.pair.target, plan, batch, &ctl).await;
        watcher.abort();
        drop(ctl);
        let _ = shown.await;
        Ok(result)
    })
}

/// Run `dbn sync data`.
pub fn run(a: Args, ctx: &mut Ctx) -> Result<ExitCode> {
    ctx.json_errors = a.json;
    let strategy: Strategy = a.strategy.parse().map_err(failure)?;
    let rt = super::runtime()?;
    let mut src = open(ctx, &rt, &a.source, true)?;
    let mut tgt = open(ctx, &rt, &a.target, true)?;
    let spec = a.diff_args().spec();
    let d = diff_data::run_diff(&rt, src.session.as_mut(), tgt.session.as_mut(), &spec, a.json)?;
    let plan = plan_sync(&d, &strategy, a.delete_missing).map_err(failure)?;
    let mut out = json!({
        "table": d.table, "source": src.name, "target": tgt.name, "strategy": strategy.to_string(),
        "diff": {"only_in_source": d.diff.only_in_source.len(), "only_in_target": d.diff.only_in_target.len(),
                 "changed": d.diff.changed.len(), "identical": d.diff.equal, "stats": d.stats},
        "plan": render::plan_json(&d, &plan),
        "applied": null,
    });
    if let Some(path) = &a.out {
        std::fs::write(path, serde_json::to_string_pretty(&out)?)
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
    let confirmed_by = clear_target(ctx, &tgt, &a, &strategy, &plan)?;
    drop(src.session);
    let started = Instant::now();
    let result = apply(&rt, &tgt, &d, &plan, a.batch_size as usize, a.json)?;
    let mut entry = audit_entry(&tgt, &a, &strategy);
    entry.confirmed_by = confirmed_by;
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
