//! MySQL / MariaDB driver (dbn's own wire protocol over tokio and
//! rustls, see `wire`). Results stream with the text protocol, row by row
//! as they arrive; cancellation sends `KILL QUERY <id>` on a short-lived
//! side connection, which leaves the session's own connection open and
//! usable.

mod convert;
mod error;
mod infile;
mod session;
mod stream;
mod tls;
mod wire;

use super::{ConnSpec, DbError, DbResult, ErrorCode, Session, SslMode};
use error::{Target, map_err};
use rustls::pki_types::ServerName;
use session::MysqlSession;
use std::sync::Arc;
use tokio::time::Instant;
use wire::WireError;

/// Open a MySQL/MariaDB session.
///
/// TLS follows `spec.sslmode` as libpq means it: `disable` never uses it,
/// `allow` tries plain first and TLS when the server refuses, `prefer` uses
/// TLS without verification when the server offers it and plain TCP when
/// not, `require` insists on TLS (verifying the chain when a CA is given),
/// `verify-ca` checks the chain (and CRLs), `verify-full` the chain and the
/// host name. Client certificates come from `sslcert`/`sslkey`. A
/// read-only spec runs `SET SESSION TRANSACTION READ ONLY` before the
/// session is handed out, so the server refuses writes.
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
    let plain = base_opts(spec);
    let (mut conn, opts) = match spec.sslmode {
        SslMode::Disable => open(plain, deadline, spec, &target).await?,
        SslMode::Allow => match open_raw(plain.clone(), deadline).await {
            Ok(pair) => pair,
            Err(OpenError::Wire(WireError::Server { message, .. })) => {
                tracing::debug!("plain connection refused under sslmode=allow, retrying with TLS: {message}");
                open(with_tls(plain, spec, true)?, deadline, spec, &target).await?
            }
            Err(e) => return Err(e.into_db(spec, &target)),
        },
        SslMode::Prefer => open(with_tls(plain, spec, false)?, deadline, spec, &target).await?,
        SslMode::Require | SslMode::VerifyCa | SslMode::VerifyFull => {
            open(with_tls(plain, spec, true)?, deadline, spec, &target).await?
        }
    };
    // The greeting named the version: no round trip for `SELECT VERSION()`.
    let version = product_version(conn.server_version());
    if spec.read_only {
        session::make_read_only(&mut conn, &target).await?;
    }
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

fn base_opts(spec: &ConnSpec) -> wire::Opts {
    wire::Opts {
        host: spec.host_or_default().to_string(),
        port: spec.port_or_default(),
        user: spec.user.clone(),
        password: spec.password.clone(),
        database: spec.database.clone().filter(|d| !d.is_empty()),
        tls: None,
    }
}

/// `opts` with TLS as `spec` asks (verification policy, CRLs and client
/// certificate all from the shared rustls configuration).
fn with_tls(mut opts: wire::Opts, spec: &ConnSpec, required: bool) -> DbResult<wire::Opts> {
    // A Unix socket never leaves the machine: as libpq does, sslmode does
    // not apply to it (the server offers no TLS there anyway).
    if opts.host.starts_with('/') {
        return Ok(opts);
    }
    let Some(config) = crate::db::tls::client_config(spec)? else {
        return Ok(opts);
    };
    let name = spec
        .tls_server_name
        .clone()
        .unwrap_or_else(|| spec.host_or_default().to_string());
    let name = ServerName::try_from(name.clone()).map_err(|_| {
        DbError::new(
            ErrorCode::DbTls,
            format!("'{name}' is not a name a certificate can be checked against"),
        )
    })?;
    opts.tls = Some(wire::Tls {
        config: Arc::new(config),
        name,
        required,
    });
    Ok(opts)
}

enum OpenError {
    Timeout,
    Wire(WireError),
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
            OpenError::Wire(e) => map_err(e, target),
        }
    }
}

async fn open_raw(opts: wire::Opts, deadline: Instant) -> Result<(wire::Conn, wire::Opts), OpenError> {
    match tokio::time::timeout_at(deadline, wire::connect(&opts)).await {
        Ok(Ok(conn)) => Ok((conn, opts)),
        Ok(Err(e)) => Err(OpenError::Wire(e)),
        Err(_) => Err(OpenError::Timeout),
    }
}

async fn open(
    opts: wire::Opts,
    deadline: Instant,
    spec: &ConnSpec,
    target: &Target<'_>,
) -> DbResult<(wire::Conn, wire::Opts)> {
    open_raw(opts, deadline).await.map_err(|e| e.into_db(spec, target))
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
