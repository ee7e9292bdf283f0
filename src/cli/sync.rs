//! `dbn sync <schema|data>`: make one database match another. `schema`
//! lives in `sync/schema.rs`; data sync is a sibling subcommand.

mod schema;

use super::{Ctx, ExitCode};
use anyhow::Result;
use clap::Subcommand;

/// Arguments of `dbn sync`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// What to synchronise.
    #[command(subcommand)]
    pub action: Action,
}

/// `dbn sync` subcommands.
#[derive(Debug, Subcommand)]
pub enum Action {
    /// Write (and optionally apply) the migration that makes TARGET's schema equal SOURCE's.
    Schema(schema::Args),
    /// Copy a table's rows: a preview, or with --apply batched transactions with progress, under the target's safety rules.
    Data(super::sync_data::Args),
}

/// Run `dbn sync ...`.
pub fn run(args: Args, ctx: &mut Ctx) -> Result<ExitCode> {
    match args.action {
        Action::Schema(a) => schema::run(a, ctx),
        Action::Data(a) => super::sync_data::run(a, ctx),
    }
}
