//! Live server activity: sessions, blocking trees, top statements and
//! health, read from the server's own catalogs in a handful of queries per
//! refresh, on a read-only session. Faces (`dbn activity`, the TUI view)
//! only draw a [`Snapshot`]; acting on a session (cancel, terminate) is a
//! write and goes through the operations layer, with the statement built
//! by [`signal::statement`].

pub mod act;
pub mod format;
mod model;
mod mysql;
mod postgres;
mod row;
pub mod signal;
pub mod tree;

pub use model::*;

use crate::db::{Column, ConnSpec, DbResult, Engine, Session, Value, query_all};
use std::time::{Duration, Instant};

/// How often the view refreshes by default.
pub const REFRESH: Duration = Duration::from_secs(2);

/// Top statements are cumulative and costlier to read (pg_stat_statements
/// reads its query-text file, the slow log is a table scan), so they are
/// re-read at most this often; sessions and health every refresh.
pub const TOP_EVERY: Duration = Duration::from_secs(30);

/// How many top statements to keep.
pub const TOP_LIMIT: usize = 20;

/// Application name of the session activity is read on (Postgres), so it
/// is recognisable in other tools.
pub const APPLICATION_NAME: &str = "dbn activity";

/// The spec of the dedicated session activity is read on: always read-only,
/// named so it is recognisable (unless the connection names itself).
pub fn session_spec(spec: &ConnSpec) -> ConnSpec {
    let mut s = spec.clone();
    s.read_only = true;
    if s.engine == Engine::Postgres && !s.params.contains_key("application_name") {
        s.params.insert("application_name".into(), APPLICATION_NAME.into());
    }
    s
}

/// Open the dedicated read-only activity session for a connection, through
/// the same connect path as every other session (TLS, tunnels).
pub async fn open(spec: &ConnSpec) -> DbResult<Box<dyn Session>> {
    crate::db::connect(&session_spec(spec)).await
}

/// Counts and times the catalog queries of one snapshot.
pub(crate) struct Meter {
    queries: usize,
    elapsed: Duration,
}

impl Meter {
    fn new() -> Meter {
        Meter {
            queries: 0,
            elapsed: Duration::ZERO,
        }
    }

    /// Run one catalog query.
    pub(crate) async fn query(
        &mut self,
        session: &mut dyn Session,
        sql: &str,
    ) -> DbResult<(Vec<Column>, Vec<Vec<Value>>)> {
        let t = Instant::now();
        let res = query_all(session, sql).await;
        self.queries += 1;
        self.elapsed += t.elapsed();
        res.map(|(c, r, _)| (c, r))
    }

    fn cost(&self) -> CollectorCost {
        CollectorCost {
            queries: self.queries,
            elapsed_ms: self.elapsed.as_secs_f64() * 1000.0,
        }
    }
}

/// Top statements read at some time, reused until [`TOP_EVERY`] has passed.
struct TopCache {
    at: Instant,
    top: TopStatements,
}

/// Reads snapshots from one session, remembering what it learnt about the
/// server (version, available statistics) between refreshes.
pub struct Collector {
    engine: Engine,
    version: Option<String>,
    top: Option<TopCache>,
    top_every: Duration,
    skip_top: bool,
    pg: postgres::State,
    my: mysql::State,
}

impl Collector {
    /// A collector for sessions of `engine`.
    pub fn new(engine: Engine) -> Collector {
        Collector {
            engine,
            version: None,
            top: None,
            top_every: TOP_EVERY,
            skip_top: false,
            pg: postgres::State::default(),
            my: mysql::State::default(),
        }
    }

    /// Re-read top statements on every snapshot (one-shot CLI, tests).
    pub fn top_every(mut self, every: Duration) -> Collector {
        self.top_every = every;
        self
    }

    /// Never read top statements (looking up one session before acting on it).
    pub fn without_top(mut self) -> Collector {
        self.skip_top = true;
        self
    }

