//! `dbn backup verify` and `dbn backup remove`.

use super::common::{ctrl_c_token, fail, human_bytes, load_keys, repo};
use super::progress::Display;
use crate::backup::{gc, verify};
use crate::cli::{Ctx, ExitCode, Failure};
use anyhow::Result;
use serde_json::json;

/// Arguments of `dbn backup verify`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Example:\n  dbn backup verify 20261123T101500Z-1a2b\n\nExit 0 when every chunk decrypts and matches its hash, 1 otherwise."
)]
pub struct VerifyArgs {
    /// Backup id (a unique prefix is enough).
    pub id: String,
    /// JSON output.
    #[arg(long)]
    pub json: bool,
}

/// Arguments of `dbn backup remove`.
#[derive(Debug, clap::Args)]
#[command(after_help = "Example:\n  dbn backup remove 20261123T101500Z-1a2b")]
pub struct RemoveArgs {
    /// Backup id (a unique prefix is enough).
    pub id: String,
    /// JSON output.
    #[arg(long)]
    pub json: bool,
}

/// Run `dbn backup verify`.
pub fn run_verify(args: VerifyArgs, ctx: &mut Ctx) -> Result<ExitCode> {
    ctx.json_errors = args.json;
    let repo = repo(ctx)?;
    let keys = load_keys(ctx)?;
    let rt = crate::cli::runtime()?;
    let (m, key) = rt.block_on(repo.load_with(&args.id, &keys)).map_err(fail)?;
    let (tx, display) = Display::start(args.json);
    let rep = rt.block_on(async {
        let cancel = ctrl_c_token();
        verify::verify(repo.chunks.as_ref(), &key, &m, None, &tx, &cancel).await
    });
    drop(tx);
    display.finish();
    let rep = rep.map_err(fail)?;
    if args.json {
        crate::clean_println!(
            "{}",
            json!({"id": m.id, "ok": rep.problems.is_empty(), "chunks": rep.chunks, "rows": rep.rows, "problems": rep.problems})
        );
    } else if rep.problems.is_empty() {
        crate::clean_println!(
            "backup {} is intact: {} chunks, {} rows verified",
            m.id,
            rep.chunks,
            rep.rows
        );
    }
    if rep.problems.is_empty() {
        return Ok(ExitCode::Ok);
    }
    if !args.json {
        for p in &rep.problems {
            crate::clean_eprintln!("problem: {p}");
        }
    }
    Err(Failure::new(
        ExitCode::QueryError,
        "BACKUP_CORRUPT",
        format!(
            "backup {} failed verification: {} problem(s), first: {}",
            m.id,
            rep.problems.len(),
            rep.problems[0]
        ),
    )
    .into())
}

/// Remove a backup's manifest and index entry, then collect garbage.
pub fn remove_backup(ctx: &mut Ctx, written: &str) -> Result<(String, gc::GcReport)> {
    let repo = repo(ctx)?;
    let rt = crate::cli::runtime()?;
    let id = rt.block_on(repo.manifests.resolve(written)).map_err(fail)?;
    rt.block_on(repo.manifests.remove(&id)).map_err(fail)?;
    ctx.store()?.remove_backup(&id)?;
    let g = rt.block_on(gc::collect(&repo)).map_err(fail)?;
    if g.deferred {
        eprintln!(
            "notice: a backup is being written into {}; unreferenced chunks are kept until the next remove",
            repo.describe()
        );
    }
    Ok((id, g))
}

/// Run `dbn backup remove`.
pub fn run_remove(args: RemoveArgs, ctx: &mut Ctx) -> Result<ExitCode> {
    ctx.json_errors = args.json;
    let (id, g) = remove_backup(ctx, &args.id)?;
    if args.json {
        crate::clean_println!(
            "{}",
            json!({"removed": id, "chunks_deleted": g.chunks, "bytes_freed": g.bytes, "chunks_kept": g.kept})
        );
    } else {
        crate::clean_println!(
            "removed backup {id}; deleted {} unreferenced chunks ({}), {} chunks still used by other backups",
            g.chunks,
            human_bytes(g.bytes),
            g.kept
        );
    }
    Ok(ExitCode::Ok)
}
