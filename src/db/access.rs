//! How a statement may run on a session, and the identity a write permit
//! names.
//!
//! A read-only session is a wall of its own: every statement run with
//! [`Access::Read`] executes inside a transaction the driver opens read-only
//! and always rolls back (SQLite: the file is opened read-only). Writing
//! through a read-only session takes [`Access::Write`], which borrows a
//! [`WritePermit`] that only the safety gate issues. On a writable session
//! the access makes no difference: the connection's own rules apply.

use super::{ConnSpec, DbError, Engine, ErrorCode};
use crate::safety::WritePermit;

/// How one statement may run.
#[derive(Debug, Clone, Copy)]
pub enum Access<'a> {
    /// Read only. On a read-only session: inside a read-only transaction
    /// opened for it and rolled back after it (a transaction the previous
    /// writes left open is rolled back first). The default of
    /// [`Session::execute`](super::Session::execute).
    Read,
    /// A statement the classifier allowed as a harmless session setting
    /// (`SET search_path ...`). On a read-only session it runs inside a
    /// read-only transaction that is committed, so the setting persists.
    Setting,
    /// May write: on a read-only session, after the gate issued `permit`
    /// for this database. The session stays writable for the following
    /// `Write` statements (so a transaction can span them) and is locked
    /// again before the next `Read` or `Setting`, which first rolls back
    /// any transaction still open.
    Write(&'a WritePermit),
}

/// Server settings that change how SQL text is lexed (where a string or an
/// identifier ends), so dbn can read text the way the server will.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Lexing {
    /// Postgres `standard_conforming_strings`: a backslash in '...' is an
    /// ordinary character (on, the default) or an escape (off).
    pub standard_strings: bool,
    /// MySQL `sql_mode` has `NO_BACKSLASH_ESCAPES`: a backslash in a string
    /// is an ordinary character.
    pub no_backslash_escapes: bool,
    /// MySQL `sql_mode` has `ANSI_QUOTES`: "..." quotes an identifier.
    pub ansi_quotes: bool,
}

impl Default for Lexing {
    fn default() -> Lexing {
        Lexing {
            standard_strings: true,
            no_backslash_escapes: false,
            ansi_quotes: false,
        }
    }
}

impl Lexing {
    /// The MySQL settings named by an `sql_mode` value (`ANSI` implies
    /// ANSI_QUOTES; `ORACLE` and the other combined modes too).
    pub fn from_sql_mode(mode: &str) -> Lexing {
        let flags: Vec<String> = mode.split(',').map(|f| f.trim().to_ascii_uppercase()).collect();
        let has = |f: &str| flags.iter().any(|x| x == f);
        Lexing {
            standard_strings: true,
            no_backslash_escapes: has("NO_BACKSLASH_ESCAPES"),
            ansi_quotes: has("ANSI_QUOTES")
                || has("ANSI")
                || has("ORACLE")
                || has("POSTGRESQL")
                || has("DB2")
                || has("MSSQL")
                || has("MAXDB"),
        }
    }

    /// Whether text of this kind could be lexed differently under other
    /// settings: only backslashes (and, for ANSI_QUOTES, double quotes) matter.
    pub fn text_is_sensitive(sql: &str) -> bool {
        sql.contains('\\') || sql.contains('"')
    }
}

/// What identifies the database a connection reaches, as a write permit
/// names it: engine, host, port and database (SQLite: the file's absolute
/// path). The login and options are not part of it.
pub fn database_id(spec: &ConnSpec) -> String {
    if let Some(origin) = &spec.origin_id {
        return origin.clone();
    }
    match spec.engine {
        Engine::Sqlite => {
            let path = spec.database.clone().unwrap_or_default();
            let p = std::path::Path::new(&path);
            let abs = std::fs::canonicalize(p).unwrap_or_else(|_| {
                std::env::current_dir()
                    .map(|d| d.join(p))
                    .unwrap_or_else(|_| p.to_path_buf())
            });
            format!("sqlite:{}", abs.display())
        }
        engine => format!(
            "{}://{}:{}/{}",
            engine.as_str(),
            spec.host_or_default().to_ascii_lowercase(),
            spec.port_or_default(),
            spec.database.as_deref().unwrap_or("")
        ),
    }
}

/// The error for a permit issued for another database.
pub(crate) fn wrong_permit(permit: &WritePermit, session: &str) -> DbError {
    DbError::new(
        ErrorCode::DbReadOnly,
        format!(
            "refused to write: the unlock was granted for {} but this session is connected to {session}; unlock this connection to write to it",
            permit.database()
        ),
    )
}

/// The error for a write attempted while a read snapshot is open.
pub(crate) fn write_in_snapshot() -> DbError {
    DbError::new(
        ErrorCode::DbReadOnly,
        "refused to write: a read-only snapshot is open on this session; end it first",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identity_ignores_login_and_options() {
        let a = ConnSpec::parse_url("postgres://u:pw@DB.example:5433/shop?sslmode=require").unwrap();
        let b = ConnSpec::parse_url("postgres://other@db.example:5433/shop").unwrap();
        assert_eq!(database_id(&a), database_id(&b));
        assert_eq!(database_id(&a), "postgres://db.example:5433/shop");
        let c = ConnSpec::parse_url("postgres://u@db.example:5433/shop2").unwrap();
        assert_ne!(database_id(&a), database_id(&c));
        let m = ConnSpec::parse_url("mysql://u@h/app").unwrap();
        assert_eq!(database_id(&m), "mysql://h:3306/app");
    }
}
