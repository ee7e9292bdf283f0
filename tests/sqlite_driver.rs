//! SQLite driver against real database files in temporary directories.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::{NaiveDate, NaiveTime};
use dbn::db::{BATCH_ROWS, ConnSpec, Engine, ErrorCode, Frame, Session, Value, connect, query_all};
use std::path::Path;
use std::time::{Duration, Instant};
use tokio::sync::mpsc;

fn spec(path: &Path, read_only: bool) -> ConnSpec {
    let mut s = ConnSpec::new(Engine::Sqlite);
    s.database = Some(path.display().to_string());
    s.read_only = read_only;
    s
}

async fn open(path: &Path, read_only: bool) -> Box<dyn Session> {
    connect(&spec(path, read_only)).await.expect("connect sqlite")
}

async fn run(session: &mut Box<dyn Session>, sql: &str) {
    query_all(session.as_mut(), sql)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
}

#[tokio::test]
async fn connects_creates_file_and_reports_version() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("new.db");
    let mut s = open(&path, false).await;
    assert!(path.exists(), "a writable connection creates the file");
    let version = s.server_version().await.unwrap();
    assert!(version.starts_with("SQLite 3."), "{version}");
    s.ping().await.unwrap();
    assert_eq!(s.engine(), Engine::Sqlite);
    assert!(!s.is_read_only());

    run(&mut s, "CREATE TABLE t(id INTEGER PRIMARY KEY, name TEXT)").await;
    let (_, _, sum) = query_all(s.as_mut(), "INSERT INTO t(name) VALUES ('a'),('b'),('c')")
        .await
        .unwrap();
    assert_eq!(sum.rows_affected, Some(3));
    assert_eq!(sum.tag.as_deref(), Some("INSERT 3"));
    let (_, _, sum) = query_all(s.as_mut(), "CREATE INDEX t_name ON t(name)").await.unwrap();
    assert_eq!(
        sum.rows_affected,
        Some(0),
        "DDL must not repeat the last INSERT's count"
    );
    let (_, _, sum) = query_all(s.as_mut(), "UPDATE t SET name = name || '!' WHERE id > 1")
        .await
        .unwrap();
    assert_eq!(sum.rows_affected, Some(2));
    let (cols, rows, sum) = query_all(s.as_mut(), "SELECT id, name FROM t ORDER BY id")
        .await
        .unwrap();
    assert_eq!(
        cols.iter().map(|c| c.type_name.as_str()).collect::<Vec<_>>(),
        ["INTEGER", "TEXT"]
    );
    assert_eq!(rows[2], vec![Value::Int(3), Value::Text("c!".into())]);
    assert_eq!(sum.rows_returned, 3);
    assert_eq!(sum.rows_affected, None);
}

#[tokio::test]
async fn several_statements_in_one_message_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = open(&dir.path().join("m.db"), false).await;
    run(&mut s, "CREATE TABLE t(a)").await;
    for sql in [
        "INSERT INTO t VALUES (1); INSERT INTO t VALUES (2)",
        "SELECT 1; DELETE FROM t",
        "SELECT 'a'';' ; INSERT INTO t VALUES (3)",
    ] {
        let err = query_all(s.as_mut(), sql).await.expect_err(sql);
        assert!(err.message.contains("several statements"), "{sql}: {err:?}");
    }
    let (_, rows, _) = query_all(s.as_mut(), "SELECT count(*) FROM t").await.unwrap();
    assert_eq!(rows, vec![vec![Value::Int(0)]]);
    let (_, rows, sum) = query_all(s.as_mut(), "SELECT 'x' AS b; -- trailing comment")
        .await
        .unwrap();
    assert_eq!(rows, vec![vec![Value::Text("x".into())]]);
    assert_eq!(sum.tag.as_deref(), Some("SELECT 1"));
}

#[tokio::test]
async fn empty_result_still_sends_columns() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = open(&dir.path().join("e.db"), false).await;
    run(&mut s, "CREATE TABLE t(a DATE, b NUMERIC)").await;
    let (cols, rows, sum) = query_all(s.as_mut(), "SELECT a, b, 1 + 1 AS two FROM t").await.unwrap();
    assert!(rows.is_empty());
    assert_eq!(sum.rows_returned, 0);
    let types: Vec<_> = cols.iter().map(|c| (c.name.as_str(), c.type_name.as_str())).collect();
    assert_eq!(types, [("a", "DATE"), ("b", "NUMERIC"), ("two", "ANY")]);
}

