//! Postgres activity: pg_stat_activity with pg_blocking_pids and the lock
//! each waiter waits for (one query), health with replication (one query),
//! pg_stat_statements when installed (one query, at most every TOP_EVERY).

use super::row::Row;
use super::{Meter, Replica, SessionInfo, Snapshot, StatementStat, TOP_LIMIT, TopStatements, masked};
use crate::db::{DbResult, Engine, Session};

/// Only these backends are sessions a user may care about; the fixed
/// auxiliary processes (checkpointer, walwriter, ...) are left out.
const SESSIONS: &str = "WITH w AS (
  SELECT l.pid, l.locktype, l.mode, l.granted, l.page, l.tuple, l.transactionid, l.virtualxid, l.classid, l.objid,
    CASE WHEN l.relation IS NULL THEN NULL
         WHEN l.database = (SELECT oid FROM pg_catalog.pg_database WHERE datname = pg_catalog.current_database())
           THEN l.relation::pg_catalog.regclass::text
         ELSE 'relation ' || l.relation || ' of database ' || coalesce((SELECT d.datname::text FROM pg_catalog.pg_database d WHERE d.oid = l.database), l.database::text)
    END AS rel
  FROM pg_catalog.pg_locks l
  WHERE NOT l.granted OR l.locktype = 'tuple'
)
SELECT a.pid, a.usename::text, a.datname::text,
  CASE WHEN a.client_addr IS NOT NULL THEN pg_catalog.host(a.client_addr) || ':' || a.client_port
       WHEN a.client_port = -1 THEN 'local' END,
  a.application_name, a.backend_type, a.state,
  EXTRACT(EPOCH FROM pg_catalog.clock_timestamp() - a.xact_start)::float8,
  EXTRACT(EPOCH FROM pg_catalog.clock_timestamp() - a.query_start)::float8,
  EXTRACT(EPOCH FROM pg_catalog.clock_timestamp() - a.backend_start)::float8,
  a.wait_event_type, a.wait_event, a.query,
  CASE WHEN a.wait_event_type = 'Lock' THEN pg_catalog.array_to_string(pg_catalog.pg_blocking_pids(a.pid), ',') END,
  wl.locktype, wl.mode, wl.object
FROM pg_catalog.pg_stat_activity a
LEFT JOIN LATERAL (
  SELECT w.locktype, w.mode,
    CASE w.locktype
      WHEN 'relation' THEN w.rel
      WHEN 'tuple' THEN w.rel || ' row (' || w.page || ',' || w.tuple || ')'
      WHEN 'transactionid' THEN 'transaction ' || w.transactionid
        || coalesce(' (row ' || (SELECT t.rel || ' (' || t.page || ',' || t.tuple || ')' FROM w t
                                 WHERE t.pid = w.pid AND t.locktype = 'tuple' AND t.granted LIMIT 1) || ')', '')
      WHEN 'virtualxid' THEN 'virtual transaction ' || w.virtualxid
      WHEN 'advisory' THEN 'advisory key ' || w.classid || ':' || w.objid
      ELSE w.rel
    END AS object
  FROM w
  WHERE w.pid = a.pid AND NOT w.granted AND a.wait_event_type = 'Lock'
  LIMIT 1
) wl ON true
WHERE a.pid <> pg_catalog.pg_backend_pid()
  AND a.backend_type IN ('client backend', 'autovacuum worker', 'walsender', 'background worker', 'parallel worker')";

