//! `dbn backup ...`: encrypted, deduplicated database snapshots.

pub mod common;
mod create;
mod diff;
pub mod key;
mod list;
mod progress;
mod repo;
pub mod restore;
mod schedule;
mod verify;

use super::{Ctx, ExitCode};
use anyhow::Result;

pub use common::{KEY_SECRET, KEY_SETTING, load_key};

/// Arguments of `dbn backup`.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  dbn backup create --conn shop --label before-migration
  dbn backup list --conn shop
  dbn backup diff 20261123T101500Z-1a2b --live
  dbn backup restore 20261123T101500Z-1a2b --tables orders
  dbn backup schedule add --conn shop --daily 02:30 --keep 7

Backups live in .dbnexus/snapshots/ (chunks/ and manifests/), encrypted with a key kept in the
secret store. Move the key to another machine with `dbn backup key export` / `dbn backup key import`
(or set DBN_BACKUP_KEY, 64 hex characters).")]
pub struct Args {
    /// Repository: a folder or s3://BUCKET/PREFIX[?endpoint=URL&region=R] (default: the config's
    /// backup.repository, DBN_BACKUP_REPO, else .dbnexus/snapshots).
    #[arg(long, global = true, value_name = "URL")]
    pub repo: Option<String>,
    /// What to do.
    #[command(subcommand)]
    pub action: Action,
}

/// `dbn backup` subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum Action {
    /// Take a consistent, encrypted, deduplicated snapshot of a connection.
    Create(create::Args),
    /// List backups.
    List(list::ListArgs),
    /// Show one backup: tables, rows, chunks.
    Show(list::ShowArgs),
    /// Check that every chunk decrypts and matches its hash.
    Verify(verify::VerifyArgs),
    /// Remove a backup and delete chunks no other backup uses.
    Remove(verify::RemoveArgs),
    /// Diff two backups, or a backup and the live database.
    Diff(diff::Args),
    /// Restore a backup (all or some tables), reversibly.
    Restore(restore::Args),
    /// Manage backup schedules.
    Schedule(schedule::Args),
    /// Run the scheduled backups that are due and apply retention.
    RunDue(schedule::RunDueArgs),
    /// Export, import or show the backup key (backups are unreadable without it).
    Key(key::Args),
    /// Show the repository in use, or store its credentials in the secret store.
    Repo(repo::Args),
}

/// Run `dbn backup ...`.
pub fn run(args: Args, ctx: &mut Ctx) -> Result<ExitCode> {
    if args.repo.is_some() {
        ctx.backup_repo = args.repo;
    }
    match args.action {
        Action::Create(a) => create::run(a, ctx),
        Action::List(a) => list::run_list(a, ctx),
        Action::Show(a) => list::run_show(a, ctx),
        Action::Verify(a) => verify::run_verify(a, ctx),
        Action::Remove(a) => verify::run_remove(a, ctx),
        Action::Diff(a) => diff::run(a, ctx),
        Action::Restore(a) => restore::run(a, ctx),
        Action::Schedule(a) => schedule::run(a, ctx),
        Action::RunDue(a) => schedule::run_due(a, ctx),
        Action::Key(a) => key::run(a, ctx),
        Action::Repo(a) => repo::run(a, ctx),
    }
}
