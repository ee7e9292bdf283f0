//! `dbn backup list` and `dbn backup show`.

use super::common::{fail, human_bytes, load_keys, repo};
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

/// One backup as listed: read from the repository's manifest (no key
/// needed: a manifest's metadata is plain), with what this workspace knows.
#[derive(Debug, serde::Serialize)]
struct Listed {
    id: String,
    connection: String,
    label: Option<String>,
    engine: String,
    tables: usize,
    rows: u64,
    /// Stored bytes this backup added (when it was made here), else its plaintext size.
    bytes: u64,
    created_at: String,
    manifest: String,
    status: &'static str,
    key_fingerprint: String,
    /// Whether a key in this workspace opens it.
    readable: bool,
}

/// Run `dbn backup list`.
pub fn run_list(args: ListArgs, ctx: &mut Ctx) -> Result<ExitCode> {
    ctx.json_errors = args.json;
    let repo = repo(ctx)?;
    let keys = load_keys(ctx)?;
    let indexed = ctx.store()?.list_backups(args.conn.as_deref())?;
    let mut rows = Vec::new();
    let rt = crate::cli::runtime()?;
    for id in rt.block_on(repo.manifests.ids()).map_err(fail)? {
        // A manifest that does not parse is reported by `show`/`verify`.
        let Ok(m) = rt.block_on(repo.manifests.read(&id)) else {
            continue;
        };
        if args.conn.as_deref().is_some_and(|c| c != m.connection) {
            continue;
        }
        let added = indexed.iter().find(|b| b.id == m.id).map(|b| b.bytes.max(0) as u64);
        rows.push(Listed {
            readable: keys.iter().any(|k| k.fingerprint() == m.key_fingerprint),
            bytes: added.unwrap_or_else(|| m.total_bytes()),
            tables: m.tables.len(),
            rows: m.total_rows(),
            engine: m.engine.as_str().to_string(),
            manifest: format!(".dbnexus/snapshots/manifests/{}.json", m.id),
            status: "ok",
            id: m.id,
            connection: m.connection,
            label: m.label,
            created_at: m.created_at,
            key_fingerprint: m.key_fingerprint,
        });
    }
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
    for b in &rows {
        crate::clean_println!(
            "{:<24} {:<16} {:<8} {:>6} {:>10} {:>10}  {:<20} {}{}",
            b.id,
            b.connection,
            b.engine,
            b.tables,
            b.rows,
            human_bytes(b.bytes),
            b.created_at.get(..19).unwrap_or(&b.created_at).replace('T', " "),
            b.label.clone().unwrap_or_default(),
            if b.readable { "" } else { "  (no key)" }
        );
    }
    let mut missing: Vec<&str> = rows
        .iter()
        .filter(|b| !b.readable)
        .map(|b| b.key_fingerprint.as_str())
        .collect();
    missing.sort();
    missing.dedup();
    if !missing.is_empty() {
        println!();
        println!(
            "backups marked (no key) were made with backup key {}, which this workspace does not have.",
            missing.join(", ")
        );
        println!(
            "To read them, export the key where they were made (`dbn backup key export --out FILE`) and import it here (`dbn backup key import FILE`), or set DBN_BACKUP_KEY."
        );
    }
    Ok(ExitCode::Ok)
}

/// Run `dbn backup show`.
pub fn run_show(args: ShowArgs, ctx: &mut Ctx) -> Result<ExitCode> {
    ctx.json_errors = args.json;
    let repo = repo(ctx)?;
    let keys = load_keys(ctx)?;
    let rt = crate::cli::runtime()?;
    let (m, _key) = rt.block_on(repo.load_with(&args.id, &keys)).map_err(fail)?;
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
