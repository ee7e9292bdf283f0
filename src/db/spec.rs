//! Connection specifications: parsing URLs and flags, never leaking passwords.

use super::{DbError, DbResult, ErrorCode};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

mod params;
mod ssh;
mod sslmode;

pub use ssh::SshTarget;
pub use sslmode::SslMode;

/// Supported database engines.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "lowercase")]
pub enum Engine {
    /// PostgreSQL.
    Postgres,
    /// MySQL or MariaDB.
    Mysql,
    /// SQLite file.
    Sqlite,
}

impl Engine {
    /// Lower-case name used in config and output.
    pub fn as_str(self) -> &'static str {
        match self {
            Engine::Postgres => "postgres",
            Engine::Mysql => "mysql",
            Engine::Sqlite => "sqlite",
        }
    }

    /// Parse an engine name as users write it.
    pub fn parse(s: &str) -> DbResult<Self> {
        match s.to_ascii_lowercase().as_str() {
            "postgres" | "postgresql" | "pg" => Ok(Engine::Postgres),
            "mysql" | "mariadb" => Ok(Engine::Mysql),
            "sqlite" | "sqlite3" => Ok(Engine::Sqlite),
            other => Err(DbError::new(
                ErrorCode::DbBadUrl,
                format!("unknown engine '{other}': use postgres, mysql, mariadb or sqlite"),
            )),
        }
    }

    /// The port a server of this engine listens on by default.
    pub fn default_port(self) -> Option<u16> {
        match self {
            Engine::Postgres => Some(5432),
            Engine::Mysql => Some(3306),
            Engine::Sqlite => None,
        }
    }
}

impl fmt::Display for Engine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Everything a driver needs to open a session. The password is held only
/// in memory and is never serialized or printed.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
pub struct ConnSpec {
    /// Engine.
    pub engine: Engine,
    /// Host name, IP, or (Postgres) a Unix socket directory.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host: Option<String>,
    /// TCP port.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port: Option<u16>,
    /// Login user.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    /// Database name; for SQLite the file path.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub database: Option<String>,
    /// TLS mode.
    #[serde(default)]
    pub sslmode: SslMode,
    /// CA bundle used to verify the server certificate.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ssl_root_cert: Option<PathBuf>,
    /// Client certificate (PEM) presented to the server (`sslcert`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ssl_cert: Option<PathBuf>,
    /// Private key of the client certificate (`sslkey`; PEM, may be an encrypted PKCS#8 key).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ssl_key: Option<PathBuf>,
    /// Certificate revocation list (PEM) the server certificate is checked against (`sslcrl`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ssl_crl: Option<PathBuf>,
    /// Directory of CRL files (`sslcrldir`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ssl_crl_dir: Option<PathBuf>,
    /// SSH hop the connection is tunnelled through (the system `ssh`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ssh: Option<SshTarget>,
    /// Extra driver parameters kept verbatim (application_name, ...).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub params: BTreeMap<String, String>,
    /// Password, resolved from the secret store at connect time. Never stored.
    #[serde(skip)]
    pub password: Option<String>,
    /// Passphrase of an encrypted `ssl_key` (`sslpassword`), resolved from
    /// the secret store at connect time. Never stored.
    #[serde(skip)]
    pub ssl_password: Option<String>,
    /// Name the server certificate is verified against when the TCP target
    /// is not the server's own name (an SSH tunnel's loopback end).
    #[serde(skip)]
    pub tls_server_name: Option<String>,
    /// `database_id` of the spec the user gave, when the driver dials a
    /// stand-in for it (an SSH tunnel's loopback end), so write permits
    /// still name the real database.
    #[serde(skip)]
    pub origin_id: Option<String>,
    /// Connect timeout.
    #[serde(skip)]
    pub connect_timeout: Duration,
    /// Open the session read-only at the database level.
    #[serde(skip)]
    pub read_only: bool,
}

