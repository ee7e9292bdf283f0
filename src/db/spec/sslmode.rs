//! The TLS mode, with libpq's six values and MySQL's spellings of them.

use crate::db::{DbError, DbResult, ErrorCode};
use serde::{Deserialize, Serialize};

/// TLS mode, as libpq names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SslMode {
    /// Never use TLS.
    Disable,
    /// Try without TLS first; use TLS (unverified) only when the server refuses the plain connection.
    Allow,
    /// Try TLS first (unverified); fall back to plain when TLS fails or the server refuses it.
    #[default]
    Prefer,
    /// Require TLS without verifying the certificate (verified against the CA
    /// when a root certificate is given, as libpq does).
    Require,
    /// Require TLS and verify the certificate chain against the CA, not the host name.
    VerifyCa,
    /// Require TLS and verify the certificate chain and the host name.
    VerifyFull,
}

impl SslMode {
    /// Parse `disable|allow|prefer|require|verify-ca|verify-full`, and
    /// MySQL's `DISABLED|PREFERRED|REQUIRED|VERIFY_CA|VERIFY_IDENTITY`.
    pub fn parse(s: &str) -> DbResult<Self> {
        match s.to_ascii_lowercase().replace('_', "-").as_str() {
            "disable" | "disabled" | "false" => Ok(SslMode::Disable),
            "allow" => Ok(SslMode::Allow),
            "prefer" | "preferred" => Ok(SslMode::Prefer),
            "require" | "required" | "true" => Ok(SslMode::Require),
            "verify-ca" => Ok(SslMode::VerifyCa),
            "verify-full" | "verify-identity" => Ok(SslMode::VerifyFull),
            _ => Err(DbError::new(
                ErrorCode::DbBadUrl,
                format!("unknown sslmode '{s}': use disable, allow, prefer, require, verify-ca or verify-full"),
            )),
        }
    }

    /// The canonical name.
    pub fn as_str(self) -> &'static str {
        match self {
            SslMode::Disable => "disable",
            SslMode::Allow => "allow",
            SslMode::Prefer => "prefer",
            SslMode::Require => "require",
            SslMode::VerifyCa => "verify-ca",
            SslMode::VerifyFull => "verify-full",
        }
    }

    /// Whether a connection must be encrypted.
    pub fn requires_tls(self) -> bool {
        matches!(self, SslMode::Require | SslMode::VerifyCa | SslMode::VerifyFull)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn six_modes_stay_distinct() {
        for m in ["disable", "allow", "prefer", "require", "verify-ca", "verify-full"] {
            assert_eq!(SslMode::parse(m).unwrap().as_str(), m);
        }
        assert_eq!(SslMode::parse("VERIFY_IDENTITY").unwrap(), SslMode::VerifyFull);
        assert_eq!(SslMode::parse("VERIFY_CA").unwrap(), SslMode::VerifyCa);
        assert_eq!(SslMode::parse("PREFERRED").unwrap(), SslMode::Prefer);
        assert!(SslMode::parse("verify").is_err());
    }
}
