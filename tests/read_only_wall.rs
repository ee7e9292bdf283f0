//! The session as a wall of its own (issue 11, point 4): on a read-only
//! connection every statement runs in a transaction the driver opens
//! read-only and rolls back, whatever the statement says; writes need a
//! permit that only the safety gate issues, for this very database.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use dbn::db::{Access, ConnSpec, DbResult, ErrorCode, Frame, Session, Summary, Value, database_id, query_all};
use dbn::safety::WritePermit;
use dbn::safety::confirm::Scripted;
use tokio::sync::mpsc;

/// A permit as a face gets one: through the gate's typed confirmation.
fn permit(spec: &ConnSpec) -> WritePermit {
    let mut io = Scripted {
        interactive: false,
        input: std::io::empty(),
        shown: Vec::new(),
    };
    let (p, _) = dbn::safety::gate::unlock_writes("prod", &database_id(spec), None, Some("prod"), &mut io)
        .expect("unlock with --confirm");
    p
}

async fn run(s: &mut dyn Session, sql: &str, access: Access<'_>) -> DbResult<(Vec<Vec<Value>>, Summary)> {
    let (tx, mut rx) = mpsc::channel(16);
    let collect = async {
        let mut rows = Vec::new();
        while let Some(f) = rx.recv().await {
            if let Frame::Rows(mut r) = f {
                rows.append(&mut r);
            }
        }
        rows
    };
    let (sum, rows) = tokio::join!(s.execute_as(sql, access, tx), collect);
    sum.map(|s| (rows, s))
}

async fn one(s: &mut dyn Session, sql: &str) -> Value {
    let (_, mut rows, _) = query_all(s, sql).await.unwrap_or_else(|e| panic!("{sql}: {e}"));
    rows.remove(0).remove(0)
}

fn refused(r: DbResult<(Vec<Vec<Value>>, Summary)>, sql: &str) {
    let e = r
        .err()
        .unwrap_or_else(|| panic!("{sql} must fail on a read-only session"));
    assert!(
        matches!(e.code, ErrorCode::DbReadOnly | ErrorCode::QueryError),
        "{sql}: {e:?}"
    );
}

async fn open(url: &str, read_only: bool) -> (Box<dyn Session>, ConnSpec) {
    let mut spec = ConnSpec::parse_url(url).unwrap();
    spec.read_only = read_only;
    (dbn::db::connect(&spec).await.expect("connect"), spec)
}

#[tokio::test]
async fn postgres_read_only_session_is_a_wall() {
    let Some(url) = common::fresh_pg_db("wall") else { return };
    common::psql(&url, "CREATE TABLE t (a int); CREATE SCHEMA other");
    let (mut s, spec) = open(&url, true).await;
    let s = s.as_mut();
    refused(run(s, "INSERT INTO t VALUES (1)", Access::Read).await, "insert");
    // Statements that would lift read-only change nothing for the next one:
    // each runs in its own read-only transaction.
    for lift in [
        "SET default_transaction_read_only = off",
        "SET SESSION CHARACTERISTICS AS TRANSACTION READ WRITE",
        "COMMIT",
        "SET transaction_read_only = off",
        "BEGIN READ WRITE",
    ] {
        let _ = run(s, lift, Access::Read).await;
        refused(run(s, "INSERT INTO t VALUES (1)", Access::Read).await, lift);
        refused(run(s, "CREATE TABLE t2 (a int)", Access::Read).await, lift);
    }
    assert_eq!(
        one(s, "SELECT current_setting('transaction_read_only')").await,
        Value::Text("on".into())
    );
    // A harmless setting persists only when run as one.
    run(s, "SET search_path = other", Access::Read).await.unwrap();
    assert_eq!(
        one(s, "SHOW search_path").await,
        Value::Text("\"$user\", public".into())
    );
    run(s, "SET search_path = other, public", Access::Setting)
        .await
        .unwrap();
    assert_eq!(one(s, "SHOW search_path").await, Value::Text("other, public".into()));
    run(s, "SET search_path = public", Access::Setting).await.unwrap();

    // A permit for another database is refused.
    let mut elsewhere = spec.clone();
    elsewhere.database = Some("postgres".into());
    let wrong = permit(&elsewhere);
    let e = run(s, "INSERT INTO t VALUES (1)", Access::Write(&wrong))
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::DbReadOnly, "{e:?}");
    assert!(e.message.contains("unlock"), "{e:?}");

    // With the permit: writes, transactions across several Write statements,
    // and statements that cannot run in a transaction block.
    let p = permit(&spec);
    run(s, "INSERT INTO t VALUES (1)", Access::Write(&p)).await.unwrap();
    run(s, "CREATE INDEX CONCURRENTLY t_a ON t (a)", Access::Write(&p))
        .await
        .unwrap();
    run(s, "BEGIN", Access::Write(&p)).await.unwrap();
    run(s, "INSERT INTO t VALUES (2)", Access::Write(&p)).await.unwrap();
    // The next read locks the session again, rolling back what is open.
    assert_eq!(one(s, "SELECT count(*) FROM t").await, Value::Int(1));
    assert_eq!(
        one(s, "SELECT current_setting('transaction_read_only')").await,
        Value::Text("on".into())
    );
    refused(run(s, "INSERT INTO t VALUES (3)", Access::Read).await, "after relock");
    run(s, "BEGIN", Access::Write(&p)).await.unwrap();
    run(s, "INSERT INTO t VALUES (2)", Access::Write(&p)).await.unwrap();
    run(s, "COMMIT", Access::Write(&p)).await.unwrap();
    assert_eq!(one(s, "SELECT count(*) FROM t").await, Value::Int(2));

    // A snapshot: one consistent view over several reads; no writes in it.
    s.begin_read_snapshot().await.unwrap();
    assert_eq!(one(s, "SELECT count(*) FROM t").await, Value::Int(2));
    common::psql(&url, "INSERT INTO t VALUES (9)");
    assert_eq!(one(s, "SELECT count(*) FROM t").await, Value::Int(2));
    let e = run(s, "INSERT INTO t VALUES (4)", Access::Write(&p)).await.unwrap_err();
    assert_eq!(e.code, ErrorCode::DbReadOnly);
    s.end_read_snapshot().await.unwrap();
    assert_eq!(one(s, "SELECT count(*) FROM t").await, Value::Int(3));
}

