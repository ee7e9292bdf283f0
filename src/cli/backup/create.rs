//! `dbn backup create`.

use super::common::{ctrl_c_token, human_bytes, load_key, repo};
use super::progress::Display;
use crate::backup::CaptureOptions;
use crate::backup::capture::CaptureReport;
use crate::cli::guard::{CliFace, ops_failure};
use crate::cli::resolve::resolve_saved;
use crate::cli::{Ctx, ExitCode};
use crate::ops::Target;
use crate::ops::backup_create::create_backup as create_backup_op;
use anyhow::Result;
use serde_json::json;

/// Arguments of `dbn backup create`.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  dbn backup create --conn shop
  dbn backup create --conn shop --tables orders,customers --label before-import

The snapshot is one consistent read (Postgres REPEATABLE READ READ ONLY, MariaDB consistent snapshot,
SQLite read transaction) through a read-only session; it never writes to the source.
Ctrl-C stops it and leaves no backup behind (chunks already written are removed by the next `remove` GC).")]
pub struct Args {
    /// Saved connection to back up.
    #[arg(long, short = 'c')]
    pub conn: String,
    /// Only these tables (comma separated, `t` or `schema.t`).
    #[arg(long, value_delimiter = ',')]
    pub tables: Vec<String>,
    /// A label to recognise the backup by.
    #[arg(long)]
    pub label: Option<String>,
    /// JSON output.
    #[arg(long)]
    pub json: bool,
    /// No progress display.
    #[arg(long, short = 'q')]
    pub quiet: bool,
}

/// Take a backup of a saved connection (audited and indexed by the operation).
pub fn create_backup(
    ctx: &mut Ctx,
    conn: &str,
    tables: &[String],
    label: Option<String>,
    quiet: bool,
) -> Result<CaptureReport> {
    let (rec, spec) = resolve_saved(ctx, conn)?;
    let target = Target::new(rec.name.clone(), rec.tag, rec.read_only || spec.read_only, spec);
    let key = load_key(ctx, true)?;
    let repo = repo(ctx)?;
    let opts = CaptureOptions {
        connection: conn.to_string(),
        tables: tables.to_vec(),
        label,
    };
    let (tx, display) = Display::start(quiet);
    let rt = crate::cli::runtime()?;
    let result = {
        let mut face = CliFace::new(ctx);
        rt.block_on(async {
            face.cancel = ctrl_c_token();
            let mut octx = face.context();
            create_backup_op(&mut octx, &target, &repo, &key, &opts, &tx).await
        })
    };
    drop(tx);
    display.finish();
    result.map_err(ops_failure)
}

/// Run `dbn backup create`.
pub fn run(args: Args, ctx: &mut Ctx) -> Result<ExitCode> {
    ctx.json_errors = args.json;
    let r = create_backup(
        ctx,
        &args.conn,
        &args.tables,
        args.label.clone(),
        args.quiet || args.json,
    )?;
    let m = &r.manifest;
    if args.json {
        crate::clean_println!(
            "{}",
            json!({
                "id": m.id, "connection": m.connection, "label": m.label, "tables": m.tables.len(),
                "rows": m.total_rows(), "plain_bytes": m.total_bytes(), "new_chunks": r.new_chunks,
                "reused_chunks": r.reused_chunks, "new_bytes": r.new_bytes, "manifest_bytes": r.manifest_bytes,
                "duration_ms": m.duration_ms,
            })
        );
    } else {
        crate::clean_println!(
            "backup {} of '{}': {} tables, {} rows in {:.1}s; stored {} new ({} new chunks, {} reused) + {} manifest",
            m.id,
            m.connection,
            m.tables.len(),
            m.total_rows(),
            m.duration_ms as f64 / 1000.0,
            human_bytes(r.new_bytes),
            r.new_chunks,
            r.reused_chunks,
            human_bytes(r.manifest_bytes)
        );
    }
    Ok(ExitCode::Ok)
}
