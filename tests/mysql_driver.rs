//! MySQL/MariaDB driver against the test server from scripts/test-services.sh.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use chrono::NaiveDate;
use dbn::db::{BATCH_ROWS, ConnSpec, ErrorCode, Frame, Interval, Session, SslMode, Value, connect, query_all};
use std::time::{Duration, Instant};
use tokio::sync::mpsc;

async fn fresh(prefix: &str) -> Option<(Box<dyn Session>, ConnSpec)> {
    let url = common::fresh_mysql_db(prefix)?;
    let spec = ConnSpec::parse_url(&url).unwrap();
    let session = connect(&spec).await.unwrap_or_else(|e| panic!("connect: {e}"));
    Some((session, spec))
}

async fn run(s: &mut Box<dyn Session>, sql: &str) {
    query_all(s.as_mut(), sql)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
}

async fn is_mariadb(s: &mut Box<dyn Session>) -> bool {
    s.server_version().await.unwrap().starts_with("MariaDB")
}

/// A row-generating FROM clause of `n` rows with column `seq`.
async fn rows_source(s: &mut Box<dyn Session>, n: u64) -> String {
    if is_mariadb(s).await {
        format!("seq_1_to_{n}")
    } else {
        run(s, &format!("SET SESSION cte_max_recursion_depth = {}", n + 1)).await;
        format!(
            "(WITH RECURSIVE c(seq) AS (SELECT 1 UNION ALL SELECT seq + 1 FROM c WHERE seq < {n}) SELECT seq FROM c) g"
        )
    }
}

#[tokio::test]
async fn connects_reports_version_and_counts_changes() {
    let Some((mut s, _)) = fresh("myconn").await else {
        return;
    };
    let version = s.server_version().await.unwrap();
    assert!(
        version.starts_with("MariaDB 1") || version.starts_with("MySQL "),
        "{version}"
    );
    assert!(version.split(' ').nth(1).is_some_and(|v| v.contains('.')), "{version}");
    s.ping().await.unwrap();
    assert!(!s.is_read_only());
    run(&mut s, "CREATE TABLE t (id INT PRIMARY KEY, name VARCHAR(20))").await;
    let (_, _, sum) = query_all(s.as_mut(), "INSERT INTO t VALUES (1,'a'),(2,'b'),(3,'c')")
        .await
        .unwrap();
    assert_eq!(sum.rows_affected, Some(3));
    assert_eq!(sum.tag.as_deref(), Some("INSERT 3"));
    let (_, _, sum) = query_all(s.as_mut(), "UPDATE t SET name = 'z' WHERE id >= 2")
        .await
        .unwrap();
    assert_eq!(sum.rows_affected, Some(2));
    let (cols, rows, sum) = query_all(s.as_mut(), "SELECT id, name FROM t WHERE id > 5")
        .await
        .unwrap();
    assert_eq!(cols.len(), 2, "columns are sent for empty results");
    assert_eq!(cols[1].name, "name");
    assert_eq!(cols[1].type_name, "VARCHAR");
    assert!(rows.is_empty());
    assert_eq!(sum.rows_returned, 0);
    // One statement per message: the server refuses `;`-joined text, and
    // nothing of it runs.
    for sql in [
        "SELECT 1 AS a; UPDATE t SET name = 'y'",
        "UPDATE t SET name = 'y' WHERE id = 1; SELECT 2",
        "SELECT 'a\\'; UPDATE t SET name = 'y'; SELECT 1 #'",
    ] {
        let err = query_all(s.as_mut(), sql).await.expect_err(sql);
        assert_eq!(err.code, ErrorCode::QuerySyntaxError, "{sql}: {err:?}");
    }
    query_all(s.as_mut(), "SET sql_mode = 'NO_BACKSLASH_ESCAPES'")
        .await
        .unwrap();
    let err = query_all(s.as_mut(), "SELECT 'a\\'; UPDATE t SET name = 'y'; SELECT 1 #'")
        .await
        .expect_err("hidden statement");
    assert_eq!(err.code, ErrorCode::QuerySyntaxError, "{err:?}");
    let (_, rows, _) = query_all(s.as_mut(), "SELECT count(*) FROM t WHERE name = 'y'")
        .await
        .unwrap();
    assert_eq!(rows, vec![vec![Value::Int(0)]]);
    let (_, rows, _) = query_all(s.as_mut(), "SELECT 7;").await.unwrap();
    assert_eq!(rows, vec![vec![Value::Int(7)]]);
}

