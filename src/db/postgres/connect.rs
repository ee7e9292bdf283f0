//! Turning a `ConnSpec` into a live tokio-postgres client: startup
//! parameters, TLS, the overall connect timeout and error mapping.

use super::errors::connect_error;
use super::session::PgSession;
use super::tls::connector;
use crate::db::{ConnSpec, DbError, DbResult, ErrorCode, SslMode};
use tokio_postgres::config::{SslMode as PgSslMode, TargetSessionAttrs};
use tokio_postgres::tls::{MakeTlsConnect, TlsConnect};
use tokio_postgres::{Client, Config, NoTls, Socket};

/// libpq parameters that have no meaning here; accepted and ignored so
/// URLs copied from other tools keep working.
const IGNORED_PARAMS: &[&str] = &[
    "sslcert",
    "sslkey",
    "sslpassword",
    "sslcrl",
    "sslcrldir",
    "sslcompression",
    "sslsni",
    "ssl_min_protocol_version",
    "ssl_max_protocol_version",
    "gssencmode",
    "gsslib",
    "krbsrvname",
    "requirepeer",
    "requireauth",
    "passfile",
    "service",
    "replication",
    "sslnegotiation",
    "load_balance_hosts",
    "hostaddr",
    "client_encoding",
];

/// Open a session for `spec` within its connect timeout.
pub(super) async fn open(spec: &ConnSpec) -> DbResult<PgSession> {
    let config = build_config(spec)?;
    let target = target_label(spec);
    let database = config
        .get_dbname()
        .or(config.get_user())
        .unwrap_or_default()
        .to_string();
    let mut tls = connector(spec.sslmode, spec.ssl_root_cert.as_deref())?;
    let attempt = async {
        let first = match &tls {
            Some(t) => establish(&config, t.clone()).await,
            None => establish(&config, NoTls).await,
        };
        match first {
            // Like libpq, `prefer` retries in plain text when the server
            // accepted SSL but the handshake itself failed.
            Err(e) if spec.sslmode == SslMode::Prefer && is_tls_failure(&e) => {
                tracing::debug!("TLS handshake failed under sslmode=prefer, retrying without TLS: {e}");
                tls = None;
                establish(&config, NoTls).await
            }
            other => other,
        }
    };
    let (client, version) = match tokio::time::timeout(spec.connect_timeout, attempt).await {
        Err(_) => {
            return Err(DbError::new(
                ErrorCode::DbTimeout,
                format!(
                    "connecting to {target} timed out after {} s (connect_timeout): the server did not complete the start-up in time. Check the host, port and firewall, or raise connect_timeout",
                    spec.connect_timeout.as_secs_f64()
                ),
            ));
        }
        Ok(Err(e)) => return Err(connect_error(&e, &target, &database)),
        Ok(Ok(ok)) => ok,
    };
    let mut session = PgSession::new(client, tls, spec.read_only, crate::db::database_id(spec));
    session.set_version(version);
    Ok(session)
}

fn is_tls_failure(e: &tokio_postgres::Error) -> bool {
    e.to_string().starts_with("error performing TLS handshake")
}

async fn establish<T>(config: &Config, tls: T) -> Result<(Client, Option<String>), tokio_postgres::Error>
where
    T: MakeTlsConnect<Socket> + Send + 'static,
    T::Stream: Send + 'static,
    T::TlsConnect: Send,
    <T::TlsConnect as TlsConnect<Socket>>::Future: Send,
{
    let (client, connection) = config.connect(tls).await?;
    let version = connection.parameter("server_version").map(str::to_string);
    tokio::spawn(async move {
        if let Err(e) = connection.await {
            tracing::debug!("postgres connection ended: {e}");
        }
    });
    Ok((client, version))
}

/// `host:port`, or the socket file for a Unix-socket directory.
pub(super) fn target_label(spec: &ConnSpec) -> String {
    let host = spec.host_or_default();
    let port = spec.port_or_default();
    if host.starts_with('/') {
        format!("{}/.s.PGSQL.{port}", host.trim_end_matches('/'))
    } else if host.contains(':') {
        format!("[{host}]:{port}")
    } else {
        format!("{host}:{port}")
    }
}

/// The user libpq would pick: the OS login name.
fn default_user() -> String {
    ["USER", "LOGNAME", "USERNAME"]
        .iter()
        .find_map(|v| std::env::var(v).ok().filter(|s| !s.is_empty()))
        .unwrap_or_else(|| "postgres".into())
}

