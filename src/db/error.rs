//! Driver errors with stable codes that scripts can match on.

use serde::Serialize;
use thiserror::Error;

/// Stable error codes, shown in `--json` error output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ErrorCode {
    /// TCP connection refused or host unreachable.
    DbConnRefused,
    /// Wrong user or password.
    DbAuthFailed,
    /// Connect or statement timeout.
    DbTimeout,
    /// The database named in the connection does not exist.
    DbUnknownDatabase,
    /// TLS negotiation or certificate failure.
    DbTls,
    /// The connection was lost mid-session.
    DbConnLost,
    /// A connection URL or option is malformed.
    DbBadUrl,
    /// The server refused a write because the session is read-only.
    DbReadOnly,
    /// SQL syntax error reported by the server.
    QuerySyntaxError,
    /// The query was cancelled (by the user or a timeout).
    QueryCancelled,
    /// Any other error raised while running a statement.
    QueryError,
}

impl ErrorCode {
    /// The code as printed (`DB_CONN_REFUSED`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::DbConnRefused => "DB_CONN_REFUSED",
            ErrorCode::DbAuthFailed => "DB_AUTH_FAILED",
            ErrorCode::DbTimeout => "DB_TIMEOUT",
            ErrorCode::DbUnknownDatabase => "DB_UNKNOWN_DATABASE",
            ErrorCode::DbTls => "DB_TLS",
            ErrorCode::DbConnLost => "DB_CONN_LOST",
            ErrorCode::DbBadUrl => "DB_BAD_URL",
            ErrorCode::DbReadOnly => "DB_READ_ONLY",
            ErrorCode::QuerySyntaxError => "QUERY_SYNTAX_ERROR",
            ErrorCode::QueryCancelled => "QUERY_CANCELLED",
            ErrorCode::QueryError => "QUERY_ERROR",
        }
    }

    /// True for errors that happen before a statement runs (exit code 3).
    pub fn is_connection(self) -> bool {
        matches!(
            self,
            ErrorCode::DbConnRefused
                | ErrorCode::DbAuthFailed
                | ErrorCode::DbUnknownDatabase
                | ErrorCode::DbTls
                | ErrorCode::DbConnLost
        )
    }
}

/// An error from a driver. `message` never contains a password.
#[derive(Debug, Clone, Error, Serialize)]
#[error("{message}")]
pub struct DbError {
    /// Stable classification.
    pub code: ErrorCode,
    /// Human readable message, including what to do next where known.
    pub message: String,
    /// SQLSTATE or engine error number, when the server gave one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sqlstate: Option<String>,
    /// 1-based character position in the statement, when the server gave one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub position: Option<usize>,
}

impl DbError {
    /// A new error with no SQLSTATE or position.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            sqlstate: None,
            position: None,
        }
    }

    /// Attach a SQLSTATE / engine error code.
    pub fn with_sqlstate(mut self, state: impl Into<String>) -> Self {
        self.sqlstate = Some(state.into());
        self
    }

    /// Attach a 1-based position in the statement text.
    pub fn with_position(mut self, pos: Option<usize>) -> Self {
        self.position = pos;
        self
    }
}

/// Result alias for driver calls.
pub type DbResult<T> = Result<T, DbError>;

impl crate::error::Coded for DbError {
    fn code(&self) -> &'static str {
        self.code.as_str()
    }

    fn exit(&self) -> crate::error::ExitStatus {
        use crate::error::ExitStatus;
        match self.code {
            ErrorCode::DbBadUrl => ExitStatus::Usage,
            // A timeout without SQLSTATE happened while connecting.
            ErrorCode::DbTimeout if self.sqlstate.is_none() => ExitStatus::Connection,
            ErrorCode::DbConnRefused
            | ErrorCode::DbAuthFailed
            | ErrorCode::DbUnknownDatabase
            | ErrorCode::DbTls
            | ErrorCode::DbConnLost => ExitStatus::Connection,
            ErrorCode::DbTimeout
            | ErrorCode::DbReadOnly
            | ErrorCode::QuerySyntaxError
            | ErrorCode::QueryCancelled
            | ErrorCode::QueryError => ExitStatus::QueryError,
        }
    }
}