#[tokio::test]
async fn streams_200k_rows_in_batches() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = open(&dir.path().join("s.db"), false).await;
    let sql = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 200000) \
               SELECT x, 'row ' || x AS label FROM c";
    let (tx, mut rx) = mpsc::channel(4);
    let reader = async {
        let (mut batches, mut rows, mut first_is_columns, mut last, mut max_batch) = (0usize, 0usize, None, 0i64, 0);
        while let Some(frame) = rx.recv().await {
            match frame {
                Frame::Columns(c) => {
                    first_is_columns.get_or_insert(true);
                    assert_eq!(c.len(), 2);
                }
                Frame::Rows(r) => {
                    first_is_columns.get_or_insert(false);
                    batches += 1;
                    rows += r.len();
                    max_batch = max_batch.max(r.len());
                    if let Some(Value::Int(x)) = r.last().and_then(|row| row.first()) {
                        last = *x;
                    }
                }
            }
        }
        (batches, rows, first_is_columns, last, max_batch)
    };
    let (summary, (batches, rows, first, last, max_batch)) = tokio::join!(s.execute(sql, tx), reader);
    let summary = summary.unwrap();
    assert_eq!(first, Some(true), "columns come first");
    assert_eq!(rows, 200_000);
    assert_eq!(last, 200_000);
    assert_eq!(summary.rows_returned, 200_000);
    assert!(max_batch <= BATCH_ROWS, "batch of {max_batch}");
    assert!(batches >= 200_000 / BATCH_ROWS, "only {batches} batches");
}

#[tokio::test]
async fn cancel_interrupts_a_long_query_and_session_stays_usable() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = open(&dir.path().join("c.db"), false).await;
    let canceller = s.canceller();
    let sql = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c";
    let (tx, _rx) = mpsc::channel(4);
    let started = Instant::now();
    let cancel = async {
        tokio::time::sleep(Duration::from_millis(300)).await;
        canceller.cancel().await.unwrap();
    };
    let (result, ()) = tokio::join!(s.execute(sql, tx), cancel);
    let err = result.unwrap_err();
    assert_eq!(err.code, ErrorCode::QueryCancelled, "{err}");
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "took {:?}",
        started.elapsed()
    );
    // A cancel with nothing running must not hit the next statement.
    canceller.cancel().await.unwrap();
    let (_, rows, _) = query_all(s.as_mut(), "SELECT 42").await.unwrap();
    assert_eq!(rows, vec![vec![Value::Int(42)]]);
}

#[tokio::test]
async fn dropping_the_receiver_stops_fetching() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = open(&dir.path().join("d.db"), false).await;
    let sql = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT x FROM c";
    let (tx, mut rx) = mpsc::channel(2);
    let reader = async move {
        let mut got = 0;
        while let Some(frame) = rx.recv().await {
            if let Frame::Rows(r) = frame {
                got += r.len();
                if got >= 3 * BATCH_ROWS {
                    break;
                }
            }
        }
        got
    };
    let started = Instant::now();
    let (result, got) = tokio::join!(s.execute(sql, tx), reader);
    assert!(got >= 3 * BATCH_ROWS);
    assert_eq!(result.unwrap_err().code, ErrorCode::QueryCancelled);
    assert!(started.elapsed() < Duration::from_secs(5));
    s.ping().await.unwrap();
}

