//! PostgreSQL driver on tokio-postgres: connect (TLS through rustls, connect
//! timeout, read-only sessions), streaming execution with bounded memory,
//! exact value decoding and server-side cancellation.
//!
//! Results are decoded from the binary protocol when every column type has
//! a binary decoder here; otherwise the statement runs through the simple
//! (text) protocol and cells are parsed from, or kept as, their text form.

mod batch;
mod command;
mod connect;
mod copy_in;
mod decode;
mod errors;
mod numeric;
mod session;
mod text;

use super::{ConnSpec, DbResult, Session};

pub use errors::READ_ONLY_HINT;

/// Open a postgres session for `spec`, within `spec.connect_timeout`
/// (TCP, TLS and authentication together).
pub async fn connect(spec: &ConnSpec) -> DbResult<Box<dyn Session>> {
    let session = connect::open(spec).await?;
    Ok(Box::new(session))
}