#[tokio::test]
async fn streams_200k_rows_in_batches() {
    let Some((mut s, _)) = fresh("mystream").await else {
        return;
    };
    let from = rows_source(&mut s, 200_000).await;
    let sql = format!("SELECT seq, CONCAT('row ', seq) AS label FROM {from}");
    let (tx, mut rx) = mpsc::channel(4);
    let reader = async {
        let (mut batches, mut rows, mut first, mut last, mut max_batch) = (0usize, 0usize, None, 0i64, 0);
        while let Some(frame) = rx.recv().await {
            match frame {
                Frame::Columns(c) => {
                    first.get_or_insert(true);
                    assert_eq!(c.len(), 2);
                }
                Frame::Rows(r) => {
                    first.get_or_insert(false);
                    batches += 1;
                    rows += r.len();
                    max_batch = max_batch.max(r.len());
                    if let Some(Value::Int(x)) = r.last().and_then(|row| row.first()) {
                        last = *x;
                    }
                }
            }
        }
        (batches, rows, first, last, max_batch)
    };
    let (summary, (batches, rows, first, last, max_batch)) = tokio::join!(s.execute(&sql, tx), reader);
    let summary = summary.unwrap();
    assert_eq!(first, Some(true), "columns come first");
    assert_eq!(rows, 200_000);
    assert_eq!(last, 200_000);
    assert_eq!(summary.rows_returned, 200_000);
    assert!(max_batch <= BATCH_ROWS);
    assert!(batches >= 200_000 / BATCH_ROWS, "only {batches} batches");
}

/// A `CALL` returns one row set per SELECT and then an OK: each set comes
/// after its own columns, in order, and the connection is clean afterwards.
#[tokio::test]
async fn a_call_streams_each_row_set_after_its_columns() {
    let Some((mut s, _)) = fresh("mycall").await else {
        return;
    };
    run(&mut s, "CREATE TABLE t (id INT PRIMARY KEY)").await;
    run(
        &mut s,
        "CREATE PROCEDURE two_sets() BEGIN SELECT 1 AS a, 'x' AS b; INSERT INTO t VALUES (1), (2); SELECT id FROM t ORDER BY id; SELECT id FROM t WHERE id > 5; END",
    )
    .await;
    let (tx, mut rx) = mpsc::channel(4);
    let reader = async {
        let mut frames = Vec::new();
        while let Some(frame) = rx.recv().await {
            frames.push(match frame {
                Frame::Columns(c) => format!(
                    "columns {}",
                    c.iter().map(|c| c.name.as_str()).collect::<Vec<_>>().join(",")
                ),
                Frame::Rows(r) => format!("rows {r:?}"),
            });
        }
        frames
    };
    let (summary, frames) = tokio::join!(s.execute("CALL two_sets()", tx), reader);
    let summary = summary.unwrap();
    assert_eq!(
        frames,
        [
            "columns a,b".to_string(),
            format!("rows {:?}", [[Value::Int(1), Value::Text("x".into())]]),
            "columns id".to_string(),
            format!("rows {:?}", [[Value::Int(1)], [Value::Int(2)]]),
            "columns id".to_string(),
        ]
    );
    assert_eq!(summary.rows_returned, 3);
    let (_, rows, _) = query_all(s.as_mut(), "SELECT COUNT(*) FROM t").await.unwrap();
    assert_eq!(rows, [[Value::Int(2)]]);
}

#[tokio::test]
async fn cancel_kills_sleep_and_session_stays_usable() {
    let Some((mut s, _)) = fresh("mycancel").await else {
        return;
    };
    let canceller = s.canceller();
    // A cancel with nothing running must not hit the next statement.
    canceller.cancel().await.unwrap();
    run(&mut s, "SELECT 1").await;
    let (tx, _rx) = mpsc::channel(4);
    let started = Instant::now();
    let cancel = async {
        tokio::time::sleep(Duration::from_millis(300)).await;
        canceller.cancel().await.unwrap();
    };
    let (result, ()) = tokio::join!(s.execute("SELECT SLEEP(30)", tx), cancel);
    let err = result.unwrap_err();
    assert_eq!(err.code, ErrorCode::QueryCancelled, "{err}");
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "took {:?}",
        started.elapsed()
    );
    let (_, rows, _) = query_all(s.as_mut(), "SELECT 41 + 1").await.unwrap();
    assert_eq!(rows, vec![vec![Value::Int(42)]]);
}