#[tokio::test]
async fn types_round_trip_with_nulls_and_control_characters() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = open(&dir.path().join("types.db"), false).await;
    run(
        &mut s,
        "CREATE TABLE ty(b BOOLEAN, i INTEGER, r REAL, t TEXT, bl BLOB, d DATE, ts DATETIME, tm TIME, \
         n DECIMAL(10,2), j JSON, u UUID, tz TIMESTAMP)",
    )
    .await;
    run(
        &mut s,
        "INSERT INTO ty VALUES (1, -9223372036854775808, 1.5, 'tab\tnl\nesc' || char(27) || '[31m' || char(0) || 'end', \
         x'00ff10', '2024-02-29', '2024-01-02 03:04:05.123', '23:59:58', '12345678.90', '{\"a\":[1,null]}', \
         '6f1c3c2a-9b7e-4d2f-8a51-0c7c1e2d3f40', '2024-01-02T03:04:05+02:00')",
    )
    .await;
    run(
        &mut s,
        "INSERT INTO ty VALUES (NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL)",
    )
    .await;
    run(
        &mut s,
        "INSERT INTO ty(b, i, d, ts, n) VALUES (0, 9223372036854775807, 'someday', 1700000000, 7)",
    )
    .await;
    let (cols, rows, _) = query_all(s.as_mut(), "SELECT * FROM ty ORDER BY rowid").await.unwrap();
    let types: Vec<_> = cols.iter().map(|c| c.type_name.as_str()).collect();
    assert_eq!(
        types,
        [
            "BOOLEAN",
            "INTEGER",
            "REAL",
            "TEXT",
            "BLOB",
            "DATE",
            "DATETIME",
            "TIME",
            "DECIMAL(10,2)",
            "JSON",
            "UUID",
            "TIMESTAMP"
        ]
    );
    let r = &rows[0];
    assert_eq!(r[0], Value::Bool(true));
    assert_eq!(r[1], Value::Int(i64::MIN));
    assert_eq!(r[2], Value::Float(1.5));
    assert_eq!(r[3], Value::Text("tab\tnl\nesc\u{1b}[31m\u{0}end".into()));
    assert_eq!(r[4], Value::Bytes(vec![0, 0xff, 0x10]));
    assert_eq!(r[5], Value::Date(NaiveDate::from_ymd_opt(2024, 2, 29).unwrap()));
    let ts = NaiveDate::from_ymd_opt(2024, 1, 2)
        .unwrap()
        .and_hms_milli_opt(3, 4, 5, 123)
        .unwrap();
    assert_eq!(r[6], Value::Timestamp(ts));
    assert_eq!(r[7], Value::Time(NaiveTime::from_hms_opt(23, 59, 58).unwrap()));
    // NUMERIC affinity stored a REAL; it comes back exactly as SQLite holds it.
    assert_eq!(r[8], Value::Decimal("12345678.9".into()));
    assert_eq!(r[9], Value::Json("{\"a\":[1,null]}".into()));
    assert_eq!(
        r[10],
        Value::Uuid("6f1c3c2a-9b7e-4d2f-8a51-0c7c1e2d3f40".parse().unwrap())
    );
    match &r[11] {
        Value::TimestampTz(t) => assert_eq!(t.to_rfc3339(), "2024-01-02T03:04:05+02:00"),
        other => panic!("expected timestamptz, got {other:?}"),
    }
    assert!(rows[1].iter().all(Value::is_null), "{:?}", rows[1]);
    let r = &rows[2];
    assert_eq!(r[0], Value::Bool(false));
    assert_eq!(r[1], Value::Int(i64::MAX));
    assert_eq!(r[5], Value::Text("someday".into()), "unparseable dates stay text");
    assert_eq!(r[6], Value::Int(1_700_000_000), "epoch integers stay integers");
    assert_eq!(r[8], Value::Decimal("7".into()));
}

#[tokio::test]
async fn read_only_session_refuses_writes_at_the_database() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ro.db");
    {
        let mut w = open(&path, false).await;
        run(&mut w, "CREATE TABLE t(a INTEGER)").await;
        run(&mut w, "INSERT INTO t VALUES (1)").await;
    }
    let mut s = open(&path, true).await;
    assert!(s.is_read_only());
    for sql in ["INSERT INTO t VALUES (2)", "DELETE FROM t", "CREATE TABLE u(a)"] {
        let err = query_all(s.as_mut(), sql).await.unwrap_err();
        assert_eq!(err.code, ErrorCode::DbReadOnly, "{sql}: {err}");
        assert!(err.message.contains("--unlock-writes"), "{}", err.message);
    }
    // Lifting query_only changes nothing: the file itself is open read-only.
    run(&mut s, "PRAGMA query_only=OFF").await;
    let err = query_all(s.as_mut(), "INSERT INTO t VALUES (3)").await.unwrap_err();
    assert_eq!(err.code, ErrorCode::DbReadOnly, "{err}");
    let (_, rows, _) = query_all(s.as_mut(), "SELECT count(*) FROM t").await.unwrap();
    assert_eq!(rows, vec![vec![Value::Int(1)]]);

    // An attached database inherits the read-only open.
    let other = dir.path().join("other.db");
    {
        let mut w = open(&other, false).await;
        run(&mut w, "CREATE TABLE o(a INTEGER)").await;
    }
    run(&mut s, &format!("ATTACH DATABASE '{}' AS other", other.display())).await;
    let err = query_all(s.as_mut(), "INSERT INTO other.o VALUES (1)")
        .await
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::DbReadOnly, "{err}");
    let missing = dir.path().join("created-by-attach.db");
    assert!(
        query_all(s.as_mut(), &format!("ATTACH DATABASE '{}' AS m", missing.display()))
            .await
            .is_err()
    );
    assert!(!missing.exists(), "a read-only session must not create files");
}

