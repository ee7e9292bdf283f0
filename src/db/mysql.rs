//! MySQL / MariaDB driver (mysql_async over rustls). Results stream with
//! the text protocol, row by row as they arrive; cancellation sends
//! `KILL QUERY <id>` on a short-lived side connection, which leaves the
//! session's own connection open and usable.

mod convert;
mod error;
mod session;
mod stream;

use super::{ConnSpec, DbError, DbResult, ErrorCode, Session, SslMode};
use error::{Target, map_err};
use mysql_async::prelude::Queryable;
use mysql_async::{Conn, DriverError, Opts, OptsBuilder, SslOpts};
use session::MysqlSession;
use tokio::time::Instant;

/// Open a MySQL/MariaDB session.
///
/// TLS follows `spec.sslmode`: `disable` never uses it, `prefer` tries TLS
/// without verification and falls back to plain TCP when the server has no
/// TLS, `require` insists on TLS without verification, `verify-full` checks
/// the chain (against `ssl_root_cert` when given, else the webpki roots) and
/// the host name. A read-only spec runs `SET SESSION TRANSACTION READ ONLY`
/// before the session is handed out, so the server refuses writes.
pub async fn connect(spec: &ConnSpec) -> DbResult<Box<dyn Session>> {
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
        SslMode::Require => open(base.ssl_opts(lenient_tls()), deadline, spec, &target).await?,
        SslMode::VerifyFull => open(base.ssl_opts(strict_tls(spec)?), deadline, spec, &target).await?,
        SslMode::Prefer => match open_raw(base.clone().ssl_opts(lenient_tls()), deadline).await {
            Ok(pair) => pair,
            Err(OpenError::Driver(mysql_async::Error::Driver(DriverError::NoClientSslFlagFromServer))) => {
                open(base, deadline, spec, &target).await?
            }
            Err(e) => return Err(e.into_db(spec, &target)),
        },
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
        .tcp_nodelay(true);
    if host.starts_with('/') {
        builder.socket(Some(host))
    } else {
        builder.ip_or_hostname(host).tcp_port(spec.port_or_default())
    }
}

fn lenient_tls() -> SslOpts {
    SslOpts::default()
        .with_danger_accept_invalid_certs(true)
        .with_danger_skip_domain_validation(true)
}

fn strict_tls(spec: &ConnSpec) -> DbResult<SslOpts> {
    let Some(ca) = &spec.ssl_root_cert else {
        return Ok(SslOpts::default());
    };
    if !ca.is_file() {
        return Err(DbError::new(
            ErrorCode::DbTls,
            format!(
                "CA file '{}' (sslrootcert) does not exist or is not a file; give the PEM bundle that signed the server certificate",
                ca.display()
            ),
        ));
    }
    Ok(SslOpts::default()
        .with_root_certs(vec![ca.clone().into()])
        .with_disable_built_in_roots(true))
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
