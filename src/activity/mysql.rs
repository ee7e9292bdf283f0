//! MariaDB (and MySQL 5.7) activity: information_schema.PROCESSLIST joined
//! with INNODB_TRX (one query), INNODB_LOCK_WAITS with INNODB_LOCKS only while
//! someone waits on a row lock (one query), status and variables (one query),
//! replica status where replication is configured, metadata-lock owners
//! while someone waits for one, and top statements from performance_schema
//! or the slow log table when either is on.

mod metadata;

use super::row::Row;
use super::{LockInfo, Meter, Replica, SessionInfo, Snapshot, StatementStat, TOP_LIMIT, TopStatements, masked};
use crate::db::{Column, DbResult, Engine, Session, Value};
use std::collections::HashMap;

const SESSIONS: &str = "SELECT p.ID, p.USER, p.HOST, p.DB, p.COMMAND, p.TIME_MS / 1000, p.STATE, p.INFO,
  t.trx_state, TIMESTAMPDIFF(SECOND, t.trx_started, NOW()), t.trx_id
FROM information_schema.PROCESSLIST p
LEFT JOIN information_schema.INNODB_TRX t ON t.trx_mysql_thread_id = p.ID
WHERE p.ID <> CONNECTION_ID()";

/// Without the PROCESS privilege INNODB_TRX is refused; the process list
/// alone still shows the user's own sessions.
const SESSIONS_NO_TRX: &str = "SELECT p.ID, p.USER, p.HOST, p.DB, p.COMMAND, p.TIME_MS / 1000, p.STATE, p.INFO,
  NULL, NULL, NULL
FROM information_schema.PROCESSLIST p
WHERE p.ID <> CONNECTION_ID()";

const LOCK_WAITS: &str = "SELECT r.trx_mysql_thread_id, b.trx_mysql_thread_id,
  l.lock_type, l.lock_mode, l.lock_table, l.lock_index, l.lock_data
FROM information_schema.INNODB_LOCK_WAITS w
JOIN information_schema.INNODB_TRX r ON r.trx_id = w.requesting_trx_id
JOIN information_schema.INNODB_TRX b ON b.trx_id = w.blocking_trx_id
LEFT JOIN information_schema.INNODB_LOCKS l ON l.lock_id = w.requested_lock_id";

const HEALTH: &str = "SELECT UPPER(VARIABLE_NAME), VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS
WHERE VARIABLE_NAME IN ('THREADS_CONNECTED', 'INNODB_BUFFER_POOL_READS', 'INNODB_BUFFER_POOL_READ_REQUESTS',
  'INNODB_HISTORY_LIST_LENGTH', 'SLAVES_RUNNING', 'SLAVES_CONNECTED')
UNION ALL
SELECT UPPER(VARIABLE_NAME), VARIABLE_VALUE FROM information_schema.GLOBAL_VARIABLES
WHERE VARIABLE_NAME IN ('MAX_CONNECTIONS', 'PERFORMANCE_SCHEMA', 'SLOW_QUERY_LOG', 'LOG_OUTPUT')
UNION ALL
SELECT 'CONNECTION_ID', CONNECTION_ID()";

const TOP_PERFORMANCE_SCHEMA: &str = "SELECT DIGEST_TEXT, SCHEMA_NAME, COUNT_STAR,
  SUM_TIMER_WAIT / 1000000000, AVG_TIMER_WAIT / 1000000000, SUM_ROWS_SENT + SUM_ROWS_AFFECTED
FROM performance_schema.events_statements_summary_by_digest
WHERE DIGEST_TEXT IS NOT NULL
ORDER BY SUM_TIMER_WAIT DESC LIMIT ";

const TOP_SLOW_LOG: &str = "SELECT LEFT(sql_text, 4000), db, COUNT(*),
  SUM(TIME_TO_SEC(query_time)) * 1000, AVG(TIME_TO_SEC(query_time)) * 1000, SUM(rows_sent + rows_affected)
FROM mysql.slow_log
GROUP BY LEFT(sql_text, 4000), db
ORDER BY 4 DESC LIMIT ";

/// How to turn statement statistics on.
pub const ENABLE_HINT: &str = "top statements need performance_schema or the slow log table: set performance_schema=ON in the server configuration and restart, or run SET GLOBAL slow_query_log=ON, log_output='FILE,TABLE', long_query_time=1";

