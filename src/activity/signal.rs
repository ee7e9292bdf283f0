//! Cancelling a session's statement or terminating the session: the SQL is
//! built here from a validated integer id, never from user text, and sent
//! as a write (so the connection's confirmation rule and the audit log apply).

use crate::db::Engine;
use serde::Serialize;
use std::fmt;

/// What to do to a session.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Signal {
    /// Stop the running statement; the session stays connected.
    Cancel,
    /// Close the session (rolling back its transaction).
    Terminate,
}

impl Signal {
    /// `cancel` / `terminate`.
    pub fn as_str(self) -> &'static str {
        match self {
            Signal::Cancel => "cancel",
            Signal::Terminate => "terminate",
        }
    }

    /// What it does, for confirmations.
    pub fn describe(self) -> &'static str {
        match self {
            Signal::Cancel => "cancel the running statement of",
            Signal::Terminate => "terminate (disconnect, rolling back its transaction)",
        }
    }
}

impl fmt::Display for Signal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why no statement could be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignalError {
    /// The engine has no sessions to signal.
    #[error("SQLite has no server sessions to cancel or terminate")]
    Unsupported,
    /// The id is not one the server could have given.
    #[error("'{0}' is not a session id: give the pid or id shown by `dbn activity` (a positive integer)")]
    BadId(String),
}

impl crate::error::Coded for SignalError {
    fn code(&self) -> &'static str {
        "USAGE"
    }

    fn exit(&self) -> crate::error::ExitStatus {
        crate::error::ExitStatus::Usage
    }
}

/// Parse a session id as typed by a user (`4711`).
pub fn parse_id(text: &str) -> Result<i64, SignalError> {
    let t = text.trim();
    match t.parse::<i64>() {
        Ok(n) if n > 0 && t.bytes().all(|b| b.is_ascii_digit()) => Ok(n),
        _ => Err(SignalError::BadId(crate::sanitize::sanitize(t).into_owned())),
    }
}

/// The statement that signals session `id`. The id is formatted from an
/// integer checked to be in the engine's range, so the text is always one
/// function call or one `KILL` with a number.
pub fn statement(engine: Engine, signal: Signal, id: i64) -> Result<String, SignalError> {
    match engine {
        Engine::Postgres => {
            // Backend pids are int4.
            let pid = i32::try_from(id)
                .ok()
                .filter(|p| *p > 0)
                .ok_or_else(|| SignalError::BadId(id.to_string()))?;
            let f = match signal {
                Signal::Cancel => "pg_cancel_backend",
                Signal::Terminate => "pg_terminate_backend",
            };
            Ok(format!("SELECT pg_catalog.{f}({pid})"))
        }
        Engine::Mysql => {
            let id = u64::try_from(id)
                .ok()
                .filter(|p| *p > 0)
                .ok_or_else(|| SignalError::BadId(id.to_string()))?;
            Ok(match signal {
                Signal::Cancel => format!("KILL QUERY {id}"),
                Signal::Terminate => format!("KILL CONNECTION {id}"),
            })
        }
        Engine::Sqlite => Err(SignalError::Unsupported),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::safety::{Verdict, classify};

    #[test]
    fn statements_are_built_from_integers_only() {
        assert_eq!(
            statement(Engine::Postgres, Signal::Cancel, 4711).unwrap(),
            "SELECT pg_catalog.pg_cancel_backend(4711)"
        );
        assert_eq!(
            statement(Engine::Postgres, Signal::Terminate, 4711).unwrap(),
            "SELECT pg_catalog.pg_terminate_backend(4711)"
        );
        assert_eq!(statement(Engine::Mysql, Signal::Cancel, 12).unwrap(), "KILL QUERY 12");
        assert_eq!(
            statement(Engine::Mysql, Signal::Terminate, 12).unwrap(),
            "KILL CONNECTION 12"
        );
        assert!(statement(Engine::Postgres, Signal::Cancel, 1 << 40).is_err());
        assert!(statement(Engine::Postgres, Signal::Cancel, 0).is_err());
        assert!(statement(Engine::Mysql, Signal::Cancel, -3).is_err());
        assert_eq!(
            statement(Engine::Sqlite, Signal::Cancel, 1),
            Err(SignalError::Unsupported)
        );
    }

    #[test]
    fn ids_from_users_are_plain_positive_integers() {
        assert_eq!(parse_id(" 4711 "), Ok(4711));
        for bad in [
            "-1",
            "0",
            "+5",
            "1;DROP TABLE t",
            "1 OR 1=1",
            "0x10",
            "",
            "99999999999999999999",
        ] {
            assert!(parse_id(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn every_signal_statement_is_a_write_to_the_classifier() {
        for engine in [Engine::Postgres, Engine::Mysql] {
            for sig in [Signal::Cancel, Signal::Terminate] {
                let sql = statement(engine, sig, 42).unwrap();
                let v = classify(&sql, engine);
                assert_eq!(v.len(), 1, "{sql}");
                assert_eq!(
                    v[0].verdict,
                    Verdict::Write,
                    "{sql} must need an unlock on read-only: {:?}",
                    v[0]
                );
            }
        }
    }
}
