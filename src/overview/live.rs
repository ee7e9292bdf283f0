//! The network half of the overview: connect, measure, ask the server.

use crate::db::{ConnSpec, DbError, Engine, Session, Value, query_all};
use serde::Serialize;
use std::time::{Duration, Instant};

/// What one connection's live checks found.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Live {
    /// Whether a session could be opened.
    pub reachable: bool,
    /// Why not, when it could not (code and message).
    pub error: Option<LiveError>,
    /// Time to open the session (TCP, TLS, SSH hop, authentication).
    pub connect_ms: Option<f64>,
    /// Median round trip of three pings.
    pub latency_ms: Option<f64>,
    /// Server product and version.
    pub server_version: Option<String>,
    /// Size of the database in bytes.
    pub database_size_bytes: Option<i64>,
    /// Tables (base tables, user schemas only).
    pub tables: Option<i64>,
    /// Other sessions connected to this database.
    pub sessions: Option<i64>,
    /// Of those, the ones running a statement now.
    pub active_sessions: Option<i64>,
}

/// Why a connection is unreachable.
#[derive(Debug, Clone, Serialize)]
pub struct LiveError {
    /// Stable code (`DB_CONN_REFUSED`, `DB_TIMEOUT`, `DB_TLS`, ...).
    pub code: String,
    /// What happened and what to do.
    pub message: String,
}

impl LiveError {
    fn from_db(e: &DbError) -> Self {
        LiveError {
            code: e.code.as_str().to_string(),
            message: e.message.clone(),
        }
    }
}

/// Open a session within `timeout` (capping the spec's own connect
/// timeout), measure it and read the server facts. Never fails: an
/// unreachable connection is a result.
pub async fn check(spec: Result<ConnSpec, String>, timeout: Duration) -> Live {
    let mut spec = match spec {
        Ok(s) => s,
        Err(why) => {
            return Live {
                error: Some(LiveError {
                    code: "CONFIG".into(),
                    message: why,
                }),
                ..Live::default()
            };
        }
    };
    spec.connect_timeout = spec.connect_timeout.min(timeout);
    match tokio::time::timeout(timeout, probe(&spec)).await {
        Ok(live) => live,
        Err(_) => Live {
            error: Some(LiveError {
                code: "DB_TIMEOUT".into(),
                message: format!(
                    "no answer within {} s; the host may be down or a firewall may drop the traffic",
                    timeout.as_secs_f32()
                ),
            }),
            ..Live::default()
        },
    }
}

async fn probe(spec: &ConnSpec) -> Live {
    let started = Instant::now();
    let mut session = match crate::db::connect(spec).await {
        Ok(s) => s,
        Err(e) => {
            return Live {
                error: Some(LiveError::from_db(&e)),
                ..Live::default()
            };
        }
    };
    let mut live = Live {
        reachable: true,
        connect_ms: Some(ms(started.elapsed())),
        ..Live::default()
    };
    live.server_version = session.server_version().await.ok();
    let mut samples = Vec::new();
    for _ in 0..3 {
        let t = Instant::now();
        if session.ping().await.is_ok() {
            samples.push(ms(t.elapsed()));
        }
    }
    samples.sort_by(f64::total_cmp);
    live.latency_ms = samples.get(samples.len() / 2).copied();
    if let Err(e) = facts(session.as_mut(), &mut live).await {
        // Reachable, but the facts query failed (privileges): say so, keep the rest.
        live.error = Some(LiveError::from_db(&e));
    }
    live
}

async fn facts(session: &mut dyn Session, live: &mut Live) -> Result<(), DbError> {
    let sql = match session.engine() {
        Engine::Postgres => {
            "SELECT pg_database_size(current_database()),
                (SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                  WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema')
                    AND n.nspname NOT LIKE 'pg_toast%'),
                (SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()),
                (SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()
                    AND state NOT IN ('idle'))"
        }
        Engine::Mysql => {
            "SELECT (SELECT COALESCE(SUM(data_length + index_length), 0) FROM information_schema.tables WHERE table_schema = DATABASE()),
                (SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = DATABASE() AND table_type = 'BASE TABLE'),
                (SELECT COUNT(*) FROM information_schema.processlist WHERE db = DATABASE() AND id <> CONNECTION_ID()),
                (SELECT COUNT(*) FROM information_schema.processlist WHERE db = DATABASE() AND id <> CONNECTION_ID() AND command <> 'Sleep')"
        }
        Engine::Sqlite => {
            "SELECT (SELECT page_count FROM pragma_page_count()) * (SELECT page_size FROM pragma_page_size()),
                (SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'), NULL, NULL"
        }
    };
    let (_, rows, _) = query_all(session, sql).await?;
    let row = rows.into_iter().next().unwrap_or_default();
    let int = |i: usize| row.get(i).and_then(as_i64);
    live.database_size_bytes = int(0);
    live.tables = int(1);
    live.sessions = int(2);
    live.active_sessions = int(3);
    Ok(())
}

fn as_i64(v: &Value) -> Option<i64> {
    match v {
        Value::Null => None,
        other => {
            let text = other.render();
            text.parse::<i64>()
                .ok()
                .or_else(|| text.parse::<f64>().ok().map(|f| f as i64))
        }
    }
}

fn ms(d: Duration) -> f64 {
    (d.as_secs_f64() * 10_000.0).round() / 10.0
}