#[tokio::test]
async fn read_only_open_of_a_missing_file_creates_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("missing.db");
    let err = connect(&spec(&path, true)).await.err().expect("must fail");
    assert_eq!(err.code, ErrorCode::DbUnknownDatabase);
    assert!(err.message.contains(&path.display().to_string()), "{}", err.message);
    assert!(!path.exists());
}

#[tokio::test]
async fn missing_directory_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nope").join("x.db");
    let err = connect(&spec(&path, false)).await.err().expect("must fail");
    assert_eq!(err.code, ErrorCode::DbUnknownDatabase);
    assert!(err.message.contains("nope"), "{}", err.message);
    assert!(err.message.contains("does not exist"), "{}", err.message);
}

#[tokio::test]
async fn a_non_database_file_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("notes.db");
    std::fs::write(&path, "these are not the pages you are looking for, ".repeat(100)).unwrap();
    for read_only in [true, false] {
        let err = connect(&spec(&path, read_only)).await.err().expect("must fail");
        assert_eq!(err.code, ErrorCode::DbUnknownDatabase, "{err}");
        assert!(err.message.contains("not a SQLite database"), "{}", err.message);
        assert!(err.message.contains("notes.db"), "{}", err.message);
    }
}

#[tokio::test]
async fn syntax_and_query_errors() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = open(&dir.path().join("err.db"), false).await;
    let err = query_all(s.as_mut(), "SELEC 1").await.unwrap_err();
    assert_eq!(err.code, ErrorCode::QuerySyntaxError, "{err}");
    assert!(err.message.contains("SELEC"), "{}", err.message);
    assert_eq!(err.position, Some(1), "{err:?}");
    let err = query_all(s.as_mut(), "SELECT * FROM t WHERE (").await.unwrap_err();
    assert_eq!(err.code, ErrorCode::QuerySyntaxError, "{err}");
    let err = query_all(s.as_mut(), "SELECT * FROM no_such_table").await.unwrap_err();
    assert_eq!(err.code, ErrorCode::QueryError, "{err}");
    assert!(err.message.contains("no_such_table"), "{}", err.message);
    s.ping().await.unwrap();
}

#[tokio::test]
async fn a_locked_database_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("lock.db");
    let mut s = open(&path, false).await;
    run(&mut s, "CREATE TABLE t(a)").await;
    let mut other = open(&path, false).await;
    run(&mut other, "BEGIN EXCLUSIVE").await;
    run(&mut other, "INSERT INTO t VALUES (1)").await;
    let err = query_all(s.as_mut(), "INSERT INTO t VALUES (2)").await.unwrap_err();
    assert_eq!(err.code, ErrorCode::QueryError, "{err}");
    assert!(err.message.contains("locked"), "{}", err.message);
    assert!(err.message.contains("retry"), "{}", err.message);
    run(&mut other, "COMMIT").await;
    run(&mut s, "INSERT INTO t VALUES (2)").await;
}

#[tokio::test]
async fn in_memory_database_works() {
    let mut s = connect(&ConnSpec::parse_url("sqlite::memory:").unwrap()).await.unwrap();
    let (_, rows, _) = query_all(s.as_mut(), "SELECT 'x' || 1, 2.5, NULL, x'ab'")
        .await
        .unwrap();
    assert_eq!(
        rows,
        vec![vec![
            Value::Text("x1".into()),
            Value::Float(2.5),
            Value::Null,
            Value::Bytes(vec![0xab])
        ]]
    );
}

#[tokio::test]
async fn an_abandoned_execute_is_interrupted() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = open(&dir.path().join("a.db"), false).await;
    let sql = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c";
    let (tx, _rx) = mpsc::channel(4);
    let abandoned = tokio::time::timeout(Duration::from_millis(300), s.execute(sql, tx)).await;
    assert!(abandoned.is_err(), "the infinite query cannot finish");
    let started = Instant::now();
    let (_, rows, _) = query_all(s.as_mut(), "SELECT 7").await.unwrap();
    assert_eq!(rows, vec![vec![Value::Int(7)]]);
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "took {:?}",
        started.elapsed()
    );
}
