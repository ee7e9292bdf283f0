//! MariaDB TLS: success paths and each failure, against a server with TLS on.

use super::support::{first_cell, tls};
use dbn::db::ErrorCode;

const CIPHER: &str = "SELECT VARIABLE_VALUE FROM information_schema.SESSION_STATUS WHERE VARIABLE_NAME = 'SSL_CIPHER'";

fn url(t: &super::support::Tls, host: &str, user: &str, query: &str) -> String {
    format!("mysql://{user}@{host}:{}/dbn_test?{query}", t.my_port)
}

fn pw_url(t: &super::support::Tls, host: &str, query: &str) -> String {
    format!("mysql://dbn:dbn_test_pw@{host}:{}/dbn_test?{query}", t.my_port)
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
    let user = first_cell(&url(&t, "localhost", "dbn_cert", &q), None, "SELECT CURRENT_USER()").unwrap();
    assert_eq!(user, "dbn_cert@%");
    let cipher = first_cell(&url(&t, "localhost", "dbn_cert", &q), None, CIPHER).unwrap();
    assert!(!cipher.is_empty());
    let with_crl = format!("{q}&sslcrl={}", t.file("crl-empty.pem"));
    assert!(first_cell(&url(&t, "localhost", "dbn_cert", &with_crl), None, "SELECT 1").is_ok());
}

#[test]
fn encrypted_key_with_passphrase() {
    let Some(t) = tls() else { return };
    let q = format!(
        "ssl-mode=VERIFY_IDENTITY&ssl-ca={}&ssl-cert={}&ssl-key={}",
        t.file("ca.pem"),
        t.file("client.pem"),
        t.file("client-enc.key")
    );
    let u = url(&t, "localhost", "dbn_cert", &q);
    assert_eq!(first_cell(&u, Some("dbn-key-pass"), "SELECT 1").unwrap(), "1");
    let e = first_cell(&u, None, "SELECT 1").unwrap_err();
    assert!(e.message.contains("is encrypted"), "{}", e.message);
}

#[test]
fn wrong_ca_is_named() {
    let Some(t) = tls() else { return };
    let e = first_cell(
        &pw_url(
            &t,
            "localhost",
            &format!("sslmode=verify-ca&sslrootcert={}", t.file("other-ca.pem")),
        ),
        None,
        "SELECT 1",
    )
    .unwrap_err();
    assert_eq!(e.code, ErrorCode::DbTls, "{}", e.message);
    assert!(e.message.contains("not signed by a CA in"), "{}", e.message);
}

#[test]
fn verify_ca_ignores_the_host_name_and_verify_full_does_not() {
    let Some(t) = tls() else { return };
    let ca = t.file("ca.pem");
    let e = first_cell(
        &pw_url(&t, "127.0.0.1", &format!("sslmode=verify-full&sslrootcert={ca}")),
        None,
        "SELECT 1",
    )
    .unwrap_err();
    assert_eq!(e.code, ErrorCode::DbTls, "{}", e.message);
    assert!(e.message.contains("not issued for '127.0.0.1'"), "{}", e.message);
    let cipher = first_cell(
        &pw_url(&t, "127.0.0.1", &format!("sslmode=verify-ca&sslrootcert={ca}")),
        None,
        CIPHER,
    )
    .unwrap();
    assert!(!cipher.is_empty());
}

#[test]
fn missing_client_certificate_says_so() {
    let Some(t) = tls() else { return };
    let q = format!("sslmode=verify-full&sslrootcert={}", t.file("ca.pem"));
    let e = first_cell(&url(&t, "localhost", "dbn_cert", &q), None, "SELECT 1").unwrap_err();
    assert_eq!(e.code, ErrorCode::DbAuthFailed, "{}", e.message);
    assert!(
        e.message.contains("REQUIRE X509") && e.message.contains("sslcert"),
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
    let e = first_cell(&pw_url(&t, "localhost", &q), None, "SELECT 1").unwrap_err();
    assert_eq!(e.code, ErrorCode::DbTls, "{}", e.message);
    assert!(e.message.contains("revoked"), "{}", e.message);
}

#[test]
fn allow_is_plain_and_prefer_is_encrypted() {
    let Some(t) = tls() else { return };
    assert_eq!(
        first_cell(&pw_url(&t, "localhost", "sslmode=allow"), None, CIPHER).unwrap(),
        ""
    );
    assert!(
        !first_cell(&pw_url(&t, "localhost", "sslmode=prefer"), None, CIPHER)
            .unwrap()
            .is_empty()
    );
    // allow falls back to TLS when the account refuses plain connections.
    let q = format!(
        "sslmode=allow&sslcert={}&sslkey={}",
        t.file("client.pem"),
        t.file("client.key")
    );
    assert!(
        !first_cell(&url(&t, "localhost", "dbn_cert", &q), None, CIPHER)
            .unwrap()
            .is_empty()
    );
}

#[test]
fn unsupported_parameter_is_an_error_naming_it() {
    let Some(t) = tls() else { return };
    let e = first_cell(
        &pw_url(&t, "localhost", "sslmode=prefer&compress=true"),
        None,
        "SELECT 1",
    )
    .unwrap_err();
    assert_eq!(e.code, ErrorCode::DbBadUrl);
    assert!(e.message.contains("'compress'"), "{}", e.message);
}
