//! rustls client configurations for the libpq-style sslmodes.

use crate::db::{DbError, DbResult, ErrorCode, SslMode};
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{WebPkiSupportedAlgorithms, verify_tls12_signature, verify_tls13_signature};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme};
use std::path::Path;
use std::sync::Arc;
use tokio_postgres_rustls::MakeRustlsConnect;

/// The TLS connector for `mode`, or `None` for plain connections.
/// `prefer` and `require` encrypt without verifying the certificate, as
/// libpq does; `verify-full` checks the chain and the host name against
/// `root_cert` (a PEM file) or the Mozilla roots.
pub(super) fn connector(mode: SslMode, root_cert: Option<&Path>) -> DbResult<Option<MakeRustlsConnect>> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| DbError::new(ErrorCode::DbTls, format!("cannot set up TLS: {e}")))?;
    let config = match mode {
        SslMode::Disable => return Ok(None),
        SslMode::Prefer | SslMode::Require => builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(NoVerify(provider.signature_verification_algorithms)))
            .with_no_client_auth(),
        SslMode::VerifyFull => builder.with_root_certificates(roots(root_cert)?).with_no_client_auth(),
    };
    Ok(Some(MakeRustlsConnect::new(config)))
}

fn roots(root_cert: Option<&Path>) -> DbResult<RootCertStore> {
    let Some(path) = root_cert else {
        return Ok(RootCertStore {
            roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
        });
    };
    let shown = path.display();
    let bytes = std::fs::read(path).map_err(|e| {
        DbError::new(
            ErrorCode::DbTls,
            format!("cannot read the CA file '{shown}' (sslrootcert): {e}. Point sslrootcert at a readable PEM file"),
        )
    })?;
    let mut store = RootCertStore::empty();
    for cert in CertificateDer::pem_slice_iter(&bytes) {
        let cert = cert.map_err(|e| {
            DbError::new(
                ErrorCode::DbTls,
                format!("the CA file '{shown}' (sslrootcert) is not valid PEM: {e}"),
            )
        })?;
        store.add(cert).map_err(|e| {
            DbError::new(
                ErrorCode::DbTls,
                format!("the CA file '{shown}' (sslrootcert) holds a certificate rustls rejects: {e}"),
            )
        })?;
    }
    if store.is_empty() {
        return Err(DbError::new(
            ErrorCode::DbTls,
            format!("the CA file '{shown}' (sslrootcert) holds no PEM certificate"),
        ));
    }
    Ok(store)
}

/// Accepts any server certificate but still checks handshake signatures,
/// which is what libpq's `sslmode=require` promises: encryption without
/// authentication of the server.
#[derive(Debug)]
struct NoVerify(WebPkiSupportedAlgorithms);

impl ServerCertVerifier for NoVerify {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls12_signature(message, cert, dss, &self.0)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls13_signature(message, cert, dss, &self.0)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.supported_schemes()
    }
}
