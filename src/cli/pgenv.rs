//! libpq conventions users already have: `PG*` environment variables and
//! `~/.pgpass`, applied to Postgres connection specs.

use crate::db::{ConnSpec, Engine, SslMode};
use std::path::{Path, PathBuf};

/// Fill unset fields of a Postgres spec from `PGHOST`, `PGPORT`, `PGUSER`,
/// `PGDATABASE`, `PGPASSWORD`, `PGSSLMODE`, `PGSSLROOTCERT`, `PGSSLCERT`,
/// `PGSSLKEY`, `PGSSLCRL`, `PGSSLCRLDIR`,
/// `PGCONNECT_TIMEOUT` and `PGAPPNAME`, as libpq does.
pub fn apply_env(spec: &mut ConnSpec) {
    if spec.engine != Engine::Postgres {
        return;
    }
    let var = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
    if spec.host.is_none() {
        spec.host = var("PGHOST");
    }
    if spec.port.is_none() {
        spec.port = var("PGPORT").and_then(|p| p.parse().ok());
    }
    if spec.user.is_none() {
        spec.user = var("PGUSER");
    }
    if spec.database.is_none() {
        spec.database = var("PGDATABASE");
    }
    if spec.password.is_none() {
        spec.password = var("PGPASSWORD");
    }
    if spec.sslmode == SslMode::Prefer
        && let Some(m) = var("PGSSLMODE").and_then(|m| SslMode::parse(&m).ok())
    {
        spec.sslmode = m;
    }
    for (field, name) in [
        (&mut spec.ssl_root_cert, "PGSSLROOTCERT"),
        (&mut spec.ssl_cert, "PGSSLCERT"),
        (&mut spec.ssl_key, "PGSSLKEY"),
        (&mut spec.ssl_crl, "PGSSLCRL"),
        (&mut spec.ssl_crl_dir, "PGSSLCRLDIR"),
    ] {
        if field.is_none() {
            *field = var(name).map(PathBuf::from);
        }
    }
    if let Some(t) = var("PGCONNECT_TIMEOUT").and_then(|t| t.parse::<u64>().ok()) {
        spec.connect_timeout = std::time::Duration::from_secs(t.max(1));
    }
    if !spec.params.contains_key("application_name")
        && let Some(app) = var("PGAPPNAME")
    {
        spec.params.insert("application_name".into(), app);
    }
}

/// True when the environment describes a Postgres server (PGHOST or PGDATABASE set).
pub fn env_describes_server() -> bool {
    ["PGHOST", "PGDATABASE", "PGSERVICE"]
        .iter()
        .any(|k| std::env::var(k).is_ok_and(|v| !v.is_empty()))
}

/// The pgpass file libpq would read.
pub fn pgpass_path() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("PGPASSFILE").filter(|v| !v.is_empty()) {
        return Some(PathBuf::from(p));
    }
    std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".pgpass"))
}

/// Look up a password in a pgpass file for the spec (first match wins).
pub fn pgpass_lookup(spec: &ConnSpec, path: &Path) -> Option<String> {
    if spec.engine != Engine::Postgres {
        return None;
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        // libpq ignores a pgpass readable by group or others; so do we.
        if let Ok(meta) = std::fs::metadata(path)
            && meta.permissions().mode() & 0o077 != 0
        {
            tracing::warn!(path = %path.display(), "pgpass ignored: permissions should be u=rw (0600) or less");
            return None;
        }
    }
    let text = std::fs::read_to_string(path).ok()?;
    let host = spec.host.clone().unwrap_or_else(|| "localhost".into());
    let port = spec.port_or_default().to_string();
    let db = spec.database.clone().unwrap_or_default();
    let user = spec.user.clone().unwrap_or_default();
    for line in text.lines() {
        if line.trim_start().starts_with('#') || line.trim().is_empty() {
            continue;
        }
        let fields = split_pgpass(line);
        if fields.len() < 5 {
            continue;
        }
        let matches = |pat: &str, val: &str| pat == "*" || pat == val;
        let host_ok =
            matches(&fields[0], &host) || (fields[0] == "localhost" && (host.starts_with('/') || host == "127.0.0.1"));
        if host_ok && matches(&fields[1], &port) && matches(&fields[2], &db) && matches(&fields[3], &user) {
            return Some(fields[4].clone());
        }
    }
    None
}

fn split_pgpass(line: &str) -> Vec<String> {
    let mut out = vec![String::new()];
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                if let Some(n) = chars.next()
                    && let Some(last) = out.last_mut()
                {
                    last.push(n);
                }
            }
            ':' if out.len() < 5 => out.push(String::new()),
            c => {
                if let Some(last) = out.last_mut() {
                    last.push(c);
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pgpass_matches_with_wildcards_and_escapes() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("pgpass");
        std::fs::write(
            &p,
            "# comment\nother:5432:*:bob:nope\ndb.example:*:app:bob:se\\:cret\n*:*:*:*:fallback\n",
        )
        .unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o600)).unwrap();
        }
        let mut spec = ConnSpec::parse_url("postgres://bob@db.example:6543/app").unwrap();
        assert_eq!(pgpass_lookup(&spec, &p).as_deref(), Some("se:cret"));
        spec.user = Some("alice".into());
        assert_eq!(pgpass_lookup(&spec, &p).as_deref(), Some("fallback"));
    }

    #[cfg(unix)]
    #[test]
    fn world_readable_pgpass_is_ignored() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("pgpass");
        std::fs::write(&p, "*:*:*:*:pw\n").unwrap();
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o644)).unwrap();
        let spec = ConnSpec::parse_url("postgres://u@h/d").unwrap();
        assert_eq!(pgpass_lookup(&spec, &p), None);
    }
}
