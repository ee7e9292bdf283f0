//! TLS failures of MySQL/MariaDB connections reworded with what to do next.
//! The TLS itself (modes, CAs, CRLs, client certificates) is the shared
//! rustls configuration of `db::tls`, used by `wire` after the SSLRequest.

use crate::db::tls;
use crate::db::{ConnSpec, DbError, ErrorCode};

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