#[tokio::test]
async fn dropping_the_receiver_stops_a_huge_result() {
    let Some((mut s, _)) = fresh("mydrop").await else {
        return;
    };
    // Ten billion rows: it can only end by being stopped.
    let sql = if is_mariadb(&mut s).await {
        "SELECT a.seq, b.seq FROM seq_1_to_100000 a, seq_1_to_100000 b".to_string()
    } else {
        run(&mut s, "SET SESSION cte_max_recursion_depth = 100001").await;
        "WITH RECURSIVE c(seq) AS (SELECT 1 UNION ALL SELECT seq + 1 FROM c WHERE seq < 100000) \
         SELECT a.seq, b.seq FROM c a, c b"
            .to_string()
    };
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
    let (result, got) = tokio::join!(s.execute(&sql, tx), reader);
    assert!(got >= 3 * BATCH_ROWS);
    assert_eq!(result.unwrap_err().code, ErrorCode::QueryCancelled);
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "took {:?}",
        started.elapsed()
    );
    let (_, rows, _) = query_all(s.as_mut(), "SELECT 'still here'").await.unwrap();
    assert_eq!(rows, vec![vec![Value::Text("still here".into())]]);
}

#[tokio::test]
async fn types_round_trip_with_nulls_and_control_characters() {
    let Some((mut s, _)) = fresh("mytypes").await else {
        return;
    };
    let maria = is_mariadb(&mut s).await;
    run(
        &mut s,
        "CREATE TABLE ty (id INT PRIMARY KEY, ti TINYINT(1), si SMALLINT, mi MEDIUMINT UNSIGNED, i INT, \
         bi BIGINT, bu BIGINT UNSIGNED, f FLOAT, d DOUBLE, dc DECIMAL(30,10), dt DATE, dtm DATETIME(6), \
         ts TIMESTAMP(3) NULL DEFAULT NULL, tm TIME(6), yr YEAR, c CHAR(5), vc VARCHAR(100), tx TEXT, \
         bn BINARY(3), vb VARBINARY(10), bl BLOB, j JSON, e ENUM('a','b'), st SET('x','y'), bt BIT(10)) DEFAULT CHARSET = utf8mb4",
    )
    .await;
    run(
        &mut s,
        r#"INSERT INTO ty VALUES (1, 1, -32768, 16777215, -2147483648, -9223372036854775808,
           18446744073709551615, 1.5, 2.25, '12345678901234567890.0123456789', '2024-02-29',
           '2024-01-02 03:04:05.123456', '2024-01-02 03:04:05.678', '-838:59:59.000000', 2024, 'ab',
           CONCAT('tab\tnl\nesc', CHAR(27 USING utf8mb4), '[31m\0end'), 'ünïcode ✓', X'000102', X'FF00',
           X'DEADBEEF', '{"a": [1, null]}', 'b', 'x,y', b'1000000001')"#,
    )
    .await;
    run(&mut s, "INSERT INTO ty (id) VALUES (2)").await;
    run(&mut s, "SET SESSION sql_mode = ''").await;
    run(
        &mut s,
        "INSERT INTO ty (id, dt, dtm) VALUES (3, '0000-00-00', '0000-00-00 00:00:00')",
    )
    .await;

    let (cols, rows, _) = query_all(s.as_mut(), "SELECT * FROM ty ORDER BY id").await.unwrap();
    let types: Vec<&str> = cols.iter().map(|c| c.type_name.as_str()).collect();
    assert_eq!(
        types[1..],
        [
            "TINYINT",
            "SMALLINT",
            "MEDIUMINT UNSIGNED",
            "INT",
            "BIGINT",
            "BIGINT UNSIGNED",
            "FLOAT",
            "DOUBLE",
            "DECIMAL",
            "DATE",
            "DATETIME",
            "TIMESTAMP",
            "TIME",
            "YEAR",
            "CHAR",
            "VARCHAR",
            "TEXT",
            "BINARY",
            "VARBINARY",
            "BLOB",
            if maria { "TEXT" } else { "JSON" },
            "ENUM",
            "SET",
            "BIT"
        ]
    );
    let r = &rows[0];
    let date = NaiveDate::from_ymd_opt(2024, 1, 2).unwrap();
    let expected = vec![
        Value::Int(1),
        Value::Int(1),
        Value::Int(-32768),
        Value::Int(16_777_215),
        Value::Int(-2_147_483_648),
        Value::Int(i64::MIN),
        Value::UInt(u64::MAX),
        Value::Float(1.5),
        Value::Float(2.25),
        Value::Decimal("12345678901234567890.0123456789".into()),
        Value::Date(NaiveDate::from_ymd_opt(2024, 2, 29).unwrap()),
        Value::Timestamp(date.and_hms_micro_opt(3, 4, 5, 123_456).unwrap()),
        Value::Timestamp(date.and_hms_milli_opt(3, 4, 5, 678).unwrap()),
        Value::Interval(Interval {
            months: 0,
            days: 0,
            micros: -(838 * 3600 + 59 * 60 + 59) * 1_000_000,
        }),
        Value::Int(2024),
        Value::Text("ab".into()),
        Value::Text("tab\tnl\nesc\u{1b}[31m\u{0}end".into()),
        Value::Text("ünïcode ✓".into()),
        Value::Bytes(vec![0, 1, 2]),
        Value::Bytes(vec![0xff, 0]),
        Value::Bytes(vec![0xde, 0xad, 0xbe, 0xef]),
        if maria {
            Value::Text(r#"{"a": [1, null]}"#.into())
        } else {
            Value::Json(r#"{"a": [1, null]}"#.into())
        },
        Value::Text("b".into()),
        Value::Text("x,y".into()),
        Value::Int(513),
    ];
    for (i, (got, want)) in r.iter().zip(&expected).enumerate() {
        assert_eq!(got, want, "column {} ({})", cols[i].name, cols[i].type_name);
    }
    assert_eq!(r.len(), expected.len());
    assert!(rows[1][1..].iter().all(Value::is_null), "{:?}", rows[1]);
    assert_eq!(rows[2][10], Value::Text("0000-00-00".into()), "zero dates stay text");
    assert_eq!(rows[2][11], Value::Text("0000-00-00 00:00:00.000000".into()));
}

#[tokio::test]
async fn read_only_session_is_refused_by_the_server() {
    let Some((mut w, spec)) = fresh("myro").await else {
        return;
    };
    run(&mut w, "CREATE TABLE t (a INT)").await;
    run(&mut w, "INSERT INTO t VALUES (1)").await;
    let mut ro_spec = spec.clone();
    ro_spec.read_only = true;
    let mut s = connect(&ro_spec).await.unwrap();
    assert!(s.is_read_only());
    for sql in [
        "INSERT INTO t VALUES (2)",
        "UPDATE t SET a = 5",
        "DELETE FROM t",
        "CREATE TABLE u (a INT)",
    ] {
        let err = query_all(s.as_mut(), sql).await.unwrap_err();
        assert_eq!(err.code, ErrorCode::DbReadOnly, "{sql}: {err}");
        assert_eq!(err.sqlstate.as_deref(), Some("1792"));
        assert!(err.message.contains("--unlock-writes"), "{}", err.message);
    }
    let (_, rows, _) = query_all(s.as_mut(), "SELECT a FROM t").await.unwrap();
    assert_eq!(rows, vec![vec![Value::Int(1)]]);
}

#[tokio::test]
async fn connection_errors_are_classified() {
    let Some(url) = common::mysql_url() else { return };
    let good = ConnSpec::parse_url(&url).unwrap();

    // Refused: a port that was free a moment ago.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut spec = good.clone();
    spec.host = Some("127.0.0.1".into());
    spec.port = Some(port);
    let err = connect(&spec).await.err().expect("refused");
    assert_eq!(err.code, ErrorCode::DbConnRefused, "{err}");
    assert!(err.message.contains(&format!("127.0.0.1:{port}")), "{}", err.message);

    // Wrong password: never echoed.
    let mut spec = good.clone();
    spec.password = Some("Wr0ng-Pa55word-xyzzy".into());
    let err = connect(&spec).await.err().expect("auth");
    assert_eq!(err.code, ErrorCode::DbAuthFailed, "{err}");
    assert!(!err.message.contains("Wr0ng-Pa55word-xyzzy"), "{}", err.message);
    assert!(!format!("{err:?}").contains("Wr0ng-Pa55word-xyzzy"));

    // Unknown database.
    let mut spec = good.clone();
    spec.database = Some("no_such_db_dbn".into());
    let err = connect(&spec).await.err().expect("unknown db");
    assert_eq!(err.code, ErrorCode::DbUnknownDatabase, "{err}");
    assert!(err.message.contains("no_such_db_dbn"), "{}", err.message);

    // A server that accepts TCP and never greets: the kernel completes the
    // handshake from the listen backlog without any accept().
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let mut spec = good.clone();
    spec.host = Some("127.0.0.1".into());
    spec.port = Some(silent.local_addr().unwrap().port());
    spec.connect_timeout = Duration::from_secs(1);
    let started = Instant::now();
    let err = connect(&spec).await.err().expect("timeout");
    assert_eq!(err.code, ErrorCode::DbTimeout, "{err}");
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "took {:?}",
        started.elapsed()
    );
    assert!(
        err.message.contains(&format!("127.0.0.1:{}", spec.port.unwrap())),
        "{}",
        err.message
    );
    drop(silent);

    // A host name that cannot resolve (.invalid never does).
    let mut spec = good.clone();
    spec.host = Some("no-such-host.invalid".into());
    spec.connect_timeout = Duration::from_secs(3);
    let err = connect(&spec).await.err().expect("unresolvable");
    assert!(
        matches!(err.code, ErrorCode::DbConnRefused | ErrorCode::DbTimeout),
        "{err:?}"
    );
    assert!(err.message.contains("no-such-host.invalid"), "{}", err.message);

    // Database is optional.
    let mut spec = good.clone();
    spec.database = None;
    let mut s = connect(&spec).await.unwrap();
    s.ping().await.unwrap();
}

