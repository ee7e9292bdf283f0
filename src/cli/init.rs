//! `dbn init [DIR]`.

use super::{Ctx, ExitCode};
use crate::store::Store;
use crate::workspace::{InitOutcome, Workspace};
use anyhow::Result;
use std::path::PathBuf;

/// Arguments of `dbn init`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  dbn init            # workspace in the current directory\n  dbn init ~/ops/db   # workspace elsewhere"
)]
pub struct Args {
    /// Directory to create the workspace in (default: current directory).
    pub dir: Option<PathBuf>,
}

/// Create or repair a workspace; never overwrites anything.
pub fn run(args: Args, ctx: &mut Ctx) -> Result<ExitCode> {
    let dir = args.dir.unwrap_or_else(|| ctx.cwd.clone());
    let (ws, outcome) = Workspace::init(&dir)?;
    Store::open(&ws.metadata_db())?.workspace_id()?;
    match outcome {
        InitOutcome::Created => println!("Initialised dbn workspace in {}", ws.root.display()),
        InitOutcome::AlreadyPresent { repaired } if repaired.is_empty() => {
            println!(
                "dbn workspace already present in {} (nothing changed)",
                ws.root.display()
            )
        }
        InitOutcome::AlreadyPresent { repaired } => println!(
            "dbn workspace already present in {}; created missing: {}",
            ws.root.display(),
            repaired.join(", ")
        ),
    }
    ctx.set_workspace(ws);
    Ok(ExitCode::Ok)
}
