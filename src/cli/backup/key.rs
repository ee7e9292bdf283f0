//! `dbn backup key export|import|show`: the backup key travels, sealed
//! under a passphrase, so backups can be read on another machine.

use super::common::{KeyImport, fail, import_key, load_keys, primary_key_hex};
use crate::backup::keyfile;
use crate::cli::{Ctx, ExitCode, Failure};
use anyhow::{Context, Result};
use std::io::IsTerminal;
use std::path::PathBuf;
use zeroize::Zeroizing;

/// Environment variable holding the key-file passphrase (for scripts).
pub const ENV_KEY_PASSPHRASE: &str = "DBN_BACKUP_KEY_PASSPHRASE";

/// Arguments of `dbn backup key`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// What to do.
    #[command(subcommand)]
    pub action: Action,
}

/// `dbn backup key` subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum Action {
    /// Write the workspace's backup key, sealed under a passphrase.
    #[command(after_help = "Examples:
  dbn backup key export --out shop-backup.key
  DBN_BACKUP_KEY_PASSPHRASE=... dbn backup key export > shop-backup.key

The passphrase is asked twice on the terminal, or taken from DBN_BACKUP_KEY_PASSPHRASE. Keep the file
and the passphrase apart: together they read every backup made with this key.")]
    Export {
        /// Write here instead of standard output.
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Add a key written by `dbn backup key export` to this workspace.
    #[command(after_help = "Examples:
  dbn backup key import shop-backup.key
  dbn backup key import - < shop-backup.key

A workspace without a key takes it as its own (new backups use it, and share chunks with the
workspace it came from); otherwise it is kept for reading the backups made with it.")]
    Import {
        /// Key file (`-` reads standard input).
        file: PathBuf,
    },
    /// Show the fingerprints of the keys this workspace reads with.
    #[command(after_help = "Examples:
  dbn backup key show
  dbn backup key show --json

The first key is used for new backups; `dbn backup show ID` names the key each backup was made with.")]
    Show {
        /// JSON output.
        #[arg(long)]
        json: bool,
    },
}

/// Run `dbn backup key ...`.
pub fn run(args: Args, ctx: &mut Ctx) -> Result<ExitCode> {
    match args.action {
        Action::Export { out } => export(ctx, out),
        Action::Import { file } => import(ctx, &file),
        Action::Show { json } => show(ctx, json),
    }
}

fn passphrase(twice: bool) -> Result<Zeroizing<String>> {
    if let Ok(p) = std::env::var(ENV_KEY_PASSPHRASE)
        && !p.is_empty()
    {
        return Ok(Zeroizing::new(p));
    }
    if !std::io::stderr().is_terminal() {
        return Err(Failure::usage(format!(
            "the backup key file needs a passphrase: set {ENV_KEY_PASSPHRASE} or run dbn in a terminal to be asked"
        ))
        .into());
    }
    let first = Zeroizing::new(rpassword::prompt_password("passphrase for the backup key file: ")?);
    if first.is_empty() {
        return Err(Failure::usage("an empty passphrase cannot protect the key; nothing was written").into());
    }
    if twice {
        let again = Zeroizing::new(rpassword::prompt_password("repeat the passphrase: ")?);
        if *again != *first {
            return Err(Failure::usage("the passphrases differ; nothing was written").into());
        }
    }
    Ok(first)
}

fn export(ctx: &mut Ctx, out: Option<PathBuf>) -> Result<ExitCode> {
    let Some(hex) = primary_key_hex(ctx)? else {
        return Err(Failure::new(
            ExitCode::Usage,
            "BACKUP_NO_KEY",
            "this workspace has no backup key yet: it gets one with its first `dbn backup create`",
        )
        .into());
    };
    let pass = passphrase(true)?;
    let text = keyfile::seal(&hex, &pass).map_err(fail)?;
    match out {
        Some(path) => {
            crate::fsutil::write_atomic(&path, text.as_bytes())
                .with_context(|| format!("cannot write '{}'", path.display()))?;
            restrict(&path);
            eprintln!("backup key written to '{}'", path.display());
        }
        None => println!("{text}"),
    }
    Ok(ExitCode::Ok)
}

#[cfg(unix)]
fn restrict(path: &std::path::Path) {
    use std::os::unix::fs::PermissionsExt;
    let _ = std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600));
}

#[cfg(not(unix))]
fn restrict(_: &std::path::Path) {}

fn import(ctx: &mut Ctx, file: &std::path::Path) -> Result<ExitCode> {
    let shown = file.display().to_string();
    let text = if shown == "-" {
        std::io::read_to_string(std::io::stdin()).context("cannot read standard input")?
    } else {
        std::fs::read_to_string(file).with_context(|| format!("cannot read '{shown}'"))?
    };
    let f = keyfile::parse(&text, &shown).map_err(fail)?;
    let pass = passphrase(false)?;
    let hex = keyfile::open(&f, &pass, &shown).map_err(fail)?;
    let (key, how) = import_key(ctx, &hex)?;
    match how {
        KeyImport::Primary => println!(
            "imported backup key {}: it is this workspace's key now (new backups use it)",
            key.fingerprint()
        ),
        KeyImport::Extra => println!(
            "imported backup key {}: backups made with it can be read here (new backups keep this workspace's own key)",
            key.fingerprint()
        ),
        KeyImport::Known => println!("this workspace already has backup key {}", key.fingerprint()),
    }
    Ok(ExitCode::Ok)
}

fn show(ctx: &mut Ctx, json: bool) -> Result<ExitCode> {
    let keys = load_keys(ctx)?;
    let fps: Vec<&str> = keys.iter().map(|k| k.fingerprint()).collect();
    if json {
        println!("{}", serde_json::json!({ "keys": fps }));
    } else if fps.is_empty() {
        println!("no backup key yet: the first `dbn backup create` makes one, or `dbn backup key import FILE`");
    } else {
        for (i, f) in fps.iter().enumerate() {
            println!("{f}{}", if i == 0 { "  (used for new backups)" } else { "" });
        }
    }
    Ok(ExitCode::Ok)
}
