//! The thread that owns a SQLite connection: opens it, then serves
//! commands until the session drops its sender.

use super::convert::{DeclKind, storage_class, to_value};
use super::error::{cancelled_by_receiver, map_err, not_a_database};
use crate::db::{BATCH_ROWS, Column, DbError, DbResult, ErrorCode, Frame, Summary, Value};
use rusqlite::fallible_iterator::FallibleIterator;
use rusqlite::{Connection, InterruptHandle, OpenFlags, Statement};
use std::path::Path;
use std::sync::mpsc as std_mpsc;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::{mpsc, oneshot};

/// A partly filled batch is sent after this long, so slow scans still
/// show their first rows promptly.
const BATCH_MAX_WAIT: Duration = Duration::from_millis(100);

/// How a statement may run, as the worker sees it (the permit was checked
/// by the session before the command was sent).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Mode {
    /// Read (or a harmless setting): on the connection opened as the spec says.
    Read,
    /// Write: on a read-only session, through a second, writable connection.
    Write,
}

/// Work for the connection thread.
pub(super) enum Command {
    /// Run one statement, streaming frames into `tx`.
    Execute {
        sql: String,
        mode: Mode,
        tx: mpsc::Sender<Frame>,
        reply: oneshot::Sender<DbResult<Summary>>,
    },
    /// Open (`true`) or end a read snapshot.
    Snapshot {
        open: bool,
        reply: oneshot::Sender<DbResult<()>>,
    },
    /// Round trip through the connection.
    Ping { reply: oneshot::Sender<DbResult<()>> },
    /// Insert rows from a stream with one prepared statement.
    BulkLoad {
        target: crate::db::BulkTarget,
        rows: crate::db::BulkRows,
        reply: oneshot::Sender<DbResult<u64>>,
    },
}

/// Interrupt handles of the worker's connections, callable from any thread.
pub(super) struct Interrupts {
    main: InterruptHandle,
    writer: Mutex<Option<InterruptHandle>>,
}

impl Interrupts {
    /// Stop whatever statement runs on either connection.
    pub(super) fn interrupt(&self) {
        self.main.interrupt();
        if let Ok(w) = self.writer.lock()
            && let Some(h) = w.as_ref()
        {
            h.interrupt();
        }
    }
}

/// The worker's state: the session's connection, and on a read-only
/// session the writable one opened for permitted writes.
struct Worker {
    path: String,
    read_only: bool,
    main: Connection,
    writer: Option<Connection>,
    snapshot: bool,
    interrupts: Arc<Interrupts>,
}

/// Thread body: open, report readiness (with the interrupt handles), serve.
pub(super) fn run(
    path: &str,
    read_only: bool,
    ready: oneshot::Sender<DbResult<Arc<Interrupts>>>,
    commands: std_mpsc::Receiver<Command>,
) {
    let conn = match open(path, read_only) {
        Ok(conn) => conn,
        Err(e) => {
            let _ = ready.send(Err(e));
            return;
        }
    };
    let interrupts = Arc::new(Interrupts {
        main: conn.get_interrupt_handle(),
        writer: Mutex::new(None),
    });
    if ready.send(Ok(Arc::clone(&interrupts))).is_err() {
        return;
    }
    let mut w = Worker {
        path: path.to_string(),
        read_only,
        main: conn,
        writer: None,
        snapshot: false,
        interrupts,
    };
    while let Ok(cmd) = commands.recv() {
        match cmd {
            Command::Execute { sql, mode, tx, reply } => {
                let _ = reply.send(w.execute(&sql, mode, &tx));
            }
            Command::Snapshot { open, reply } => {
                let _ = reply.send(w.snapshot(open));
            }
            Command::Ping { reply } => {
                let r = w
                    .main
                    .query_row("SELECT 1", [], |row| row.get::<_, i64>(0))
                    .map(|_| ())
                    .map_err(map_err);
                let _ = reply.send(r);
            }
            Command::BulkLoad { target, rows, reply } => {
                let r = if w.snapshot {
                    Err(crate::db::access::write_in_snapshot())
                } else {
                    super::bulk::load(&w.main, &target, rows)
                };
                let _ = reply.send(r);
            }
        }
    }
}