#[tokio::test]
async fn tls_modes_against_a_server_without_tls() {
    let Some(url) = common::mysql_url() else { return };
    let mut spec = ConnSpec::parse_url(&url).unwrap();
    let mut s = connect(&spec).await.unwrap();
    let (_, rows, _) = query_all(s.as_mut(), "SELECT @@have_ssl").await.unwrap();
    if rows[0][0] == Value::Text("YES".into()) {
        spec.sslmode = SslMode::Require;
        let mut s = connect(&spec).await.unwrap();
        s.ping().await.unwrap();
        return;
    }
    spec.sslmode = SslMode::Prefer;
    connect(&spec).await.unwrap().ping().await.unwrap();
    spec.sslmode = SslMode::Require;
    let err = connect(&spec).await.err().expect("require without server TLS");
    assert_eq!(err.code, ErrorCode::DbTls, "{err}");
    spec.sslmode = SslMode::VerifyFull;
    spec.ssl_root_cert = Some("/nonexistent/ca.pem".into());
    let err = connect(&spec).await.err().expect("missing CA");
    assert_eq!(err.code, ErrorCode::DbTls, "{err}");
    assert!(err.message.contains("/nonexistent/ca.pem"), "{}", err.message);
}

#[tokio::test]
async fn statement_errors_are_classified() {
    let Some((mut s, _)) = fresh("myerr").await else { return };
    let err = query_all(s.as_mut(), "SELECT a FRM t").await.unwrap_err();
    assert_eq!(err.code, ErrorCode::QuerySyntaxError, "{err}");
    assert_eq!(err.sqlstate.as_deref(), Some("1064"));
    assert_eq!(err.position, Some(14), "{err:?}"); // MariaDB reads `FRM` as an alias: the error is at `t`
    let err = query_all(s.as_mut(), "SELECT * FROM no_such_table").await.unwrap_err();
    assert_eq!(err.code, ErrorCode::QueryError, "{err}");
    assert_eq!(err.sqlstate.as_deref(), Some("1146"));
    assert!(err.message.contains("no_such_table"), "{}", err.message);
    s.ping().await.unwrap();
}

