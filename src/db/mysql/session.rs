//! The MySQL session, its `KILL QUERY` canceller, and recovery after a
//! statement whose future was dropped half-way.

use super::error::{Target, map_err};
use super::stream;
use super::wire::{self, Conn, Opts, WireError};
use crate::db::access::{write_in_snapshot, wrong_permit};
use crate::db::{
    Access, BulkRows, BulkTarget, Canceller, ConnSpec, DbError, DbResult, Engine, ErrorCode, Frame, Lexing, Session,
    Summary, bulk_read_only,
};
use async_trait::async_trait;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

/// Make the server refuse writes for the rest of the session.
pub(super) async fn make_read_only(conn: &mut Conn, target: &Target<'_>) -> DbResult<()> {
    conn.query_drop("SET SESSION TRANSACTION READ ONLY")
        .await
        .map(|_| ())
        .map_err(|e| map_err(e, target))
}

/// Opens the read-only wall around one statement. The session default is
/// re-asserted every time: on MariaDB a statement that commits implicitly
/// (DDL) ends the read-only transaction and runs under the session's
/// default, so both must say READ ONLY. The leading ROLLBACK ends whatever
/// a previous write left open (START TRANSACTION would commit it).
const READ_ONLY_PRELUDE: &[&str] = &[
    "ROLLBACK",
    "SET SESSION TRANSACTION READ ONLY",
    "START TRANSACTION READ ONLY",
];

/// Sends `KILL QUERY` for one session from a separate connection.
pub(super) struct Killer {
    /// Options of the session's connection (TLS included), reused as is.
    opts: Opts,
    /// Server thread id of the session's connection; changes on reconnect.
    conn_id: AtomicU32,
    timeout: Duration,
    /// Set by a cancel; checked when the statement ends, because a killed
    /// `SLEEP()` returns normally instead of failing.
    requested: AtomicBool,
    /// Kills sent but not yet acknowledged.
    in_flight: AtomicUsize,
    addr: String,
    user: Option<String>,
}