/// Replica status: unknown until probed once, then read each refresh only
/// where replication is configured.
#[derive(Default, Clone, Copy, PartialEq, Eq)]
enum Probe {
    #[default]
    Unknown,
    Configured,
    Absent,
}

/// What a MariaDB collector learnt on its first refreshes.
#[derive(Default)]
pub(super) struct State {
    no_trx: bool,
    replicas: Probe,
}

impl State {
    /// Fill `snap`; returns fresh top statements when `want_top`.
    pub(super) async fn collect(
        &mut self,
        session: &mut dyn Session,
        meter: &mut Meter,
        snap: &mut Snapshot,
        want_top: bool,
    ) -> DbResult<Option<TopStatements>> {
        let rows = self.sessions(session, meter, snap).await?;
        let mut waiting = false;
        for r in &rows {
            let s = session_row(&Row(r));
            waiting |= s.wait.as_deref() == Some(ROW_LOCK_WAIT);
            snap.sessions.push(s);
        }
        if waiting {
            self.lock_waits(session, meter, snap).await?;
        }
        let (_, rows) = meter.query(session, HEALTH).await?;
        let vars: HashMap<String, String> = rows
            .iter()
            .filter_map(|r| {
                let r = Row(r);
                Some((r.text(0)?, r.text(1).unwrap_or_default()))
            })
            .collect();
        let num = |k: &str| vars.get(k).and_then(|v| v.trim().parse::<f64>().ok());
        let h = &mut snap.health;
        h.connections = num("THREADS_CONNECTED").map(|n| n as u64);
        h.max_connections = num("MAX_CONNECTIONS").map(|n| n as u64);
        h.history_list_length = num("INNODB_HISTORY_LIST_LENGTH").map(|n| n as u64);
        h.cache_hit_ratio = match (num("INNODB_BUFFER_POOL_READS"), num("INNODB_BUFFER_POOL_READ_REQUESTS")) {
            (Some(disk), Some(req)) if req > 0.0 => Some(1.0 - disk / req),
            _ => None,
        };
        snap.own_session = num("CONNECTION_ID").map(|n| n as i64);
        if metadata::anyone_waits(snap) {
            metadata::waits(session, meter, snap, switched_on(&vars, "PERFORMANCE_SCHEMA")).await?;
        }
        self.replication(session, meter, snap, num("SLAVES_CONNECTED").unwrap_or(0.0))
            .await;
        if !want_top {
            return Ok(None);
        }
        Ok(Some(top(session, meter, &vars).await))
    }

    async fn sessions(
        &mut self,
        session: &mut dyn Session,
        meter: &mut Meter,
        snap: &mut Snapshot,
    ) -> DbResult<Vec<Vec<Value>>> {
        if !self.no_trx {
            match meter.query(session, SESSIONS).await {
                Ok((_, rows)) => return Ok(rows),
                // 1227: access denied, PROCESS privilege needed for INNODB_TRX.
                Err(e) if e.sqlstate.as_deref() == Some("1227") || e.message.contains("PROCESS") => {
                    self.no_trx = true;
                }
                Err(e) => return Err(e),
            }
        }
        snap.notes.push("without the PROCESS privilege only your own sessions are listed, with no transactions or lock waits: GRANT PROCESS ON *.* TO the user".into());
        meter.query(session, SESSIONS_NO_TRX).await.map(|(_, r)| r)
    }

    async fn lock_waits(&mut self, session: &mut dyn Session, meter: &mut Meter, snap: &mut Snapshot) -> DbResult<()> {
        let (_, rows) = meter.query(session, LOCK_WAITS).await?;
        let mut edges: HashMap<i64, (Vec<i64>, Option<LockInfo>)> = HashMap::new();
        for r in &rows {
            let r = Row(r);
            let (Some(waiter), Some(blocker)) = (r.i64(0), r.i64(1)) else {
                continue;
            };
            let e = edges.entry(waiter).or_default();
            if !e.0.contains(&blocker) {
                e.0.push(blocker);
            }
            if e.1.is_none() {
                e.1 = r.text(2).map(|lock_type| LockInfo {
                    lock_type,
                    mode: r.text(3),
                    object: lock_object(r.text(4), r.text(5), r.text(6)),
                });
            }
        }
        for s in &mut snap.sessions {
            if let Some((blockers, lock)) = edges.remove(&s.id) {
                s.blocked_by = blockers;
                s.waiting_for = lock;
            }
        }
        Ok(())
    }

