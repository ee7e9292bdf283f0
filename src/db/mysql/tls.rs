//! TLS for MySQL/MariaDB connections: mysql_async options for each sslmode,
//! the client certificate, and the CRL check mysql_async cannot do itself.

use crate::db::tls::{self, Check};
use crate::db::{ConnSpec, DbError, DbResult, ErrorCode};
use mysql_async::{ClientIdentity, SslOpts};
use rustls::pki_types::ServerName;
use std::sync::Arc;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// mysql_async TLS options for `spec` (any mode but disable). `probed_name`
/// is a name the probe found in the verified server certificate.
pub(super) fn ssl_opts(spec: &ConnSpec, probed_name: Option<&str>) -> DbResult<SslOpts> {
    let mut opts = SslOpts::default();
    match tls::check(spec) {
        Check::Encrypt => {
            opts = opts
                .with_danger_accept_invalid_certs(true)
                .with_danger_skip_domain_validation(true);
        }
        check => {
            if let Some(ca) = tls::root_cert_file(spec) {
                if !ca.is_file() {
                    return Err(DbError::new(
                        ErrorCode::DbTls,
                        format!(
                            "CA file '{}' (sslrootcert) does not exist or is not a file; give the PEM bundle that signed the server certificate",
                            ca.display()
                        ),
                    ));
                }
                opts = opts.with_root_certs(vec![ca.into()]).with_disable_built_in_roots(true);
            }
            // mysql_async's own "skip the name check" misses rustls's
            // current error variant, so verify-ca checks against a name the
            // certificate lists (found by the probe) instead.
            let name = match check {
                Check::Chain => probed_name.map(str::to_string),
                _ => spec.tls_server_name.clone(),
            };
            opts = opts.with_danger_skip_domain_validation(check == Check::Chain && name.is_none());
            if let Some(name) = name {
                opts = opts.with_danger_tls_hostname_override(Some(name));
            }
        }
    }
    if let Some((cert, key)) = tls::identity_pem(spec)? {
        opts = opts.with_client_identity(Some(ClientIdentity::new(cert.into(), key.into())));
    }
    Ok(opts)
}

/// Whether dbn must check the server certificate itself before mysql_async
/// connects: CRLs (mysql_async has none) and verify-ca (see `ssl_opts`).
pub(super) fn needs_probe(spec: &ConnSpec) -> bool {
    spec.ssl_crl.is_some() || spec.ssl_crl_dir.is_some() || tls::check(spec) == Check::Chain
}

const CLIENT_LONG_PASSWORD: u32 = 0x1;
const CLIENT_PROTOCOL_41: u32 = 0x200;
const CLIENT_SSL: u32 = 0x800;
const CLIENT_SECURE_CONNECTION: u32 = 0x8000;

/// Before the real connection dbn opens one of its own up to the end of
/// the TLS handshake (the MySQL SSLRequest, then rustls with the CRLs, CA
/// and host name checks of `spec`) and closes it. Returns a DNS name the
/// verified certificate lists. A server without TLS is left for the real
/// connection to report.
pub(super) async fn probe(spec: &ConnSpec, host: &str, port: u16) -> DbResult<Option<String>> {
    let Some(config) = tls::client_config(spec)? else {
        return Ok(None);
    };
    let io = |e: std::io::Error| {
        DbError::new(
            ErrorCode::DbConnRefused,
            format!("could not connect to {host}:{port} to check the server certificate against sslcrl: {e}"),
        )
    };
    let mut stream = TcpStream::connect((host, port)).await.map_err(io)?;
    let mut header = [0u8; 4];
    stream.read_exact(&mut header).await.map_err(io)?;
    let len = u32::from_le_bytes([header[0], header[1], header[2], 0]) as usize;
    let mut greeting = vec![0u8; len.min(1 << 16)];
    stream.read_exact(&mut greeting).await.map_err(io)?;
    if !supports_tls(&greeting) {
        return Ok(None);
    }
    let caps = CLIENT_LONG_PASSWORD | CLIENT_PROTOCOL_41 | CLIENT_SSL | CLIENT_SECURE_CONNECTION;
    let mut request = vec![32u8, 0, 0, header[3].wrapping_add(1)];
    request.extend_from_slice(&caps.to_le_bytes());
    request.extend_from_slice(&(16u32 << 20).to_le_bytes());
    request.push(45); // utf8mb4_general_ci
    request.extend_from_slice(&[0u8; 23]);
    stream.write_all(&request).await.map_err(io)?;
    let name = spec.tls_server_name.clone().unwrap_or_else(|| host.to_string());
    let server_name = ServerName::try_from(name.clone()).map_err(|_| {
        DbError::new(
            ErrorCode::DbTls,
            format!("'{name}' is not a name a certificate can be checked against"),
        )
    })?;
    let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
    match connector.connect(server_name, stream).await {
        Ok(mut tls) => {
            let name = tls
                .get_ref()
                .1
                .peer_certificates()
                .and_then(|chain| chain.first())
                .and_then(|leaf| dns_name(leaf.as_ref()));
            let _ = tls.shutdown().await;
            Ok(name)
        }
        Err(e) => {
            let text = e.to_string();
            Err(DbError::new(
                ErrorCode::DbTls,
                format!("TLS with {host}:{port} failed: {text}. {}", tls::advice(&text, spec)),
            ))
        }
    }
}

/// A DNS name the certificate is valid for (a wildcard made concrete).
fn dns_name(der: &[u8]) -> Option<String> {
    let der = rustls::pki_types::CertificateDer::from(der);
    let cert = webpki::EndEntityCert::try_from(&der).ok()?;
    let name = cert.valid_dns_names().next()?;
    Some(match name.strip_prefix("*.") {
        Some(rest) => format!("dbn-verify-ca.{rest}"),
        None => name.to_string(),
    })
}

/// Protocol 10 greeting: version 10, NUL-terminated server version, thread
/// id (4), scramble (8), filler (1), then the low capability flags.
fn supports_tls(greeting: &[u8]) -> bool {
    if greeting.first() != Some(&10) {
        return false;
    }
    let Some(nul) = greeting.iter().skip(1).position(|b| *b == 0) else {
        return false;
    };
    let at = 1 + nul + 1 + 4 + 8 + 1;
    match greeting.get(at..at + 2) {
        Some(flags) => u32::from(u16::from_le_bytes([flags[0], flags[1]])) & CLIENT_SSL != 0,
        None => false,
    }
}

/// A TLS failure reworded with what to do next; other errors pass through,
/// an access denial without a client certificate gains a hint.
pub(super) fn refine(e: DbError, spec: &ConnSpec) -> DbError {
    match e.code {
        ErrorCode::DbTls if !e.message.contains("does not support TLS") => {
            let head = e.message.split("; check").next().unwrap_or(&e.message).to_string();
            let advice = tls::advice(&head, spec);
            DbError {
                message: format!("{head}. {advice}"),
                ..e
            }
        }
        ErrorCode::DbAuthFailed if spec.ssl_cert.is_none() => DbError {
            message: format!(
                "{}. If the account requires a client certificate (REQUIRE X509), set sslcert and sslkey.",
                e.message.trim_end_matches('.')
            ),
            ..e
        },
        _ => e,
    }
}