impl fmt::Debug for ConnSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ConnSpec")
            .field("url", &self.to_url())
            .field("password", &self.password.as_ref().map(|_| "<redacted>"))
            .field("ssl_password", &self.ssl_password.as_ref().map(|_| "<redacted>"))
            .field("read_only", &self.read_only)
            .finish()
    }
}

/// Default connect timeout.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

impl ConnSpec {
    /// An empty spec for an engine.
    pub fn new(engine: Engine) -> Self {
        Self {
            engine,
            host: None,
            port: None,
            user: None,
            database: None,
            sslmode: SslMode::default(),
            ssl_root_cert: None,
            ssl_cert: None,
            ssl_key: None,
            ssl_crl: None,
            ssl_crl_dir: None,
            ssh: None,
            params: BTreeMap::new(),
            password: None,
            ssl_password: None,
            tls_server_name: None,
            origin_id: None,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            read_only: false,
        }
    }

    /// Parse a connection URL. A password in the URL is kept in `password`
    /// and never appears in `to_url()`.
    pub fn parse_url(raw: &str) -> DbResult<Self> {
        let raw = raw.trim();
        if let Some(path) = sqlite_path(raw) {
            let mut spec = ConnSpec::new(Engine::Sqlite);
            spec.database = Some(path);
            return Ok(spec);
        }
        let (patched, empty_host) = fill_empty_host(raw);
        let parsed = url::Url::parse(&patched).map_err(|e| bad_url(raw, &e.to_string()))?;
        let engine = match parsed.scheme() {
            "postgres" | "postgresql" => Engine::Postgres,
            "mysql" | "mariadb" => Engine::Mysql,
            other => {
                return Err(bad_url(
                    raw,
                    &format!("unsupported scheme '{other}' (use postgres://, mysql://, mariadb:// or sqlite://)"),
                ));
            }
        };
        let mut spec = ConnSpec::new(engine);
        spec.host = parsed
            .host_str()
            .filter(|h| !h.is_empty())
            .map(|h| decode(h.trim_start_matches('[').trim_end_matches(']')));
        if empty_host {
            spec.host = None;
        }
        spec.port = parsed.port();
        if !parsed.username().is_empty() {
            spec.user = Some(decode(parsed.username()));
        }
        spec.password = parsed.password().map(decode);
        let db = parsed.path().trim_start_matches('/');
        if !db.is_empty() {
            spec.database = Some(decode(db));
        }
        for (k, v) in parsed.query_pairs() {
            spec.apply_param(&k, &v)?;
        }
        spec.check_params()?;
        Ok(spec)
    }

    /// Apply one `key=value` option from a URL query string or flags.
    pub fn apply_param(&mut self, key: &str, value: &str) -> DbResult<()> {
        match key {
            "sslmode" | "ssl-mode" | "ssl_mode" => self.sslmode = SslMode::parse(value)?,
            "sslrootcert" | "ssl-ca" | "ssl_ca" => self.ssl_root_cert = Some(path(key, value)?),
            "sslcert" | "ssl-cert" | "ssl_cert" => self.ssl_cert = Some(path(key, value)?),
            "sslkey" | "ssl-key" | "ssl_key" => self.ssl_key = Some(path(key, value)?),
            "sslcrl" | "ssl-crl" | "ssl_crl" => self.ssl_crl = Some(path(key, value)?),
            "sslcrldir" | "ssl-crlpath" | "ssl_crlpath" => self.ssl_crl_dir = Some(path(key, value)?),
            "sslpassword" => self.ssl_password = Some(value.to_string()),
            "ssh" => self.ssh = Some(SshTarget::parse(value)?),
            "host" => self.host = Some(value.to_string()),
            "port" => {
                self.port = Some(value.parse().map_err(|_| {
                    DbError::new(
                        ErrorCode::DbBadUrl,
                        format!("port '{value}' is not a number from 1 to 65535"),
                    )
                })?)
            }
            "user" => self.user = Some(value.to_string()),
            "dbname" => self.database = Some(value.to_string()),
            "password" => self.password = Some(value.to_string()),
            "connect_timeout" => {
                let secs: u64 = value.parse().map_err(|_| {
                    DbError::new(
                        ErrorCode::DbBadUrl,
                        format!("connect_timeout '{value}' is not a whole number of seconds"),
                    )
                })?;
                self.connect_timeout = Duration::from_secs(secs.max(1));
            }
            _ => {
                self.params.insert(key.to_string(), value.to_string());
            }
        }
        Ok(())
    }

