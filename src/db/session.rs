//! The driver abstraction every engine implements.

use super::{Access, ConnSpec, DbResult, Engine, Lexing, Value};
use async_trait::async_trait;
use serde::Serialize;
use tokio::sync::mpsc;

/// Metadata of one result column.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Column {
    /// Column label as the server reports it.
    pub name: String,
    /// Engine type name (`int4`, `varchar`, `INTEGER`, ...).
    pub type_name: String,
}

/// What a finished statement reports.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Summary {
    /// Rows returned to the client.
    pub rows_returned: u64,
    /// Rows changed by DML, when the server reports it.
    pub rows_affected: Option<u64>,
    /// Command tag (`SELECT 3`, `UPDATE 2`, `OK`), when known.
    pub tag: Option<String>,
}

/// One message of a streaming result: columns first, then row batches.
/// The stream ends when `Session::execute` returns its `Summary`.
#[derive(Debug, Clone)]
pub enum Frame {
    /// Column metadata; sent once, before any rows, for row-returning statements.
    Columns(Vec<Column>),
    /// A batch of rows, each as long as the column list.
    Rows(Vec<Vec<Value>>),
}

/// Rows per `Frame::Rows` that drivers aim for.
pub const BATCH_ROWS: usize = 1024;

/// Where a bulk load writes: one table and the columns each row fills.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct BulkTarget {
    /// Schema (namespace); `None` for the session's current one.
    pub schema: Option<String>,
    /// Table name.
    pub table: String,
    /// Columns in row order. Generated columns must not be listed.
    pub columns: Vec<String>,
    /// Engine type names of `columns` on the target (empty when unknown);
    /// MariaDB routes binary columns through hex with them.
    pub types: Vec<String>,
}

/// One batch of rows for a bulk load, or the producer's failure, which
/// aborts the load.
pub type BulkBatch = Result<Vec<Vec<Value>>, String>;

/// The receiving end of a bulk load; the load ends when every sender is gone.
pub type BulkRows = mpsc::Receiver<BulkBatch>;

/// Stops a running statement on the server from another task.
#[async_trait]
pub trait Canceller: Send + Sync {
    /// Ask the server to cancel whatever the session is running now.
    async fn cancel(&self) -> DbResult<()>;
}

/// A live connection to one database. A new method must also be forwarded
/// by the SSH tunnel's wrapper (`db::tunnel::session`), defaults included.
#[async_trait]
pub trait Session: Send {
    /// The engine behind this session.
    fn engine(&self) -> Engine;

    /// Server product and version, e.g. `PostgreSQL 15.18`.
    async fn server_version(&mut self) -> DbResult<String>;

    /// Run one statement with [`Access::Read`], streaming frames into `tx`.
    /// Returns once the statement is complete. When the receiver is
    /// dropped the driver stops fetching and returns `QUERY_CANCELLED`.
    async fn execute(&mut self, sql: &str, tx: mpsc::Sender<Frame>) -> DbResult<Summary> {
        self.execute_as(sql, Access::Read, tx).await
    }

    /// Run exactly one statement with the given access (see [`Access`]).
    /// Text holding more than one statement is refused by the server
    /// itself (Postgres extended protocol, MariaDB prepared-statement
    /// check, SQLite prepare with an empty tail): callers split first.
    async fn execute_as(&mut self, sql: &str, access: Access<'_>, tx: mpsc::Sender<Frame>) -> DbResult<Summary>;

    /// Open a consistent read-only snapshot (repeatable read): until
    /// [`Session::end_read_snapshot`], every `Read` statement runs inside
    /// it, and writes are refused. Used by backups and other multi-query reads.
    async fn begin_read_snapshot(&mut self) -> DbResult<()>;

    /// End the snapshot opened by [`Session::begin_read_snapshot`] (rolled back).
    async fn end_read_snapshot(&mut self) -> DbResult<()>;

    /// The session's current settings that change how text is lexed
    /// (asked from the server: one round trip on Postgres and MySQL).
    async fn lexing(&mut self) -> DbResult<Lexing>;

    /// A handle that cancels the running statement on the server.
    fn canceller(&self) -> Box<dyn Canceller>;

    /// Cheap round trip (`SELECT 1`) used for latency and liveness.
    async fn ping(&mut self) -> DbResult<()>;

    /// Whether this session was opened read-only at the database level.
    fn is_read_only(&self) -> bool;

    /// Load rows into a table through the engine's bulk path: Postgres
    /// `COPY ... FROM STDIN`, MariaDB `LOAD DATA LOCAL INFILE` fed from the
    /// stream (never from a file), SQLite one prepared INSERT. Runs inside the
    /// caller's open transaction (SQLite opens one when none is), fires the
    /// table's triggers as INSERT does, and writes identity columns as given
    /// (Postgres COPY semantics). An `Err` batch aborts the load and returns
    /// its message. Returns the rows loaded. Refused on read-only sessions.
    async fn bulk_load(&mut self, target: &BulkTarget, rows: BulkRows) -> DbResult<u64>;
}

/// The error a read-only session gives for a bulk load.
pub fn bulk_read_only(target: &BulkTarget) -> super::DbError {
    super::DbError::new(
        super::ErrorCode::DbReadOnly,
        format!("cannot load rows into '{}': the session is read-only", target.table),
    )
}

/// The error for a bulk load its producer aborted.
pub fn bulk_aborted(why: &str) -> super::DbError {
    super::DbError::new(super::ErrorCode::QueryError, format!("bulk load aborted: {why}"))
}

/// Run a statement and collect the whole result. For internal queries with
/// small, known-bounded results (introspection, checks), never user queries.
pub async fn query_all(session: &mut dyn Session, sql: &str) -> DbResult<(Vec<Column>, Vec<Vec<Value>>, Summary)> {
    let (tx, mut rx) = mpsc::channel(16);
    let collect = async {
        let mut cols = Vec::new();
        let mut rows = Vec::new();
        while let Some(frame) = rx.recv().await {
            match frame {
                Frame::Columns(c) => cols = c,
                Frame::Rows(mut r) => rows.append(&mut r),
            }
        }
        (cols, rows)
    };
    let (summary, (cols, rows)) = tokio::join!(session.execute(sql, tx), collect);
    Ok((cols, rows, summary?))
}

/// Open a session for a connection spec (password already resolved),
/// through its SSH hop when it has one. Every face opens sessions here, so
/// every path gets the tunnel.
pub async fn connect(spec: &ConnSpec) -> DbResult<Box<dyn Session>> {
    match &spec.ssh {
        Some(hop) => super::tunnel::connect_via(hop, spec).await,
        None => connect_direct(spec).await,
    }
}

/// Open a session straight to the host and port in `spec`.
pub(super) async fn connect_direct(spec: &ConnSpec) -> DbResult<Box<dyn Session>> {
    match spec.engine {
        Engine::Postgres => super::postgres::connect(spec).await,
        Engine::Mysql => super::mysql::connect(spec).await,
        Engine::Sqlite => super::sqlite::connect(spec).await,
    }
}
