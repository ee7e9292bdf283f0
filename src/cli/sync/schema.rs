//! `dbn sync schema --source A --target B [--out FILE] [--apply]`.

use crate::cli::snapshot::source::{self, Ref};
use crate::cli::{Ctx, ExitCode, Failure};
use crate::schema::diff::DiffOptions;
use crate::schema::migrate::{MigrateOptions, parse_rename, plan_with_renames};
use crate::schema::verify::{VerifyError, apply_and_verify};
use crate::store::audit::AuditEntry;
use crate::store::connections::Tag;
use anyhow::{Context, Result};
use serde_json::json;
use std::path::PathBuf;
use std::time::Instant;

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
        std::fs::write(path, &script).with_context(|| format!("cannot write '{}'", path.display()))?;
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
    let what = format!(
        "Apply {} migration statement(s) ({} with hazards) to '{}'",
        p.steps.len(),
        p.hazard_count(),
        record.name
    );
    let mut spec = spec;
    let unlocked = record.read_only && crate::cli::guard::timed_unlock(ctx, &record.name)?.is_some();
    if unlocked {
        spec.read_only = false;
    }
    let checked = confirm(&record.name, record.tag, a.confirm.as_deref(), &what).and_then(|c| {
        if record.read_only && !unlocked {
            return Err(Failure::new(
                ExitCode::Blocked,
                "SAFETY_READ_ONLY",
                format!(
                    "connection '{}' is read-only, so the migration was not applied: grant a timed unlock (`--unlock-minutes` on `dbn query`) or allow writes with `dbn connect edit {} --read-write`, then retry",
                    record.name, record.name
                ),
            )
            .into());
        }
        Ok(c)
    });
    let confirmed_by = match checked {
        Ok(c) => c,
        Err(e) => {
            let jsonl = ctx.audit_jsonl()?;
            let entry = AuditEntry {
                connection: Some(record.name.clone()),
                action: "migration".into(),
                statement: Some(script.clone()),
                verdict: Some("ddl".into()),
                outcome: "refused".into(),
                detail: Some(json!({"reason": format!("{e:#}")}).to_string()),
                ..Default::default()
            };
            ctx.store()?.append_audit(&entry, jsonl.as_deref())?;
            return Err(e);
        }
    };
    let jsonl = ctx.audit_jsonl()?;
    let before = ctx.store()?.save_schema_snapshot(&record.name, &tgt, None)?;
    let started = Instant::now();
    let rt = crate::cli::runtime()?;
    let quiet = a.json;
    let dopts = DiffOptions {
        with_privileges: a.with_privileges,
        detect_renames: false,
    };
    let res = rt.block_on(async {
        let mut session = crate::db::connect(&spec).await?;
        anyhow::Ok(
            apply_and_verify(session.as_mut(), &p, &src, dopts, |i, n, sql| {
                if !quiet {
                    let first = sql.lines().next().unwrap_or("");
                    eprintln!("[{}/{n}] {first}", i + 1);
                }
            })
            .await,
        )
    })?;
    let duration_ms = started.elapsed().as_millis() as i64;
    let mut entry = AuditEntry {
        connection: Some(record.name.clone()),
        action: "migration".into(),
        statement: Some(script.clone()),
        verdict: Some("ddl".into()),
        duration_ms: Some(duration_ms),
        confirmed_by: Some(confirmed_by),
        ..Default::default()
    };
    match res {
        Err(VerifyError::Apply(e)) => {
            entry.outcome = format!("error: {}", e.error);
            entry.detail = Some(
                json!({"source": src_ref.label(), "before_snapshot": before.id, "failed_statement": e.statement, "rolled_back": e.rolled_back})
                    .to_string(),
            );
            ctx.store()?.append_audit(&entry, jsonl.as_deref())?;
            Err(anyhow::Error::new(e.error.clone()).context(e.to_string()))
        }
        Err(e @ VerifyError::Reread { .. }) => {
            entry.outcome = "ok: not verified".into();
            entry.detail = Some(
                json!({"source": src_ref.label(), "before_snapshot": before.id, "reread_error": e.to_string()})
                    .to_string(),
            );
            ctx.store()?.append_audit(&entry, jsonl.as_deref())?;
            Err(anyhow::anyhow!("{e}"))
        }
        Ok(v) => {
            let after_snap = ctx.store()?.save_schema_snapshot(&record.name, &v.after, None)?;
            entry.outcome = if v.verified() {
                "ok".into()
            } else {
                "ok: diff not empty".into()
            };
            entry.detail = Some(
                json!({"source": src_ref.label(), "statements": v.statements, "before_snapshot": before.id, "after_snapshot": after_snap.id, "verified_empty_diff": v.verified(), "not_compared": v.remaining.not_compared})
                    .to_string(),
            );
            ctx.store()?.append_audit(&entry, jsonl.as_deref())?;
            report(
                &a,
                v.statements,
                duration_ms,
                before.id,
                after_snap.id,
                &v.remaining,
                &src_ref.label(),
                &record.name,
            )
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

/// Confirmation through the shared safety helper: `--confirm NAME` equal to
/// the target's name, or the name typed on a terminal. Returns what confirmed.
fn confirm(target: &str, tag: Tag, given: Option<&str>, what: &str) -> Result<String> {
    let prompt = if tag == Tag::Prod {
        format!("'{target}' is a PROD connection. {what}")
    } else {
        what.to_string()
    };
    match crate::safety::confirm::confirm_typed(target, &prompt, given) {
        Ok(c) => Ok(c.how),
        Err(r) => Err(Failure::new(ExitCode::Blocked, r.code, r.message).into()),
    }
}