#[tokio::test]
async fn an_abandoned_execute_is_killed_and_the_session_recovers() {
    let Some((mut s, _)) = fresh("myabandon").await else {
        return;
    };
    let (tx, _rx) = mpsc::channel(4);
    let abandoned = tokio::time::timeout(Duration::from_millis(300), s.execute("SELECT SLEEP(30)", tx)).await;
    assert!(abandoned.is_err());
    let started = Instant::now();
    let (_, rows, _) = query_all(s.as_mut(), "SELECT 7").await.unwrap();
    assert_eq!(rows, vec![vec![Value::Int(7)]]);
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "took {:?}",
        started.elapsed()
    );

    // Abandoned mid-stream, with rows still unread in the channel.
    let (tx, _rx) = mpsc::channel(1);
    let sql = if is_mariadb(&mut s).await {
        "SELECT a.seq FROM seq_1_to_100000 a, seq_1_to_100000 b"
    } else {
        "SELECT 1 FROM information_schema.columns a, information_schema.columns b, information_schema.columns c"
    };
    let abandoned = tokio::time::timeout(Duration::from_millis(300), s.execute(sql, tx)).await;
    assert!(abandoned.is_err());
    let (_, rows, _) = query_all(s.as_mut(), "SELECT 8").await.unwrap();
    assert_eq!(rows, vec![vec![Value::Int(8)]]);
    s.ping().await.unwrap();
}

