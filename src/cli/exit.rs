//! Exit codes and the mapping from errors to them.

use crate::db::DbError;
use serde_json::json;
use std::fmt;

/// Documented exit codes (one set for every face, below the faces).
pub use crate::error::ExitStatus as ExitCode;

/// An error that carries its own exit code and stable error code.
#[derive(Debug)]
pub struct Failure {
    /// Process exit code.
    pub exit: ExitCode,
    /// Stable code (`SAFETY_READ_ONLY`, `USAGE`, ...).
    pub code: &'static str,
    /// Message: what failed, why, what to do next.
    pub message: String,
}

impl Failure {
    /// A new failure.
    pub fn new(exit: ExitCode, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            exit,
            code,
            message: message.into(),
        }
    }

    /// A usage/config failure (exit 2).
    pub fn usage(message: impl Into<String>) -> Self {
        Self::new(ExitCode::Usage, "USAGE", message)
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Failure {}

/// Exit code and stable code of an error: the first CLI [`Failure`] or
/// domain error in its chain, each of which carries both
/// ([`crate::error::Coded`], every domain error type is listed in
/// [`super::coded::coded`]). What is left is not a domain error: I/O at the
/// CLI's edge, or a message the CLI raised about its input.
pub fn classify(err: &anyhow::Error) -> (ExitCode, &'static str) {
    for cause in err.chain() {
        if let Some(f) = cause.downcast_ref::<Failure>() {
            return (f.exit, f.code);
        }
        if let Some(c) = super::coded::coded(cause) {
            return (c.exit(), c.code());
        }
    }
    if err.root_cause().downcast_ref::<std::io::Error>().is_some() {
        return (ExitCode::Usage, "IO");
    }
    (ExitCode::Usage, "ERROR")
}

/// The error and its causes joined by `: `, as `{err:#}` prints them, but
/// without a cause whose text the error before it already ends with (an
/// error that says its source in its own message and also exposes it as
/// its source, so the chain keeps the typed cause for codes and SQLSTATE).
fn chain_message(err: &anyhow::Error) -> String {
    let mut message = String::new();
    for cause in err.chain() {
        let text = cause.to_string();
        if message.ends_with(&text) {
            continue;
        }
        if !message.is_empty() {
            message.push_str(": ");
        }
        message.push_str(&text);
    }
    message
}

/// Print an error (plain or JSON) to stderr and return its exit code.
pub fn report(err: &anyhow::Error, json: bool) -> ExitCode {
    let (exit, code) = classify(err);
    let message = crate::logging::redact(&chain_message(err));
    tracing::warn!(code, "{message}");
    if json {
        let mut obj = json!({"error": {"code": code, "message": message, "exit_code": exit.code()}});
        for cause in err.chain() {
            if let Some(db) = cause.downcast_ref::<DbError>() {
                if let Some(s) = &db.sqlstate {
                    obj["error"]["sqlstate"] = json!(s);
                }
                if let Some(p) = db.position {
                    obj["error"]["position"] = json!(p);
                }
            }
        }
        eprintln!("{obj}");
    } else {
        // Server messages are untrusted (RAISE EXCEPTION E'\x1b]52;...').
        eprintln!("dbn: error: {}", crate::sanitize::sanitize_multiline(&message));
    }
    exit
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cause_the_message_already_ends_with_is_said_once() {
        let db = DbError::new(crate::db::ErrorCode::QueryError, "SQLite: no such column: nosuch");
        let e = anyhow::Error::from(crate::datasync::DataSyncError::Db {
            side: "source",
            source: db,
        });
        assert_eq!(chain_message(&e), "source: SQLite: no such column: nosuch");
        let e = anyhow::anyhow!("inner").context("outer");
        assert_eq!(chain_message(&e), "outer: inner");
        assert_eq!(
            classify(&anyhow::Error::from(DbError::new(
                crate::db::ErrorCode::QueryError,
                "x"
            )))
            .1,
            "QUERY_ERROR"
        );
    }
}