    /// Replica status on a replica; connected replicas on a primary.
    async fn replication(&mut self, session: &mut dyn Session, meter: &mut Meter, snap: &mut Snapshot, connected: f64) {
        if self.replicas != Probe::Absent {
            match meter.query(session, "SHOW ALL SLAVES STATUS").await {
                Ok((cols, rows)) if !rows.is_empty() => {
                    self.replicas = Probe::Configured;
                    snap.health.in_recovery = Some(true);
                    snap.health.replicas.extend(rows.iter().map(|r| source_row(&cols, r)));
                }
                Ok(_) => self.replicas = Probe::Absent,
                Err(e) => {
                    self.replicas = Probe::Absent;
                    snap.notes.push(format!(
                        "replica status is not readable ({}): grant REPLICA MONITOR (or REPLICATION CLIENT) to see replication lag",
                        e.message
                    ));
                }
            }
        }
        if connected > 0.0 {
            snap.health.replicas.extend(
                snap.sessions
                    .iter()
                    .filter(|s| s.kind.as_deref().is_some_and(|k| k.starts_with("Binlog Dump")))
                    .map(|s| Replica {
                        name: s.user.clone().unwrap_or_default(),
                        client: s.client.clone(),
                        state: Some("connected (lag is reported on the replica)".into()),
                        ..Default::default()
                    }),
            );
        }
    }
}

/// The wait recorded for a transaction in `LOCK WAIT`.
const ROW_LOCK_WAIT: &str = "InnoDB row lock";

fn session_row(r: &Row<'_>) -> SessionInfo {
    let command = r.text(4).unwrap_or_default();
    let in_trx = r.text(10).is_some();
    let (state, kind) = match command.as_str() {
        "Sleep" if in_trx => ("idle in transaction".to_string(), None),
        "Sleep" => ("idle".to_string(), None),
        "Query" | "Execute" | "Fetch" | "Prepare" | "Long Data" => ("active".to_string(), None),
        other => (other.to_ascii_lowercase(), Some(other.to_string())),
    };
    let proc_state = r.text(6);
    let wait = if r.text(8).as_deref() == Some("LOCK WAIT") {
        Some(ROW_LOCK_WAIT.to_string())
    } else {
        proc_state.filter(|s| s.starts_with("Waiting") || s.contains("lock"))
    };
    SessionInfo {
        id: r.i64(0).unwrap_or(0),
        user: r.text(1),
        database: r.text(3),
        client: r.text(2),
        application: None,
        kind,
        state,
        idle_in_transaction: false,
        // trx_started has whole seconds; the transaction is at least as old as
        // the current statement (or the idle time), which has milliseconds.
        transaction_age_s: r.f64(9).map(|t| t.max(r.f64(5).unwrap_or(0.0))),
        statement_age_s: r.f64(5),
        session_age_s: None,
        wait,
        waiting_for: None,
        blocked_by: Vec::new(),
        query: masked(r.text(7), Engine::Mysql),
    }
}

/// `` `shop`.`orders` index PRIMARY, key 42 ``
fn lock_object(table: Option<String>, index: Option<String>, data: Option<String>) -> Option<String> {
    let mut out = table?;
    if let Some(i) = index {
        out.push_str(" index ");
        out.push_str(&i);
    }
    if let Some(d) = data {
        out.push_str(", key ");
        out.push_str(&d);
    }
    Some(out)
}

/// One row of `SHOW ALL SLAVES STATUS`, read by column name.
fn source_row(cols: &[Column], r: &[Value]) -> Replica {
    let row = Row(r);
    let at = |name: &str| cols.iter().position(|c| c.name.eq_ignore_ascii_case(name));
    let text = |name: &str| at(name).and_then(|i| row.text(i));
    let io = text("Slave_IO_Running").unwrap_or_else(|| "?".into());
    let sql = text("Slave_SQL_Running").unwrap_or_else(|| "?".into());
    let host = match (text("Master_Host"), text("Master_Port")) {
        (Some(h), Some(p)) => Some(format!("{h}:{p}")),
        (h, _) => h,
    };
    Replica {
        name: text("Connection_name").unwrap_or_else(|| "default".into()),
        client: host,
        state: Some(format!("IO {io}, SQL {sql}")),
        sync_state: None,
        lag_s: at("Seconds_Behind_Master").and_then(|i| row.f64(i)),
        lag_bytes: None,
    }
}