    /// Refuse extra parameters the engine's driver would not apply.
    pub fn check_params(&self) -> DbResult<()> {
        params::check(self)
    }

    /// The URL without any password, safe to store and print.
    pub fn to_url(&self) -> String {
        if self.engine == Engine::Sqlite {
            let path = self.database.clone().unwrap_or_default();
            return if path.starts_with('/') {
                format!("sqlite://{path}")
            } else {
                format!("sqlite:{path}")
            };
        }
        let mut out = format!("{}://", self.engine.as_str());
        if let Some(u) = &self.user {
            out.push_str(&encode(u));
            out.push('@');
        }
        if let Some(h) = &self.host {
            if h.contains(':') && !h.starts_with('/') {
                out.push_str(&format!("[{h}]"));
            } else if !h.starts_with('/') {
                out.push_str(h);
            }
        }
        if let Some(p) = self.port {
            out.push_str(&format!(":{p}"));
        }
        out.push('/');
        if let Some(d) = &self.database {
            out.push_str(&encode(d));
        }
        let mut query: Vec<(String, String)> = Vec::new();
        if let Some(h) = self.host.as_ref().filter(|h| h.starts_with('/')) {
            query.push(("host".into(), h.clone()));
        }
        if self.sslmode != SslMode::Prefer {
            query.push(("sslmode".into(), self.sslmode.as_str().into()));
        }
        let files = [
            ("sslrootcert", &self.ssl_root_cert),
            ("sslcert", &self.ssl_cert),
            ("sslkey", &self.ssl_key),
            ("sslcrl", &self.ssl_crl),
            ("sslcrldir", &self.ssl_crl_dir),
        ];
        for (key, file) in files {
            if let Some(f) = file {
                query.push((key.into(), f.display().to_string()));
            }
        }
        if let Some(ssh) = &self.ssh {
            query.push(("ssh".into(), ssh.to_string()));
        }
        for (k, v) in &self.params {
            query.push((k.clone(), v.clone()));
        }
        if !query.is_empty() {
            let q: Vec<String> = query
                .iter()
                .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
                .collect();
            out.push('?');
            out.push_str(&q.join("&"));
        }
        out
    }

    /// A short human label: `user@host:port/db` or the SQLite path.
    pub fn display_target(&self) -> String {
        if self.engine == Engine::Sqlite {
            return self.database.clone().unwrap_or_default();
        }
        let target = format!(
            "{}@{}:{}/{}",
            self.user.as_deref().unwrap_or(""),
            self.host.as_deref().unwrap_or("localhost"),
            self.port.or(self.engine.default_port()).unwrap_or(0),
            self.database.as_deref().unwrap_or("")
        );
        match &self.ssh {
            Some(hop) => format!("{target} via ssh {hop}"),
            None => target,
        }
    }

    /// Effective host (`localhost` when none is set).
    pub fn host_or_default(&self) -> &str {
        self.host.as_deref().unwrap_or("localhost")
    }

    /// Effective port (engine default when none is set).
    pub fn port_or_default(&self) -> u16 {
        self.port.or(self.engine.default_port()).unwrap_or(0)
    }
}

fn path(key: &str, value: &str) -> DbResult<PathBuf> {
    if value.is_empty() {
        return Err(DbError::new(
            ErrorCode::DbBadUrl,
            format!("connection parameter '{key}' is empty: give a file path"),
        ));
    }
    Ok(PathBuf::from(value))
}