#[tokio::test]
async fn mariadb_read_only_session_is_a_wall() {
    let Some(url) = common::fresh_mysql_db("wall") else {
        return;
    };
    common::mysql(&url, "CREATE TABLE t (a int)");
    let (mut s, spec) = open(&url, true).await;
    let s = s.as_mut();
    refused(run(s, "INSERT INTO t VALUES (1)", Access::Read).await, "insert");
    // DDL commits implicitly and runs under the session default: the driver
    // restores READ ONLY before every statement, whatever ran before.
    for lift in [
        "SET SESSION TRANSACTION READ WRITE",
        "SET @@session.tx_read_only = 0",
        "SET SESSION transaction_read_only = 0",
        "COMMIT",
        "START TRANSACTION READ WRITE",
    ] {
        let _ = run(s, lift, Access::Read).await;
        refused(run(s, "INSERT INTO t VALUES (1)", Access::Read).await, lift);
        refused(run(s, "CREATE TABLE t2 (a int)", Access::Read).await, lift);
        refused(run(s, "DROP TABLE t", Access::Read).await, lift);
    }
    let p = permit(&spec);
    run(s, "INSERT INTO t VALUES (1)", Access::Write(&p)).await.unwrap();
    run(s, "START TRANSACTION", Access::Write(&p)).await.unwrap();
    run(s, "INSERT INTO t VALUES (2)", Access::Write(&p)).await.unwrap();
    assert_eq!(one(s, "SELECT count(*) FROM t").await, Value::Int(1));
    refused(run(s, "CREATE TABLE t3 (a int)", Access::Read).await, "after relock");
    s.begin_read_snapshot().await.unwrap();
    assert_eq!(one(s, "SELECT count(*) FROM t").await, Value::Int(1));
    common::mysql(&url, "INSERT INTO t VALUES (9)");
    assert_eq!(one(s, "SELECT count(*) FROM t").await, Value::Int(1));
    s.end_read_snapshot().await.unwrap();
    assert_eq!(one(s, "SELECT count(*) FROM t").await, Value::Int(2));
    assert_eq!(
        common::mysql(
            &url,
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = database()"
        )
        .trim(),
        "1"
    );
}

#[tokio::test]
async fn sqlite_read_only_session_is_a_wall() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("w.db");
    rusqlite::Connection::open(&path)
        .unwrap()
        .execute_batch("CREATE TABLE t (a)")
        .unwrap();
    let url = format!("sqlite://{}", path.display());
    let (mut s, spec) = open(&url, true).await;
    let s = s.as_mut();
    for sql in [
        "INSERT INTO t VALUES (1)",
        "PRAGMA query_only = 0",
        "INSERT INTO t VALUES (1)",
    ] {
        let _ = run(s, sql, Access::Read).await;
    }
    assert_eq!(one(s, "SELECT count(*) FROM t").await, Value::Int(0));
    let mut other = spec.clone();
    other.database = Some(dir.path().join("other.db").display().to_string());
    let e = run(s, "INSERT INTO t VALUES (1)", Access::Write(&permit(&other)))
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::DbReadOnly, "{e:?}");
    let p = permit(&spec);
    run(s, "INSERT INTO t VALUES (1)", Access::Write(&p)).await.unwrap();
    run(s, "BEGIN", Access::Write(&p)).await.unwrap();
    run(s, "INSERT INTO t VALUES (2)", Access::Write(&p)).await.unwrap();
    assert_eq!(one(s, "SELECT count(*) FROM t").await, Value::Int(1));
    run(s, "BEGIN", Access::Read).await.unwrap();
    assert_eq!(one(s, "SELECT count(*) FROM t").await, Value::Int(1));
}
