//! postgres driver.

use super::{ConnSpec, DbError, DbResult, ErrorCode, Session};

/// Open a postgres session.
pub async fn connect(_spec: &ConnSpec) -> DbResult<Box<dyn Session>> {
    Err(DbError::new(
        ErrorCode::QueryError,
        "the postgres driver is not built yet",
    ))
}
