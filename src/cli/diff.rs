//! `dbn diff <schema|data>`: compare two databases. `schema` lives in
//! `diff/schema.rs`; data comparison is a sibling subcommand.

mod schema;

use super::{Ctx, ExitCode};
use anyhow::Result;
use clap::Subcommand;

/// Arguments of `dbn diff`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// What to compare.
    #[command(subcommand)]
    pub action: Action,
}

/// `dbn diff` subcommands.
#[derive(Debug, Subcommand)]
pub enum Action {
    /// Compare two schemas: a summary by kind, then a coloured unified diff per object.
    Schema(schema::Args),
    /// Compare a table's rows: a summary (only in source, only in target, changed), then rows with old and new values.
    Data(super::diff_data::Args),
}

/// Run `dbn diff ...`.
pub fn run(args: Args, ctx: &mut Ctx) -> Result<ExitCode> {
    match args.action {
        Action::Schema(a) => schema::run(a, ctx),
        Action::Data(a) => super::diff_data::run(a, ctx),
    }
}