/// A server variable that is on (`ON`, `1`, `TRUE`).
fn switched_on(vars: &HashMap<String, String>, name: &str) -> bool {
    vars.get(name)
        .is_some_and(|v| matches!(v.to_ascii_uppercase().as_str(), "ON" | "1" | "TRUE"))
}

async fn top(session: &mut dyn Session, meter: &mut Meter, vars: &HashMap<String, String>) -> TopStatements {
    let on = |k: &str| switched_on(vars, k);
    let table_log = vars
        .get("LOG_OUTPUT")
        .is_some_and(|v| v.to_ascii_uppercase().split(',').any(|o| o.trim() == "TABLE"));
    let (source, sql) = if on("PERFORMANCE_SCHEMA") {
        ("performance_schema", format!("{TOP_PERFORMANCE_SCHEMA}{TOP_LIMIT}"))
    } else if on("SLOW_QUERY_LOG") && table_log {
        ("slow_log", format!("{TOP_SLOW_LOG}{TOP_LIMIT}"))
    } else if on("SLOW_QUERY_LOG") {
        return TopStatements {
            hint: Some("the slow log is on but written only to a file, which dbn does not read: run SET GLOBAL log_output='FILE,TABLE' to keep it in mysql.slow_log too, or set performance_schema=ON and restart".into()),
            ..Default::default()
        };
    } else {
        return TopStatements {
            hint: Some(ENABLE_HINT.into()),
            ..Default::default()
        };
    };
    match meter.query(session, &sql).await {
        Ok((_, rows)) => TopStatements {
            source: Some(source.into()),
            hint: (source == "slow_log").then(|| {
                "from mysql.slow_log: statements slower than long_query_time only, grouped by their exact text".into()
            }),
            statements: rows
                .iter()
                .map(|r| {
                    let r = Row(r);
                    StatementStat {
                        query: masked(r.text(0), Engine::Mysql).unwrap_or_default(),
                        database: r.text(1),
                        calls: r.u64(2).unwrap_or(0),
                        total_ms: r.f64(3).unwrap_or(0.0),
                        mean_ms: r.f64(4).unwrap_or(0.0),
                        rows: r.u64(5).unwrap_or(0),
                    }
                })
                .collect(),
        },
        Err(e) => TopStatements {
            hint: Some(format!(
                "{source} is on but cannot be read ({}); {ENABLE_HINT}",
                e.message
            )),
            ..Default::default()
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(vals: &[Option<&str>]) -> Vec<Value> {
        vals.iter()
            .map(|v| v.map_or(Value::Null, |s| Value::Text(s.into())))
            .collect()
    }

    #[test]
    fn sleeping_in_a_transaction_is_idle_in_transaction() {
        let r = row(&[
            Some("7"),
            Some("app"),
            Some("10.0.0.9:4000"),
            Some("shop"),
            Some("Sleep"),
            Some("12.5"),
            Some(""),
            None,
            Some("RUNNING"),
            Some("30"),
            Some("1234"),
        ]);
        let s = session_row(&Row(&r));
        assert_eq!(
            (s.id, s.state.as_str(), s.transaction_age_s),
            (7, "idle in transaction", Some(30.0))
        );
        let r = row(&[
            Some("8"),
            Some("app"),
            None,
            None,
            Some("Query"),
            Some("3"),
            Some("Updating"),
            Some("UPDATE t SET a=1"),
            Some("LOCK WAIT"),
            Some("3"),
            Some("99"),
        ]);
        let s = session_row(&Row(&r));
        assert_eq!(s.state, "active");
        assert_eq!(s.wait.as_deref(), Some(ROW_LOCK_WAIT));
        let r = row(&[
            Some("1"),
            Some("system user"),
            None,
            None,
            Some("Daemon"),
            Some("0"),
            None,
            None,
            None,
            None,
            None,
        ]);
        let s = session_row(&Row(&r));
        assert_eq!((s.state.as_str(), s.kind.as_deref()), ("daemon", Some("Daemon")));
    }

    #[test]
    fn lock_objects_name_table_index_and_key() {
        assert_eq!(
            lock_object(Some("`shop`.`t`".into()), Some("PRIMARY".into()), Some("1".into())).as_deref(),
            Some("`shop`.`t` index PRIMARY, key 1")
        );
        assert_eq!(lock_object(None, Some("x".into()), None), None);
    }
}
