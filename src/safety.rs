//! Guardrails: statement classification, the write policy, typed
//! confirmations, unlocks and audit.
//!
//! Callers never use these directly to send SQL: `ops` classifies with
//! [`classify()`], applies the one confirmation rule ([`gate`]) and records
//! with [`audit`].

pub mod audit;
pub mod catalog;
pub mod classify;
pub mod confirm;
pub mod gate;
mod lex;
pub mod permit;
pub mod policy;
pub mod redact;
mod settings;
pub mod split;
pub mod user_text;

pub use catalog::Catalog;
pub use classify::{Context, StatementVerdict, Verdict, classify, classify_in};
pub use permit::WritePermit;
pub use split::{split, split_with};

/// Stable codes of the safety rules (also the `code` of a [`Refusal`]).
pub mod rules {
    /// A write on a read-only connection.
    pub const READ_ONLY: &str = "SAFETY_READ_ONLY";
    /// A statement that would lift the session's read-only mode.
    pub const SESSION_UNLOCK: &str = "SAFETY_SESSION_UNLOCK";
    /// UPDATE/DELETE without WHERE, without `--allow-unbounded`.
    pub const UNBOUNDED_WRITE: &str = "SAFETY_UNBOUNDED_WRITE";
    /// A confirmation is needed and none can be asked for.
    pub const CONFIRM_REQUIRED: &str = "SAFETY_CONFIRM_REQUIRED";
    /// `--confirm NAME` or the typed name does not match the connection.
    pub const CONFIRM_MISMATCH: &str = "SAFETY_CONFIRM_MISMATCH";
    /// The user cancelled a confirmation (empty answer or end of input).
    pub const CANCELLED: &str = "SAFETY_CANCELLED";
}

/// Why something was not sent. Every refusal maps to exit code 4.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct Refusal {
    /// Stable rule code, one of [`rules`].
    pub code: &'static str,
    /// What was refused, why, and how to proceed.
    pub message: String,
}

impl crate::error::Coded for Refusal {
    fn code(&self) -> &'static str {
        self.code
    }

    fn exit(&self) -> crate::error::ExitStatus {
        crate::error::ExitStatus::Blocked
    }
}

impl Refusal {
    /// A refusal under `code`.
    pub fn new(code: &'static str, message: impl Into<String>) -> Refusal {
        Refusal {
            code,
            message: message.into(),
        }
    }
}
