//! `dbn diff schema --source REF --target REF`.

use crate::cli::snapshot::source;
use crate::cli::{Ctx, ExitCode};
use crate::schema::diff::{DiffOptions, diff};
use anyhow::Result;
use serde_json::json;
use std::io::IsTerminal;

/// Arguments of `dbn diff schema`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "REF is a saved connection name (read live), a snapshot id, or NAME@label.
The diff shows what must change in TARGET to make it match SOURCE (what `dbn sync schema` would do).

Examples:
  dbn diff schema --source staging --target prod
  dbn diff schema --source shop --target shop@before-release --json
  dbn diff schema --source 12 --target 15 --detect-renames --no-color

Colours are used on a terminal unless --no-color or NO_COLOR is set."
)]
pub struct Args {
    /// The reference schema (REF).
    #[arg(long, short = 's')]
    pub source: String,
    /// The schema to compare against it (REF).
    #[arg(long, short = 't')]
    pub target: String,
    /// Print the diff as JSON.
    #[arg(long)]
    pub json: bool,
    /// Offer tables and columns with identical definitions as possible renames.
    #[arg(long)]
    pub detect_renames: bool,
    /// Compare privileges too.
    #[arg(long)]
    pub with_privileges: bool,
}

/// Run `dbn diff schema`.
pub fn run(a: Args, ctx: &mut Ctx) -> Result<ExitCode> {
    ctx.json_errors = a.json;
    let src_ref = source::parse(ctx, &a.source)?;
    let tgt_ref = source::parse(ctx, &a.target)?;
    let src = source::load(ctx, &src_ref)?;
    let tgt = source::load(ctx, &tgt_ref)?;
    let d = diff(
        &src,
        &tgt,
        DiffOptions {
            with_privileges: a.with_privileges,
            detect_renames: a.detect_renames,
        },
    );
    if a.json {
        let out = json!({
            "source": src_ref.label(),
            "target": tgt_ref.label(),
            "identical": d.is_identical(),
            "summary": d.summary(),
            "changes": d.changes,
            "renames": d.renames,
            "not_compared": d.not_compared,
            "not_migrated": d.not_migrated,
        });
        println!("{}", serde_json::to_string_pretty(&out)?);
        return Ok(ExitCode::Ok);
    }
    let color = !ctx.no_color && std::io::stdout().is_terminal();
    print!("{}", d.render(&src_ref.label(), &tgt_ref.label(), color));
    Ok(ExitCode::Ok)
}
