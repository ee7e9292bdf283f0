//! `dbn backup restore`.

use super::common::{ctrl_c_token, fail, load_keys, repo};
use super::progress::Display;
use crate::backup::restore::preview::preview;
use crate::backup::restore::{RestoreOptions, RestorePlan, plan};
use crate::cli::guard::{CliFace, ops_failure};
use crate::cli::resolve::resolve_saved;
use crate::cli::{Ctx, ExitCode};
use crate::db::Engine;
use crate::ops::gate::Confirmed;
use crate::ops::restore::{RestoreRequest, restore_backup};
use crate::ops::{OpsError, Target};
use crate::store::audit::AuditEntry;
use anyhow::Result;
use serde_json::json;

/// Arguments of `dbn backup restore`.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  dbn backup restore 20261123T101500Z-1a2b
  dbn backup restore 20261123T101500Z-1a2b --tables orders,order_items
  dbn backup restore 20261123T101500Z-1a2b --into scratch --new-database shop_copy
  dbn backup restore 20261123T101500Z-1a2b --into prod-db --confirm prod-db

Before replacing anything the restore takes a pre-restore snapshot of the tables it replaces and prints
its id: restoring that snapshot undoes the restore. Nothing outside the restored tables changes: no
trigger, cascade or foreign key action fires while the rows load (Postgres: session_replication_role =
replica inside the restore transaction). Tables outside the set whose foreign keys reference it are named
and the restore is refused, unless --with-dependents adds them. All tables are restored in one
transaction, schema (keys, indexes, views, triggers, sequences...) included; a failed --new-database
restore removes the database. MariaDB commits DDL: what it creates is created first and dropped again on
failure, and triggers on the restored tables are dropped for the load and recreated (the plan says so
before starting). Missing chunks, a wrong key or a newer manifest are reported before anything changes;
damaged chunks are found while loading and roll the restore back.
Read-only and prod targets need --confirm with the target connection's name (exit 4 otherwise).
Cross-engine restores (e.g. a Postgres backup into SQLite with --into LITE --new-database copy.db) create
the tables with the nearest target type per column: integers, floats, exact numerics, text, bytes,
booleans, dates, times, timestamps (zoned ones in UTC on MariaDB), JSON and UUIDs map across; arrays and
intervals become text outside Postgres. Only the data and primary keys are recreated there.")]
pub struct Args {
    /// Backup id (a unique prefix is enough).
    pub id: String,
    /// Only these tables (`--tables a b`, `--tables a,b` or repeated).
    #[arg(long, value_delimiter = ',', num_args = 1..)]
    pub tables: Vec<String>,
    /// Restore into this saved connection (default: the one backed up).
    #[arg(long)]
    pub into: Option<String>,
    /// Also restore the tables that reference the restored ones (otherwise such a restore is refused).
    #[arg(long)]
    pub with_dependents: bool,
    /// Create this database on the target server (SQLite: this file) and restore into it.
    #[arg(long, value_name = "NAME")]
    pub new_database: Option<String>,
    /// Confirm a restore into a read-only or prod connection by typing its name.
    #[arg(long, value_name = "NAME")]
    pub confirm: Option<String>,
    /// JSON output.
    #[arg(long)]
    pub json: bool,
    /// No progress display.
    #[arg(long, short = 'q')]
    pub quiet: bool,
}

/// The one rule for the target: the unlock of a read-only target and, for
/// a prod or read-only one, the restore's own typed name (or `--confirm
/// NAME`). A refusal is audited and exits 4.
fn authorize(
    ctx: &mut Ctx,
    target: &Target,
    what: &str,
    confirm: Option<&str>,
    refused: AuditEntry,
) -> Result<Confirmed> {
    let grants = crate::ops::gate::grants_from_flags(confirm, false, false, None, false);
    let mut face = CliFace::new(ctx);
    let mut octx = face.context();
    let kind = crate::ops::gate::OperationKind::Restore;
    crate::ops::gate::authorize_operation(&mut octx, target, kind, what, refused, grants).map_err(ops_failure)
}

/// MariaDB drops triggers for the load: their definitions go to a file
/// first, so a killed restore can be repaired by hand.
fn save_triggers(dir: &std::path::Path, p: &RestorePlan) -> std::io::Result<Option<std::path::PathBuf>> {
    if p.target_engine != Engine::Mysql || p.suspended.is_empty() {
        return Ok(None);
    }
    std::fs::create_dir_all(dir)?;
    let path = dir.join(format!("restore-{}-triggers.sql", p.backup));
    let body: Vec<String> = p.suspended.iter().map(|s| format!("{};\n", s.resume)).collect();
    crate::fsutil::write_atomic(&path, body.concat().as_bytes())?;
    Ok(Some(path))
}