fn sqlite_path(raw: &str) -> Option<String> {
    if let Some(rest) = raw.strip_prefix("sqlite://") {
        // sqlite:///abs/path keeps its leading slash; sqlite://rel/path is relative.
        return Some(rest.to_string());
    }
    if let Some(rest) = raw.strip_prefix("sqlite:") {
        return Some(rest.to_string());
    }
    if let Some(rest) = raw.strip_prefix("file:") {
        return Some(rest.to_string());
    }
    let lower = raw.to_ascii_lowercase();
    if !raw.contains("://") && [".db", ".sqlite", ".sqlite3"].iter().any(|ext| lower.ends_with(ext)) {
        return Some(raw.to_string());
    }
    None
}

/// `postgres://user@/db` and `postgres:///db` have an empty host (libpq
/// then uses the default socket); the url crate rejects that, so parse with
/// a placeholder and drop it again.
fn fill_empty_host(raw: &str) -> (String, bool) {
    let Some(start) = raw.find("://").map(|i| i + 3) else {
        return (raw.to_string(), false);
    };
    let rest = &raw[start..];
    let end = rest.find(['/', '?']).unwrap_or(rest.len());
    let authority = &rest[..end];
    let host_part = authority.rsplit_once('@').map(|(_, h)| h).unwrap_or(authority);
    if host_part.is_empty() || host_part.starts_with(':') {
        let at = start + authority.len() - host_part.len();
        (format!("{}localhost{}", &raw[..at], &raw[at..]), true)
    } else {
        (raw.to_string(), false)
    }
}

fn decode(s: &str) -> String {
    percent_encoding::percent_decode_str(s).decode_utf8_lossy().into_owned()
}

fn encode(s: &str) -> String {
    const SET: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
        .remove(b'-')
        .remove(b'_')
        .remove(b'.')
        .remove(b'~')
        .remove(b'/');
    percent_encoding::utf8_percent_encode(s, SET).to_string()
}

/// Remove any `user:password@` password from a URL-like string, for messages.
pub fn redact_url(raw: &str) -> String {
    match url::Url::parse(raw) {
        Ok(mut u) if u.password().is_some() => {
            let _ = u.set_password(Some("***"));
            u.to_string()
        }
        Ok(u) => u.to_string(),
        Err(_) => {
            // Not parseable: cut anything between "://" and "@" after the first ':'.
            if let (Some(start), Some(at)) = (raw.find("://"), raw.rfind('@')) {
                let creds = &raw[start + 3..at];
                if let Some(colon) = creds.find(':') {
                    return format!("{}{}:***{}", &raw[..start + 3], &creds[..colon], &raw[at..]);
                }
            }
            raw.to_string()
        }
    }
}

