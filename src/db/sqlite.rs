//! SQLite driver (rusqlite, bundled). The connection lives on its own
//! thread and takes commands over a channel, so a long statement never
//! blocks the tokio runtime; cancellation goes through SQLite's interrupt
//! handle, which is safe to call from any thread.

mod bulk;
mod convert;
mod error;
mod worker;

use super::{
    Access, BulkRows, BulkTarget, Canceller, ConnSpec, DbError, DbResult, Engine, ErrorCode, Frame, Lexing, Session,
    Summary, bulk_read_only,
};
use async_trait::async_trait;
use std::sync::Arc;
use std::sync::mpsc as std_mpsc;
use tokio::sync::{mpsc, oneshot};
use worker::{Command, Interrupts, Mode};

/// How long a statement waits for another connection's lock before failing.
pub const BUSY_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(5);

/// Open a SQLite session on `spec.database` (a file path or `:memory:`).
///
/// A read-only spec opens the file with `SQLITE_OPEN_READONLY` and sets
/// `PRAGMA query_only=ON`, so SQLite itself refuses writes. A missing file
/// is an error when read-only (nothing is ever created then); a writable
/// connection creates it, like the `sqlite3` shell.
pub async fn connect(spec: &ConnSpec) -> DbResult<Box<dyn Session>> {
    let path = spec.database.clone().unwrap_or_default();
    if path.trim().is_empty() {
        return Err(DbError::new(
            ErrorCode::DbBadUrl,
            "no SQLite file given: use sqlite:///path/to/file.db (or sqlite::memory:)",
        ));
    }
    let (cmd_tx, cmd_rx) = std_mpsc::channel::<Command>();
    let (ready_tx, ready_rx) = oneshot::channel::<DbResult<Arc<Interrupts>>>();
    let read_only = spec.read_only;
    let thread_path = path.clone();
    std::thread::Builder::new()
        .name("dbn-sqlite".into())
        .spawn(move || worker::run(&thread_path, read_only, ready_tx, cmd_rx))
        .map_err(|e| DbError::new(ErrorCode::QueryError, format!("could not start the SQLite thread: {e}")))?;
    let interrupt = ready_rx.await.map_err(|_| thread_gone())??;
    Ok(Box::new(SqliteSession {
        cmd: cmd_tx,
        interrupt,
        read_only,
        database: super::database_id(spec),
    }))
}

/// The SQLite library version, e.g. `SQLite 3.50.2`.
pub fn library_version() -> String {
    format!("SQLite {}", rusqlite::version())
}

/// A session whose connection is owned by a dedicated worker thread.
/// Dropping the session closes the channel, which ends the thread and
/// closes the database.
struct SqliteSession {
    cmd: std_mpsc::Sender<Command>,
    interrupt: Arc<Interrupts>,
    read_only: bool,
    /// [`super::database_id`] of the file, what a permit must name.
    database: String,
}

fn thread_gone() -> DbError {
    DbError::new(
        ErrorCode::DbConnLost,
        "the SQLite connection thread stopped unexpectedly; reconnect",
    )
}

impl SqliteSession {
    async fn call<T>(&self, make: impl FnOnce(oneshot::Sender<DbResult<T>>) -> Command) -> DbResult<T> {
        let (reply_tx, reply_rx) = oneshot::channel();
        self.cmd.send(make(reply_tx)).map_err(|_| thread_gone())?;
        reply_rx.await.map_err(|_| thread_gone())?
    }
}

#[async_trait]
impl Session for SqliteSession {
    fn engine(&self) -> Engine {
        Engine::Sqlite
    }

    async fn server_version(&mut self) -> DbResult<String> {
        Ok(library_version())
    }

    /// Exactly one statement (a text with more is refused). A read-only
    /// session's file is opened read-only; a permitted write goes through a
    /// second, writable connection, closed (rolling back what it left open)
    /// before the next read.
    async fn execute_as(&mut self, sql: &str, access: Access<'_>, tx: mpsc::Sender<Frame>) -> DbResult<Summary> {
        let mode = match access {
            Access::Write(permit) if self.read_only && permit.database() != self.database => {
                return Err(super::access::wrong_permit(permit, &self.database));
            }
            Access::Write(_) => Mode::Write,
            Access::Read | Access::Setting => Mode::Read,
        };
        let sql = sql.to_string();
        let mut guard = InterruptOnDrop {
            handle: Arc::clone(&self.interrupt),
            armed: true,
        };
        let result = self.call(move |reply| Command::Execute { sql, mode, tx, reply }).await;
        guard.armed = false;
        result
    }

    async fn begin_read_snapshot(&mut self) -> DbResult<()> {
        self.call(|reply| Command::Snapshot { open: true, reply }).await
    }

    async fn end_read_snapshot(&mut self) -> DbResult<()> {
        self.call(|reply| Command::Snapshot { open: false, reply }).await
    }

