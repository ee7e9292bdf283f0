//! mysql driver.

use super::{ConnSpec, DbError, DbResult, ErrorCode, Session};

/// Open a mysql session.
pub async fn connect(_spec: &ConnSpec) -> DbResult<Box<dyn Session>> {
    Err(DbError::new(ErrorCode::QueryError, "the mysql driver is not built yet"))
}
