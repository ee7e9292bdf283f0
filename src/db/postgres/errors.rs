//! Mapping tokio-postgres errors onto dbn's stable error codes, with the
//! server's message, detail and hint, and never the password.

use crate::db::{ConnSpec, DbError, ErrorCode};
use std::error::Error as _;
use std::io;
use tokio_postgres::error::{DbError as PgDbError, ErrorPosition, SqlState};

/// What a user does to write on a read-only connection.
pub const READ_ONLY_HINT: &str =
    "the connection is read-only (default_transaction_read_only=on); rerun with --unlock-writes to allow writes";

/// An error raised while opening a session to `target` (`host:port` or the
/// socket path) for `database`.
pub(super) fn connect_error(e: &tokio_postgres::Error, target: &str, database: &str, spec: &ConnSpec) -> DbError {
    if let Some(db) = e.as_db_error() {
        return connect_server_error(db, database, spec);
    }
    let chain = chain(e);
    // Checked before I/O causes: rustls failures arrive wrapped in io::Error.
    if chain.starts_with("error performing TLS handshake") || chain.contains("certificate") {
        let next = if chain.contains("does not support TLS") {
            "Enable ssl on the server, or use sslmode=prefer or disable".to_string()
        } else {
            crate::db::tls::advice(&chain, spec)
        };
        return DbError::new(
            ErrorCode::DbTls,
            format!("TLS negotiation with {target} failed: {chain}. {next}"),
        );
    }
    if let Some(io) = find_io(e) {
        return io_connect_error(io, target);
    }
    if chain.contains("password missing") {
        return DbError::new(
            ErrorCode::DbAuthFailed,
            format!(
                "the server at {target} asked for a password but none was given: store one with `dbn connect edit` or set PGPASSWORD"
            ),
        );
    }
    if chain.contains("timeout") {
        return DbError::new(
            ErrorCode::DbTimeout,
            format!("connecting to {target} timed out: {chain}"),
        );
    }
    if e.is_closed() || chain.contains("unexpected message") {
        return DbError::new(
            ErrorCode::DbConnRefused,
            format!(
                "the server at {target} closed the connection during start-up ({chain}); check that it is a PostgreSQL server and that it accepts this client (pg_hba.conf)"
            ),
        );
    }
    DbError::new(
        ErrorCode::DbConnRefused,
        format!("could not connect to {target}: {chain}"),
    )
}

fn connect_server_error(db: &PgDbError, database: &str, spec: &ConnSpec) -> DbError {
    let code = db.code();
    let state = code.code().to_string();
    let text = db.message();
    let (kind, message) = if text.contains("requires a valid client certificate") {
        (
            ErrorCode::DbTls,
            format!(
                "the server requires a client certificate: {text}. Set sslcert and sslkey (`dbn connect edit NAME --sslcert FILE --sslkey FILE`)"
            ),
        )
    } else if text.contains("certificate authentication failed") {
        (
            ErrorCode::DbAuthFailed,
            format!(
                "{text}: the client certificate's common name (CN) must match the user name '{}'",
                spec.user.as_deref().unwrap_or("")
            ),
        )
    } else if text.contains("no pg_hba.conf entry") && text.contains("no encryption") && !spec.sslmode.requires_tls() {
        (
            ErrorCode::DbAuthFailed,
            format!("{text}. The server only accepts this login over TLS: use sslmode=require or verify-full"),
        )
    } else if *code == SqlState::INVALID_PASSWORD || *code == SqlState::INVALID_AUTHORIZATION_SPECIFICATION {
        (
            ErrorCode::DbAuthFailed,
            format!(
                "authentication failed: {}. Check the user name and the stored password (`dbn connect edit`)",
                db.message()
            ),
        )
    } else if *code == SqlState::INVALID_CATALOG_NAME {
        (
            ErrorCode::DbUnknownDatabase,
            format!(
                "database \"{database}\" does not exist on the server. List databases with `SELECT datname FROM pg_database` or fix the database name in the connection"
            ),
        )
    } else if *code == SqlState::CANNOT_CONNECT_NOW || *code == SqlState::TOO_MANY_CONNECTIONS {
        (
            ErrorCode::DbConnRefused,
            format!("the server refused the connection: {}", db.message()),
        )
    } else {
        return server_error(db);
    };
    DbError::new(kind, with_detail(message, db)).with_sqlstate(state)
}