    fn canceller(&self) -> Box<dyn Canceller> {
        Box::new(SqliteCanceller(Arc::clone(&self.interrupt)))
    }

    async fn lexing(&mut self) -> DbResult<Lexing> {
        Ok(Lexing::default())
    }

    async fn ping(&mut self) -> DbResult<()> {
        self.call(|reply| Command::Ping { reply }).await
    }

    fn is_read_only(&self) -> bool {
        self.read_only
    }

    async fn bulk_load(&mut self, target: &BulkTarget, rows: BulkRows) -> DbResult<u64> {
        if self.read_only {
            return Err(bulk_read_only(target));
        }
        let target = target.clone();
        let mut guard = InterruptOnDrop {
            handle: Arc::clone(&self.interrupt),
            armed: true,
        };
        let result = self.call(move |reply| Command::BulkLoad { target, rows, reply }).await;
        guard.armed = false;
        result
    }
}

/// Stops the statement when its `execute` future is dropped half-way, so
/// an abandoned query does not keep the connection thread busy.
struct InterruptOnDrop {
    handle: Arc<Interrupts>,
    armed: bool,
}

impl Drop for InterruptOnDrop {
    fn drop(&mut self) {
        if self.armed {
            self.handle.interrupt();
        }
    }
}

/// Interrupts the statement running on a SQLite session.
struct SqliteCanceller(Arc<Interrupts>);

#[async_trait]
impl Canceller for SqliteCanceller {
    async fn cancel(&self) -> DbResult<()> {
        // A no-op when nothing is running: SQLite clears the flag once no
        // statement is active, so a late cancel never hits the next query.
        self.0.interrupt();
        Ok(())
    }
}

/// A short command tag (`SELECT 3`, `UPDATE 2`, `CREATE TABLE`) from the
/// leading keywords of a statement and its row counts.
pub(crate) fn command_tag(sql: &str, rows_returned: Option<u64>, rows_affected: Option<u64>) -> Option<String> {
    let words = leading_words(sql, 6);
    let keyword = words.first()?.clone();
    Some(match (rows_returned, rows_affected) {
        (Some(n), _) => format!("{} {n}", if keyword == "WITH" { "SELECT" } else { &keyword }),
        (None, Some(n)) if matches!(keyword.as_str(), "INSERT" | "UPDATE" | "DELETE" | "REPLACE") => {
            format!("{keyword} {n}")
        }
        _ if matches!(keyword.as_str(), "CREATE" | "DROP" | "ALTER") => {
            // `CREATE UNIQUE INDEX` -> `CREATE INDEX`, `CREATE OR REPLACE VIEW` -> `CREATE VIEW`.
            const MODIFIERS: [&str; 7] = ["OR", "REPLACE", "TEMP", "TEMPORARY", "UNIQUE", "VIRTUAL", "DEFINER"];
            match words.iter().skip(1).find(|w| !MODIFIERS.contains(&w.as_str())) {
                Some(object) => format!("{keyword} {object}"),
                None => keyword,
            }
        }
        _ => keyword,
    })
}

/// The first `n` words of a statement, upper-cased, after leading comments.
fn leading_words(sql: &str, n: usize) -> Vec<String> {
    let mut rest = sql.trim_start();
    loop {
        if let Some(r) = rest.strip_prefix("--") {
            rest = r.split_once('\n').map(|(_, t)| t).unwrap_or("").trim_start();
        } else if let Some(r) = rest.strip_prefix("/*") {
            rest = r.split_once("*/").map(|(_, t)| t).unwrap_or("").trim_start();
        } else {
            break;
        }
    }
    rest.split(|c: char| !c.is_ascii_alphabetic())
        .take_while(|w| !w.is_empty())
        .take(n)
        .map(str::to_ascii_uppercase)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_from_first_keyword() {
        assert_eq!(command_tag("select 1", Some(1), None).as_deref(), Some("SELECT 1"));
        assert_eq!(
            command_tag("-- c\n/* x */ update t set a=1", None, Some(4)).as_deref(),
            Some("UPDATE 4")
        );
        assert_eq!(
            command_tag("WITH x AS (SELECT 1) SELECT * FROM x", Some(1), None).as_deref(),
            Some("SELECT 1")
        );
        assert_eq!(
            command_tag("create table t(a)", None, Some(0)).as_deref(),
            Some("CREATE TABLE")
        );
        assert_eq!(
            command_tag("CREATE UNIQUE INDEX i ON t(a)", None, Some(0)).as_deref(),
            Some("CREATE INDEX")
        );
        assert_eq!(
            command_tag("drop table t", None, Some(0)).as_deref(),
            Some("DROP TABLE")
        );
        assert_eq!(command_tag("vacuum", None, None).as_deref(), Some("VACUUM"));
        assert_eq!(command_tag("  ", None, None), None);
    }
}
