//! `dbn sync schema --source A --target B [--out FILE] [--apply]`.

use crate::cli::guard::{CliFace, ops_failure};
use crate::cli::snapshot::source::{self, Ref};
use crate::cli::{Ctx, ExitCode, Failure};
use crate::schema::migrate::{MigrateOptions, parse_rename, plan_with_renames};
use anyhow::{Context, Result};
use serde_json::json;
use std::path::PathBuf;

/// Arguments of `dbn sync schema`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "SOURCE is a connection name, snapshot id or NAME@label; TARGET must be a saved connection.
Without --apply the migration SQL is printed (or written with --out) and nothing is changed.

Examples:
  dbn sync schema --source staging --target dev --out migrate.sql
  dbn sync schema --source shop@v2 --target shop --apply
  dbn sync schema --source staging --target prod --apply --online --confirm prod"
)]
pub struct Args {
    /// The schema to copy (REF).
    #[arg(long, short = 's')]
    pub source: String,
    /// The connection to change.
    #[arg(long, short = 't')]
    pub target: String,
    /// Write the migration SQL to FILE.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Run the migration on TARGET after showing it and asking for confirmation.
    #[arg(long)]
    pub apply: bool,
    /// Postgres: build indexes with CREATE INDEX CONCURRENTLY after the transaction.
    #[arg(long)]
    pub online: bool,
    /// Confirm without a prompt by repeating the target connection name.
    #[arg(long, value_name = "NAME")]
    pub confirm: Option<String>,
    /// Also reconcile privileges.
    #[arg(long)]
    pub with_privileges: bool,
    /// Rename instead of drop+create, keeping the data (repeatable):
    /// `TABLE=NEW`, `TABLE.COLUMN=NEW` (Postgres: `SCHEMA.TABLE=NEW`,
    /// `SCHEMA.TABLE.COLUMN=NEW`). Candidates: `dbn diff schema --detect-renames`.
    #[arg(long, value_name = "OLD=NEW")]
    pub rename: Vec<String>,
    /// Print the plan (and the apply outcome) as JSON.
    #[arg(long)]
    pub json: bool,
}

/// Run `dbn sync schema`.
pub fn run(a: Args, ctx: &mut Ctx) -> Result<ExitCode> {
    ctx.json_errors = a.json;
    let src_ref = source::parse(ctx, &a.source)?;
    let tgt_ref = source::parse(ctx, &a.target)?;
    if a.apply && !matches!(tgt_ref, Ref::Live { .. }) {
        return Err(Failure::usage(format!(
            "--target '{}' is a snapshot: only a saved connection can be migrated",
            a.target
        ))
        .into());
    }
    let src = source::load(ctx, &src_ref)?;
    let tgt = source::load(ctx, &tgt_ref)?;
    let opts = MigrateOptions {
        online: a.online,
        with_privileges: a.with_privileges,
    };
    let mut renames = Vec::new();
    for r in &a.rename {
        renames.push(parse_rename(tgt.engine, r).ok_or_else(|| {
            Failure::usage(format!(
                "--rename '{r}' is not OLD=NEW: use TABLE=NEW or TABLE.COLUMN=NEW (on Postgres SCHEMA.TABLE=NEW or SCHEMA.TABLE.COLUMN=NEW)"
            ))
        })?);
    }
    let p = plan_with_renames(&src, &tgt, opts, &renames)?;
    let header = format!(
        "dbn schema migration: make {} match {}\n{} statement(s), {} with hazards. Generated {}.",
        tgt_ref.label(),
        src_ref.label(),
        p.steps.len(),
        p.hazard_count(),
        crate::store::now()
    );
    let script = p.render(&header);
    if let Some(path) = &a.out {
        crate::fsutil::write_atomic(path, script.as_bytes())
            .with_context(|| format!("cannot write '{}'", path.display()))?;
        if !a.json {
            eprintln!("Wrote the migration to {}.", path.display());
        }
    }
    if !a.apply {
        if a.json {
            println!(
                "{}",
                json!({"source": src_ref.label(), "target": tgt_ref.label(), "empty": p.is_empty(), "steps": p.steps})
            );
        } else if a.out.is_none() {
            print!("{script}");
        }
        return Ok(ExitCode::Ok);
    }
    let Ref::Live { record, spec } = tgt_ref else {
        return Ok(ExitCode::Usage);
    };
    if p.is_empty() {
        println!(
            "Nothing to apply: '{}' already matches {}.",
            record.name,
            src_ref.label()
        );
        return Ok(ExitCode::Ok);
    }
    if !a.json {
        eprint!("{script}");
    }
    let target = crate::ops::Target::new(record.name.clone(), record.tag, record.read_only, *spec);
    let migration = crate::ops::migration::Migration {
        plan: p,
        script,
        goal: src,
        goal_label: src_ref.label(),
        before: Some(tgt),
        with_privileges: a.with_privileges,
    };
    let grants = crate::ops::gate::grants_from_flags(a.confirm.as_deref(), false, false, None, false);
    let rt = crate::cli::runtime()?;
    let quiet = a.json;
    let mut face = CliFace::new(ctx).with_progress(StatementLines { quiet });
    let mut octx = face.context();
    let confirmed = crate::ops::migration::authorize(&mut octx, &target, &migration, grants).map_err(ops_failure)?;
    let applied = rt
        .block_on(crate::ops::migration::apply(&mut octx, &target, &confirmed, &migration))
        .map_err(ops_failure)?;
    report(
        &a,
        applied.statements,
        applied.duration_ms,
        applied.before_snapshot.unwrap_or_default(),
        applied.after_snapshot.unwrap_or_default(),
        &applied.remaining,
        &migration.goal_label,
        &target.name,
    )
}

/// `[i/n] first line` on stderr before each migration statement.
struct StatementLines {
    quiet: bool,
}

impl crate::ops::ProgressSink for StatementLines {
    fn progress(&mut self, p: crate::ops::Progress) {
        if let crate::ops::Progress::Statement { index, total, line } = p
            && !self.quiet
        {
            eprintln!("[{}/{total}] {}", index + 1, crate::sanitize::sanitize(&line));
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn report(
    a: &Args,
    n: usize,
    ms: i64,
    before: i64,
    after: i64,
    remaining: &crate::schema::diff::SchemaDiff,
    src: &str,
    target: &str,
) -> Result<ExitCode> {
    if a.json {
        println!(
            "{}",
            json!({"applied": n, "duration_ms": ms, "before_snapshot": before, "after_snapshot": after, "verified_empty_diff": remaining.is_identical(), "remaining": remaining.changes, "not_compared": remaining.not_compared, "not_migrated": remaining.not_migrated})
        );
    } else {
        println!("Applied {n} statement(s) to '{target}' in {ms} ms (snapshots: before {before}, after {after}).");
        println!("{}", crate::schema::verify::verdict(remaining, target, src));
        if !remaining.is_empty() {
            print!("{}", remaining.render(src, target, false));
        }
    }
    Ok(if remaining.is_identical() {
        ExitCode::Ok
    } else {
        ExitCode::QueryError
    })
}
