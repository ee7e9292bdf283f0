//! `dbn backup list` and `dbn backup show`.

use super::common::{fail, human_bytes, load_key, repo};
use crate::cli::{Ctx, ExitCode};
use anyhow::Result;
use serde_json::json;

/// Arguments of `dbn backup list`.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:\n  dbn backup list\n  dbn backup list --conn shop --json")]
pub struct ListArgs {
    /// Only backups of this connection.
    #[arg(long, short = 'c')]
    pub conn: Option<String>,
    /// JSON output.
    #[arg(long)]
    pub json: bool,
}

/// Arguments of `dbn backup show`.
#[derive(Debug, clap::Args)]
#[command(after_help = "Example:\n  dbn backup show 20261123T101500Z-1a2b --json")]
pub struct ShowArgs {
    /// Backup id (a unique prefix is enough).
    pub id: String,
    /// JSON output.
    #[arg(long)]
    pub json: bool,
}

/// Run `dbn backup list`.
pub fn run_list(args: ListArgs, ctx: &mut Ctx) -> Result<ExitCode> {
    ctx.json_errors = args.json;
    let repo = repo(ctx)?;
    let on_disk = repo.manifests.ids().map_err(fail)?;
    let rows: Vec<_> = ctx
        .store()?
        .list_backups(args.conn.as_deref())?
        .into_iter()
        .filter(|b| on_disk.contains(&b.id))
        .collect();
    if args.json {
        crate::clean_println!("{}", serde_json::to_string_pretty(&rows)?);
        return Ok(ExitCode::Ok);
    }
    if rows.is_empty() {
        crate::clean_println!("no backups yet: take one with `dbn backup create --conn NAME`");
        return Ok(ExitCode::Ok);
    }
    crate::clean_println!(
        "{:<24} {:<16} {:<8} {:>6} {:>10} {:>10}  {:<20} LABEL",
        "ID",
        "CONNECTION",
        "ENGINE",
        "TABLES",
        "ROWS",
        "ADDED",
        "CREATED"
    );
    for b in rows {
        crate::clean_println!(
            "{:<24} {:<16} {:<8} {:>6} {:>10} {:>10}  {:<20} {}",
            b.id,
            b.connection,
            b.engine,
            b.tables,
            b.rows,
            human_bytes(b.bytes.max(0) as u64),
            b.created_at.get(..19).unwrap_or(&b.created_at).replace('T', " "),
            b.label.unwrap_or_default()
        );
    }
    Ok(ExitCode::Ok)
}

/// Run `dbn backup show`.
pub fn run_show(args: ShowArgs, ctx: &mut Ctx) -> Result<ExitCode> {
    ctx.json_errors = args.json;
    let repo = repo(ctx)?;
    let key = load_key(ctx, false)?;
    let m = repo.load(&args.id, &key).map_err(fail)?;
    if args.json {
        let tables: Vec<_> = m
            .tables
            .iter()
            .map(|t| {
                json!({"table": t.qualified(), "rows": t.rows, "bytes": t.bytes, "chunks": t.chunks.len(),
                       "columns": t.columns, "types": t.types, "key": t.key, "hash": t.hash})
            })
            .collect();
        crate::clean_println!(
            "{}",
            serde_json::to_string_pretty(&json!({
                "id": m.id, "connection": m.connection, "engine": m.engine, "server_version": m.server_version,
                "label": m.label, "created_at": m.created_at, "dbn_version": m.dbn_version,
                "format_version": m.format_version, "key_fingerprint": m.key_fingerprint,
                "duration_ms": m.duration_ms, "rows": m.total_rows(), "tables": tables,
            }))?
        );
        return Ok(ExitCode::Ok);
    }
    crate::clean_println!("backup      {}", m.id);
    crate::clean_println!(
        "connection  {} ({}, {})",
        m.connection,
        m.engine.as_str(),
        m.server_version
    );
    if let Some(l) = &m.label {
        crate::clean_println!("label       {l}");
    }
    crate::clean_println!(
        "created     {} by dbn {} (format {})",
        m.created_at,
        m.dbn_version,
        m.format_version
    );
    crate::clean_println!("key         {}", m.key_fingerprint);
    crate::clean_println!(
        "data        {} rows, {} before compression",
        m.total_rows(),
        human_bytes(m.total_bytes())
    );
    println!();
    crate::clean_println!("{:<40} {:>10} {:>8} {:>10}  KEY", "TABLE", "ROWS", "CHUNKS", "SIZE");
    for t in &m.tables {
        crate::clean_println!(
            "{:<40} {:>10} {:>8} {:>10}  {}",
            t.qualified(),
            t.rows,
            t.chunks.len(),
            human_bytes(t.bytes),
            if t.key.is_empty() {
                "(none)".to_string()
            } else {
                t.key.join(", ")
            }
        );
    }
    Ok(ExitCode::Ok)
}
