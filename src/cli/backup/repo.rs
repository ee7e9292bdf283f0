//! `dbn backup repo show|login`: which repository the backup commands use,
//! and credentials for an S3-compatible one kept in the secret store.

use super::common::{repo, repo_location, s3_secret, s3_setting};
use crate::backup::backend::S3Location;
use crate::cli::{Ctx, ExitCode, Failure};
use anyhow::{Context, Result};
use std::io::IsTerminal;

/// Arguments of `dbn backup repo`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// What to do.
    #[command(subcommand)]
    pub action: Action,
}

/// `dbn backup repo` subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum Action {
    /// Print the repository the backup commands use and check it answers.
    #[command(after_help = "Examples:
  dbn backup repo show
  dbn backup --repo s3://backups/shop?endpoint=https://minio.internal:9000 repo show

The repository is --repo URL, else DBN_BACKUP_REPO, else backup.repository in dbnexus.config.json
(\"backup\": {\"repository\": \"s3://bucket/prefix\"}), else .dbnexus/snapshots/.")]
    Show,
    /// Store S3 credentials for the repository's bucket in the secret store.
    #[command(after_help = "Examples:
  AWS_ACCESS_KEY_ID=... AWS_SECRET_ACCESS_KEY=... dbn backup --repo s3://backups/shop repo login
  dbn backup --repo s3://backups/shop repo login        # asks on the terminal

Used when the AWS_* environment variables are not set (e.g. from cron). AWS_* always win.")]
    Login,
}

/// Run `dbn backup repo ...`.
pub fn run(args: Args, ctx: &mut Ctx) -> Result<ExitCode> {
    match args.action {
        Action::Show => show(ctx),
        Action::Login => login(ctx),
    }
}

fn show(ctx: &mut Ctx) -> Result<ExitCode> {
    let r = repo(ctx)?;
    let rt = crate::cli::runtime()?;
    let ids = rt.block_on(r.manifests.ids()).map_err(super::common::fail)?;
    println!("{} ({} backups)", r.describe(), ids.len());
    Ok(ExitCode::Ok)
}

fn login(ctx: &mut Ctx) -> Result<ExitCode> {
    let Some(loc) = repo_location(ctx)?.filter(|l| l.starts_with("s3://")) else {
        return Err(Failure::usage("name an s3:// repository with --repo URL (or configure backup.repository)").into());
    };
    let l = S3Location::parse(&loc).map_err(super::common::fail)?;
    let env = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
    let (id, secret) = match (env("AWS_ACCESS_KEY_ID"), env("AWS_SECRET_ACCESS_KEY")) {
        (Some(i), Some(s)) => (i, zeroize::Zeroizing::new(s)),
        _ if std::io::stderr().is_terminal() => {
            eprint!("access key id for bucket {}: ", l.bucket);
            let mut i = String::new();
            std::io::stdin().read_line(&mut i)?;
            let s = zeroize::Zeroizing::new(rpassword::prompt_password("secret access key: ")?);
            (i.trim().to_string(), s)
        }
        _ => {
            return Err(Failure::usage(
                "set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or run in a terminal to be asked",
            )
            .into());
        }
    };
    let value = zeroize::Zeroizing::new(format!("{id}\n{}", secret.as_str()));
    let backend = ctx
        .secrets()?
        .set(&s3_secret(&l.bucket), &value)
        .context("cannot store the credentials in the secret store")?;
    ctx.secrets_notice();
    ctx.store()?.set_setting(&s3_setting(&l.bucket), backend)?;
    println!(
        "credentials for bucket {} stored in the {backend} secret store",
        l.bucket
    );
    Ok(ExitCode::Ok)
}
