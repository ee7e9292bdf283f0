//! What one look at a server's activity holds. Serialized as-is by
//! `dbn activity --json`, so field names are a public interface: add fields,
//! never rename or remove them (bump [`FORMAT_VERSION`] if that ever changes).

use crate::db::Engine;
use serde::Serialize;

/// Version of the JSON document; scripts check it.
pub const FORMAT_VERSION: u32 = 1;

/// One refresh of the activity view.
#[derive(Debug, Clone, Serialize)]
pub struct Snapshot {
    /// [`FORMAT_VERSION`].
    pub version: u32,
    /// Saved connection name (or the redacted URL) the snapshot was taken through.
    pub connection: Option<String>,
    /// Engine of the server.
    pub engine: Engine,
    /// False for engines without server activity (SQLite); `message` says why.
    pub supported: bool,
    /// Server product and version.
    pub server_version: String,
    /// When the snapshot was taken (RFC 3339, UTC).
    pub collected_at: String,
    /// Server-side id of the session that collected this (left out of `sessions`).
    pub own_session: Option<i64>,
    /// Every other session, longest-running first.
    pub sessions: Vec<SessionInfo>,
    /// Blocking trees, the root blocker with the most victims first.
    pub blocking: Vec<BlockTree>,
    /// Health at a glance.
    pub health: Health,
    /// Top statements by total time, or how to enable them.
    pub top: TopStatements,
    /// Things the user should know (missing privileges, unsupported features).
    pub notes: Vec<String>,
    /// What collecting cost.
    pub collector: CollectorCost,
}

impl Snapshot {
    /// An empty snapshot for `engine`.
    pub fn empty(engine: Engine) -> Snapshot {
        Snapshot {
            version: FORMAT_VERSION,
            connection: None,
            engine,
            supported: true,
            server_version: String::new(),
            collected_at: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
            own_session: None,
            sessions: Vec::new(),
            blocking: Vec::new(),
            health: Health::default(),
            top: TopStatements::default(),
            notes: Vec::new(),
            collector: CollectorCost::default(),
        }
    }

    /// The session with server id `id`.
    pub fn session(&self, id: i64) -> Option<&SessionInfo> {
        self.sessions.iter().find(|s| s.id == id)
    }
}

/// One server session (a Postgres backend, a MariaDB thread).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct SessionInfo {
    /// Postgres pid or MariaDB connection id: what cancel and terminate take.
    pub id: i64,
    /// Login user.
    pub user: Option<String>,
    /// Current database.
    pub database: Option<String>,
    /// Client address (`host:port`, `local` for Unix sockets).
    pub client: Option<String>,
    /// Application name, when the client set one.
    pub application: Option<String>,
    /// Kind of process when not an ordinary client (`autovacuum worker`, `walsender`, `Binlog Dump`).
    pub kind: Option<String>,
    /// `active`, `idle`, `idle in transaction`, `idle in transaction (aborted)`, or the engine's own word.
    pub state: String,
    /// Idle inside an open transaction: holds locks and snapshots while doing nothing.
    pub idle_in_transaction: bool,
    /// Seconds since the transaction began.
    pub transaction_age_s: Option<f64>,
    /// Seconds since the current (or, when idle, the last) statement began.
    pub statement_age_s: Option<f64>,
    /// Seconds since the session connected.
    pub session_age_s: Option<f64>,
    /// What the session waits on (`Lock:transactionid`, `Waiting for table metadata lock`).
    pub wait: Option<String>,
    /// The lock it waits for, when it waits on another session.
    pub waiting_for: Option<LockInfo>,
    /// Sessions holding what this one waits for.
    pub blocked_by: Vec<i64>,
    /// Statement text with secrets masked (full, possibly multi-line; sanitize before drawing).
    pub query: Option<String>,
}

impl SessionInfo {
    /// How long this session has been busy: its transaction, or its running statement.
    pub fn busy_age(&self) -> Option<f64> {
        let stmt = if self.state == "active" {
            self.statement_age_s
        } else {
            None
        };
        match (self.transaction_age_s, stmt) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        }
    }
}