    /// Take one snapshot. Errors are the server's (connection lost, missing
    /// privileges on the session list); what is merely unavailable becomes a note.
    pub async fn collect(&mut self, session: &mut dyn Session) -> DbResult<Snapshot> {
        let mut snap = Snapshot::empty(self.engine);
        if self.engine == Engine::Sqlite {
            snap.supported = false;
            snap.server_version = session.server_version().await.unwrap_or_default();
            snap.notes.push(SQLITE_NOTE.into());
            return Ok(snap);
        }
        if self.version.is_none() {
            self.version = Some(session.server_version().await?);
        }
        snap.server_version = self.version.clone().unwrap_or_default();
        let mut meter = Meter::new();
        let want_top = !self.skip_top && self.top.as_ref().is_none_or(|c| c.at.elapsed() >= self.top_every);
        // One read-only snapshot per refresh: the catalog queries see one
        // moment, and the read-only wall costs one BEGIN and one ROLLBACK
        // per refresh instead of one pair per query.
        session.begin_read_snapshot().await?;
        let read = match self.engine {
            Engine::Postgres => self.pg.collect(session, &mut meter, &mut snap, want_top).await,
            Engine::Mysql => self.my.collect(session, &mut meter, &mut snap, want_top).await,
            Engine::Sqlite => Ok(None),
        };
        let ended = session.end_read_snapshot().await;
        let fresh_top = read?;
        ended?;
        match fresh_top {
            Some(top) => {
                snap.top = top.clone();
                self.top = Some(TopCache {
                    at: Instant::now(),
                    top,
                });
            }
            None => snap.top = self.top.as_ref().map(|c| c.top.clone()).unwrap_or_default(),
        }
        finish(&mut snap);
        snap.collector = meter.cost();
        Ok(snap)
    }
}

/// What SQLite says instead of activity.
pub const SQLITE_NOTE: &str = "SQLite has no server activity: it is a file opened by each process, with no sessions, locks or statement statistics to show. Use `dbn query` to inspect the database itself.";

/// Derived parts: order, idle-in-transaction flags, trees, longest transaction.
fn finish(snap: &mut Snapshot) {
    for s in &mut snap.sessions {
        s.idle_in_transaction = s.state.starts_with("idle in transaction");
        s.blocked_by.retain(|b| *b != s.id);
    }
    snap.sessions.sort_by(|a, b| {
        let (x, y) = (a.busy_age(), b.busy_age());
        y.is_some()
            .cmp(&x.is_some())
            .then(y.unwrap_or(0.0).total_cmp(&x.unwrap_or(0.0)))
            .then(a.id.cmp(&b.id))
    });
    snap.blocking = tree::build(&snap.sessions);
    snap.health.longest_transaction = snap
        .sessions
        .iter()
        .filter_map(|s| s.transaction_age_s.map(|a| (s.id, a)))
        .max_by(|a, b| a.1.total_cmp(&b.1))
        .map(|(id, age_s)| LongestTransaction { id, age_s });
}

/// Longest statement text kept per session (MariaDB reports statements in
/// full; a multi-megabyte INSERT is cut rather than parsed every refresh).
pub const MAX_QUERY_CHARS: usize = 64 * 1024;

/// Statement text as it may be shown and stored: cut to [`MAX_QUERY_CHARS`],
/// secrets masked.
pub(crate) fn masked(sql: Option<String>, engine: Engine) -> Option<String> {
    sql.map(|mut q| {
        if let Some((cut, _)) = q.char_indices().nth(MAX_QUERY_CHARS) {
            q.truncate(cut);
            q.push_str(" …");
        }
        crate::safety::redact::statement(&q, engine)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(id: i64, state: &str, xact: Option<f64>, stmt: Option<f64>) -> SessionInfo {
        SessionInfo {
            id,
            state: state.into(),
            transaction_age_s: xact,
            statement_age_s: stmt,
            ..Default::default()
        }
    }

    #[test]
    fn longest_running_first_idle_last() {
        let mut snap = Snapshot::empty(Engine::Postgres);
        snap.sessions = vec![
            s(1, "idle", None, Some(900.0)),
            s(2, "active", None, Some(5.0)),
            s(3, "idle in transaction", Some(60.0), Some(59.0)),
            s(4, "active", Some(7.0), Some(1.0)),
        ];
        finish(&mut snap);
        let ids: Vec<i64> = snap.sessions.iter().map(|s| s.id).collect();
        assert_eq!(ids, vec![3, 4, 2, 1]);
        assert!(snap.sessions[0].idle_in_transaction);
        assert!(!snap.sessions[1].idle_in_transaction);
        assert_eq!(
            snap.health.longest_transaction,
            Some(LongestTransaction { id: 3, age_s: 60.0 })
        );
    }

    #[test]
    fn activity_session_is_read_only_and_named() {
        let spec = ConnSpec::parse_url("postgres://u@h/db").unwrap();
        let s = session_spec(&spec);
        assert!(s.read_only);
        assert_eq!(
            s.params.get("application_name").map(String::as_str),
            Some(APPLICATION_NAME)
        );
        let spec = ConnSpec::parse_url("postgres://u@h/db?application_name=mine").unwrap();
        assert_eq!(
            session_spec(&spec).params.get("application_name").map(String::as_str),
            Some("mine")
        );
    }
}
