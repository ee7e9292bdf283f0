//! Reading the client certificate, its private key (plain, or PKCS#8
//! encrypted with a passphrase), CA bundles and CRLs from PEM files, with
//! errors that name the parameter and the file.

use crate::db::{DbError, DbResult, ErrorCode};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, CertificateRevocationListDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use std::path::{Path, PathBuf};
use zeroize::Zeroizing;

fn tls_error(message: String) -> DbError {
    DbError::new(ErrorCode::DbTls, message)
}

fn read(param: &str, path: &Path) -> DbResult<Vec<u8>> {
    std::fs::read(path).map_err(|e| {
        tls_error(format!(
            "cannot read {param} '{}': {e}. Point {param} at a readable PEM file",
            path.display()
        ))
    })
}

/// Every certificate in a PEM file (`sslcert`, `sslrootcert`).
pub(super) fn certs(param: &str, path: &Path) -> DbResult<Vec<CertificateDer<'static>>> {
    let bytes = read(param, path)?;
    let mut out = Vec::new();
    for cert in CertificateDer::pem_slice_iter(&bytes) {
        out.push(cert.map_err(|e| tls_error(format!("{param} '{}' is not valid PEM: {e}", path.display())))?);
    }
    if out.is_empty() {
        return Err(tls_error(format!(
            "{param} '{}' holds no PEM certificate (-----BEGIN CERTIFICATE-----)",
            path.display()
        )));
    }
    Ok(out)
}

/// CRLs from `sslcrl` (one PEM file, possibly several lists) and every file
/// in `sslcrldir`.
pub(super) fn crls(file: Option<&Path>, dir: Option<&Path>) -> DbResult<Vec<CertificateRevocationListDer<'static>>> {
    let mut files: Vec<(&str, PathBuf)> = file.map(|f| ("sslcrl", f.to_path_buf())).into_iter().collect();
    if let Some(dir) = dir {
        let entries =
            std::fs::read_dir(dir).map_err(|e| tls_error(format!("cannot read sslcrldir '{}': {e}", dir.display())))?;
        let mut found: Vec<PathBuf> = entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.is_file())
            .collect();
        found.sort();
        files.extend(found.into_iter().map(|p| ("sslcrldir", p)));
    }
    let mut out = Vec::new();
    for (param, path) in files {
        let bytes = read(param, &path)?;
        let before = out.len();
        for crl in CertificateRevocationListDer::pem_slice_iter(&bytes) {
            out.push(crl.map_err(|e| tls_error(format!("{param} '{}' is not valid PEM: {e}", path.display())))?);
        }
        if out.len() == before && param == "sslcrl" {
            return Err(tls_error(format!(
                "sslcrl '{}' holds no PEM revocation list (-----BEGIN X509 CRL-----)",
                path.display()
            )));
        }
    }
    Ok(out)
}

/// The client's private key. An encrypted PKCS#8 key needs `passphrase`.
pub(super) fn private_key(path: &Path, passphrase: Option<&str>) -> DbResult<PrivateKeyDer<'static>> {
    check_key_permissions(path)?;
    let bytes = Zeroizing::new(read("sslkey", path)?);
    let text = String::from_utf8_lossy(&bytes);
    let shown = path.display();
    if text.contains("Proc-Type: 4,ENCRYPTED") {
        return Err(tls_error(format!(
            "sslkey '{shown}' is encrypted in the legacy OpenSSL format, which dbn cannot read; convert it once with `openssl pkcs8 -topk8 -v2 aes-256-cbc -in OLD -out NEW` and point sslkey at NEW"
        )));
    }
    if text.contains("-----BEGIN ENCRYPTED PRIVATE KEY-----") {
        return decrypt(&bytes, path, passphrase);
    }
    PrivateKeyDer::from_pem_slice(&bytes).map_err(|e| {
        tls_error(format!(
            "sslkey '{shown}' holds no usable private key ({e}); give a PEM key (PKCS#8, PKCS#1 RSA or SEC1 EC)"
        ))
    })
}

fn decrypt(pem: &[u8], path: &Path, passphrase: Option<&str>) -> DbResult<PrivateKeyDer<'static>> {
    let shown = path.display();
    let Some(pass) = passphrase.filter(|p| !p.is_empty()) else {
        return Err(tls_error(format!(
            "sslkey '{shown}' is encrypted and no passphrase is stored: save it with `dbn connect edit NAME --sslpassword-stdin` (or sslpassword in an ad-hoc URL)"
        )));
    };
    let (_, der) =
        pkcs8::der::pem::decode_vec(pem).map_err(|e| tls_error(format!("sslkey '{shown}' is not valid PEM: {e}")))?;
    let info = pkcs8::EncryptedPrivateKeyInfo::try_from(der.as_slice())
        .map_err(|e| tls_error(format!("sslkey '{shown}' is not a valid encrypted PKCS#8 key: {e}")))?;
    let plain = info.decrypt(pass).map_err(|_| {
        tls_error(format!(
            "cannot decrypt sslkey '{shown}': wrong passphrase, or an encryption scheme dbn does not support (PBES2 with PBKDF2 or scrypt and AES-CBC are supported). Store the right passphrase with `dbn connect edit NAME --sslpassword-stdin`"
        ))
    })?;
    Ok(PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(
        plain.as_bytes().to_vec(),
    )))
}

/// libpq refuses a key others can read; so do we, with its rule: u=rw
/// (0600) or less, or u=rw,g=r (0640) or less when root owns the file.
fn check_key_permissions(path: &Path) -> DbResult<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::{MetadataExt, PermissionsExt};
        let meta =
            std::fs::metadata(path).map_err(|e| tls_error(format!("cannot read sslkey '{}': {e}", path.display())))?;
        let mode = meta.permissions().mode();
        let allowed = if meta.uid() == 0 { 0o037 } else { 0o077 };
        if mode & allowed != 0 {
            return Err(tls_error(format!(
                "sslkey '{}' has group or world access (mode {:o}); make it private with `chmod 600 {}`",
                path.display(),
                mode & 0o777,
                path.display()
            )));
        }
    }
    Ok(())
}