#[tokio::test]
async fn a_killed_connection_is_reported_as_lost() {
    let Some((mut s, _)) = fresh("mylost").await else {
        return;
    };
    let (_, rows, _) = query_all(s.as_mut(), "SELECT CONNECTION_ID()").await.unwrap();
    let id = match &rows[0][0] {
        Value::Int(i) => *i,
        other => panic!("connection id {other:?}"),
    };
    common::mysql(&common::mysql_url().unwrap(), &format!("KILL CONNECTION {id}"));
    let err = query_all(s.as_mut(), "SELECT 1").await.unwrap_err();
    assert_eq!(err.code, ErrorCode::DbConnLost, "{err:?}");
    assert!(err.message.contains("reconnect"), "{}", err.message);
}

/// Payloads of 16 MiB and more travel as several packets, both ways: a
/// statement longer than one packet, one of exactly 0xFFFFFF bytes (which
/// needs an empty packet after it), and rows of both kinds.
#[tokio::test]
async fn rows_and_statements_over_16_mib_cross_packet_boundaries() {
    let Some((mut admin, spec)) = fresh("mybig").await else {
        return;
    };
    run(&mut admin, "SET GLOBAL max_allowed_packet = 67108864").await;
    // The session value is taken at login: a new connection sees it.
    let mut s = connect(&spec).await.unwrap();
    let first = |rows: &[Vec<Value>]| rows.first().and_then(|r| r.first()).cloned();
    let (_, rows, _) = query_all(s.as_mut(), "SELECT REPEAT('ab', 9437184) AS big, 7 AS n")
        .await
        .unwrap();
    match first(&rows) {
        Some(Value::Text(t)) => assert!(t.len() == 18_874_368 && t.starts_with("abab") && t.ends_with("ab")),
        other => panic!(
            "{:?}",
            other.map(|v| format!("{v:?}").chars().take(40).collect::<String>())
        ),
    }
    assert_eq!(rows[0][1], Value::Int(7));
    // One text cell whose row payload is exactly 0xFFFFFF bytes (4-byte
    // length prefix + 16777211).
    let (_, rows, _) = query_all(s.as_mut(), "SELECT REPEAT('c', 16777211)").await.unwrap();
    assert!(matches!(first(&rows), Some(Value::Text(t)) if t.len() == 16_777_211));
    // A statement of exactly 0xFFFFFF payload bytes (command byte + text),
    // and one longer than a packet.
    for total in [0xFF_FFFF_usize, 17 * 1024 * 1024 + 3] {
        let head = "SELECT LENGTH('";
        let tail = "') AS n";
        let fill = total - 1 - head.len() - tail.len();
        let sql = format!("{head}{}{tail}", "x".repeat(fill));
        let (_, rows, _) = query_all(s.as_mut(), &sql).await.unwrap();
        assert_eq!(
            first(&rows),
            Some(Value::Int(fill as i64)),
            "statement of {total} bytes"
        );
    }
    // The connection is in step afterwards.
    let (_, rows, _) = query_all(s.as_mut(), "SELECT 1").await.unwrap();
    assert_eq!(first(&rows), Some(Value::Int(1)));
}

