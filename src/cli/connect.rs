//! `dbn connect add|list|show|edit|remove|test`.

mod add;
mod edit;
mod password;
mod show;
mod test;

use super::{Ctx, ExitCode};
use anyhow::Result;
use clap::Subcommand;

/// Arguments of `dbn connect`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// What to do.
    #[command(subcommand)]
    pub action: Action,
}

/// `dbn connect` subcommands.
#[derive(Debug, Subcommand)]
pub enum Action {
    /// Save a connection (its password goes to the secret store).
    Add(add::Args),
    /// List saved connections.
    #[command(alias = "ls")]
    List(show::ListArgs),
    /// Show one connection (never its password).
    Show(show::ShowArgs),
    /// Change a saved connection.
    Edit(edit::Args),
    /// Remove a connection and its stored password.
    #[command(alias = "rm")]
    Remove(show::RemoveArgs),
    /// Connect and report server version, latency and (prod) write capability.
    Test(test::Args),
}

/// Run `dbn connect ...`.
pub fn run(args: Args, ctx: &mut Ctx) -> Result<ExitCode> {
    match args.action {
        Action::Add(a) => add::run(a, ctx),
        Action::List(a) => show::list(a, ctx),
        Action::Show(a) => show::show(a, ctx),
        Action::Edit(a) => edit::run(a, ctx),
        Action::Remove(a) => show::remove(a, ctx),
        Action::Test(a) => test::run(a, ctx),
    }
}
