//! MySQL / MariaDB driver (mysql_async over rustls). Results stream with
//! the text protocol, row by row as they arrive; cancellation sends
//! `KILL QUERY <id>` on a short-lived side connection, which leaves the
//! session's own connection open and usable.

mod convert;
mod error;
mod infile;
mod session;
mod stream;
mod tls;

use super::{ConnSpec, DbError, DbResult, ErrorCode, Session, SslMode};
use error::{Target, map_err};
use mysql_async::prelude::Queryable;
use mysql_async::{Conn, DriverError, Opts, OptsBuilder};
use session::MysqlSession;
use tokio::time::Instant;

/// Open a MySQL/MariaDB session.
///
/// TLS follows `spec.sslmode` as libpq means it: `disable` never uses it,
/// `allow` tries plain first and TLS when the server refuses, `prefer` tries
/// TLS without verification and falls back to plain TCP when the server has
/// no TLS, `require` insists on TLS (verifying the chain when a CA is
/// given), `verify-ca` checks the chain, `verify-full` the chain and the host
/// name. Client certificates come from `sslcert`/`sslkey`, CRLs are checked
/// by a TLS probe first (mysql_async cannot). A read-only spec runs
/// `SET SESSION TRANSACTION READ ONLY` before the session is handed out, so
/// the server refuses writes.
pub async fn connect(spec: &ConnSpec) -> DbResult<Box<dyn Session>> {
    spec.check_params()?;
    connect_checked(spec).await.map_err(|e| tls::refine(e, spec))
}

async fn connect_checked(spec: &ConnSpec) -> DbResult<Box<dyn Session>> {
    let addr = address(spec);
    let target = Target {
        addr: &addr,
        user: spec.user.as_deref(),
        sql: None,
        connecting: true,
    };
    let deadline = Instant::now() + spec.connect_timeout;
    let base = base_opts(spec);
    let (mut conn, opts) = match spec.sslmode {
        SslMode::Disable => open(base, deadline, spec, &target).await?,
        SslMode::Allow => match open_raw(base.clone(), deadline).await {
            Ok(pair) => pair,
            Err(OpenError::Driver(mysql_async::Error::Server(s))) => {
                tracing::debug!(
                    "plain connection refused under sslmode=allow, retrying with TLS: {}",
                    s.message
                );
                open(base.ssl_opts(tls::ssl_opts(spec, None)?), deadline, spec, &target).await?
            }
            Err(e) => return Err(e.into_db(spec, &target)),
        },
        SslMode::Prefer => match open_raw(base.clone().ssl_opts(tls::ssl_opts(spec, None)?), deadline).await {
            Ok(pair) => pair,
            Err(OpenError::Driver(mysql_async::Error::Driver(DriverError::NoClientSslFlagFromServer))) => {
                open(base, deadline, spec, &target).await?
            }
            Err(e) => return Err(e.into_db(spec, &target)),
        },
        SslMode::Require | SslMode::VerifyCa | SslMode::VerifyFull => {
            let mut probed = None;
            if tls::needs_probe(spec) && !spec.host_or_default().starts_with('/') {
                let probe = tls::probe(spec, spec.host_or_default(), spec.port_or_default());
                probed = match tokio::time::timeout_at(deadline, probe).await {
                    Ok(checked) => checked?,
                    Err(_) => return Err(OpenError::Timeout.into_db(spec, &target)),
                };
            }
            let ssl = tls::ssl_opts(spec, probed.as_deref())?;
            open(base.ssl_opts(ssl), deadline, spec, &target).await?
        }
    };
    let version: Option<String> = conn
        .query_first("SELECT VERSION()")
        .await
        .map_err(|e| map_err(e, &target))?;
    if spec.read_only {
        session::make_read_only(&mut conn, &target).await?;
    }
    let version = product_version(version.as_deref().unwrap_or_default());
    Ok(Box::new(MysqlSession::new(conn, opts, spec, addr, version)))
}

/// `host:port`, or the socket path when the host is one.
fn address(spec: &ConnSpec) -> String {
    let host = spec.host_or_default();
    if host.starts_with('/') {
        host.to_string()
    } else if host.contains(':') {
        format!("[{host}]:{}", spec.port_or_default())
    } else {
        format!("{host}:{}", spec.port_or_default())
    }
}

fn base_opts(spec: &ConnSpec) -> OptsBuilder {
    let host = spec.host_or_default();
    let builder = OptsBuilder::default()
        .user(spec.user.clone())
        .pass(spec.password.clone())
        .db_name(spec.database.clone().filter(|d| !d.is_empty()))
        // Stay on the address the user gave; mysql_async would otherwise
        // switch a localhost TCP connection to the server's Unix socket.
        .prefer_socket(false)
        // Every one-statement check must reach the server (see stream::check_one_statement).
        .stmt_cache_size(Some(0))
        // Affected rows are the rows an UPDATE matched, as on PostgreSQL and
        // SQLite: an UPDATE that sets a row to the values it holds counts it,
        // so a grid edit's one-row check reads 0 only when the row is gone.
        .client_found_rows(true)
        .tcp_nodelay(true);
    if host.starts_with('/') {
        builder.socket(Some(host))
    } else {
        builder.ip_or_hostname(host).tcp_port(spec.port_or_default())
    }
}

enum OpenError {
    Timeout,
    Driver(mysql_async::Error),
}

impl OpenError {
    fn into_db(self, spec: &ConnSpec, target: &Target<'_>) -> DbError {
        match self {
            OpenError::Timeout => DbError::new(
                ErrorCode::DbTimeout,
                format!(
                    "connecting to {} timed out after {} s: the server did not answer; check the host, port and firewall, or raise connect_timeout",
                    target.addr,
                    spec.connect_timeout.as_secs_f32()
                ),
            ),
            OpenError::Driver(e) => map_err(e, target),
        }
    }
}

async fn open_raw(builder: OptsBuilder, deadline: Instant) -> Result<(Conn, Opts), OpenError> {
    let opts = Opts::from(builder);
    match tokio::time::timeout_at(deadline, Conn::new(opts.clone())).await {
        Ok(Ok(conn)) => Ok((conn, opts)),
        Ok(Err(e)) => Err(OpenError::Driver(e)),
        Err(_) => Err(OpenError::Timeout),
    }
}

async fn open(builder: OptsBuilder, deadline: Instant, spec: &ConnSpec, target: &Target<'_>) -> DbResult<(Conn, Opts)> {
    open_raw(builder, deadline).await.map_err(|e| e.into_db(spec, target))
}

/// `10.11.19-MariaDB-0+deb12u1` -> `MariaDB 10.11.19`; `8.0.36` -> `MySQL 8.0.36`.
fn product_version(raw: &str) -> String {
    // Old MariaDB handshakes prefix a fake MySQL version for compatibility.
    let raw = raw.strip_prefix("5.5.5-").unwrap_or(raw);
    let number: String = raw.chars().take_while(|c| c.is_ascii_digit() || *c == '.').collect();
    let product = if raw.to_ascii_lowercase().contains("mariadb") {
        "MariaDB"
    } else {
        "MySQL"
    };
    format!("{product} {number}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn product_versions() {
        assert_eq!(product_version("10.11.19-MariaDB-0+deb12u1"), "MariaDB 10.11.19");
        assert_eq!(product_version("8.0.36"), "MySQL 8.0.36");
        assert_eq!(product_version("5.5.5-10.6.12-MariaDB"), "MariaDB 10.6.12");
    }
}
