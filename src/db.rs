//! Database drivers behind one async `Session` trait, and the shared value model.

mod access;
mod error;
pub mod mysql;
pub mod postgres;
pub mod quote;
mod session;
mod spec;
pub mod sqlite;
mod tls;
pub mod tunnel;
pub mod types;
mod value;

pub use access::{Access, Lexing, database_id};
pub use error::{DbError, DbResult, ErrorCode};
pub use session::{
    BATCH_ROWS, BulkBatch, BulkRows, BulkTarget, Canceller, Column, Frame, Session, Summary, bulk_aborted,
    bulk_read_only, connect, query_all,
};
pub use spec::{ConnSpec, DEFAULT_CONNECT_TIMEOUT, Engine, SshTarget, SslMode, redact_url};
pub use value::{Interval, Value};
