//! Wire errors into `DbError` with stable codes and next steps.
//! Messages never include the password: server messages do not carry it,
//! and connection options are never formatted into a message.

use super::wire::WireError;
use crate::db::{DbError, ErrorCode};

/// Where an error happened, for the wording of connection failures.
pub(super) struct Target<'a> {
    /// `host:port` or the socket path.
    pub addr: &'a str,
    /// Login user, if any.
    pub user: Option<&'a str>,
    /// The statement being run, to locate syntax errors.
    pub sql: Option<&'a str>,
    /// True while opening a connection: a failure then means "could not
    /// connect", not "lost the connection".
    pub connecting: bool,
}

/// Classify a wire error.
pub(super) fn map_err(e: WireError, t: &Target<'_>) -> DbError {
    match e {
        WireError::Server { code, message } => server_error(code, &message, t),
        WireError::Io(io) => io_error(&io, t),
        WireError::NoTls => DbError::new(
            ErrorCode::DbTls,
            format!(
                "the server at {} does not support TLS but the connection requires it; enable TLS on the server or use sslmode=prefer/disable",
                t.addr
            ),
        ),
        WireError::Closed => lost(t, "the server closed the connection"),
        WireError::Auth(why) => DbError::new(ErrorCode::DbAuthFailed, format!("cannot log in to {}: {why}", t.addr)),
        WireError::Protocol(why) => lost(t, &format!("unexpected reply from the server ({why})")),
        e @ WireError::Broken => lost(t, &e.to_string()),
    }
}

fn lost(t: &Target<'_>, why: &str) -> DbError {
    if t.connecting {
        return DbError::new(
            ErrorCode::DbConnRefused,
            format!(
                "could not connect to {}: {why}; check the host, port and that a MySQL/MariaDB server answers there",
                t.addr
            ),
        );
    }
    DbError::new(
        ErrorCode::DbConnLost,
        format!(
            "lost the connection to {}: {why}; reconnect and run the statement again",
            t.addr
        ),
    )
}

fn io_error(io: &std::io::Error, t: &Target<'_>) -> DbError {
    use std::io::ErrorKind as K;
    // rustls reports handshake and certificate failures as I/O errors.
    if io.get_ref().is_some_and(|inner| inner.is::<rustls::Error>()) {
        return DbError::new(
            ErrorCode::DbTls,
            format!(
                "TLS with {} failed: {io}; check the CA file (sslrootcert) and that the certificate names this host, or use sslmode=require to skip verification",
                t.addr
            ),
        );
    }
    match io.kind() {
        K::ConnectionRefused => DbError::new(
            ErrorCode::DbConnRefused,
            format!(
                "connection to {} refused: is the MySQL/MariaDB server running and listening on that port?",
                t.addr
            ),
        ),
        K::NotFound | K::AddrNotAvailable | K::HostUnreachable | K::NetworkUnreachable => DbError::new(
            ErrorCode::DbConnRefused,
            format!("cannot reach {}: {io}; check the host name and network", t.addr),
        ),
        K::TimedOut => DbError::new(ErrorCode::DbTimeout, format!("timed out talking to {}: {io}", t.addr)),
        _ => lost(t, &io.to_string()),
    }
}

fn server_error(code: u16, message: &str, t: &Target<'_>) -> DbError {
    let (kind, text) = match code {
        1045 => (
            ErrorCode::DbAuthFailed,
            format!(
                "authentication failed for user '{}' at {}: {message}; check the user name and password",
                t.user.unwrap_or(""),
                t.addr
            ),
        ),
        1044 => (
            ErrorCode::DbAuthFailed,
            format!("{message}; ask for access to that database or choose another"),
        ),
        1049 => (
            ErrorCode::DbUnknownDatabase,
            format!(
                "{message} on {}: check the database name (SHOW DATABASES lists them)",
                t.addr
            ),
        ),
        1064 => (ErrorCode::QuerySyntaxError, format!("MySQL: {message}")),
        1317 => (ErrorCode::QueryCancelled, "query cancelled".to_string()),
        1792 => (
            ErrorCode::DbReadOnly,
            format!(
                "MySQL refused the write ({message}): this connection is read-only; use --unlock-writes to allow writes"
            ),
        ),
        1290 | 1836 => (
            ErrorCode::DbReadOnly,
            format!("MySQL refused the write: {message} (the server itself is read-only)"),
        ),
        1969 | 3024 => (
            ErrorCode::DbTimeout,
            format!("MySQL: {message}; the statement ran past the server's time limit"),
        ),
        2006 | 2013 => return lost(t, message).with_sqlstate(code.to_string()),
        _ => (ErrorCode::QueryError, format!("MySQL: {message}")),
    };
    let position = (code == 1064)
        .then(|| t.sql.and_then(|sql| syntax_position(sql, message)))
        .flatten();
    DbError::new(kind, text)
        .with_sqlstate(code.to_string())
        .with_position(position)
}

/// MySQL reports `... near 'rest of statement' at line N`; the quoted text
/// is the statement from the error onwards, which locates it.
fn syntax_position(sql: &str, message: &str) -> Option<usize> {
    let start = message.find("near '")? + "near '".len();
    let end = message.rfind("' at line")?;
    let near = message.get(start..end)?;
    if near.is_empty() {
        // Error at the very end of the statement.
        return Some(sql.trim_end().chars().count() + 1);
    }
    // The server truncates the quote; a prefix is enough to find it.
    let probe: String = near.chars().take(40).collect();
    let byte = sql.rfind(probe.as_str())?;
    Some(sql[..byte].chars().count() + 1)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn syntax_positions_from_near_text() {
        let msg = "You have an error in your SQL syntax; check the manual that corresponds to your MariaDB server version for the right syntax to use near 'FRM t' at line 1";
        assert_eq!(syntax_position("SELECT a FRM t", msg), Some(10));
        let msg = "... to use near '' at line 1";
        assert_eq!(syntax_position("SELECT (", msg), Some(9));
    }

    #[test]
    fn auth_message_names_user_and_host_only() {
        let t = Target {
            addr: "db:3306",
            user: Some("app"),
            sql: None,
            connecting: true,
        };
        let e = server_error(
            1045,
            "Access denied for user 'app'@'10.0.0.1' (using password: YES)",
            &t,
        );
        assert_eq!(e.code, ErrorCode::DbAuthFailed);
        assert_eq!(e.sqlstate.as_deref(), Some("1045"));
        assert!(e.message.contains("'app'") && e.message.contains("db:3306"));
    }
}
