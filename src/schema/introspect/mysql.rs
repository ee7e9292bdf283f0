//! mysql introspection.

use crate::db::{DbResult, Engine, Session};
use crate::schema::Schema;

/// Introspect the database behind `session`.
pub async fn introspect(_session: &mut dyn Session) -> DbResult<Schema> {
    Ok(Schema::empty(Engine::Mysql))
}