/// A lock one session waits for.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct LockInfo {
    /// Lock type (`transactionid`, `tuple`, `relation`, `RECORD`, `TABLE`).
    pub lock_type: String,
    /// Lock mode (`ShareLock`, `X`, `X,GAP`).
    pub mode: Option<String>,
    /// What is locked (`public.orders row (0,1)`, `` `shop`.`orders` `` index PRIMARY).
    pub object: Option<String>,
}

/// A root blocker and everything waiting behind it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BlockTree {
    /// The root: holds what others wait for and waits on nobody.
    pub root: i64,
    /// Sessions waiting on the root, directly or through others.
    pub victims: usize,
    /// True when the root is part of a wait cycle (a deadlock not yet broken).
    pub cycle: bool,
    /// Sessions waiting directly on the root, each with its own waiters.
    pub waiters: Vec<BlockNode>,
}

/// A waiting session in a blocking tree.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BlockNode {
    /// Session id.
    pub id: i64,
    /// The lock it waits for.
    pub lock: Option<LockInfo>,
    /// Sessions waiting on this one.
    pub waiters: Vec<BlockNode>,
}

/// Health at a glance. Fields the server does not report stay `null`.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Health {
    /// Client connections open now.
    pub connections: Option<u64>,
    /// `max_connections`.
    pub max_connections: Option<u64>,
    /// Postgres: age of the oldest unfrozen transaction ID (`age(datfrozenxid)`).
    pub xid_age: Option<i64>,
    /// Postgres: transactions left before wraparound protection stops writes.
    pub xid_wraparound_remaining: Option<i64>,
    /// Database holding the oldest transaction ID.
    pub xid_oldest_database: Option<String>,
    /// MariaDB: InnoDB history list length (undo not yet purged).
    pub history_list_length: Option<u64>,
    /// Session with the oldest open transaction.
    pub longest_transaction: Option<LongestTransaction>,
    /// Buffer cache hit ratio since the statistics were reset (0..1).
    pub cache_hit_ratio: Option<f64>,
    /// This server is a standby/replica.
    pub in_recovery: Option<bool>,
    /// On a standby: seconds since the last replayed transaction.
    pub standby_lag_s: Option<f64>,
    /// Replicas (or, on a replica, its sources) the server reports.
    pub replicas: Vec<Replica>,
}

/// The oldest open transaction.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LongestTransaction {
    /// Session id.
    pub id: i64,
    /// Seconds open.
    pub age_s: f64,
}

/// One replication link.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Replica {
    /// Replica's application name or MariaDB connection name.
    pub name: String,
    /// Replica address (on a primary) or source host (on a replica).
    pub client: Option<String>,
    /// Link state (`streaming`, `catchup`, `Yes/Yes`).
    pub state: Option<String>,
    /// `sync`, `async`, ...
    pub sync_state: Option<String>,
    /// Seconds the replica's replay trails the primary (Postgres `replay_lag`, MariaDB `Seconds_Behind_Master`).
    pub lag_s: Option<f64>,
    /// WAL bytes not yet replayed (Postgres).
    pub lag_bytes: Option<f64>,
}

/// Statement statistics, from wherever the server keeps them.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct TopStatements {
    /// `pg_stat_statements`, `performance_schema`, `slow_log`; null when none is available.
    pub source: Option<String>,
    /// How to turn statistics on, when they are off.
    pub hint: Option<String>,
    /// Most expensive first (by total time).
    pub statements: Vec<StatementStat>,
}

/// Aggregates of one (normalized) statement.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct StatementStat {
    /// Statement text (normalized where the source normalizes; secrets masked).
    pub query: String,
    /// Database, when known.
    pub database: Option<String>,
    /// Executions.
    pub calls: u64,
    /// Total time in milliseconds.
    pub total_ms: f64,
    /// Mean time in milliseconds.
    pub mean_ms: f64,
    /// Rows returned or affected, in total.
    pub rows: u64,
}

/// What collecting the snapshot cost.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct CollectorCost {
    /// Catalog queries sent for this snapshot.
    pub queries: usize,
    /// Wall time of those queries, in milliseconds (round trips included).
    pub elapsed_ms: f64,
}