impl Killer {
    fn target(&self, connecting: bool) -> Target<'_> {
        Target {
            addr: &self.addr,
            user: self.user.as_deref(),
            sql: None,
            connecting,
        }
    }

    async fn connect(&self) -> DbResult<Conn> {
        match tokio::time::timeout(self.timeout, wire::connect(&self.opts)).await {
            Ok(conn) => conn.map_err(|e| map_err(e, &self.target(true))),
            Err(_) => Err(DbError::new(
                ErrorCode::DbTimeout,
                format!("could not reach {} within {} s", self.addr, self.timeout.as_secs_f32()),
            )),
        }
    }

    /// Stop whatever the session's connection is running.
    pub(super) async fn kill(&self) -> DbResult<()> {
        self.in_flight.fetch_add(1, Ordering::SeqCst);
        let result = self.kill_now().await;
        self.in_flight.fetch_sub(1, Ordering::SeqCst);
        result
    }

    /// Wait (bounded) for kills still on their way, so a cancel aimed at a
    /// statement that just finished cannot land on the next one.
    async fn settle(&self) {
        let give_up = tokio::time::Instant::now() + self.timeout;
        while self.in_flight.load(Ordering::SeqCst) > 0 && tokio::time::Instant::now() < give_up {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    async fn kill_now(&self) -> DbResult<()> {
        let mut side = self.connect().await?;
        let id = self.conn_id.load(Ordering::SeqCst);
        let result = side.query_drop(&format!("KILL QUERY {id}")).await;
        side.quit().await;
        match result {
            Ok(_) => Ok(()),
            // 1094: unknown thread id; the session is already gone.
            Err(WireError::Server { code: 1094, .. }) => Ok(()),
            Err(e) => Err(map_err(e, &self.target(false))),
        }
    }
}

/// A kill started from a dropped statement, awaited before the next one so
/// it cannot land on it.
type PendingKill = Arc<Mutex<Option<JoinHandle<()>>>>;

/// A live MySQL/MariaDB session.
pub(super) struct MysqlSession {
    conn: Conn,
    killer: Arc<Killer>,
    version: String,
    read_only: bool,
    /// [`crate::db::database_id`] of the connection, what a permit must name.
    database: String,
    /// A read-only session lifted for `Access::Write` statements.
    write_open: bool,
    /// A read snapshot (`begin_read_snapshot`) is open.
    snapshot: bool,
    /// True while a statement runs; still true at the next call when the
    /// caller dropped the previous `execute` future half-way.
    dirty: bool,
    pending_kill: PendingKill,
}

impl MysqlSession {
    /// Wrap a connected, prepared connection.
    pub(super) fn new(conn: Conn, opts: Opts, spec: &ConnSpec, addr: String, version: String) -> Self {
        let killer = Arc::new(Killer {
            opts,
            conn_id: AtomicU32::new(conn.id()),
            timeout: spec.connect_timeout,
            requested: AtomicBool::new(false),
            in_flight: AtomicUsize::new(0),
            addr,
            user: spec.user.clone(),
        });
        MysqlSession {
            conn,
            killer,
            version,
            read_only: spec.read_only,
            database: crate::db::database_id(spec),
            write_open: false,
            snapshot: false,
            dirty: false,
            pending_kill: Arc::new(Mutex::new(None)),
        }
    }

    /// Bring the connection back to a known idle state after an abandoned
    /// statement: let its kill land, read what is left, or reconnect.
    async fn recover(&mut self) -> DbResult<()> {
        let pending = self.pending_kill.lock().ok().and_then(|mut p| p.take());
        match pending {
            Some(handle) => {
                let _ = handle.await;
            }
            None => {
                let _ = self.killer.kill().await;
            }
        }
        if !self.conn.is_broken() {
            // Reading the leftovers may surface the old statement's error
            // (e.g. 1317 interrupted); that is the old statement's, not ours.
            match self.conn.query_drop("DO 0").await {
                Ok(_) | Err(WireError::Server { .. }) => {
                    self.dirty = false;
                    return Ok(());
                }
                Err(_) => {}
            }
        }
        let mut conn = self.killer.connect().await?;
        if self.read_only {
            make_read_only(&mut conn, &self.killer.target(true)).await?;
        }
        self.killer.conn_id.store(conn.id(), Ordering::SeqCst);
        self.conn = conn;
        // A new connection has no transaction: neither writes nor a snapshot.
        self.write_open = false;
        self.snapshot = false;
        self.dirty = false;
        Ok(())
    }

    /// dbn's own fixed SQL (transaction control, session mode): each
    /// statement its own command, sent together.
    async fn control(&mut self, statements: &[&str]) -> DbResult<()> {
        let target = self.killer.target(false);
        self.conn.query_each(statements).await.map_err(|e| map_err(e, &target))
    }

    /// Run one statement under `access` (see [`Access`]): the read-only wall.
    async fn walled(&mut self, sql: &str, access: Access<'_>, tx: &mpsc::Sender<Frame>) -> DbResult<Summary> {
        let writes = matches!(access, Access::Write(_));
        if self.snapshot && writes {
            return Err(write_in_snapshot());
        }
        if !self.read_only || self.snapshot {
            return self.run(sql, tx).await;
        }
        if let Access::Write(permit) = access {
            if permit.database() != self.database {
                return Err(wrong_permit(permit, &self.database));
            }
            if !self.write_open {
                self.control(&["ROLLBACK", "SET SESSION TRANSACTION READ WRITE"])
                    .await?;
                self.write_open = true;
            }
            return self.run(sql, tx).await;
        }
        self.write_open = false;
        self.control(READ_ONLY_PRELUDE).await?;
        let result = self.run(sql, tx).await;
        self.control(&["ROLLBACK"]).await?;
        result
    }

    /// Run one statement. The connection never negotiates
    /// `CLIENT_MULTI_STATEMENTS`, so the server's parser refuses any text
    /// after a first statement's `;` before running anything.
    async fn run(&mut self, sql: &str, tx: &mpsc::Sender<Frame>) -> DbResult<Summary> {
        let target = statement_target(&self.killer, sql);
        stream::execute(&mut self.conn, sql, tx, &self.killer, &target).await
    }
}

fn statement_target<'a>(killer: &'a Killer, sql: &'a str) -> Target<'a> {
    Target {
        addr: &killer.addr,
        user: killer.user.as_deref(),
        sql: Some(sql),
        connecting: false,
    }
}

/// Kills the statement on the server if its `execute` future is dropped.
struct AbandonGuard {
    killer: Arc<Killer>,
    pending: PendingKill,
    armed: bool,
}

impl Drop for AbandonGuard {
    fn drop(&mut self) {
        if !self.armed {
            return;
        }
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return;
        };
        let killer = Arc::clone(&self.killer);
        let handle = runtime.spawn(async move {
            let _ = killer.kill().await;
        });
        if let Ok(mut slot) = self.pending.lock() {
            *slot = Some(handle);
        }
    }
}

