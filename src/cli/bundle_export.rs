//! `dbn export [--out FILE] [--with-secrets]`: write a workspace bundle.

use super::bundle_import::failure;
use crate::bundle::{self, Body};
use crate::cli::{Ctx, ExitCode};
use crate::store::connections::secret_key;
use anyhow::{Context, Result};
use std::collections::BTreeMap;
use std::path::PathBuf;
use zeroize::Zeroizing;

/// Arguments of `dbn export`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Writes connections (without passwords unless --with-secrets), folders, saved queries, \
sync job definitions, backup schedules and the workspace's keymap/theme overrides as one JSON bundle \
(format \"dbn-bundle\", version 1, with a blake3 checksum of its content).

Examples:
  dbn export --out team.dbnbundle
  dbn export > team.dbnbundle
  DBN_BUNDLE_PASSPHRASE=... dbn export --with-secrets --out team.dbnbundle
  dbn import team.dbnbundle --dry-run"
)]
pub struct Args {
    /// Write the bundle to FILE (replacing it) instead of standard output.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Include connection passwords, encrypted with a passphrase asked for twice (or DBN_BUNDLE_PASSPHRASE).
    #[arg(long)]
    pub with_secrets: bool,
}

/// Run `dbn export`.
pub fn run(args: Args, ctx: &mut Ctx) -> Result<ExitCode> {
    let data_dir = ctx.workspace()?.data_dir();
    let records = ctx.store()?.list_connections()?;
    let mut body = bundle::collect(ctx.store()?, &data_dir).map_err(failure)?;
    if args.with_secrets {
        add_secrets(ctx, &mut body, &records)?;
    }
    let text = bundle::encode(&body).map_err(failure)?;
    match &args.out {
        Some(path) => {
            crate::fsutil::write_atomic(path, text.as_bytes())
                .with_context(|| format!("cannot write the bundle to '{}'", path.display()))?;
            eprintln!("Exported {} to '{}'.", summary(&body), path.display());
        }
        None => {
            use std::io::Write;
            let mut out = std::io::stdout().lock();
            match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
                Ok(()) => {}
                // A closed pipe (`dbn export | head`) is a normal end.
                Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {}
                Err(e) => return Err(e).context("cannot write the bundle to standard output"),
            }
        }
    }
    Ok(ExitCode::Ok)
}

fn add_secrets(ctx: &mut Ctx, body: &mut Body, records: &[crate::store::connections::ConnectionRecord]) -> Result<()> {
    let with_pw: Vec<_> = records.iter().filter(|r| r.secret_backend.is_some()).collect();
    let backup_key = crate::cli::backup::common::primary_key_hex(ctx)?;
    if with_pw.is_empty() && backup_key.is_none() {
        eprintln!(
            "notice: no connection has a stored password and there is no backup key; the bundle holds no secrets"
        );
        return Ok(());
    }
    // Ask for the bundle passphrase before anything else, so a mismatch costs nothing.
    let pass = bundle::export_passphrase().map_err(failure)?;
    let mut map: BTreeMap<String, Zeroizing<String>> = BTreeMap::new();
    for r in with_pw {
        let got = ctx
            .secrets()?
            .get(&secret_key(&r.name), r.secret_backend.as_deref())
            .with_context(|| format!("cannot read the password of connection '{}'", r.name))?;
        match got {
            Some(pw) => {
                map.insert(r.name.clone(), Zeroizing::new(pw));
            }
            None => {
                eprintln!(
                    "notice: connection '{}' records a password but the secret store has none; exported without it",
                    r.name
                );
                if let Some(c) = body.connections.iter_mut().find(|c| c.name == r.name) {
                    c.has_password = false;
                }
            }
        }
    }
    if let Some(hex) = backup_key {
        // The backup key travels with the passwords, so backups made here
        // can be read where the bundle is imported.
        map.insert(bundle::BACKUP_KEY_ENTRY.to_string(), hex);
    }
    ctx.secrets_notice();
    if !map.is_empty() {
        body.secrets = Some(bundle::seal_secrets(&map, &pass).map_err(failure)?);
    }
    Ok(())
}

fn summary(b: &Body) -> String {
    let pw = if b.secrets.is_some() {
        format!(
            " ({} with encrypted passwords)",
            b.connections.iter().filter(|c| c.has_password).count()
        )
    } else {
        String::new()
    };
    format!(
        "{} connections{pw}, {} folders, {} saved queries, {} sync jobs, {} backup schedules, {} overrides",
        b.connections.len(),
        b.folders.len(),
        b.saved_queries.len(),
        b.sync_jobs.len(),
        b.backup_schedules.len(),
        b.overrides.len()
    )
}