impl Worker {
    fn execute(&mut self, sql: &str, mode: Mode, tx: &mpsc::Sender<Frame>) -> DbResult<Summary> {
        if self.snapshot {
            if mode == Mode::Write {
                return Err(crate::db::access::write_in_snapshot());
            }
            return execute(&self.main, sql, tx);
        }
        if !self.read_only {
            return execute(&self.main, sql, tx);
        }
        if mode == Mode::Write {
            if self.writer.is_none() {
                let conn = open(&self.path, false)?;
                if let Ok(mut slot) = self.interrupts.writer.lock() {
                    *slot = Some(conn.get_interrupt_handle());
                }
                self.writer = Some(conn);
            }
            return match &self.writer {
                Some(conn) => execute(conn, sql, tx),
                None => Err(DbError::new(ErrorCode::QueryError, "SQLite: no writable connection")),
            };
        }
        self.close_writer();
        let result = execute(&self.main, sql, tx);
        // Read-only all the way: a transaction the statement opened (BEGIN)
        // does not outlive it.
        if !self.main.is_autocommit() {
            self.main.execute_batch("ROLLBACK").map_err(map_err)?;
        }
        result
    }

    /// Back to read-only: closing the writable connection rolls back
    /// whatever transaction it still had open.
    fn close_writer(&mut self) {
        if let Ok(mut slot) = self.interrupts.writer.lock() {
            *slot = None;
        }
        self.writer = None;
    }

    fn snapshot(&mut self, open: bool) -> DbResult<()> {
        if open == self.snapshot {
            return Ok(());
        }
        if open {
            self.close_writer();
            if !self.main.is_autocommit() {
                self.main.execute_batch("ROLLBACK").map_err(map_err)?;
            }
            // A deferred transaction takes its read lock on the first read
            // and keeps it: every later read sees the same database.
            self.main.execute_batch("BEGIN DEFERRED").map_err(map_err)?;
        } else if !self.main.is_autocommit() {
            self.main.execute_batch("ROLLBACK").map_err(map_err)?;
        }
        self.snapshot = open;
        Ok(())
    }
}

fn open(path: &str, read_only: bool) -> DbResult<Connection> {
    let in_memory = path == ":memory:";
    if !in_memory {
        check_path(Path::new(path), read_only)?;
    }
    let flags = if read_only {
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX
    } else {
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE | OpenFlags::SQLITE_OPEN_NO_MUTEX
    };
    let conn = Connection::open_with_flags(path, flags).map_err(|e| open_error(path, e))?;
    // SQLite opens lazily: read the schema now so a non-database file is
    // reported at connect time, not on the first query.
    conn.query_row("SELECT count(*) FROM sqlite_master", [], |row| row.get::<_, i64>(0))
        .map_err(|e| open_error(path, e))?;
    conn.busy_timeout(super::BUSY_TIMEOUT).map_err(map_err)?;
    if read_only {
        conn.execute_batch("PRAGMA query_only=ON").map_err(map_err)?;
    }
    Ok(conn)
}

fn check_path(path: &Path, read_only: bool) -> DbResult<()> {
    let shown = path.display();
    if path.is_dir() {
        return Err(DbError::new(
            ErrorCode::DbUnknownDatabase,
            format!("'{shown}' is a directory, not a SQLite file: give the path of the database file"),
        ));
    }
    if path.exists() {
        return Ok(());
    }
    if read_only {
        return Err(DbError::new(
            ErrorCode::DbUnknownDatabase,
            format!(
                "SQLite file '{shown}' does not exist (read-only connections never create files): check the path{}",
                cwd_hint(path)
            ),
        ));
    }
    let parent = path.parent().filter(|p| !p.as_os_str().is_empty());
    if let Some(dir) = parent.filter(|d| !d.is_dir()) {
        return Err(DbError::new(
            ErrorCode::DbUnknownDatabase,
            format!(
                "cannot create SQLite file '{shown}': directory '{}' does not exist; create it first or fix the path",
                dir.display()
            ),
        ));
    }
    Ok(())
}

fn cwd_hint(path: &Path) -> String {
    if path.is_absolute() {
        return String::new();
    }
    std::env::current_dir()
        .map(|d| format!(" (relative to '{}')", d.display()))
        .unwrap_or_default()
}

fn open_error(path: &str, e: rusqlite::Error) -> DbError {
    match e.sqlite_error_code() {
        Some(rusqlite::ErrorCode::NotADatabase) => not_a_database(path),
        Some(rusqlite::ErrorCode::CannotOpen) => DbError::new(
            ErrorCode::DbUnknownDatabase,
            format!("cannot open SQLite file '{path}': {e}; check that it exists and is readable"),
        ),
        _ => map_err(e),
    }
}