#[async_trait]
impl Session for MysqlSession {
    fn engine(&self) -> Engine {
        Engine::Mysql
    }

    async fn server_version(&mut self) -> DbResult<String> {
        Ok(self.version.clone())
    }

    /// Exactly one statement (the server refuses more); a `CALL` that
    /// returns several row sets sends a `Frame::Columns` before each.
    async fn execute_as(&mut self, sql: &str, access: Access<'_>, tx: mpsc::Sender<Frame>) -> DbResult<Summary> {
        if self.dirty {
            self.recover().await?;
        }
        self.killer.settle().await;
        self.killer.requested.store(false, Ordering::SeqCst);
        let mut guard = AbandonGuard {
            killer: Arc::clone(&self.killer),
            pending: Arc::clone(&self.pending_kill),
            armed: true,
        };
        self.dirty = true;
        let result = self.walled(sql, access, &tx).await;
        guard.armed = false;
        self.dirty = false;
        let cancelled = self.killer.requested.swap(false, Ordering::SeqCst);
        match result {
            Ok(_) if cancelled => Err(DbError::new(ErrorCode::QueryCancelled, "query cancelled")),
            other => other,
        }
    }

    fn canceller(&self) -> Box<dyn Canceller> {
        Box::new(MysqlCanceller(Arc::clone(&self.killer)))
    }

    async fn begin_read_snapshot(&mut self) -> DbResult<()> {
        if self.dirty {
            self.recover().await?;
        }
        if self.snapshot {
            return Ok(());
        }
        let mode = if self.read_only { "READ ONLY" } else { "READ WRITE" };
        let session_mode = format!("SET SESSION TRANSACTION {mode}");
        self.control(&[
            "ROLLBACK",
            &session_mode,
            "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ",
            "START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY",
        ])
        .await?;
        self.write_open = false;
        self.snapshot = true;
        Ok(())
    }

    async fn end_read_snapshot(&mut self) -> DbResult<()> {
        if !self.snapshot {
            return Ok(());
        }
        self.snapshot = false;
        if self.dirty {
            return self.recover().await;
        }
        self.control(&["ROLLBACK"]).await
    }

    async fn lexing(&mut self) -> DbResult<Lexing> {
        if self.dirty {
            self.recover().await?;
        }
        let target = self.killer.target(false);
        let mode = self
            .conn
            .query_first("SELECT @@SESSION.sql_mode")
            .await
            .map_err(|e| map_err(e, &target))?;
        Ok(Lexing::from_sql_mode(mode.as_deref().unwrap_or("")))
    }

    async fn ping(&mut self) -> DbResult<()> {
        if self.dirty {
            self.recover().await?;
        }
        let target = self.killer.target(false);
        self.conn.ping().await.map_err(|e| map_err(e, &target))
    }

    fn is_read_only(&self) -> bool {
        self.read_only
    }

    async fn bulk_load(&mut self, target: &BulkTarget, rows: BulkRows) -> DbResult<u64> {
        if self.read_only {
            return Err(bulk_read_only(target));
        }
        if self.dirty {
            self.recover().await?;
        }
        self.dirty = true;
        let t = self.killer.target(false);
        let result = super::infile::load(&mut self.conn, target, rows, &t).await;
        self.dirty = false;
        result
    }
}

/// Cancels the running statement of a MySQL session with `KILL QUERY`.
struct MysqlCanceller(Arc<Killer>);

#[async_trait]
impl Canceller for MysqlCanceller {
    async fn cancel(&self) -> DbResult<()> {
        self.0.requested.store(true, Ordering::SeqCst);
        self.0.kill().await
    }
}
