//! `dbn backup create`.

use super::common::{audit, ctrl_c_token, fail, human_bytes, load_key, repo};
use super::progress::Display;
use crate::backup::capture::CaptureReport;
use crate::backup::{CaptureOptions, capture};
use crate::cli::resolve::resolve_saved;
use crate::cli::{Ctx, ExitCode};
use crate::store::audit::AuditEntry;
use crate::store::backups::BackupRecord;
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

/// Index a written backup in the metadata store.
pub fn index_backup(ctx: &mut Ctx, r: &CaptureReport) -> Result<()> {
    let m = &r.manifest;
    ctx.store()?.add_backup(&BackupRecord {
        id: m.id.clone(),
        connection: m.connection.clone(),
        label: m.label.clone(),
        engine: m.engine.as_str().to_string(),
        manifest: format!(".dbnexus/snapshots/manifests/{}.json", m.id),
        status: "ok".into(),
        tables: m.tables.len() as i64,
        rows: m.total_rows() as i64,
        bytes: (r.new_bytes + r.manifest_bytes) as i64,
        created_at: m.created_at.clone(),
    })?;
    Ok(())
}

/// Take a backup of a saved connection, index and audit it.
pub fn create_backup(
    ctx: &mut Ctx,
    conn: &str,
    tables: &[String],
    label: Option<String>,
    quiet: bool,
) -> Result<CaptureReport> {
    let (_rec, mut spec) = resolve_saved(ctx, conn)?;
    spec.read_only = true;
    let key = load_key(ctx, true)?;
    let repo = repo(ctx)?;
    let opts = CaptureOptions {
        connection: conn.to_string(),
        tables: tables.to_vec(),
        label,
    };
    let started = std::time::Instant::now();
    let (tx, display) = Display::start(quiet);
    let rt = crate::cli::runtime()?;
    let result = rt.block_on(async {
        let cancel = ctrl_c_token();
        let mut session = crate::db::connect(&spec).await?;
        capture(session.as_mut(), &repo, &key, &opts, &tx, &cancel)
            .await
            .map_err(fail)
    });
    drop(tx);
    display.finish();
    let outcome = match &result {
        Ok(_) => "ok".to_string(),
        Err(e) => format!("error: {e:#}"),
    };
    audit(
        ctx,
        AuditEntry {
            connection: Some(conn.to_string()),
            action: "backup".into(),
            rows_affected: result.as_ref().ok().map(|r| r.manifest.total_rows() as i64),
            duration_ms: Some(started.elapsed().as_millis() as i64),
            outcome,
            detail: result.as_ref().ok().map(|r| {
                json!({"backup": r.manifest.id, "tables": r.manifest.tables.len(), "new_bytes": r.new_bytes})
                    .to_string()
            }),
            ..Default::default()
        },
    );
    let report = result?;
    index_backup(ctx, &report)?;
    Ok(report)
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
