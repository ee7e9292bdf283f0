//! What every domain error carries: a stable code and the exit status the
//! CLI ends with. Faces map errors through [`Coded`] instead of guessing
//! from message text.

/// Documented process exit statuses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitStatus {
    /// 0: success.
    Ok,
    /// 1: a query or operation failed.
    QueryError,
    /// 2: usage or configuration error.
    Usage,
    /// 3: connection or authentication error.
    Connection,
    /// 4: blocked by a safety rule (refusals, a missing confirmation, an audit log that cannot be written).
    Blocked,
    /// 130: interrupted (Ctrl-C, cancelled).
    Interrupted,
}

impl ExitStatus {
    /// Numeric process exit code.
    pub fn code(self) -> u8 {
        match self {
            ExitStatus::Ok => 0,
            ExitStatus::QueryError => 1,
            ExitStatus::Usage => 2,
            ExitStatus::Connection => 3,
            ExitStatus::Blocked => 4,
            ExitStatus::Interrupted => 130,
        }
    }
}

/// An error with a stable code (`SAFETY_READ_ONLY`, `DB_CONN_REFUSED`, ...)
/// and an exit status.
pub trait Coded {
    /// Stable code, as printed with `--json` and written to the audit log.
    fn code(&self) -> &'static str;
    /// The exit status a command ends with.
    fn exit(&self) -> ExitStatus;
}