fn bad_url(raw: &str, why: &str) -> DbError {
    DbError::new(
        ErrorCode::DbBadUrl,
        format!(
            "malformed connection URL '{}': {why}. Expected e.g. postgres://user@host:5432/db, mysql://user@host/db or sqlite:///path/to/file.db",
            redact_url(raw)
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn postgres_url_keeps_password_out_of_display() {
        let s = ConnSpec::parse_url(
            "postgresql://al%40ice:s3cr%3At@db.example:6543/app?sslmode=require&application_name=x",
        )
        .unwrap();
        assert_eq!(s.engine, Engine::Postgres);
        assert_eq!(s.user.as_deref(), Some("al@ice"));
        assert_eq!(s.password.as_deref(), Some("s3cr:t"));
        assert_eq!(s.port, Some(6543));
        assert_eq!(s.sslmode, SslMode::Require);
        let url = s.to_url();
        assert!(!url.contains("s3cr"), "{url}");
        assert_eq!(
            url,
            "postgres://al%40ice@db.example:6543/app?sslmode=require&application_name=x"
        );
        assert!(!format!("{s:?}").contains("s3cr"));
        assert_eq!(ConnSpec::parse_url(&url).unwrap().user.as_deref(), Some("al@ice"));
    }

    #[test]
    fn mysql_and_mariadb_schemes() {
        assert_eq!(
            ConnSpec::parse_url("mariadb://root@127.0.0.1/x").unwrap().engine,
            Engine::Mysql
        );
        assert_eq!(ConnSpec::parse_url("mysql://root@h:3307/x").unwrap().port, Some(3307));
    }

    #[test]
    fn sqlite_forms() {
        assert_eq!(
            ConnSpec::parse_url("sqlite:///tmp/a.db").unwrap().database.as_deref(),
            Some("/tmp/a.db")
        );
        assert_eq!(
            ConnSpec::parse_url("sqlite://rel/a.db").unwrap().database.as_deref(),
            Some("rel/a.db")
        );
        assert_eq!(
            ConnSpec::parse_url("sqlite:./a.db").unwrap().database.as_deref(),
            Some("./a.db")
        );
        assert_eq!(ConnSpec::parse_url("data/app.sqlite3").unwrap().engine, Engine::Sqlite);
        assert_eq!(
            ConnSpec::parse_url("sqlite:///tmp/a.db").unwrap().to_url(),
            "sqlite:///tmp/a.db"
        );
    }

    #[test]
    fn malformed_urls_are_specific_and_redacted() {
        let e = ConnSpec::parse_url("redis://u:pw@h/0").unwrap_err();
        assert_eq!(e.code, ErrorCode::DbBadUrl);
        assert!(e.message.contains("unsupported scheme 'redis'"), "{}", e.message);
        assert!(!e.message.contains("pw@"), "{}", e.message);
        let e = ConnSpec::parse_url("postgres://u:pw@h:notaport/db").unwrap_err();
        assert!(!e.message.contains(":pw"), "{}", e.message);
        assert!(ConnSpec::parse_url("postgres://h/db?sslmode=bogus").is_err());
    }

    #[test]
    fn tls_files_and_ssh_round_trip_without_secrets() {
        let s = ConnSpec::parse_url(
            "postgres://u@db.internal/app?sslmode=verify-ca&sslrootcert=/c/ca.pem&sslcert=/c/me.pem&sslkey=/c/me.key&sslcrl=/c/crl.pem&sslpassword=hunter2&ssh=alice%40bastion%3A2222",
        )
        .unwrap();
        assert_eq!(s.sslmode, SslMode::VerifyCa);
        assert_eq!(s.ssl_key.as_deref(), Some(std::path::Path::new("/c/me.key")));
        assert_eq!(s.ssl_password.as_deref(), Some("hunter2"));
        assert_eq!(
            s.ssh.as_ref().map(|h| h.to_string()).as_deref(),
            Some("alice@bastion:2222")
        );
        let url = s.to_url();
        assert!(!url.contains("hunter2"), "{url}");
        let again = ConnSpec::parse_url(&url).unwrap();
        assert_eq!(again.ssl_crl, s.ssl_crl);
        assert_eq!(again.ssl_cert, s.ssl_cert);
        assert_eq!(again.ssh, s.ssh);
        assert_eq!(again.sslmode, SslMode::VerifyCa);
        assert!(s.display_target().ends_with("via ssh alice@bastion:2222"));
        let my = ConnSpec::parse_url("mysql://u@h/db?ssl-mode=VERIFY_CA&ssl-cert=/a&ssl-key=/b").unwrap();
        assert_eq!(my.sslmode, SslMode::VerifyCa);
        assert!(my.ssl_cert.is_some() && my.ssl_key.is_some());
        assert!(ConnSpec::parse_url("mysql://u@h/db?ssh=-oProxyCommand%3Dx").is_err());
    }

    #[test]
    fn socket_dir_host_round_trips() {
        let s = ConnSpec::parse_url("postgres://postgres@/db?host=/tmp/pg").unwrap();
        assert_eq!(s.host.as_deref(), Some("/tmp/pg"));
        let again = ConnSpec::parse_url(&s.to_url()).unwrap();
        assert_eq!(again.host.as_deref(), Some("/tmp/pg"));
    }
}