const HEALTH: &str = "SELECT pg_catalog.current_setting('server_version_num')::int,
  pg_catalog.current_setting('max_connections')::int,
  (SELECT count(*) FROM pg_catalog.pg_stat_activity WHERE backend_type = 'client backend'),
  d.age, d.datname::text,
  (SELECT sum(blks_hit)::float8 / nullif(sum(blks_hit) + sum(blks_read), 0) FROM pg_catalog.pg_stat_database),
  pg_catalog.pg_is_in_recovery(),
  CASE WHEN pg_catalog.pg_is_in_recovery()
    THEN EXTRACT(EPOCH FROM pg_catalog.clock_timestamp() - pg_catalog.pg_last_xact_replay_timestamp())::float8 END,
  (SELECT n.nspname::text FROM pg_catalog.pg_extension e JOIN pg_catalog.pg_namespace n ON n.oid = e.extnamespace
    WHERE e.extname = 'pg_stat_statements'),
  (SELECT s.setting FROM pg_catalog.pg_settings s WHERE s.name = 'shared_preload_libraries'),
  (SELECT pg_catalog.json_agg(r)::text FROM (
     SELECT application_name AS name, pg_catalog.host(client_addr) AS client, state, sync_state,
       EXTRACT(EPOCH FROM replay_lag)::float8 AS lag_s,
       CASE WHEN NOT pg_catalog.pg_is_in_recovery()
         THEN pg_catalog.pg_wal_lsn_diff(pg_catalog.pg_current_wal_lsn(), replay_lsn)::float8 END AS lag_bytes
     FROM pg_catalog.pg_stat_replication ORDER BY application_name) r),
  pg_catalog.pg_backend_pid()
FROM (SELECT datname, pg_catalog.age(datfrozenxid) AS age FROM pg_catalog.pg_database ORDER BY 2 DESC LIMIT 1) d";

/// Transaction IDs between the oldest unfrozen one and the point where the
/// server stops assigning new ones (2^31 minus the 3 million safety margin).
const XID_STOP: i64 = 2_147_483_647 - 3_000_000;

