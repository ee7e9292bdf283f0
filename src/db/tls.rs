//! TLS as libpq means it, shared by the Postgres and MySQL drivers:
//! `sslmode` (six modes), `sslrootcert`, `sslcert` + `sslkey` (encrypted
//! PKCS#8 keys with `sslpassword`), `sslcrl`/`sslcrldir`, and a fixed
//! server name for tunnelled connections.

mod keys;
mod verify;

use super::{ConnSpec, DbError, DbResult, Engine, ErrorCode, SslMode};
use rustls::client::WebPkiServerVerifier;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName};
use rustls::{ClientConfig, RootCertStore};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// How the server's certificate is checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Check {
    /// Encrypt only (allow, prefer, require without a root certificate).
    Encrypt,
    /// The chain up to a trusted CA, and CRLs (verify-ca; require with sslrootcert).
    Chain,
    /// The chain, CRLs and the host name (verify-full).
    Full,
}

/// The check `spec` asks for. `require` with a root certificate verifies
/// the chain, as libpq does.
pub(crate) fn check(spec: &ConnSpec) -> Check {
    match spec.sslmode {
        SslMode::VerifyFull => Check::Full,
        SslMode::VerifyCa => Check::Chain,
        SslMode::Require if root_cert(spec).is_some() => Check::Chain,
        _ => Check::Encrypt,
    }
}

/// The CA file: `sslrootcert`, else libpq's `~/.postgresql/root.crt` for
/// Postgres when it exists. `system` means the built-in (Mozilla) roots.
fn root_cert(spec: &ConnSpec) -> Option<PathBuf> {
    match &spec.ssl_root_cert {
        Some(p) if p.as_os_str() == "system" => None,
        Some(p) => Some(p.clone()),
        None => libpq_default(spec, "root.crt"),
    }
}

/// libpq's default file under `~/.postgresql/`, for Postgres, when present.
fn libpq_default(spec: &ConnSpec, file: &str) -> Option<PathBuf> {
    if spec.engine != Engine::Postgres {
        return None;
    }
    let path = PathBuf::from(std::env::var_os("HOME")?).join(".postgresql").join(file);
    path.is_file().then_some(path)
}

/// The client certificate and key files, or `None`. Giving only one of
/// the two is an error.
fn identity_files(spec: &ConnSpec) -> DbResult<Option<(PathBuf, PathBuf)>> {
    match (&spec.ssl_cert, &spec.ssl_key) {
        (Some(c), Some(k)) => Ok(Some((c.clone(), k.clone()))),
        (Some(c), None) => match libpq_default(spec, "postgresql.key") {
            Some(key) => Ok(Some((c.clone(), key))),
            None => Err(missing("sslcert", "sslkey")),
        },
        (None, Some(_)) => Err(missing("sslkey", "sslcert")),
        (None, None) => Ok(libpq_default(spec, "postgresql.crt").zip(libpq_default(spec, "postgresql.key"))),
    }
}

fn missing(given: &str, needed: &str) -> DbError {
    DbError::new(
        ErrorCode::DbBadUrl,
        format!("{given} is set but {needed} is not: a client certificate needs both sslcert and sslkey"),
    )
}

/// A rustls client configuration for `spec`, or `None` for `sslmode=disable`.
/// `tls_server_name` (set for tunnels) replaces the dialled name in the
/// host name check.
pub(crate) fn client_config(spec: &ConnSpec) -> DbResult<Option<ClientConfig>> {
    if spec.sslmode == SslMode::Disable {
        return Ok(None);
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = ClientConfig::builder_with_provider(provider.clone())
        .with_protocol_versions(&protocol_versions(spec)?)
        .map_err(|e| DbError::new(ErrorCode::DbTls, format!("cannot set up TLS: {e}")))?;
    let crls = keys::crls(spec.ssl_crl.as_deref(), spec.ssl_crl_dir.as_deref())?;
    let check = check(spec);
    if check == Check::Encrypt && !crls.is_empty() {
        return Err(DbError::new(
            ErrorCode::DbBadUrl,
            format!(
                "sslcrl/sslcrldir is set but sslmode={} does not verify the server certificate, so revocation would not be checked: use sslmode=verify-ca or verify-full",
                spec.sslmode.as_str()
            ),
        ));
    }
    let verifier: Arc<dyn rustls::client::danger::ServerCertVerifier> = match check {
        Check::Encrypt => Arc::new(verify::NoVerify(provider.signature_verification_algorithms)),
        Check::Chain | Check::Full => {
            let inner = WebPkiServerVerifier::builder_with_provider(Arc::new(roots(spec)?), provider.clone())
                .with_crls(crls)
                .build()
                .map_err(|e| DbError::new(ErrorCode::DbTls, format!("cannot set up certificate checks: {e}")))?;
            Arc::new(verify::Verify {
                inner,
                check_name: check == Check::Full,
                name: server_name(spec)?,
            })
        }
    };
    let builder = builder.dangerous().with_custom_certificate_verifier(verifier);
    let mut config = match identity(spec)? {
        Some((chain, key)) => builder.with_client_auth_cert(chain, key).map_err(|e| {
            DbError::new(
                ErrorCode::DbTls,
                format!(
                    "the client certificate (sslcert) and key (sslkey) do not belong together or are unusable: {e}"
                ),
            )
        })?,
        None => builder.with_no_client_auth(),
    };
    if spec.params.get("sslsni").is_some_and(|v| v == "0") {
        config.enable_sni = false;
    }
    Ok(Some(config))
}

fn protocol_versions(spec: &ConnSpec) -> DbResult<Vec<&'static rustls::SupportedProtocolVersion>> {
    let min = spec.params.get("ssl_min_protocol_version").map(String::as_str);
    let max = spec.params.get("ssl_max_protocol_version").map(String::as_str);
    let mut out = Vec::new();
    if min != Some("TLSv1.3") {
        out.push(&rustls::version::TLS12);
    }
    if max != Some("TLSv1.2") {
        out.push(&rustls::version::TLS13);
    }
    if out.is_empty() {
        return Err(DbError::new(
            ErrorCode::DbBadUrl,
            "ssl_min_protocol_version=TLSv1.3 and ssl_max_protocol_version=TLSv1.2 leave no TLS version",
        ));
    }
    Ok(out)
}

