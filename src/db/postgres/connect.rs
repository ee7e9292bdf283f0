//! Turning a `ConnSpec` into a live tokio-postgres client: startup
//! parameters, TLS, the overall connect timeout and error mapping.

use super::errors::connect_error;
use super::session::PgSession;
use crate::db::tls::client_config;
use crate::db::{ConnSpec, DbError, DbResult, ErrorCode, SslMode};
use tokio_postgres::config::{ChannelBinding, SslMode as PgSslMode, TargetSessionAttrs};
use tokio_postgres::tls::{MakeTlsConnect, TlsConnect};
use tokio_postgres::{Client, Config, NoTls, Socket};
use tokio_postgres_rustls::MakeRustlsConnect;

/// libpq parameters that configure the client side only; never sent to the server.
const CLIENT_SIDE: &[&str] = &[
    "sslsni",
    "ssl_min_protocol_version",
    "ssl_max_protocol_version",
    "client_encoding",
    "gssencmode",
    "sslcompression",
    "sslnegotiation",
    "load_balance_hosts",
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
    let tls = client_config(spec)?.map(MakeRustlsConnect::new);
    let attempt = attempts(spec, &config, tls);
    let (client, version, tls) = match tokio::time::timeout(spec.connect_timeout, attempt).await {
        Err(_) => {
            return Err(DbError::new(
                ErrorCode::DbTimeout,
                format!(
                    "connecting to {target} timed out after {} s (connect_timeout): the server did not complete the start-up in time. Check the host, port and firewall, or raise connect_timeout",
                    spec.connect_timeout.as_secs_f64()
                ),
            ));
        }
        Ok(Err(e)) => return Err(connect_error(&e, &target, &database, spec)),
        Ok(Ok(ok)) => ok,
    };
    let mut session = PgSession::new(client, tls, spec.read_only, crate::db::database_id(spec));
    session.set_version(version);
    Ok(session)
}

type Opened = (Client, Option<String>, Option<MakeRustlsConnect>);

/// libpq's order of attempts: `allow` tries plain first and TLS when the
/// server refuses; `prefer` tries TLS first and plain when the handshake
/// fails or the server refuses the encrypted connection (hostnossl).
async fn attempts(
    spec: &ConnSpec,
    config: &Config,
    tls: Option<MakeRustlsConnect>,
) -> Result<Opened, tokio_postgres::Error> {
    let Some(tls) = tls else {
        let (c, v) = establish(config, NoTls).await?;
        return Ok((c, v, None));
    };
    match spec.sslmode {
        SslMode::Allow => {
            let mut plain = config.clone();
            plain.ssl_mode(PgSslMode::Disable);
            match establish(&plain, NoTls).await {
                Err(e) if e.as_db_error().is_some() => {
                    tracing::debug!("plain connection refused under sslmode=allow, retrying with TLS: {e}");
                    let (c, v) = establish(config, tls.clone()).await.map_err(|retry| pick(e, retry))?;
                    Ok((c, v, Some(tls)))
                }
                other => other.map(|(c, v)| (c, v, None)),
            }
        }
        SslMode::Prefer => match establish(config, tls.clone()).await {
            Err(e) if is_tls_failure(&e) || e.as_db_error().is_some() => {
                tracing::debug!("TLS attempt failed under sslmode=prefer, retrying without TLS: {e}");
                let mut plain = config.clone();
                plain.ssl_mode(PgSslMode::Disable);
                let (c, v) = establish(&plain, NoTls).await.map_err(|retry| pick(e, retry))?;
                Ok((c, v, None))
            }
            other => other.map(|(c, v)| (c, v, Some(tls))),
        },
        _ => {
            let (c, v) = establish(config, tls.clone()).await?;
            Ok((c, v, Some(tls)))
        }
    }
}

/// When the retry fails too: the server's answer to the retry if it gave
/// one, else the first attempt's error (the retry only hit garbage or I/O).
fn pick(first: tokio_postgres::Error, retry: tokio_postgres::Error) -> tokio_postgres::Error {
    if retry.as_db_error().is_some() { retry } else { first }
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
    spec.check_params()?;
    let mut config = Config::new();
    config
        .host(spec.host_or_default())
        .port(spec.port_or_default())
        .user(spec.user.clone().unwrap_or_else(default_user))
        .connect_timeout(spec.connect_timeout)
        .ssl_mode(match spec.sslmode {
            SslMode::Disable => PgSslMode::Disable,
            SslMode::Prefer => PgSslMode::Prefer,
            // `allow` only reaches TLS after the server refused plain text.
            SslMode::Allow | SslMode::Require | SslMode::VerifyCa | SslMode::VerifyFull => PgSslMode::Require,
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
            "keepalives_interval" => {
                config.keepalives_interval(seconds(key, value)?);
            }
            "keepalives_count" => {
                let n = value.parse().map_err(|_| bad_param(key, value, "a whole number"))?;
                config.keepalives_retries(n);
            }
            "hostaddr" => {
                let ip = value
                    .parse()
                    .map_err(|_| bad_param(key, value, "an IPv4 or IPv6 address"))?;
                config.hostaddr(ip);
            }
            "channel_binding" => {
                config.channel_binding(match value.as_str() {
                    "disable" => ChannelBinding::Disable,
                    "require" => ChannelBinding::Require,
                    _ => ChannelBinding::Prefer,
                });
            }
            // Applied by the TLS set-up, or accepted in the one value that
            // matches what dbn does anyway (checked by `check_params`).
            k if CLIENT_SIDE.contains(&k) => {}
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
