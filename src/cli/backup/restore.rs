//! `dbn backup restore`.

use super::common::{audit, ctrl_c_token, fail, load_keys, repo};
use super::create::index_backup;
use super::progress::Display;
use crate::backup::restore::new_database::{self, NewDatabase};
use crate::backup::restore::preview::preview;
use crate::backup::restore::undoable::snapshot_then_apply;
use crate::backup::restore::{RestoreOptions, RestorePlan, plan};
use crate::backup::verify;
use crate::cli::resolve::resolve_saved;
use crate::cli::{Ctx, ExitCode, Failure};
use crate::db::Engine;
use crate::store::audit::AuditEntry;
use crate::store::connections::Tag;
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

/// Read-only and prod targets need a typed confirmation (or `--confirm NAME`).
fn gate(target: &str, tag: Tag, read_only: bool, confirm: Option<&str>, what: &str) -> Result<Option<String>> {
    if !read_only && tag != Tag::Prod {
        return Ok(None);
    }
    match crate::safety::confirm::confirm_typed(target, what, confirm) {
        Ok(c) => Ok(Some(c.how)),
        Err(r) => Err(Failure::new(ExitCode::Blocked, r.code, r.message).into()),
    }
}

/// MariaDB drops triggers for the load: their definitions go to a file
/// first, so a killed restore can be repaired by hand.
fn save_triggers(ctx: &mut Ctx, p: &RestorePlan) -> Result<Option<std::path::PathBuf>> {
    if p.target_engine != Engine::Mysql || p.suspended.is_empty() {
        return Ok(None);
    }
    let dir = ctx.workspace()?.logs_dir();
    std::fs::create_dir_all(&dir)?;
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
    let target = args.into.clone().unwrap_or_else(|| m.connection.clone());
    let (rec, spec) = resolve_saved(ctx, &target)?;
    for t in &args.tables {
        if m.table(t).is_none() {
            return Err(fail(crate::backup::BackupError::UnknownTable(t.clone())));
        }
    }
    let opts = RestoreOptions {
        tables: args.tables.clone(),
        with_dependents: args.with_dependents,
    };
    let guarded = rec.read_only || spec.read_only || rec.tag == Tag::Prod;
    let mut writable = spec.clone();
    writable.read_only = false;
    let (tx, display) = Display::start(args.quiet || args.json);
    let started = std::time::Instant::now();
    // Printed directly (not through the progress thread) so the preview is
    // on screen before a confirmation prompt.
    let say = |line: String| crate::clean_eprintln!("{line}");
    let mut confirmed_by = None;
    let mut created: Option<NewDatabase> = None;
    let result = (|| -> Result<_> {
        let (mut session, p) = if let Some(n) = &args.new_database {
            let what = format!(
                "create database '{n}' on '{target}' and restore {} table(s) into it",
                if args.tables.is_empty() {
                    m.tables.len()
                } else {
                    args.tables.len()
                }
            );
            confirmed_by = gate(&target, rec.tag, guarded, args.confirm.as_deref(), &what)?;
            let db = rt.block_on(new_database::create(&writable, n)).map_err(fail)?;
            let spec = db.spec.clone();
            created = Some(db);
            rt.block_on(async {
                let mut session = crate::db::connect(&spec).await?;
                let p = plan(session.as_mut(), &m, &opts).await.map_err(fail)?;
                anyhow::Ok((session, p))
            })?
        } else {
            // Plan through a session opened as the connection is configured
            // (read-only stays read-only until confirmed).
            let (session, p) = rt.block_on(async {
                let mut session = crate::db::connect(&spec).await?;
                let p = plan(session.as_mut(), &m, &opts).await.map_err(fail)?;
                anyhow::Ok((session, p))
            })?;
            let lines = preview(&p, &target);
            for l in &lines {
                say(l.clone());
            }
            confirmed_by = gate(&target, rec.tag, guarded, args.confirm.as_deref(), &lines.join("\n"))?;
            let session = if guarded {
                drop(session);
                rt.block_on(crate::db::connect(&writable))?
            } else {
                session
            };
            (session, p)
        };
        if args.new_database.is_some() {
            for l in preview(&p, &target) {
                say(l);
            }
        }
        let names: Vec<String> = p.tables.iter().map(|t| t.table.clone()).collect();
        rt.block_on(verify::present(repo.chunks.as_ref(), &m, &names))
            .map_err(fail)?;
        if let Some(path) = save_triggers(ctx, &p)? {
            say(format!(
                "  trigger definitions saved to {} (recreate them from there if this restore is killed)",
                path.display()
            ));
        }
        let out = rt.block_on(async {
            let cancel = ctrl_c_token();
            let replaced = p.replaced();
            if !replaced.is_empty() {
                say(format!("taking pre-restore snapshot of {} table(s)", replaced.len()));
            }
            let (pre, rep) = snapshot_then_apply(session.as_mut(), &repo, &key, &m, &p, &target, &tx, &cancel)
                .await
                .map_err(fail)?;
            anyhow::Ok((p, pre, rep))
        });
        drop(session);
        out
    })();
    drop(tx);
    display.finish();
    // A failed restore into a new database removes the database.
    let failed = match &result {
        Err(_) => true,
        Ok((_, _, rep)) => rep.is_err(),
    };
    if failed && let Some(db) = &created {
        match rt.block_on(db.drop_it()) {
            Ok(()) => say(format!("removed the new database '{}' again", db.name)),
            Err(e) => say(format!("could not remove the new database '{}': {e}", db.name)),
        }
    }
    let (p, pre, rep) = match result {
        Ok(x) => x,
        Err(e) => {
            audit_restore(
                ctx,
                &target,
                &m.id,
                None,
                &format!("error: {e:#}"),
                confirmed_by,
                started,
            );
            return Err(e);
        }
    };
    if let Some(pre) = &pre {
        index_backup(ctx, pre)?;
    }
    let pre_id = pre.as_ref().map(|r| r.manifest.id.clone());
    let rep = match rep {
        Ok(r) => r,
        Err(e) => {
            audit_restore(
                ctx,
                &target,
                &m.id,
                pre_id.as_deref(),
                &format!("error: {e}"),
                confirmed_by,
                started,
            );
            return Err(fail(e));
        }
    };
    audit_restore(ctx, &target, &m.id, pre_id.as_deref(), "ok", confirmed_by, started);
    if args.json {
        crate::clean_println!(
            "{}",
            json!({"backup": m.id, "into": target, "database": args.new_database, "tables": rep.tables, "rows": rep.rows,
                   "deleted": rep.deleted, "pre_restore_backup": pre_id, "plan": p.tables, "dependents": p.dependents,
                   "pre_data": p.pre_data, "post_data": p.post_data, "counters": p.counters,
                   "suspended_triggers": p.suspended, "not_atomic": p.not_atomic})
        );
    } else {
        crate::clean_println!(
            "restored {} table(s), {} rows from backup {} into '{target}'{}",
            rep.tables,
            rep.rows,
            m.id,
            args.new_database
                .as_deref()
                .map(|d| format!(" (database {d})"))
                .unwrap_or_default()
        );
        if let Some(id) = pre_id {
            crate::clean_println!("undo with: dbn backup restore {id} --into {target}");
        }
    }
    Ok(ExitCode::Ok)
}

fn audit_restore(
    ctx: &mut Ctx,
    target: &str,
    backup: &str,
    pre: Option<&str>,
    outcome: &str,
    confirmed_by: Option<String>,
    started: std::time::Instant,
) {
    audit(
        ctx,
        AuditEntry {
            connection: Some(target.to_string()),
            action: "restore".into(),
            duration_ms: Some(started.elapsed().as_millis() as i64),
            outcome: outcome.to_string(),
            confirmed_by,
            detail: Some(json!({"backup": backup, "pre_restore_backup": pre}).to_string()),
            ..Default::default()
        },
    );
}
