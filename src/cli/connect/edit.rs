//! `dbn connect edit NAME`.

use super::add::{SpecFlags, check_name, parse_tag, spec_from_flags};
use super::password;
use crate::cli::guard::{CliFace, ops_failure};
use crate::cli::resolve::relativize_sqlite;
use crate::cli::{Ctx, ExitCode};
use crate::ops::connection::{SafetyChange, after_edit, check_edit};
use crate::store::connections::{secret_key, ssl_password_key};
use anyhow::Result;

/// Arguments of `dbn connect edit`.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  dbn connect edit shop --tag prod
  dbn connect edit shop --rename shop-eu --host db-eu.internal
  dbn connect edit shop --ssh alice@bastion.example:2222
  dbn connect edit shop --ssh ''            # connect directly again
  dbn connect edit shop --color '#d70000'
  printf '%s' \"$KEY_PASS\" | dbn connect edit shop --sslkey me.key --sslpassword-stdin
  printf '%s' \"$NEW_PW\" | dbn connect edit shop --password-stdin
  dbn connect edit prod --read-write --confirm prod   # lifting read-only (or the prod tag) needs the name

Making a read-only or prod connection writable asks for its name (or --confirm NAME) and is
audited; changing its URL, tag or read-only flag ends the unlocks granted through it.")]
pub struct Args {
    /// Connection to change.
    pub name: String,
    /// New name.
    #[arg(long)]
    pub rename: Option<String>,
    /// Fields to change.
    #[command(flatten)]
    pub spec: SpecFlags,
    /// New tag: prod, stage or dev.
    #[arg(long)]
    pub tag: Option<String>,
    /// New colour.
    #[arg(long)]
    pub color: Option<String>,
    /// Make it read-only.
    #[arg(long, conflicts_with = "read_write")]
    pub read_only: bool,
    /// Make it read-write.
    #[arg(long)]
    pub read_write: bool,
    /// Replace the password, read from stdin.
    #[arg(long)]
    pub password_stdin: bool,
    /// Replace the password, prompted without echo.
    #[arg(long, conflicts_with = "password_stdin")]
    pub password_prompt: bool,
    /// Remove the stored password.
    #[arg(long, conflicts_with_all = ["password_stdin", "password_prompt"])]
    pub clear_password: bool,
    /// Confirm making a read-only or prod connection writable by giving its name.
    #[arg(long, value_name = "NAME")]
    pub confirm: Option<String>,
    /// Replace the passphrase of the encrypted client key (--sslkey), read from stdin.
    #[arg(long, conflicts_with = "password_stdin")]
    pub sslpassword_stdin: bool,
    /// Remove the stored client key passphrase.
    #[arg(long, conflicts_with = "sslpassword_stdin")]
    pub clear_sslpassword: bool,
}

/// Run `dbn connect edit`.
pub fn run(args: Args, ctx: &mut Ctx) -> Result<ExitCode> {
    let old = ctx.store()?.connection(&args.name)?;
    let mut rec = old.clone();
    let touched_spec = args.spec.any();
    let mut new_password = None;
    let mut key_passphrase = None;
    if touched_spec {
        let mut spec = spec_from_flags(&args.spec, Some(old.spec()?))?;
        new_password = spec.password.take();
        key_passphrase = spec.ssl_password.take();
        if args.spec.database.is_some() || args.spec.url.is_some() {
            relativize_sqlite(ctx, &mut spec)?;
        }
        rec.engine = spec.engine;
        rec.url = spec.to_url();
    }
    if let Some(t) = &args.tag {
        rec.tag = parse_tag(t)?;
        if rec.tag == crate::store::connections::Tag::Prod && !args.read_write {
            rec.read_only = true;
        }
    }
    if let Some(c) = &args.color {
        rec.color = super::add::parse_color(c)?;
    }
    if args.read_only {
        rec.read_only = true;
    }
    if args.read_write {
        rec.read_only = false;
    }
    if let Some(n) = &args.rename {
        check_name(n)?;
        rec.name = n.clone();
    }
    if args.password_stdin {
        new_password = Some(password::from_stdin()?);
    } else if args.password_prompt {
        new_password = password::prompt(&rec.name)?;
    }
    let change = SafetyChange {
        tag: (old.tag, rec.tag),
        read_only: (old.read_only, rec.read_only),
        url_changed: rec.url != old.url,
    };
    {
        let old_target = crate::ops::Target::new(old.name.clone(), old.tag, old.read_only, old.spec()?);
        let mut face = CliFace::new(ctx);
        let mut octx = face.context();
        check_edit(&mut octx, &old_target, &change, args.confirm.as_deref()).map_err(ops_failure)?;
    }
    let renamed = rec.name != old.name;
    // Move or replace the secret before the record, so a failure leaves the old state.
    if args.clear_password {
        ctx.secrets()?
            .delete(&secret_key(&old.name), old.secret_backend.as_deref())?;
        rec.secret_backend = None;
    } else if let Some(pw) = new_password.filter(|p| !p.is_empty()) {
        let backend = ctx.secrets()?.set(&secret_key(&rec.name), &pw)?;
        if renamed {
            ctx.secrets()?
                .delete(&secret_key(&old.name), old.secret_backend.as_deref())?;
        }
        rec.secret_backend = Some(backend.to_string());
    } else if renamed && let Some(backend) = old.secret_backend.clone() {
        let secrets = ctx.secrets()?;
        if let Some(pw) = secrets.get(&secret_key(&old.name), Some(&backend))? {
            let b = secrets.set(&secret_key(&rec.name), &pw)?;
            secrets.delete(&secret_key(&old.name), Some(&backend))?;
            rec.secret_backend = Some(b.to_string());
        }
    }
    if args.sslpassword_stdin {
        key_passphrase = Some(password::from_stdin()?).filter(|p| !p.is_empty());
    }
    let key_secret = ssl_password_key(&rec.name);
    if args.clear_sslpassword {
        ctx.secrets()?.delete(&ssl_password_key(&old.name), None)?;
    } else if let Some(pass) = key_passphrase {
        ctx.secrets()?.set(&key_secret, &pass)?;
        if renamed {
            let _ = ctx.secrets()?.delete(&ssl_password_key(&old.name), None);
        }
    } else if renamed && let Ok(Some(pass)) = ctx.secrets()?.get(&ssl_password_key(&old.name), None) {
        ctx.secrets()?.set(&key_secret, &pass)?;
        let _ = ctx.secrets()?.delete(&ssl_password_key(&old.name), None);
    }
    ctx.secrets_notice();
    ctx.store()?.update_connection(&old.name, &rec)?;
    let ended = {
        let mut face = CliFace::new(ctx);
        let octx = face.context();
        after_edit(octx.records, crate::ops::Face::Cli, &old.name, &change).map_err(ops_failure)?
    };
    if ended > 0 {
        eprintln!("dbn: ended {ended} unlock(s) granted through '{}'", old.name);
    }
    println!(
        "Updated connection '{}' ({}, {}, {}): {}",
        rec.name,
        rec.engine,
        rec.tag,
        if rec.read_only { "read-only" } else { "read-write" },
        rec.url
    );
    Ok(ExitCode::Ok)
}
