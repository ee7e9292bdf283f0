//! Turn `--conn NAME` / `--url URL` / the environment into a ready-to-connect
//! spec with its password resolved from the secret store or libpq files.

use super::{Ctx, ExitCode, Failure, myenv, pgenv};
use crate::db::{ConnSpec, Engine};
use crate::store::connections::{ConnectionRecord, Tag, ssl_password_key};
use anyhow::{Context, Result};
use std::path::Path;

/// A resolved connection target.
#[derive(Debug, Clone)]
pub struct Target {
    /// Connection name, or a redacted description for ad-hoc URLs.
    pub name: String,
    /// The saved record, for named connections.
    pub record: Option<ConnectionRecord>,
    /// Spec with password filled in.
    pub spec: ConnSpec,
    /// Environment tag.
    pub tag: Tag,
}

impl Target {
    /// Whether the session must be read-only (before any unlock).
    pub fn read_only(&self) -> bool {
        self.spec.read_only
    }

    /// The target as operations take it.
    pub fn ops(&self) -> crate::ops::Target {
        crate::ops::Target::new(self.name.clone(), self.tag, self.spec.read_only, self.spec.clone())
    }
}

/// Resolve a saved connection by name, password included.
pub fn resolve_saved(ctx: &mut Ctx, name: &str) -> Result<(ConnectionRecord, ConnSpec)> {
    let rec = ctx.store()?.connection(name)?;
    let mut spec = rec.spec()?;
    absolutize_sqlite(ctx, &mut spec)?;
    spec.connect_timeout = std::time::Duration::from_secs(ctx.config()?.query.connect_timeout_secs.max(1));
    if let Some(backend) = rec.secret_backend.clone() {
        let key = rec.secret_key();
        let secrets = ctx.secrets()?;
        let pw = secrets
            .get(&key, Some(&backend))
            .with_context(|| format!("cannot read the password of connection '{name}'"))?;
        spec.password = pw;
    }
    if spec.ssl_key.is_some() && spec.ssl_password.is_none() {
        // Only encrypted keys need it; a missing one is reported when the key is read.
        spec.ssl_password = ctx
            .secrets()
            .ok()
            .and_then(|s| s.get(&ssl_password_key(&rec.name), None).ok().flatten());
    }
    if spec.password.is_none()
        && let Some(path) = pgenv::pgpass_path()
    {
        spec.password = pgenv::pgpass_lookup(&spec, &path);
    }
    myenv::apply_password(&mut spec);
    Ok((rec, spec))
}

/// Resolve `--conn` / `--url`, then the config default, `DATABASE_URL` and
/// libpq variables, in that order.
pub fn resolve(ctx: &mut Ctx, conn: Option<&str>, url: Option<&str>) -> Result<Target> {
    if let Some(name) = conn {
        let (rec, spec) = resolve_saved(ctx, name)?;
        return Ok(Target {
            name: rec.name.clone(),
            tag: rec.tag,
            record: Some(rec),
            spec,
        });
    }
    if let Some(url) = url {
        return adhoc(ctx, url);
    }
    if let Some(default) = ctx.config()?.default_connection.clone() {
        return resolve(ctx, Some(&default), None);
    }
    if let Ok(url) = std::env::var("DATABASE_URL")
        && !url.is_empty()
    {
        return adhoc(ctx, &url);
    }
    if pgenv::env_describes_server() {
        let mut spec = ConnSpec::new(Engine::Postgres);
        pgenv::apply_env(&mut spec);
        return finish_adhoc(ctx, spec);
    }
    Err(Failure::new(
        ExitCode::Usage,
        "NO_CONNECTION",
        "no connection given: pass --conn NAME (see `dbn connect list`) or --url URL, set DATABASE_URL, or set \"default_connection\" in dbnexus.config.json",
    )
    .into())
}

fn adhoc(ctx: &mut Ctx, url: &str) -> Result<Target> {
    let mut spec = ConnSpec::parse_url(url)?;
    pgenv::apply_env(&mut spec);
    finish_adhoc(ctx, spec)
}

fn finish_adhoc(ctx: &mut Ctx, mut spec: ConnSpec) -> Result<Target> {
    spec.connect_timeout = std::time::Duration::from_secs(ctx.config()?.query.connect_timeout_secs.max(1));
    if spec.engine == Engine::Sqlite {
        let path = spec.database.clone().unwrap_or_default();
        if path != ":memory:" {
            spec.database = Some(ctx.cwd.join(path).display().to_string());
        }
    }
    if spec.password.is_none()
        && let Some(path) = pgenv::pgpass_path()
    {
        spec.password = pgenv::pgpass_lookup(&spec, &path);
    }
    myenv::apply_password(&mut spec);
    Ok(Target {
        name: spec.display_target(),
        record: None,
        tag: Tag::Dev,
        spec,
    })
}

/// Saved SQLite paths are relative to the workspace root; make them absolute.
fn absolutize_sqlite(ctx: &mut Ctx, spec: &mut ConnSpec) -> Result<()> {
    if spec.engine != Engine::Sqlite {
        return Ok(());
    }
    let root = ctx.workspace()?.root.clone();
    if let Some(p) = spec.database.clone()
        && p != ":memory:"
        && !Path::new(&p).is_absolute()
    {
        spec.database = Some(root.join(p).display().to_string());
    }
    Ok(())
}

/// Store a SQLite path relative to the workspace when it lies inside it, so
/// workspaces can move and be shared.
pub fn relativize_sqlite(ctx: &mut Ctx, spec: &mut ConnSpec) -> Result<()> {
    if spec.engine != Engine::Sqlite {
        return Ok(());
    }
    let root = ctx.workspace()?.root.clone();
    if let Some(p) = spec.database.clone()
        && p != ":memory:"
    {
        let abs = std::path::absolute(ctx.cwd.join(&p)).unwrap_or_else(|_| ctx.cwd.join(&p));
        spec.database = Some(match abs.strip_prefix(&root) {
            Ok(rel) => rel.display().to_string(),
            Err(_) => abs.display().to_string(),
        });
    }
    Ok(())
}