/// What a Postgres collector learnt on its first refreshes.
#[derive(Default)]
pub(super) struct State {
    version_num: i64,
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
        let (_, rows) = meter.query(session, SESSIONS).await?;
        let mut hidden = false;
        for r in &rows {
            let s = session_row(&Row(r));
            hidden |= s.query.as_deref() == Some("<insufficient privilege>");
            snap.sessions.push(s);
        }
        if hidden {
            snap.notes.push(
                "some sessions belong to other users and their statements are hidden: grant the role pg_read_all_stats (or pg_monitor) to see them".into(),
            );
        }
        let (_, rows) = meter.query(session, HEALTH).await?;
        let Some(r) = rows.first() else {
            return Ok(None);
        };
        let r = Row(r);
        self.version_num = r.i64(0).unwrap_or(0);
        let h = &mut snap.health;
        h.max_connections = r.u64(1);
        h.connections = r.u64(2);
        h.xid_age = r.i64(3);
        h.xid_wraparound_remaining = r.i64(3).map(|a| XID_STOP - a);
        h.xid_oldest_database = r.text(4);
        h.cache_hit_ratio = r.f64(5);
        h.in_recovery = r.bool(6);
        h.standby_lag_s = r.f64(7);
        h.replicas = replicas(r.text(10).as_deref());
        snap.own_session = r.i64(11);
        if !want_top {
            return Ok(None);
        }
        let top = match r.text(8) {
            Some(schema) => self.top(session, meter, &schema).await,
            None => TopStatements {
                hint: Some(install_hint(r.text(9).as_deref())),
                ..Default::default()
            },
        };
        Ok(Some(top))
    }

    async fn top(&self, session: &mut dyn Session, meter: &mut Meter, schema: &str) -> TopStatements {
        // Postgres 13 split planning from execution time and renamed the columns.
        let (total, mean) = if self.version_num >= 130_000 {
            ("total_exec_time", "mean_exec_time")
        } else {
            ("total_time", "mean_time")
        };
        let sql = format!(
            "SELECT s.query, d.datname::text, s.calls, s.{total}, s.{mean}, s.rows
             FROM {}.pg_stat_statements s LEFT JOIN pg_catalog.pg_database d ON d.oid = s.dbid
             ORDER BY s.{total} DESC LIMIT {TOP_LIMIT}",
            crate::db::quote::ident(Engine::Postgres, schema)
        );
        match meter.query(session, &sql).await {
            Ok((_, rows)) => TopStatements {
                source: Some("pg_stat_statements".into()),
                hint: None,
                statements: rows
                    .iter()
                    .map(|r| {
                        let r = Row(r);
                        StatementStat {
                            query: masked(r.text(0), Engine::Postgres).unwrap_or_default(),
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
                source: None,
                hint: Some(format!(
                    "pg_stat_statements is installed but cannot be read ({}): add it to shared_preload_libraries and restart the server, or grant pg_read_all_stats",
                    e.message
                )),
                statements: Vec::new(),
            },
        }
    }
}

fn install_hint(preload: Option<&str>) -> String {
    let loaded = preload.is_some_and(|p| p.split(',').any(|l| l.trim().trim_matches('"') == "pg_stat_statements"));
    if loaded {
        "top statements need the pg_stat_statements extension in this database: it is loaded, so run CREATE EXTENSION pg_stat_statements".into()
    } else {
        "top statements need pg_stat_statements: add it to shared_preload_libraries in postgresql.conf, restart the server, then run CREATE EXTENSION pg_stat_statements in this database".into()
    }
}

fn session_row(r: &Row<'_>) -> SessionInfo {
    let kind = r.text(5).filter(|k| k != "client backend");
    let wait = match (r.text(10), r.text(11)) {
        (Some(t), Some(e)) => Some(format!("{t}:{e}")),
        (t, e) => t.or(e),
    };
    let waiting_for = r.text(14).map(|lock_type| super::LockInfo {
        lock_type,
        mode: r.text(15),
        object: r.text(16),
    });
    SessionInfo {
        id: r.i64(0).unwrap_or(0),
        user: r.text(1),
        database: r.text(2),
        client: r.text(3),
        application: r.text(4),
        state: r
            .text(6)
            .unwrap_or_else(|| kind.clone().unwrap_or_else(|| "unknown".into())),
        kind,
        idle_in_transaction: false,
        transaction_age_s: r.f64(7),
        statement_age_s: r.f64(8),
        session_age_s: r.f64(9),
        wait,
        waiting_for,
        blocked_by: r.ids(13),
        query: masked(r.text(12), Engine::Postgres),
    }
}

/// The JSON array built by the health query.
fn replicas(json: Option<&str>) -> Vec<Replica> {
    let Some(v) = json.and_then(|j| serde_json::from_str::<serde_json::Value>(j).ok()) else {
        return Vec::new();
    };
    let text = |o: &serde_json::Value, k: &str| o.get(k).and_then(|x| x.as_str()).map(str::to_string);
    let num = |o: &serde_json::Value, k: &str| o.get(k).and_then(serde_json::Value::as_f64);
    v.as_array()
        .into_iter()
        .flatten()
        .map(|o| Replica {
            name: text(o, "name").unwrap_or_default(),
            client: text(o, "client"),
            state: text(o, "state"),
            sync_state: text(o, "sync_state"),
            lag_s: num(o, "lag_s"),
            lag_bytes: num(o, "lag_bytes"),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replica_json_is_read() {
        let r = replicas(Some(
            r#"[{"name":"standby1","client":"10.0.0.2","state":"streaming","sync_state":"async","lag_s":0.25,"lag_bytes":8192}]"#,
        ));
        assert_eq!(r.len(), 1);
        assert_eq!(r[0].name, "standby1");
        assert_eq!(r[0].lag_s, Some(0.25));
        assert_eq!(r[0].lag_bytes, Some(8192.0));
        assert!(replicas(None).is_empty());
        assert!(replicas(Some("not json")).is_empty());
    }

    #[test]
    fn hint_depends_on_preload() {
        assert!(install_hint(Some("auto_explain, pg_stat_statements")).starts_with("top statements need the"));
        assert!(install_hint(None).contains("shared_preload_libraries"));
    }
}