fn io_connect_error(io: &io::Error, target: &str) -> DbError {
    let (code, message) = match io.kind() {
        io::ErrorKind::ConnectionRefused => (
            ErrorCode::DbConnRefused,
            format!(
                "could not connect to {target}: connection refused. Check that the PostgreSQL server is running and accepting connections on that host and port"
            ),
        ),
        io::ErrorKind::NotFound => (
            ErrorCode::DbConnRefused,
            format!(
                "could not connect to {target}: no server socket there. Check that the PostgreSQL server is running and the socket directory and port are right"
            ),
        ),
        io::ErrorKind::TimedOut => (ErrorCode::DbTimeout, format!("connecting to {target} timed out: {io}")),
        io::ErrorKind::UnexpectedEof | io::ErrorKind::ConnectionReset => (
            ErrorCode::DbConnRefused,
            format!(
                "the server at {target} closed the connection during start-up ({io}); check that it is a PostgreSQL server and that it accepts this client"
            ),
        ),
        _ => (
            ErrorCode::DbConnRefused,
            format!(
                "could not connect to {target}: {io}. Check the host name, the network and that the server is running"
            ),
        ),
    };
    DbError::new(code, message)
}

/// An error raised while a statement runs on an open session.
pub(super) fn query_error(e: &tokio_postgres::Error) -> DbError {
    if let Some(db) = e.as_db_error() {
        return server_error(db);
    }
    if e.is_closed() || find_io(e).is_some() {
        return DbError::new(
            ErrorCode::DbConnLost,
            format!(
                "the connection to the server was lost ({}); reconnect and run the statement again",
                chain(e)
            ),
        );
    }
    DbError::new(ErrorCode::QueryError, chain(e))
}

/// Map a server-reported error by SQLSTATE.
pub(super) fn server_error(db: &PgDbError) -> DbError {
    let code = db.code();
    let state = code.code();
    let class = &state[..state.len().min(2)];
    let position = match db.position() {
        Some(ErrorPosition::Original(p)) => usize::try_from(*p).ok(),
        _ => None,
    };
    let (kind, message) = if *code == SqlState::READ_ONLY_SQL_TRANSACTION {
        (ErrorCode::DbReadOnly, format!("{}: {READ_ONLY_HINT}", db.message()))
    } else if *code == SqlState::QUERY_CANCELED {
        (ErrorCode::QueryCancelled, db.message().to_string())
    } else if *code == SqlState::SYNTAX_ERROR {
        let at = position.map(|p| format!(" (at character {p})")).unwrap_or_default();
        (ErrorCode::QuerySyntaxError, format!("{}{at}", db.message()))
    } else if class == "08" || *code == SqlState::ADMIN_SHUTDOWN || *code == SqlState::CRASH_SHUTDOWN {
        (ErrorCode::DbConnLost, db.message().to_string())
    } else {
        let at = position.map(|p| format!(" (at character {p})")).unwrap_or_default();
        (ErrorCode::QueryError, format!("{}{at}", db.message()))
    };
    DbError::new(kind, with_detail(message, db))
        .with_sqlstate(state)
        .with_position(position)
}

fn with_detail(mut message: String, db: &PgDbError) -> String {
    if let Some(detail) = db.detail() {
        message.push_str("\nDETAIL: ");
        message.push_str(detail);
    }
    if let Some(hint) = db.hint() {
        message.push_str("\nHINT: ");
        message.push_str(hint);
    }
    message
}

fn find_io(e: &tokio_postgres::Error) -> Option<&io::Error> {
    let mut source = e.source();
    while let Some(s) = source {
        if let Some(io) = s.downcast_ref::<io::Error>() {
            return Some(io);
        }
        source = s.source();
    }
    None
}

/// The error and its causes, `outer: inner: innermost`.
fn chain(e: &tokio_postgres::Error) -> String {
    let mut out = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        out.push_str(": ");
        out.push_str(&s.to_string());
        source = s.source();
    }
    out
}
