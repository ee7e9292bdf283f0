//! rusqlite errors into `DbError` with stable codes and next steps.

use crate::db::{DbError, ErrorCode};
use rusqlite::ErrorCode as Sq;

/// Classify an error raised while preparing or stepping a statement.
pub(super) fn map_err(e: rusqlite::Error) -> DbError {
    let extended = e.sqlite_extended_error_code();
    let mapped = match &e {
        rusqlite::Error::SqlInputError { msg, offset, sql, .. } => {
            let position = usize::try_from(*offset).ok().map(|o| char_position(sql, o));
            return DbError::new(classify_message(msg), format!("SQLite: {msg}")).with_position(position);
        }
        rusqlite::Error::SqliteFailure(err, msg) => {
            let text = msg.clone().unwrap_or_else(|| err.to_string());
            match err.code {
                Sq::ReadOnly => DbError::new(
                    ErrorCode::DbReadOnly,
                    format!(
                        "SQLite refused the write ({text}): this connection is read-only; use --unlock-writes to allow writes"
                    ),
                ),
                Sq::OperationInterrupted => DbError::new(ErrorCode::QueryCancelled, "query cancelled"),
                Sq::DatabaseBusy | Sq::DatabaseLocked => DbError::new(
                    ErrorCode::QueryError,
                    format!(
                        "SQLite: {text}: another connection holds a lock on the file (waited {} s); retry when it has finished, or close the other program",
                        super::BUSY_TIMEOUT.as_secs()
                    ),
                ),
                Sq::NotADatabase => DbError::new(
                    ErrorCode::DbUnknownDatabase,
                    format!("SQLite: {text}: the file is not a SQLite database (or is encrypted)"),
                ),
                _ => DbError::new(classify_message(&text), format!("SQLite: {text}")),
            }
        }
        rusqlite::Error::MultipleStatement => DbError::new(
            ErrorCode::QueryError,
            "SQLite: several statements where one was expected; send them one at a time",
        ),
        other => DbError::new(ErrorCode::QueryError, format!("SQLite: {other}")),
    };
    match extended {
        Some(code) => mapped.with_sqlstate(code.to_string()),
        None => mapped,
    }
}

/// SQLite reports syntax errors with the generic SQLITE_ERROR code, so
/// the message text is the only way to tell them apart.
fn classify_message(msg: &str) -> ErrorCode {
    let m = msg.to_ascii_lowercase();
    if m.contains("syntax error") || m.contains("incomplete input") || m.contains("unrecognized token") {
        ErrorCode::QuerySyntaxError
    } else {
        ErrorCode::QueryError
    }
}

/// SQLite gives a byte offset; `DbError::position` is a 1-based character index.
fn char_position(sql: &str, byte_offset: usize) -> usize {
    let end = (0..=byte_offset.min(sql.len()))
        .rev()
        .find(|i| sql.is_char_boundary(*i))
        .unwrap_or(0);
    sql[..end].chars().count() + 1
}

/// The file exists but is not a SQLite database.
pub(super) fn not_a_database(path: &str) -> DbError {
    DbError::new(
        ErrorCode::DbUnknownDatabase,
        format!("'{path}' is not a SQLite database (or it is encrypted): point the connection at a SQLite file"),
    )
}

/// The receiver of frames went away: the caller no longer wants rows.
pub(super) fn cancelled_by_receiver() -> DbError {
    DbError::new(
        ErrorCode::QueryCancelled,
        "query cancelled: the result reader stopped, so fetching was stopped",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_are_one_based_characters() {
        assert_eq!(char_position("SELECT é FROM", 0), 1);
        assert_eq!(char_position("é x", 3), 3);
    }
}
