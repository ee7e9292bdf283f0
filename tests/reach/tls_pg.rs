//! Postgres TLS: success paths and each failure, against a server with ssl=on.

use super::support::{first_cell, tls};
use dbn::db::ErrorCode;

const SSL_IN_USE: &str = "SELECT ssl::text FROM pg_stat_ssl WHERE pid = pg_backend_pid()";

fn url(t: &super::support::Tls, host: &str, user: &str, query: &str) -> String {
    format!("postgres://{user}@{host}:{}/dbn_test?{query}", t.pg_port)
}

#[test]
fn verify_full_with_client_certificate_succeeds() {
    let Some(t) = tls() else { return };
    let q = format!(
        "sslmode=verify-full&sslrootcert={}&sslcert={}&sslkey={}",
        t.file("ca.pem"),
        t.file("client.pem"),
        t.file("client.key")
    );
    assert_eq!(
        first_cell(&url(&t, "localhost", "dbn_cert", &q), None, SSL_IN_USE).unwrap(),
        "true"
    );
    // The CRL that revokes nothing keeps it working.
    let with_crl = format!("{q}&sslcrl={}", t.file("crl-empty.pem"));
    assert_eq!(
        first_cell(&url(&t, "localhost", "dbn_cert", &with_crl), None, SSL_IN_USE).unwrap(),
        "true"
    );
}

#[test]
fn encrypted_key_needs_its_passphrase() {
    let Some(t) = tls() else { return };
    let q = format!(
        "sslmode=verify-full&sslrootcert={}&sslcert={}&sslkey={}",
        t.file("ca.pem"),
        t.file("client.pem"),
        t.file("client-enc.key")
    );
    let u = url(&t, "localhost", "dbn_cert", &q);
    assert_eq!(first_cell(&u, Some("dbn-key-pass"), SSL_IN_USE).unwrap(), "true");
    let e = first_cell(&u, None, SSL_IN_USE).unwrap_err();
    assert_eq!(e.code, ErrorCode::DbTls);
    assert!(
        e.message.contains("is encrypted") && e.message.contains("--sslpassword-stdin"),
        "{}",
        e.message
    );
    let e = first_cell(&u, Some("wrong"), SSL_IN_USE).unwrap_err();
    assert!(e.message.contains("cannot decrypt sslkey"), "{}", e.message);
}

#[test]
fn wrong_ca_is_named() {
    let Some(t) = tls() else { return };
    let q = format!("sslmode=verify-ca&sslrootcert={}", t.file("other-ca.pem"));
    let e = first_cell(&url(&t, "localhost", "tls_only", &q), None, "SELECT 1").unwrap_err();
    assert_eq!(e.code, ErrorCode::DbTls, "{}", e.message);
    assert!(
        e.message.contains("not signed by a CA in") && e.message.contains("other-ca.pem"),
        "{}",
        e.message
    );
}

#[test]
fn verify_ca_ignores_the_host_name_and_verify_full_does_not() {
    let Some(t) = tls() else { return };
    let ca = t.file("ca.pem");
    // The certificate names only DNS:localhost.
    let full = url(
        &t,
        "127.0.0.1",
        "tls_only",
        &format!("sslmode=verify-full&sslrootcert={ca}"),
    );
    let e = first_cell(&full, None, "SELECT 1").unwrap_err();
    assert_eq!(e.code, ErrorCode::DbTls, "{}", e.message);
    assert!(
        e.message.contains("not issued for '127.0.0.1'") && e.message.contains("verify-ca"),
        "{}",
        e.message
    );
    let ca_only = url(
        &t,
        "127.0.0.1",
        "tls_only",
        &format!("sslmode=verify-ca&sslrootcert={ca}"),
    );
    assert_eq!(first_cell(&ca_only, None, SSL_IN_USE).unwrap(), "true");
}

#[test]
fn missing_client_certificate_says_so() {
    let Some(t) = tls() else { return };
    let q = format!("sslmode=verify-full&sslrootcert={}", t.file("ca.pem"));
    let e = first_cell(&url(&t, "localhost", "dbn_cert", &q), None, "SELECT 1").unwrap_err();
    assert_eq!(e.code, ErrorCode::DbTls, "{}", e.message);
    assert!(
        e.message.contains("requires a client certificate") && e.message.contains("sslcert"),
        "{}",
        e.message
    );
}

#[test]
fn revoked_server_certificate_is_refused() {
    let Some(t) = tls() else { return };
    let q = format!(
        "sslmode=verify-full&sslrootcert={}&sslcrl={}",
        t.file("ca.pem"),
        t.file("crl-revoked.pem")
    );
    let e = first_cell(&url(&t, "localhost", "tls_only", &q), None, "SELECT 1").unwrap_err();
    assert_eq!(e.code, ErrorCode::DbTls, "{}", e.message);
    assert!(
        e.message.contains("revoked") && e.message.contains("crl-revoked.pem"),
        "{}",
        e.message
    );
    // A CRL that cannot be checked is refused before connecting.
    let unchecked = format!("sslmode=require&sslcrl={}", t.file("crl-revoked.pem"));
    let e = first_cell(&url(&t, "localhost", "tls_only", &unchecked), None, "SELECT 1").unwrap_err();
    assert_eq!(e.code, ErrorCode::DbBadUrl, "{}", e.message);
}

#[test]
fn allow_and_prefer_differ_as_in_libpq() {
    let Some(t) = tls() else { return };
    let ssl = |user: &str, mode: &str| {
        first_cell(
            &url(&t, "localhost", user, &format!("sslmode={mode}")),
            None,
            SSL_IN_USE,
        )
    };
    // allow: plain first; TLS only when the server refuses plain.
    assert_eq!(ssl("postgres", "allow").unwrap(), "false");
    assert_eq!(ssl("tls_only", "allow").unwrap(), "true");
    // prefer: TLS first; plain when the server refuses TLS (hostnossl).
    assert_eq!(ssl("postgres", "prefer").unwrap(), "true");
    assert_eq!(ssl("plain_only", "prefer").unwrap(), "false");
    assert!(ssl("plain_only", "require").is_err());
    assert!(ssl("tls_only", "disable").is_err());
}

#[test]
fn key_readable_by_others_is_refused() {
    let Some(t) = tls() else { return };
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("open.key");
    std::fs::copy(t.dir.join("client.key"), &key).unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o644)).unwrap();
    let q = format!(
        "sslmode=verify-full&sslrootcert={}&sslcert={}&sslkey={}",
        t.file("ca.pem"),
        t.file("client.pem"),
        key.display()
    );
    let e = first_cell(&url(&t, "localhost", "dbn_cert", &q), None, "SELECT 1").unwrap_err();
    assert!(
        e.message.contains("group or world access") && e.message.contains("chmod 600"),
        "{}",
        e.message
    );
}