/// A large result is read in bulk (the socket wakes the reader only once
/// 64 KiB are queued): a server that pauses half-way still delivers every
/// row, and the small replies after it are read at once, not held back
/// below the mark.
#[tokio::test]
async fn bulk_reads_survive_a_pause_and_leave_small_replies_prompt() {
    let Some((mut s, _)) = fresh("mybulk").await else {
        return;
    };
    if !is_mariadb(&mut s).await {
        return;
    }
    let sql = "SELECT seq, IF(seq = 30000, SLEEP(0.4), 0) AS pause, REPEAT('x', 40) AS pad FROM seq_1_to_60000";
    let (_, rows, summary) = query_all(s.as_mut(), sql).await.unwrap();
    assert_eq!(rows.len(), 60_000);
    assert_eq!(summary.rows_returned, 60_000);
    assert_eq!(rows[59_999][0], Value::Int(60_000));
    for _ in 0..3 {
        let started = Instant::now();
        let small = tokio::time::timeout(Duration::from_secs(5), query_all(s.as_mut(), "SELECT 1"))
            .await
            .expect("a small reply after a bulk read must not wait for 64 KiB that never come")
            .unwrap();
        assert_eq!(small.1[0][0], Value::Int(1));
        assert!(started.elapsed() < Duration::from_secs(1));
    }
}

/// Over the server's Unix socket sslmode does not apply (as with libpq):
/// the default `prefer` and even `require` connect without TLS.
#[tokio::test]
async fn a_unix_socket_connects_whatever_the_sslmode() {
    let Some(url) = common::mysql_url() else { return };
    let Ok(socket) = std::env::var("DBN_TEST_MYSQL_ROOT_SOCKET") else {
        assert!(
            !common::in_ci(),
            "DBN_TEST_MYSQL_ROOT_SOCKET is not set: start scripts/test-services.sh"
        );
        return;
    };
    let spec = ConnSpec::parse_url(&url).unwrap();
    let host: String = socket.bytes().map(|b| format!("%{b:02X}")).collect();
    for mode in ["", "?sslmode=prefer", "?sslmode=require"] {
        let url = format!(
            "mysql://{}:{}@{host}/{}{mode}",
            spec.user.as_deref().unwrap(),
            spec.password.as_deref().unwrap(),
            spec.database.as_deref().unwrap()
        );
        let socket_spec = ConnSpec::parse_url(&url).unwrap();
        assert_eq!(socket_spec.host.as_deref(), Some(socket.as_str()));
        let mut s = connect(&socket_spec).await.unwrap_or_else(|e| panic!("{mode}: {e}"));
        let (_, rows, _) = query_all(s.as_mut(), "SELECT 6 * 7").await.unwrap();
        assert_eq!(rows[0][0], Value::Int(42), "{mode}");
    }
}

/// A session that ends says goodbye (`COM_QUIT`): the server does not
/// count it in `Aborted_clients` (nor log it as an aborted connection).
#[tokio::test]
async fn a_dropped_session_says_goodbye() {
    let Some((mut admin, spec)) = fresh("myquit").await else {
        return;
    };
    let aborted = |rows: Vec<Vec<Value>>| match rows.first().and_then(|r| r.get(1)) {
        Some(Value::Text(t)) => t.parse::<u64>().unwrap(),
        Some(Value::Int(i)) => *i as u64,
        other => panic!("{other:?}"),
    };
    // Other tests abort connections on purpose (kills): a window with an
    // abort of our own fails every try, one of theirs only some.
    let mut clean = false;
    for _ in 0..4 {
        let before = aborted(
            query_all(admin.as_mut(), "SHOW GLOBAL STATUS LIKE 'Aborted_clients'")
                .await
                .unwrap()
                .1,
        );
        for _ in 0..3 {
            let mut s = connect(&spec).await.unwrap();
            query_all(s.as_mut(), "SELECT 1").await.unwrap();
            drop(s);
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
        let after = aborted(
            query_all(admin.as_mut(), "SHOW GLOBAL STATUS LIKE 'Aborted_clients'")
                .await
                .unwrap()
                .1,
        );
        if after == before {
            clean = true;
            break;
        }
    }
    assert!(
        clean,
        "every window saw aborted connections: dropped sessions do not send COM_QUIT"
    );
}
