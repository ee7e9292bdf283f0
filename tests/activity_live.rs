//! The activity collectors against the real servers of
//! scripts/test-services.sh: a row-lock holder with two waiters is one
//! blocking tree with the right root, the holder is flagged idle in
//! transaction, top statements come from the server's statistics.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use dbn::activity::{Collector, Snapshot, open, signal};
use dbn::db::{ConnSpec, Engine, Session, Value, connect, query_all};
use std::time::Duration;
use tokio::task::JoinHandle;

async fn run(s: &mut dyn Session, sql: &str) -> Vec<Vec<Value>> {
    query_all(s, sql).await.unwrap_or_else(|e| panic!("{sql}: {e}")).1
}

async fn id_of(s: &mut dyn Session, engine: Engine) -> i64 {
    let sql = match engine {
        Engine::Postgres => "SELECT pg_backend_pid()",
        _ => "SELECT CONNECTION_ID()",
    };
    match &run(s, sql).await[0][0] {
        Value::Int(n) => *n,
        Value::UInt(n) => *n as i64,
        v => panic!("id {v:?}"),
    }
}

/// Collect until `done` holds, or fail after 20 s with the last snapshot.
async fn until(c: &mut Collector, s: &mut dyn Session, done: impl Fn(&Snapshot) -> bool) -> Snapshot {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    loop {
        let snap = c.collect(s).await.unwrap();
        if done(&snap) {
            return snap;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "condition not reached: {}",
            serde_json::to_string_pretty(&snap).unwrap()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// A session that runs `sql` in the background (it blocks on the holder's lock).
fn waiter(spec: &ConnSpec, sql: &'static str) -> JoinHandle<()> {
    let spec = spec.clone();
    tokio::spawn(async move {
        let mut s = connect(&spec).await.unwrap();
        // Ends when the holder rolls back, or with an error when cancelled.
        let _ = query_all(s.as_mut(), sql).await;
    })
}

async fn blocking_tree(url: String, engine: Engine) {
    let spec = ConnSpec::parse_url(&url).unwrap();
    let mut holder = connect(&spec).await.unwrap();
    run(holder.as_mut(), "CREATE TABLE lk (id INT PRIMARY KEY, v INT)").await;
    run(holder.as_mut(), "INSERT INTO lk VALUES (1, 0), (2, 0)").await;
    let root = id_of(holder.as_mut(), engine).await;
    let begin = if engine == Engine::Postgres {
        "BEGIN"
    } else {
        "START TRANSACTION"
    };
    run(holder.as_mut(), begin).await;
    run(holder.as_mut(), "UPDATE lk SET v = 1 WHERE id = 1").await;
    let w1 = waiter(&spec, "UPDATE lk SET v = 2 WHERE id = 1");
    let w2 = waiter(&spec, "UPDATE lk SET v = 3 WHERE id = 1");

    let mut watcher = open(&spec).await.unwrap();
    assert!(watcher.is_read_only(), "activity reads on a read-only session");
    let mut c = Collector::new(engine);
    let snap = until(&mut c, watcher.as_mut(), |s| {
        s.blocking.iter().any(|t| t.root == root && t.victims == 2)
    })
    .await;
    assert_eq!(snap.blocking.len(), 1, "one tree: {:#?}", snap.blocking);
    let tree = &snap.blocking[0];
    assert!(!tree.cycle);
    let lock = tree.waiters[0].lock.as_ref().expect("the waiter's lock is named");
    assert!(
        lock.object.as_deref().is_some_and(|o| o.contains("lk")),
        "lock object names the table: {lock:?}"
    );
    let holder_row = snap.session(root).expect("holder listed");
    assert!(holder_row.idle_in_transaction, "{holder_row:?}");
    assert_eq!(holder_row.state, "idle in transaction");
    assert!(holder_row.transaction_age_s.is_some());
    // The server is shared with other tests: compare within this database.
    let db = spec.database.clone().unwrap();
    let mine: Vec<i64> = snap
        .sessions
        .iter()
        .filter(|s| s.database.as_deref() == Some(db.as_str()))
        .map(|s| s.id)
        .collect();
    assert_eq!(
        mine.first(),
        Some(&root),
        "longest transaction first: {:#?}",
        snap.sessions
    );
    let longest = snap.health.longest_transaction.as_ref().unwrap();
    assert!(longest.age_s >= holder_row.transaction_age_s.unwrap());
    assert!(snap.health.connections.unwrap() >= 4);
    assert!(snap.health.max_connections.unwrap() >= 100);
    assert!(snap.health.cache_hit_ratio.is_some_and(|r| (0.0..=1.0).contains(&r)));
    assert!(snap.own_session.is_some() && snap.session(snap.own_session.unwrap()).is_none());
    for s in &snap.sessions {
        if s.id != root && s.blocked_by.contains(&root) {
            assert_eq!(s.state, "active");
            assert!(s.query.as_deref().is_some_and(|q| q.contains("UPDATE lk")), "{s:?}");
        }
    }
    assert!(
        snap.collector.queries <= 5,
        "a handful of queries: {:?}",
        snap.collector
    );

    run(holder.as_mut(), "ROLLBACK").await;
    w1.await.unwrap();
    w2.await.unwrap();
    // InnoDB refreshes its information_schema lock tables at most every 100 ms.
    until(&mut c, watcher.as_mut(), |s| s.blocking.is_empty()).await;
}

#[tokio::test]
async fn pg_row_lock_with_two_waiters_is_one_tree() {
    let Some(url) = common::fresh_pg_db("act_tree") else {
        return;
    };
    blocking_tree(url, Engine::Postgres).await;
}

#[tokio::test]
async fn mariadb_row_lock_with_two_waiters_is_one_tree() {
    let Some(url) = common::fresh_mysql_db("act_tree") else {
        return;
    };
    blocking_tree(url, Engine::Mysql).await;
}

#[tokio::test]
async fn pg_top_statements_from_pg_stat_statements_or_a_hint() {
    let Some(url) = common::fresh_pg_db("act_top") else {
        return;
    };
    let spec = ConnSpec::parse_url(&url).unwrap();
    let mut s = connect(&spec).await.unwrap();
    let mut watcher = open(&spec).await.unwrap();
    let snap = Collector::new(Engine::Postgres)
        .collect(watcher.as_mut())
        .await
        .unwrap();
    assert_eq!(snap.top.source, None);
    let hint = snap.top.hint.unwrap();
    assert!(hint.contains("CREATE EXTENSION pg_stat_statements"), "{hint}");

    run(s.as_mut(), "CREATE EXTENSION pg_stat_statements").await;
    run(s.as_mut(), "CREATE TABLE marker_tbl (a int)").await;
    // Statistics are cluster-wide: start from zero so the marker ranks in the top 20.
    run(s.as_mut(), "SELECT pg_stat_statements_reset()").await;
    for _ in 0..3 {
        run(s.as_mut(), "SELECT count(*), pg_sleep(0.2) FROM marker_tbl").await;
    }
    let snap = Collector::new(Engine::Postgres)
        .collect(watcher.as_mut())
        .await
        .unwrap();
    assert_eq!(snap.top.source.as_deref(), Some("pg_stat_statements"), "{:?}", snap.top);
    assert!(!snap.top.statements.is_empty());
    assert!(snap.top.statements.windows(2).all(|w| w[0].total_ms >= w[1].total_ms));
    assert!(
        snap.top
            .statements
            .iter()
            .any(|st| st.query.contains("marker_tbl") && st.calls >= 3),
        "{:#?}",
        snap.top.statements
    );
}

#[tokio::test]
async fn mariadb_top_statements_from_the_slow_log_or_a_hint() {
    let Some(url) = common::fresh_mysql_db("act_top") else {
        return;
    };
    let spec = ConnSpec::parse_url(&url).unwrap();
    let mut watcher = open(&spec).await.unwrap();
    let mut admin = connect(&spec).await.unwrap();
    let before = run(admin.as_mut(), "SELECT @@GLOBAL.slow_query_log, @@GLOBAL.log_output").await;
    let snap = Collector::new(Engine::Mysql).collect(watcher.as_mut()).await.unwrap();
    if before[0][0].render() == "0" {
        assert_eq!(snap.top.source, None);
        let hint = snap.top.hint.unwrap();
        assert!(
            hint.contains("performance_schema") && hint.contains("slow_query_log"),
            "{hint}"
        );
    }
    // Slow log to a table: nothing else is slow enough to be logged (long_query_time
    // stays 10 s globally); this session logs every statement.
    run(admin.as_mut(), "SET GLOBAL log_output = 'FILE,TABLE'").await;
    run(admin.as_mut(), "SET GLOBAL slow_query_log = ON").await;
    let mut s = connect(&spec).await.unwrap();
    run(s.as_mut(), "SET SESSION long_query_time = 0").await;
    for _ in 0..3 {
        run(s.as_mut(), "SELECT 'slow_marker' AS m").await;
    }
    let snap = Collector::new(Engine::Mysql).collect(watcher.as_mut()).await;
    run(
        admin.as_mut(),
        &format!("SET GLOBAL slow_query_log = {}", before[0][0].render()),
    )
    .await;
    run(
        admin.as_mut(),
        &format!("SET GLOBAL log_output = '{}'", before[0][1].render()),
    )
    .await;
    let snap = snap.unwrap();
    assert_eq!(snap.top.source.as_deref(), Some("slow_log"), "{:?}", snap.top);
    assert!(
        snap.top
            .statements
            .iter()
            .any(|st| st.query.contains("slow_marker") && st.calls >= 3),
        "{:#?}",
        snap.top.statements
    );
}

#[tokio::test]
async fn statements_are_masked_and_signal_ids_are_validated() {
    let Some(url) = common::fresh_pg_db("act_mask") else {
        return;
    };
    let spec = ConnSpec::parse_url(&url).unwrap();
    let mut s = connect(&spec).await.unwrap();
    let id = id_of(s.as_mut(), Engine::Postgres).await;
    run(s.as_mut(), "BEGIN").await;
    run(s.as_mut(), "CREATE ROLE act_mask_role PASSWORD 'hunter2'").await;
    let mut watcher = open(&spec).await.unwrap();
    let snap = Collector::new(Engine::Postgres)
        .collect(watcher.as_mut())
        .await
        .unwrap();
    let row = snap.session(id).unwrap();
    let q = row.query.as_deref().unwrap();
    assert!(q.contains("act_mask_role") && !q.contains("hunter2"), "{q}");
    assert!(serde_json::to_string(&snap).unwrap().find("hunter2").is_none());
    run(s.as_mut(), "ROLLBACK").await;
    assert!(signal::parse_id("1; DROP TABLE t").is_err());
}

#[tokio::test]
async fn sqlite_says_it_has_no_server_activity() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("a.db");
    std::fs::write(&path, b"").unwrap();
    let url = format!("sqlite://{}", path.display());
    let spec = ConnSpec::parse_url(&url).unwrap();
    let mut s = open(&spec).await.unwrap();
    let snap = Collector::new(Engine::Sqlite).collect(s.as_mut()).await.unwrap();
    assert!(!snap.supported);
    assert!(snap.notes[0].contains("SQLite has no server activity"));
    assert!(snap.sessions.is_empty() && snap.blocking.is_empty());
}