/// Run `dbn backup restore`.
pub fn run(args: Args, ctx: &mut Ctx) -> Result<ExitCode> {
    ctx.json_errors = args.json;
    let repo = repo(ctx)?;
    let keys = load_keys(ctx)?;
    let rt = crate::cli::runtime()?;
    let (m, key) = rt.block_on(repo.load_with(&args.id, &keys)).map_err(fail)?;
    let into = args.into.clone().unwrap_or_else(|| m.connection.clone());
    let (rec, spec) = resolve_saved(ctx, &into)?;
    let target = Target::new(rec.name.clone(), rec.tag, rec.read_only || spec.read_only, spec);
    for t in &args.tables {
        if m.table(t).is_none() {
            return Err(fail(crate::backup::BackupError::UnknownTable(t.clone())));
        }
    }
    let req = RestoreRequest {
        repo: &repo,
        key: &key,
        manifest: &m,
        options: RestoreOptions {
            tables: args.tables.clone(),
            with_dependents: args.with_dependents,
        },
        new_database: args.new_database.clone(),
    };
    // Printed directly (not through the progress thread) so the preview is
    // on screen before a confirmation prompt.
    let say = |line: String| crate::clean_eprintln!("{line}");
    let what = match &args.new_database {
        Some(n) => format!(
            "create database '{n}' on '{}' and restore {} table(s) into it",
            target.name,
            if args.tables.is_empty() {
                m.tables.len()
            } else {
                args.tables.len()
            }
        ),
        None => {
            // Plan through a session opened as the connection is configured
            // (read-only stays read-only until confirmed): the preview.
            let p = rt.block_on(async {
                let mut session = crate::db::connect(&target.spec).await?;
                plan(session.as_mut(), &m, &req.options).await.map_err(fail)
            })?;
            let lines = preview(&p, &target.name);
            for l in &lines {
                say(l.clone());
            }
            lines.join("\n")
        }
    };
    let refused = AuditEntry {
        connection: Some(target.name.clone()),
        action: crate::ops::restore::ACTION.into(),
        statement: Some(req.command(&target.name)),
        ..Default::default()
    };
    let confirmed = authorize(ctx, &target, &what, args.confirm.as_deref(), refused)?;
    let logs = ctx.workspace()?.logs_dir();
    let (tx, display) = Display::start(args.quiet || args.json);
    let new_db = args.new_database.is_some();
    let name = target.name.clone();
    let mut on_plan = move |p: &RestorePlan| -> Result<(), OpsError> {
        if new_db {
            for l in preview(p, &name) {
                say(l);
            }
        }
        let saved = save_triggers(&logs, p).map_err(|e| {
            OpsError::Backup(crate::backup::BackupError::Io {
                action: "save the trigger definitions in",
                path: logs.display().to_string(),
                source: e,
            })
        })?;
        if let Some(path) = saved {
            say(format!(
                "  trigger definitions saved to {} (recreate them from there if this restore is killed)",
                path.display()
            ));
        }
        if !p.replaced().is_empty() {
            say(format!(
                "taking pre-restore snapshot of {} table(s)",
                p.replaced().len()
            ));
        }
        Ok(())
    };
    let ran = {
        let mut face = CliFace::new(ctx);
        rt.block_on(async {
            face.cancel = ctrl_c_token();
            let mut octx = face.context();
            restore_backup(&mut octx, &target, &confirmed, &req, &tx, &mut on_plan).await
        })
    };
    drop(tx);
    display.finish();
    let index_warning = match &ran {
        Ok(r) => r.index_warning.as_ref(),
        Err(f) => f.index_warning.as_ref(),
    };
    if let Some(w) = index_warning {
        eprintln!("warning: {}", crate::sanitize::sanitize(w));
    }
    let r = match ran {
        Ok(r) => r,
        Err(f) => {
            match (&args.new_database, &f.removed) {
                (Some(db), Some(Ok(()))) => say(format!("removed the new database '{db}' again")),
                (Some(db), Some(Err(e))) => say(format!("could not remove the new database '{db}': {e}")),
                _ => {}
            }
            return Err(ops_failure(f.error));
        }
    };
    let (p, rep) = (&r.plan, &r.report);
    let pre_id = r.pre.as_ref().map(|x| x.manifest.id.clone());
    if args.json {
        crate::clean_println!(
            "{}",
            json!({"backup": m.id, "into": target.name, "database": args.new_database, "tables": rep.tables, "rows": rep.rows,
                   "deleted": rep.deleted, "pre_restore_backup": pre_id, "plan": p.tables, "dependents": p.dependents,
                   "pre_data": p.pre_data, "post_data": p.post_data, "counters": p.counters,
                   "suspended_triggers": p.suspended, "not_atomic": p.not_atomic, "audit_id": r.audit_id})
        );
    } else {
        crate::clean_println!(
            "restored {} table(s), {} rows from backup {} into '{}'{}",
            rep.tables,
            rep.rows,
            m.id,
            target.name,
            args.new_database
                .as_deref()
                .map(|d| format!(" (database {d})"))
                .unwrap_or_default()
        );
        if let Some(id) = pre_id {
            crate::clean_println!("undo with: dbn backup restore {id} --into {}", target.name);
        }
    }
    Ok(ExitCode::Ok)
}