fn roots(spec: &ConnSpec) -> DbResult<RootCertStore> {
    let Some(path) = root_cert(spec) else {
        return Ok(RootCertStore {
            roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
        });
    };
    let mut store = RootCertStore::empty();
    for cert in keys::certs("sslrootcert", &path)? {
        store.add(cert).map_err(|e| {
            DbError::new(
                ErrorCode::DbTls,
                format!(
                    "sslrootcert '{}' holds a certificate rustls rejects: {e}",
                    path.display()
                ),
            )
        })?;
    }
    Ok(store)
}

/// The name to verify when it differs from the address dialled.
fn server_name(spec: &ConnSpec) -> DbResult<Option<ServerName<'static>>> {
    let Some(name) = &spec.tls_server_name else {
        return Ok(None);
    };
    ServerName::try_from(name.clone()).map(Some).map_err(|_| {
        DbError::new(
            ErrorCode::DbTls,
            format!("'{name}' is not a host name or address a certificate can be checked against"),
        )
    })
}

type Identity = (Vec<CertificateDer<'static>>, PrivateKeyDer<'static>);

fn identity(spec: &ConnSpec) -> DbResult<Option<Identity>> {
    let Some((cert, key)) = identity_files(spec)? else {
        return Ok(None);
    };
    let chain = keys::certs("sslcert", &cert)?;
    let key = keys::private_key(&key, spec.ssl_password.as_deref())?;
    Ok(Some((chain, key)))
}

/// What to do next for a TLS failure, from the text of the error.
pub(crate) fn advice(error: &str, spec: &ConnSpec) -> String {
    let ca = root_cert(spec).map(|p| p.display().to_string());
    let ca = ca.as_deref().unwrap_or("the built-in roots");
    let name = spec.tls_server_name.as_deref().unwrap_or(spec.host_or_default());
    if error.contains("Revoked") {
        let crl = spec
            .ssl_crl
            .as_deref()
            .or(spec.ssl_crl_dir.as_deref())
            .map(Path::display);
        format!(
            "The server certificate is revoked according to {}. Ask the server's operator for a new certificate",
            crl.map(|c| format!("sslcrl '{c}'")).unwrap_or_else(|| "the CRL".into())
        )
    } else if error.contains("UnknownRevocationStatus") {
        "The CRL does not cover the server certificate's issuer: give the CRL of every CA in the chain (sslcrl/sslcrldir)".into()
    } else if error.contains("UnknownIssuer") || error.contains("BadSignature") {
        format!(
            "The server certificate is not signed by a CA in {ca} (sslrootcert): point sslrootcert at the CA that signed it, or use sslmode=require to encrypt without verifying"
        )
    } else if error.contains("NotValidForName") || error.contains("not valid for name") {
        format!(
            "The server certificate is not issued for '{name}' (sslmode=verify-full checks the host name): connect with a name the certificate lists, or use sslmode=verify-ca to check only the CA"
        )
    } else if error.contains("Expired") || error.contains("NotValidYet") {
        "The server certificate is outside its validity period: renew it on the server, or check this machine's clock"
            .into()
    } else if error.contains("CertificateRequired") || error.contains("certificate required") {
        "The server requires a client certificate: set sslcert and sslkey".into()
    } else if error.contains("UnknownCA") || error.contains("unknown ca") || error.contains("BadCertificate") {
        "The server rejected the client certificate (sslcert): it is not signed by a CA the server trusts, or it does not match sslkey".into()
    } else if error.contains("CertRevoked") || error.contains("certificate revoked") {
        "The server says the client certificate (sslcert) is revoked".into()
    } else {
        "Check sslmode (disable, allow, prefer, require, verify-ca, verify-full), sslrootcert, sslcert and sslkey"
            .into()
    }
}
