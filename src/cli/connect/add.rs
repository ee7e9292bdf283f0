//! `dbn connect add NAME`.

use super::password;
use crate::cli::resolve::relativize_sqlite;
use crate::cli::{Ctx, ExitCode, Failure};
use crate::db::{ConnSpec, Engine, SshTarget, SslMode};
use crate::store::connections::{ConnectionRecord, Tag, secret_key, ssl_password_key};
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
    /// TLS mode: disable, allow, prefer, require, verify-ca, verify-full.
    #[arg(long)]
    pub sslmode: Option<String>,
    /// CA certificate file (PEM) to verify the server with ('' to clear).
    #[arg(long)]
    pub sslrootcert: Option<PathBuf>,
    /// Client certificate file (PEM) to present to the server ('' to clear).
    #[arg(long)]
    pub sslcert: Option<PathBuf>,
    /// Private key of the client certificate (PEM; an encrypted PKCS#8 key needs --sslpassword-stdin) ('' to clear).
    #[arg(long)]
    pub sslkey: Option<PathBuf>,
    /// Certificate revocation list (PEM) to check the server certificate against ('' to clear).
    #[arg(long)]
    pub sslcrl: Option<PathBuf>,
    /// Reach the database through this SSH host with the system ssh: [user@]host[:port] or a ~/.ssh/config alias ('' to clear).
    #[arg(long, value_name = "[USER@]HOST[:PORT]")]
    pub ssh: Option<String>,
}

impl SpecFlags {
    /// Whether any connection field was given.
    pub fn any(&self) -> bool {
        self.url.is_some()
            || self.engine.is_some()
            || self.host.is_some()
            || self.port.is_some()
            || self.user.is_some()
            || self.database.is_some()
            || self.sslmode.is_some()
            || self.sslrootcert.is_some()
            || self.sslcert.is_some()
            || self.sslkey.is_some()
            || self.sslcrl.is_some()
            || self.ssh.is_some()
    }
}

/// A path flag: empty clears the field, anything else becomes absolute so
/// the connection works from any directory.
fn path_flag(flag: &Option<PathBuf>, field: &mut Option<PathBuf>) {
    if let Some(p) = flag {
        *field = if p.as_os_str().is_empty() {
            None
        } else {
            Some(std::path::absolute(p).unwrap_or_else(|_| p.clone()))
        };
    }
}

/// Arguments of `dbn connect add`.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  dbn connect add shop --url postgres://app@db.internal:5432/shop --tag prod
  printf '%s' \"$PW\" | dbn connect add shop --url postgres://app@db/shop --password-stdin
  dbn connect add local --url sqlite:./data/app.db
  dbn connect add legacy --engine mariadb --host 10.0.0.5 --user report --database crm --tag stage
  dbn connect add eu --url postgres://app@db.internal/shop --ssh alice@bastion.example --tag prod
  printf '%s' \"$KEY_PASS\" | dbn connect add certs --url 'postgres://app@db/shop?sslmode=verify-full' \\
      --sslrootcert ca.pem --sslcert me.pem --sslkey me.key --sslpassword-stdin --no-password")]
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
    /// Do not ask for a password (trust, peer, certificate or pgpass authentication).
    #[arg(long, conflicts_with = "password_stdin")]
    pub no_password: bool,
    /// Read the passphrase of an encrypted client key (--sslkey) from stdin; it goes to the secret store.
    #[arg(long, conflicts_with = "password_stdin")]
    pub sslpassword_stdin: bool,
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
    path_flag(&f.sslrootcert, &mut spec.ssl_root_cert);
    path_flag(&f.sslcert, &mut spec.ssl_cert);
    path_flag(&f.sslkey, &mut spec.ssl_key);
    path_flag(&f.sslcrl, &mut spec.ssl_crl);
    if let Some(hop) = &f.ssh {
        spec.ssh = if hop.trim().is_empty() {
            None
        } else {
            Some(SshTarget::parse(hop)?)
        };
    }
    if spec.ssh.is_some() && spec.engine == Engine::Sqlite {
        return Err(Failure::usage("--ssh is for network connections; a SQLite connection opens a local file").into());
    }
    spec.check_params()?;
    if spec.engine == Engine::Sqlite && spec.database.as_deref().unwrap_or("").is_empty() {
        return Err(Failure::usage(
            "a SQLite connection needs a file path: --url sqlite:path/to/file.db or --database PATH",
        )
        .into());
    }
    Ok(spec)
}

/// Check `--color`: a colour name or `#rrggbb` that the TUI can draw
/// (`''` or `none` clears it). Stored lower-case.
pub fn parse_color(s: &str) -> Result<Option<String>> {
    let c = s.trim().to_ascii_lowercase();
    if c.is_empty() || c == "none" {
        return Ok(None);
    }
    if crate::ui::theme::parse_color_name(&c).is_none() {
        return Err(Failure::usage(format!(
            "unknown colour '{}': use #rrggbb or one of red, green, yellow, blue, magenta, cyan, white, gray and their light- forms",
            crate::sanitize::sanitize(s)
        ))
        .into());
    }
    Ok(Some(c))
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
    let key_passphrase = if args.sslpassword_stdin {
        Some(password::from_stdin()?).filter(|p| !p.is_empty())
    } else {
        spec.ssl_password.take()
    };
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
        color: match &args.color {
            Some(c) => parse_color(c)?,
            None => None,
        },
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
    if let Some(pass) = key_passphrase {
        let stored = ctx
            .secrets()
            .and_then(|s| Ok(s.set(&ssl_password_key(&args.name), &pass)?));
        if let Err(e) = stored {
            let _ = ctx.store()?.remove_connection(&args.name);
            return Err(e.context("the connection was not saved because its key passphrase could not be stored"));
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
