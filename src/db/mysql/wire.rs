//! dbn's own MySQL/MariaDB client protocol, on mysql_common's packet types.
//!
//! Why not a general driver: dbn runs one statement per `COM_QUERY` and
//! wants the server to enforce it, so `CLIENT_MULTI_STATEMENTS` is never
//! negotiated (general drivers always set it); and rows are parsed in
//! place from one read buffer, which streams a large result at the speed
//! of the `mariadb` client instead of allocating a row object per row.
//! Only what dbn uses is here: the handshake with TLS, the
//! `mysql_native_password` and `caching_sha2_password` logins, text
//! queries with several result sets, `LOAD DATA LOCAL INFILE` fed by dbn,
//! ping and quit.

mod auth;
mod conn;
mod lowat;
mod packet;
mod reply;

pub(super) use conn::{Conn, Opts, Tls, connect};
pub(super) use reply::{Reply, RowPoll, cells};

/// What went wrong on the wire.
#[derive(Debug, thiserror::Error)]
pub(super) enum WireError {
    #[error("{0}")]
    Io(std::io::Error),
    #[error("{message}")]
    Server { code: u16, message: String },
    #[error("the server closed the connection")]
    Closed,
    #[error("the server does not support TLS")]
    NoTls,
    #[error("{0}")]
    Auth(String),
    #[error("unexpected reply from the server: {0}")]
    Protocol(String),
    /// A previous operation stopped half-way through a part of the
    /// protocol that cannot be resumed; the connection must be reopened.
    #[error("the connection was left in an unknown state by an interrupted operation")]
    Broken,
}

impl WireError {
    fn parse(what: &str, e: &std::io::Error) -> WireError {
        WireError::Protocol(format!("malformed {what}: {e}"))
    }
}