pub(super) fn build_config(spec: &ConnSpec) -> DbResult<Config> {
    let mut config = Config::new();
    config
        .host(spec.host_or_default())
        .port(spec.port_or_default())
        .user(spec.user.clone().unwrap_or_else(default_user))
        .connect_timeout(spec.connect_timeout)
        .ssl_mode(match spec.sslmode {
            SslMode::Disable => PgSslMode::Disable,
            SslMode::Prefer => PgSslMode::Prefer,
            SslMode::Require | SslMode::VerifyFull => PgSslMode::Require,
        });
    if let Some(db) = &spec.database {
        config.dbname(db);
    }
    if let Some(pw) = &spec.password {
        config.password(pw.as_bytes());
    }
    let mut app_name = None;
    let mut fallback_app = None;
    // The text protocol path parses dates and intervals in these styles;
    // user-supplied options come later and win.
    let mut options: Vec<String> = vec!["-c DateStyle=ISO,MDY -c IntervalStyle=postgres".into()];
    for (key, value) in &spec.params {
        match key.as_str() {
            "application_name" => app_name = Some(value.clone()),
            "fallback_application_name" => fallback_app = Some(value.clone()),
            "options" => options.push(value.clone()),
            "target_session_attrs" => {
                config.target_session_attrs(match value.as_str() {
                    "read-write" => TargetSessionAttrs::ReadWrite,
                    "read-only" => TargetSessionAttrs::ReadOnly,
                    "any" => TargetSessionAttrs::Any,
                    other => return Err(bad_param(key, other, "any, read-write or read-only")),
                });
            }
            "keepalives" => {
                config.keepalives(value != "0");
            }
            "keepalives_idle" => {
                config.keepalives_idle(seconds(key, value)?);
            }
            "tcp_user_timeout" => {
                let ms: u64 = value
                    .parse()
                    .map_err(|_| bad_param(key, value, "a whole number of milliseconds"))?;
                config.tcp_user_timeout(std::time::Duration::from_millis(ms));
            }
            k if IGNORED_PARAMS.contains(&k) => {
                tracing::debug!("ignoring libpq parameter {k}: not supported by dbn's postgres driver");
            }
            // Anything else is a server setting (statement_timeout, search_path, ...).
            k => options.push(format!("-c {}={}", escape_option(k), escape_option(value))),
        }
    }
    if spec.read_only {
        // Last, so a user-supplied option cannot switch it off again.
        options.push("-c default_transaction_read_only=on".into());
    }
    config.application_name(app_name.or(fallback_app).unwrap_or_else(|| "dbn".into()));
    if !options.is_empty() {
        config.options(options.join(" "));
    }
    Ok(config)
}

/// Startup `options` split on unescaped spaces; a backslash escapes.
fn escape_option(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if c == ' ' || c == '\\' {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

fn seconds(key: &str, value: &str) -> DbResult<std::time::Duration> {
    value
        .parse()
        .map(std::time::Duration::from_secs)
        .map_err(|_| bad_param(key, value, "a whole number of seconds"))
}

fn bad_param(key: &str, value: &str, expected: &str) -> DbError {
    DbError::new(
        ErrorCode::DbBadUrl,
        format!("connection parameter {key}='{value}' is not valid: expected {expected}"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn read_only_and_params_become_startup_options() {
        let mut spec = ConnSpec::parse_url(
            "postgres://u@h:6000/db?statement_timeout=5s&options=-c%20search_path%3Dx&application_name=me",
        )
        .unwrap();
        spec.read_only = true;
        let c = build_config(&spec).unwrap();
        assert_eq!(c.get_application_name(), Some("me"));
        assert_eq!(
            c.get_options(),
            Some(
                "-c DateStyle=ISO,MDY -c IntervalStyle=postgres -c search_path=x -c statement_timeout=5s -c default_transaction_read_only=on"
            )
        );
        assert_eq!(target_label(&spec), "h:6000");
        let spec = ConnSpec::parse_url("postgres://u@/db?host=/tmp/s").unwrap();
        assert_eq!(build_config(&spec).unwrap().get_application_name(), Some("dbn"));
        assert_eq!(target_label(&spec), "/tmp/s/.s.PGSQL.5432");
        assert_eq!(escape_option("a b\\c"), "a\\ b\\\\c");
    }
}
