//! `dbn connect add NAME`.

use super::password;
use crate::cli::resolve::relativize_sqlite;
use crate::cli::{Ctx, ExitCode, Failure};
use crate::db::{ConnSpec, Engine, SslMode};
use crate::store::connections::{ConnectionRecord, Tag, secret_key};
use anyhow::Result;
use std::path::PathBuf;

/// Connection fields shared by `add` and `edit`.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct SpecFlags {
    /// Connection URL: postgres://, postgresql://, mysql://, mariadb://, sqlite:///abs/path or sqlite:rel/path.
    #[arg(long)]
    pub url: Option<String>,
    /// Engine when not using --url: postgres, mysql, mariadb, sqlite.
    #[arg(long)]
    pub engine: Option<String>,
    /// Server host (or Postgres socket directory).
    #[arg(long)]
    pub host: Option<String>,
    /// Server port.
    #[arg(long)]
    pub port: Option<u16>,
    /// Login user.
    #[arg(long)]
    pub user: Option<String>,
    /// Database name (SQLite: the file path).
    #[arg(long)]
    pub database: Option<String>,
    /// TLS mode: disable, prefer, require, verify-full.
    #[arg(long)]
    pub sslmode: Option<String>,
    /// CA certificate file (PEM) to verify the server with.
    #[arg(long)]
    pub sslrootcert: Option<PathBuf>,
}

/// Arguments of `dbn connect add`.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  dbn connect add shop --url postgres://app@db.internal:5432/shop --tag prod
  printf '%s' \"$PW\" | dbn connect add shop --url postgres://app@db/shop --password-stdin
  dbn connect add local --url sqlite:./data/app.db
  dbn connect add legacy --engine mariadb --host 10.0.0.5 --user report --database crm --tag stage")]
pub struct Args {
    /// Unique connection name.
    pub name: String,
    /// Connection fields.
    #[command(flatten)]
    pub spec: SpecFlags,
    /// Environment tag: prod, stage or dev (prod is read-only by default).
    #[arg(long, default_value = "dev")]
    pub tag: String,
    /// Colour for the UI (name or #rrggbb).
    #[arg(long)]
    pub color: Option<String>,
    /// Open sessions read-only (default for prod).
    #[arg(long, conflicts_with = "read_write")]
    pub read_only: bool,
    /// Allow writes without an unlock (default for stage and dev).
    #[arg(long)]
    pub read_write: bool,
    /// Read the password from stdin instead of prompting.
    #[arg(long)]
    pub password_stdin: bool,
    /// Do not ask for a password (trust, peer or pgpass authentication).
    #[arg(long, conflicts_with = "password_stdin")]
    pub no_password: bool,
}

/// Build a spec from flags (URL first, then individual fields on top).
pub fn spec_from_flags(f: &SpecFlags, base: Option<ConnSpec>) -> Result<ConnSpec> {
    let mut spec = match (&f.url, base, &f.engine) {
        (Some(url), _, _) => ConnSpec::parse_url(url)?,
        (None, Some(b), None) => b,
        (None, _, Some(e)) => ConnSpec::new(Engine::parse(e)?),
        (None, None, None) => {
            return Err(Failure::usage("give --url URL or --engine with --host/--port/--user/--database").into());
        }
    };
    if let Some(e) = &f.engine {
        let engine = Engine::parse(e)?;
        if f.url.is_some() && engine != spec.engine {
            return Err(Failure::usage(format!(
                "--engine {e} contradicts the URL's scheme ({}); drop one of them",
                spec.engine
            ))
            .into());
        }
        spec.engine = engine;
    }
    if let Some(h) = &f.host {
        spec.host = Some(h.clone());
    }
    if let Some(p) = f.port {
        spec.port = Some(p);
    }
    if let Some(u) = &f.user {
        spec.user = Some(u.clone());
    }
    if let Some(d) = &f.database {
        spec.database = Some(d.clone());
    }
    if let Some(m) = &f.sslmode {
        spec.sslmode = SslMode::parse(m)?;
    }
    if let Some(ca) = &f.sslrootcert {
        spec.ssl_root_cert = Some(ca.clone());
    }
    if spec.engine == Engine::Sqlite && spec.database.as_deref().unwrap_or("").is_empty() {
        return Err(Failure::usage(
            "a SQLite connection needs a file path: --url sqlite:path/to/file.db or --database PATH",
        )
        .into());
    }
    Ok(spec)
}

/// Parse `--tag`.
pub fn parse_tag(s: &str) -> Result<Tag> {
    Tag::parse(s).ok_or_else(|| Failure::usage(format!("unknown tag '{s}': use prod, stage or dev")).into())
}

/// Validate a connection name: printable, no slashes, not empty.
pub fn check_name(name: &str) -> Result<()> {
    if name.is_empty() || name.len() > 64 || name.contains(['/', '@', ' ']) || name.chars().any(char::is_control) {
        return Err(Failure::usage(format!(
            "invalid connection name '{name}': use 1-64 characters without spaces, '/' or '@'"
        ))
        .into());
    }
    Ok(())
}

/// Run `dbn connect add`.
pub fn run(args: Args, ctx: &mut Ctx) -> Result<ExitCode> {
    check_name(&args.name)?;
    let tag = parse_tag(&args.tag)?;
    let mut spec = spec_from_flags(&args.spec, None)?;
    let url_password = spec.password.take();
    relativize_sqlite(ctx, &mut spec)?;
    let read_only = if args.read_write {
        false
    } else {
        args.read_only || tag == Tag::Prod
    };
    let password = if spec.engine == Engine::Sqlite || args.no_password {
        None
    } else if args.password_stdin {
        Some(password::from_stdin()?).filter(|p| !p.is_empty())
    } else if url_password.is_some() {
        url_password.clone()
    } else {
        password::prompt(&args.name)?
    };
    let mut rec = ConnectionRecord {
        name: args.name.clone(),
        engine: spec.engine,
        url: spec.to_url(),
        tag,
        color: args.color.clone(),
        read_only,
        secret_backend: None,
        created_at: String::new(),
        updated_at: String::new(),
    };
    ctx.store()?.add_connection(&rec)?;
    if let Some(pw) = password {
        let stored = ctx.secrets().and_then(|s| Ok(s.set(&secret_key(&args.name), &pw)?));
        ctx.secrets_notice();
        match stored {
            Ok(backend) => {
                rec.secret_backend = Some(backend.to_string());
                ctx.store()?.update_connection(&args.name, &rec)?;
                if url_password.is_some() {
                    eprintln!(
                        "notice: the password in --url was moved to the secret store ({backend}) and removed from the saved URL"
                    );
                }
            }
            Err(e) => {
                // Keep the workspace consistent: no connection without its password.
                let _ = ctx.store()?.remove_connection(&args.name);
                return Err(e.context("the connection was not saved because its password could not be stored"));
            }
        }
    }
    println!(
        "Added connection '{}' ({}, {}, {}): {}",
        rec.name,
        rec.engine,
        rec.tag,
        if rec.read_only { "read-only" } else { "read-write" },
        rec.url
    );
    Ok(ExitCode::Ok)
}