/// Run exactly one statement: SQLite compiles the first statement of the
/// text and reports the unparsed tail, and rusqlite's `prepare` refuses a
/// tail that holds another statement (a trailing comment or `;` is fine).
/// A row-returning statement streams its `Columns` frame and rows.
fn execute(conn: &Connection, sql: &str, tx: &mpsc::Sender<Frame>) -> DbResult<Summary> {
    let mut stmt = conn.prepare(sql).map_err(|e| {
        // rusqlite compiles the tail to see whether it holds a statement, so
        // an error there (`no such table` of a second statement) arrives
        // first; if the first statement compiles alone, the text held more.
        if !matches!(e, rusqlite::Error::MultipleStatement)
            && matches!(
                FallibleIterator::next(&mut rusqlite::Batch::new(conn, sql)),
                Ok(Some(_))
            )
        {
            map_err(rusqlite::Error::MultipleStatement)
        } else {
            map_err(e)
        }
    })?;
    let before = conn.total_changes();
    let returned = if stmt.column_count() > 0 {
        Some(stream(&mut stmt, tx)?)
    } else {
        let mut rows = stmt.raw_query();
        while rows.next().map_err(map_err)?.is_some() {}
        None
    };
    let affected = (!stmt.readonly()).then(|| {
        // changes() keeps the count of the last INSERT/UPDATE/DELETE, even
        // across DDL; trust it only when this statement changed something.
        if conn.total_changes() != before {
            conn.changes()
        } else {
            0
        }
    });
    Ok(Summary {
        rows_returned: returned.unwrap_or(0),
        rows_affected: affected,
        tag: super::command_tag(sql, returned, affected),
    })
}

/// Step a row-returning statement, sending columns then batches of rows.
fn stream(stmt: &mut Statement<'_>, tx: &mpsc::Sender<Frame>) -> DbResult<u64> {
    let names: Vec<String> = stmt.column_names().map(str::to_string).collect();
    let decls: Vec<Option<String>> = stmt.columns().map(|c| c.decl_type().map(str::to_string)).collect();
    let kinds: Vec<DeclKind> = decls.iter().map(|d| DeclKind::of(d.as_deref())).collect();
    let width = names.len();
    let mut rows = stmt.raw_query();
    let mut batch: Vec<Vec<Value>> = Vec::with_capacity(BATCH_ROWS);
    let mut batch_started = Instant::now();
    let mut columns_sent = false;
    let mut count = 0u64;
    while let Some(row) = rows.next().map_err(map_err)? {
        let mut values = Vec::with_capacity(width);
        let mut classes = Vec::new();
        for (i, kind) in kinds.iter().enumerate() {
            let raw = row.get_ref(i).map_err(map_err)?;
            if !columns_sent {
                classes.push(storage_class(raw));
            }
            values.push(to_value(raw, *kind));
        }
        if !columns_sent {
            send(tx, Frame::Columns(columns(&names, &decls, &classes)))?;
            columns_sent = true;
        }
        if batch.is_empty() {
            batch_started = Instant::now();
        }
        batch.push(values);
        count += 1;
        if batch.len() >= BATCH_ROWS || batch_started.elapsed() >= BATCH_MAX_WAIT {
            send(
                tx,
                Frame::Rows(std::mem::replace(&mut batch, Vec::with_capacity(BATCH_ROWS))),
            )?;
        }
    }
    if !columns_sent {
        send(tx, Frame::Columns(columns(&names, &decls, &[])))?;
    }
    if !batch.is_empty() {
        send(tx, Frame::Rows(batch))?;
    }
    Ok(count)
}

/// Column metadata: the declared type, else the first row's storage class,
/// else `ANY` (an expression over an empty result has no type at all).
fn columns(names: &[String], decls: &[Option<String>], classes: &[&str]) -> Vec<Column> {
    names
        .iter()
        .enumerate()
        .map(|(i, name)| Column {
            name: name.clone(),
            type_name: decls
                .get(i)
                .and_then(|d| d.clone())
                .filter(|d| !d.is_empty())
                .or_else(|| classes.get(i).map(|c| (*c).to_string()))
                .unwrap_or_else(|| "ANY".to_string()),
        })
        .collect()
}

fn send(tx: &mpsc::Sender<Frame>, frame: Frame) -> DbResult<()> {
    // Blocking here is the backpressure: this thread is ours alone.
    tx.blocking_send(frame).map_err(|_| cancelled_by_receiver())
}
