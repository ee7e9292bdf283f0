//! sqlite driver.

use super::{ConnSpec, DbError, DbResult, ErrorCode, Session};

/// Open a sqlite session.
pub async fn connect(_spec: &ConnSpec) -> DbResult<Box<dyn Session>> {
    Err(DbError::new(
        ErrorCode::QueryError,
        "the sqlite driver is not built yet",
    ))
}
