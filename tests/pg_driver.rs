//! PostgreSQL driver against a real server: streaming, cancellation, type
//! round-trips, connection errors, read-only sessions and TLS modes.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use dbn::db::{BATCH_ROWS, ConnSpec, DbError, ErrorCode, Frame, Interval, Session, SslMode, Value, query_all};
use std::time::{Duration, Instant};
use tokio::sync::mpsc;

fn spec(url: &str) -> ConnSpec {
    ConnSpec::parse_url(url).expect("parse test url")
}

async fn open(url: &str) -> Box<dyn Session> {
    dbn::db::connect(&spec(url)).await.expect("connect")
}

async fn open_err(spec: &ConnSpec) -> DbError {
    match dbn::db::connect(spec).await {
        Ok(_) => panic!("connect to {spec:?} unexpectedly worked"),
        Err(e) => e,
    }
}

async fn one_row(s: &mut dyn Session, sql: &str) -> Vec<Value> {
    let (_, mut rows, _) = query_all(s, sql).await.expect(sql);
    assert_eq!(rows.len(), 1, "{sql}");
    rows.remove(0)
}

async fn exec_err(s: &mut dyn Session, sql: &str) -> DbError {
    match query_all(s, sql).await {
        Ok(_) => panic!("{sql} unexpectedly worked"),
        Err(e) => e,
    }
}

#[tokio::test]
async fn streams_200k_rows_in_batches() {
    let Some(url) = common::pg_url() else { return };
    let mut s = open(&url).await;
    let (tx, mut rx) = mpsc::channel(4);
    let reader = tokio::spawn(async move {
        let (mut frames, mut rows, mut sum, mut max_batch) = (Vec::new(), 0u64, 0i64, 0usize);
        while let Some(f) = rx.recv().await {
            match f {
                Frame::Columns(c) => frames.push(format!("cols:{}:{}", c[0].name, c[0].type_name)),
                Frame::Rows(r) => {
                    if frames.last().map(String::as_str) != Some("rows") {
                        frames.push("rows".into());
                    }
                    max_batch = max_batch.max(r.len());
                    rows += r.len() as u64;
                    for row in r {
                        let Value::Int(i) = row[0] else {
                            panic!("not an int: {row:?}")
                        };
                        sum += i;
                    }
                }
            }
        }
        (frames, rows, sum, max_batch)
    });
    let summary = s
        .execute("SELECT g AS n, md5(g::text) AS h FROM generate_series(1, 200000) g", tx)
        .await
        .expect("execute");
    let (frames, rows, sum, max_batch) = reader.await.expect("reader");
    assert_eq!(frames, vec!["cols:n:int4".to_string(), "rows".to_string()]);
    assert_eq!(rows, 200_000);
    assert_eq!(sum, 200_000 * 200_001 / 2);
    assert!(max_batch <= BATCH_ROWS && max_batch > BATCH_ROWS / 2, "{max_batch}");
    assert_eq!(summary.rows_returned, 200_000);
    assert_eq!(summary.tag.as_deref(), Some("SELECT 200000"));
    assert_eq!(summary.rows_affected, None);
    assert!(s.server_version().await.expect("version").starts_with("PostgreSQL 1"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancel_from_another_task_stops_pg_sleep() {
    let Some(url) = common::pg_url() else { return };
    let mut s = open(&url).await;
    let canceller = s.canceller();
    let started = Instant::now();
    let cancel = tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(400)).await;
        canceller.cancel().await
    });
    let err = exec_err(s.as_mut(), "SELECT pg_sleep(30)").await;
    assert_eq!(err.code, ErrorCode::QueryCancelled, "{err:?}");
    assert_eq!(err.sqlstate.as_deref(), Some("57014"));
    assert!(started.elapsed() < Duration::from_secs(5), "{:?}", started.elapsed());
    cancel.await.expect("join").expect("cancel request");
    s.ping().await.expect("session usable after cancel");
}

#[tokio::test]
async fn dropping_the_receiver_cancels_a_huge_result() {
    let Some(url) = common::pg_url() else { return };
    let mut s = open(&url).await;
    let (tx, mut rx) = mpsc::channel(2);
    let started = Instant::now();
    let reader = tokio::spawn(async move {
        // Take the columns and one batch, then walk away.
        let _ = rx.recv().await;
        let _ = rx.recv().await;
    });
    let err = s
        .execute(
            "SELECT a * 10000 + b FROM generate_series(0, 999) a, generate_series(1, 10000) b",
            tx,
        )
        .await
        .expect_err("must stop");
    reader.await.expect("reader");
    assert_eq!(err.code, ErrorCode::QueryCancelled, "{err:?}");
    assert!(started.elapsed() < Duration::from_secs(10), "{:?}", started.elapsed());
    let row = one_row(s.as_mut(), "SELECT 41 + 1").await;
    assert_eq!(row, vec![Value::Int(42)]);
}

#[tokio::test]
async fn every_value_type_round_trips_in_binary() {
    let Some(url) = common::fresh_pg_db("pgtypes") else {
        return;
    };
    common::psql(
        &url,
        "CREATE TYPE mood AS ENUM ('sad', 'happy'); CREATE DOMAIN price AS numeric(12,2);",
    );
    let mut s = open(&url).await;
    let row = one_row(
        s.as_mut(),
        "SELECT true, 7::int2, -8::int4, 9000000000::int8, 26::oid, 1.5::float4, 'NaN'::float8, '-Infinity'::float8,
                1234567890123456789012345678901234567890.123456789::numeric, 'NaN'::numeric, '-0.000100'::numeric,
                'héllo'::text, 'v'::varchar(3), 'ab'::char(4), 'nm'::name, 'happy'::mood, 12.5::price,
                '\\x00ff10'::bytea, '{\"a\": [1, null]}'::json, '{\"b\": 2}'::jsonb,
                '2024-02-29'::date, '13:14:15.5'::time, '2024-02-29 13:14:15.123456'::timestamp,
                '2024-02-29 13:14:15+05:30'::timestamptz, 'infinity'::timestamptz, '-infinity'::date,
                '1 year 2 mons 3 days 04:05:06.5'::interval, 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'::uuid,
                NULL::int4, '12:00:00+02'::timetz",
    )
    .await;
    let ts = |s: &str| chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S%.f").unwrap();
    let expected = vec![
        Value::Bool(true),
        Value::Int(7),
        Value::Int(-8),
        Value::Int(9_000_000_000),
        Value::Int(26),
        Value::Float(1.5),
        Value::Float(f64::NAN),
        Value::Float(f64::NEG_INFINITY),
        Value::Decimal("1234567890123456789012345678901234567890.123456789".into()),
        Value::Decimal("NaN".into()),
        Value::Decimal("-0.000100".into()),
        Value::Text("héllo".into()),
        Value::Text("v".into()),
        Value::Text("ab  ".into()),
        Value::Text("nm".into()),
        Value::Text("happy".into()),
        Value::Decimal("12.50".into()),
        Value::Bytes(vec![0, 255, 16]),
        Value::Json("{\"a\": [1, null]}".into()),
        Value::Json("{\"b\": 2}".into()),
        Value::Date(chrono::NaiveDate::from_ymd_opt(2024, 2, 29).unwrap()),
        Value::Time(chrono::NaiveTime::from_hms_milli_opt(13, 14, 15, 500).unwrap()),
        Value::Timestamp(ts("2024-02-29 13:14:15.123456")),
        Value::TimestampTz(chrono::DateTime::parse_from_rfc3339("2024-02-29T13:14:15+05:30").unwrap()),
        Value::Text("infinity".into()),
        Value::Text("-infinity".into()),
        Value::Interval(Interval {
            months: 14,
            days: 3,
            micros: 14_706_500_000,
        }),
        Value::Uuid("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11".parse().unwrap()),
        Value::Null,
        Value::Text("12:00:00+02".into()),
    ];
    assert_eq!(row.len(), expected.len());
    for (i, (got, want)) in row.iter().zip(&expected).enumerate() {
        match (got, want) {
            (Value::Float(a), Value::Float(b)) if a.is_nan() && b.is_nan() => {}
            _ => assert_eq!(got, want, "column {}", i + 1),
        }
    }
    // The instant is kept exactly; the offset is UTC on the binary path.
    let Value::TimestampTz(t) = &row[23] else { panic!() };
    assert_eq!(t.to_rfc3339(), "2024-02-29T07:44:15+00:00");
}

#[tokio::test]
async fn arrays_nest_with_nulls() {
    let Some(url) = common::pg_url() else { return };
    let mut s = open(&url).await;
    let (cols, rows, _) = query_all(
        s.as_mut(),
        "SELECT ARRAY[[1,2],[3,NULL]]::int4[], ARRAY['a b', NULL, '\"q\"']::text[], '{}'::int8[],
                ARRAY[1.50, NULL]::numeric[], ARRAY['2024-01-01'::date], ARRAY[true,false]",
    )
    .await
    .expect("arrays");
    assert_eq!(cols[0].type_name, "int4[]");
    let r = &rows[0];
    assert_eq!(
        r[0],
        Value::Array(vec![
            Value::Array(vec![Value::Int(1), Value::Int(2)]),
            Value::Array(vec![Value::Int(3), Value::Null]),
        ])
    );
    assert_eq!(
        r[1],
        Value::Array(vec![
            Value::Text("a b".into()),
            Value::Null,
            Value::Text("\"q\"".into())
        ])
    );
    assert_eq!(r[2], Value::Array(vec![]));
    assert_eq!(r[3], Value::Array(vec![Value::Decimal("1.50".into()), Value::Null]));
    assert_eq!(r[4].to_string(), "{2024-01-01}");
    assert_eq!(r[5], Value::Array(vec![Value::Bool(true), Value::Bool(false)]));
}

#[tokio::test]
async fn unknown_types_fall_back_to_text_and_known_ones_still_parse() {
    let Some(url) = common::fresh_pg_db("pgtext") else {
        return;
    };
    common::psql(&url, "CREATE TYPE pair AS (a int, b text);");
    let mut s = open(&url).await;
    let (cols, rows, summary) = query_all(
        s.as_mut(),
        "SELECT '10.1.2.3/32'::inet, '10.0.0.0/8'::cidr, '08:00:2b:01:02:03'::macaddr, '(1,2)'::point,
                12.34::money, 'a fat cat'::tsvector, int4range(1, 5), ROW(1, 'x y')::pair,
                ARRAY['10.0.0.1'::inet, NULL], 42::int4, 3.10::numeric, '2024-01-02 03:04:05+00'::timestamptz,
                '1 day -00:00:02'::interval, NULL::inet, 'x'::text, '\\x01'::bytea, ARRAY[[1,2],[3,4]]",
    )
    .await
    .expect("text fallback");
    assert_eq!(cols[0].type_name, "inet");
    assert_eq!(summary.rows_returned, 1);
    let r = &rows[0];
    let texts: Vec<String> = r[..8].iter().map(Value::to_string).collect();
    assert_eq!(
        texts,
        [
            "10.1.2.3",
            "10.0.0.0/8",
            "08:00:2b:01:02:03",
            "(1,2)",
            "$12.34",
            "'a' 'cat' 'fat'",
            "[1,5)",
            "(1,\"x y\")"
        ]
    );
    assert_eq!(r[8], Value::Array(vec![Value::Text("10.0.0.1".into()), Value::Null]));
    assert_eq!(r[9], Value::Int(42));
    assert_eq!(r[10], Value::Decimal("3.10".into()));
    assert_eq!(r[11].to_string(), "2024-01-02 03:04:05+00");
    assert_eq!(
        r[12],
        Value::Interval(Interval {
            months: 0,
            days: 1,
            micros: -2_000_000
        })
    );
    assert_eq!(r[13], Value::Null);
    assert_eq!(r[14], Value::Text("x".into()));
    assert_eq!(r[15], Value::Bytes(vec![1]));
    assert_eq!(r[16].to_string(), "{{1,2},{3,4}}");
}

#[tokio::test]
async fn control_characters_in_text_arrive_untouched() {
    let Some(url) = common::pg_url() else { return };
    let mut s = open(&url).await;
    let row = one_row(s.as_mut(), "SELECT E'a\\x01b\\tc\\nd\\x1b[31mred\\r'::text").await;
    assert_eq!(row[0], Value::Text("a\u{1}b\tc\nd\u{1b}[31mred\r".into()));
}

#[tokio::test]
async fn statements_without_rows_report_counts_and_tags() {
    let Some(url) = common::fresh_pg_db("pgdml") else {
        return;
    };
    let mut s = open(&url).await;
    let (cols, rows, sum) = query_all(s.as_mut(), "CREATE TABLE t (id int PRIMARY KEY, v text)")
        .await
        .expect("ddl");
    assert!(cols.is_empty() && rows.is_empty());
    assert_eq!(sum.tag.as_deref(), Some("CREATE TABLE"));
    query_all(s.as_mut(), "BEGIN").await.expect("begin");
    let (_, _, sum) = query_all(
        s.as_mut(),
        "INSERT INTO t SELECT g, 'v' || g FROM generate_series(1, 5) g",
    )
    .await
    .expect("insert");
    assert_eq!((sum.rows_affected, sum.tag.as_deref()), (Some(5), Some("INSERT 0 5")));
    query_all(s.as_mut(), "COMMIT").await.expect("commit");
    let (cols, rows, sum) = query_all(s.as_mut(), "UPDATE t SET v = 'x' WHERE id > 3 RETURNING id")
        .await
        .expect("update");
    assert_eq!(cols.len(), 1);
    assert_eq!((rows.len(), sum.rows_affected), (2, Some(2)));
    let (_, _, sum) = query_all(s.as_mut(), "DELETE FROM t WHERE id = 1")
        .await
        .expect("delete");
    assert_eq!(sum.rows_affected, Some(1));
    // Empty results still announce their columns.
    let (tx, mut rx) = mpsc::channel(4);
    let sum = s.execute("SELECT id, v FROM t WHERE false", tx).await.expect("empty");
    let Some(Frame::Columns(c)) = rx.recv().await else {
        panic!("columns first")
    };
    assert_eq!(c.len(), 2);
    assert!(rx.recv().await.is_none());
    assert_eq!(sum.rows_returned, 0);
    query_all(s.as_mut(), "SET statement_timeout = '5s'")
        .await
        .expect("set");
    query_all(s.as_mut(), "VACUUM t").await.expect("vacuum");
    let row = one_row(s.as_mut(), "SHOW statement_timeout").await;
    assert_eq!(row, vec![Value::Text("5s".into())]);
    let (cols, rows, sum) = query_all(
        s.as_mut(),
        "COPY (SELECT id, v FROM t ORDER BY id) TO STDOUT (FORMAT csv)",
    )
    .await
    .expect("copy out");
    assert_eq!(cols[0].name, "copy");
    let lines: Vec<String> = rows.iter().map(|r| r[0].to_string()).collect();
    assert_eq!(lines, ["2,v2", "3,v3", "4,x", "5,x"]);
    assert_eq!(sum.rows_affected, Some(4));
    let err = exec_err(s.as_mut(), "COPY t FROM STDIN").await;
    assert!(err.message.contains("FROM STDIN"), "{err:?}");
    s.ping().await.expect("still usable");
}

#[tokio::test]
async fn syntax_error_carries_the_position() {
    let Some(url) = common::pg_url() else { return };
    let mut s = open(&url).await;
    let err = exec_err(s.as_mut(), "SELECT * FRM t").await;
    assert_eq!(err.code, ErrorCode::QuerySyntaxError, "{err:?}");
    assert_eq!(err.sqlstate.as_deref(), Some("42601"));
    assert_eq!(err.position, Some(10));
    assert!(err.message.contains("FRM"), "{}", err.message);
    let err = exec_err(s.as_mut(), "SELECT * FROM no_such_table_here").await;
    assert_eq!(err.code, ErrorCode::QueryError);
    assert_eq!(err.sqlstate.as_deref(), Some("42P01"));
    assert!(err.message.contains("no_such_table_here"), "{}", err.message);
    let err = exec_err(s.as_mut(), "SELECT 1/0").await;
    assert_eq!(err.sqlstate.as_deref(), Some("22012"));
    s.ping().await.expect("usable after errors");
}

#[tokio::test]
async fn refused_port_is_db_conn_refused() {
    let Some(url) = common::pg_url() else { return };
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        l.local_addr().expect("addr").port()
    };
    let mut sp = spec(&url);
    sp.port = Some(port);
    let err = open_err(&sp).await;
    assert_eq!(err.code, ErrorCode::DbConnRefused, "{err:?}");
    assert!(err.message.contains(&format!("127.0.0.1:{port}")), "{}", err.message);
    assert!(err.message.contains("running"), "{}", err.message);
}

#[tokio::test]
async fn wrong_password_is_db_auth_failed_without_echo() {
    let Some(url) = common::pg_pw_url() else { return };
    let mut sp = spec(&url);
    let good = sp.password.clone().expect("password in DBN_TEST_PG_PW_URL");
    let bad = format!("{good}-Wr0ngPw");
    sp.password = Some(bad.clone());
    let err = open_err(&sp).await;
    assert_eq!(err.code, ErrorCode::DbAuthFailed, "{err:?}");
    assert_eq!(err.sqlstate.as_deref(), Some("28P01"));
    assert!(
        !err.message.contains(&bad) && !err.message.contains(&good),
        "{}",
        err.message
    );
    assert!(err.message.contains("dbn_user"), "{}", err.message);
    sp.password = None;
    let err = open_err(&sp).await;
    assert_eq!(err.code, ErrorCode::DbAuthFailed, "{err:?}");
    sp.password = Some(good);
    let mut s = dbn::db::connect(&sp).await.expect("right password works");
    s.ping().await.expect("ping");
}

#[tokio::test]
async fn unknown_database_is_named() {
    let Some(url) = common::pg_url() else { return };
    let err = open_err(&spec(&common::with_database(&url, "no_such_db_dbn"))).await;
    assert_eq!(err.code, ErrorCode::DbUnknownDatabase, "{err:?}");
    assert!(err.message.contains("\"no_such_db_dbn\""), "{}", err.message);
}

#[tokio::test]
async fn silent_server_hits_the_connect_timeout() {
    let Some(url) = common::pg_url() else { return };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let hold = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((sock, _)) = listener.accept().await {
            held.push(sock);
        }
    });
    let mut sp = spec(&url);
    sp.port = Some(port);
    sp.connect_timeout = Duration::from_secs(1);
    let started = Instant::now();
    let err = open_err(&sp).await;
    assert_eq!(err.code, ErrorCode::DbTimeout, "{err:?}");
    assert!(err.message.contains(&format!("127.0.0.1:{port}")), "{}", err.message);
    assert!(err.message.contains("1 s"), "{}", err.message);
    assert!(started.elapsed() < Duration::from_secs(4), "{:?}", started.elapsed());
    hold.abort();
}

#[tokio::test]
async fn read_only_session_is_enforced_by_the_server() {
    let Some(url) = common::fresh_pg_db("pgro") else { return };
    common::psql(&url, "CREATE TABLE t (id int)");
    let mut sp = spec(&url);
    sp.read_only = true;
    let mut s = dbn::db::connect(&sp).await.expect("connect read-only");
    assert!(s.is_read_only());
    let err = exec_err(s.as_mut(), "INSERT INTO t VALUES (1)").await;
    assert_eq!(err.code, ErrorCode::DbReadOnly, "{err:?}");
    assert_eq!(err.sqlstate.as_deref(), Some("25006"));
    assert!(
        err.message.contains("read-only") && err.message.contains("--unlock-writes"),
        "{}",
        err.message
    );
    let err = exec_err(s.as_mut(), "CREATE TABLE u (id int)").await;
    assert_eq!(err.code, ErrorCode::DbReadOnly, "{err:?}");
    assert_eq!(one_row(s.as_mut(), "SELECT count(*) FROM t").await, vec![Value::Int(0)]);
    // Switching the session default back off lifts nothing: every statement
    // runs in a read-only transaction the driver opens and rolls back.
    for lift in ["SET default_transaction_read_only = off", "COMMIT", "BEGIN READ WRITE"] {
        let _ = query_all(s.as_mut(), lift).await;
        let err = exec_err(s.as_mut(), "INSERT INTO t VALUES (1)").await;
        assert_eq!(err.code, ErrorCode::DbReadOnly, "after {lift}: {err:?}");
    }
    assert_eq!(common::psql(&url, "SELECT count(*) FROM t").trim(), "0");
    let rw = open(&url).await;
    assert!(!rw.is_read_only());
}

#[tokio::test]
async fn tls_modes_against_a_server_without_ssl() {
    let Some(url) = common::pg_url() else { return };
    let mut sp = spec(&url);
    sp.sslmode = SslMode::Prefer;
    let mut s = dbn::db::connect(&sp).await.expect("prefer falls back to plain");
    s.ping().await.expect("ping");
    sp.sslmode = SslMode::Require;
    let err = open_err(&sp).await;
    assert_eq!(err.code, ErrorCode::DbTls, "{err:?}");
    sp.sslmode = SslMode::VerifyFull;
    sp.ssl_root_cert = Some("/nonexistent/dbn-ca.pem".into());
    let err = open_err(&sp).await;
    assert_eq!(err.code, ErrorCode::DbTls, "{err:?}");
    assert!(err.message.contains("/nonexistent/dbn-ca.pem"), "{}", err.message);
    let dir = tempfile::tempdir().expect("tempdir");
    let junk = dir.path().join("junk.pem");
    std::fs::write(&junk, "not a certificate").expect("write");
    sp.ssl_root_cert = Some(junk);
    let err = open_err(&sp).await;
    assert_eq!(err.code, ErrorCode::DbTls, "{err:?}");
    assert!(err.message.contains("junk.pem"), "{}", err.message);
}

#[tokio::test]
async fn unix_socket_directory_as_host() {
    let Some(url) = common::pg_url() else { return };
    let dirs = common::psql(&url, "SHOW unix_socket_directories");
    let Some(dir) = dirs.trim().split(',').map(str::trim).find(|d| d.starts_with('/')) else {
        return;
    };
    let mut sp = spec(&url);
    sp.host = Some(dir.to_string());
    let mut s = dbn::db::connect(&sp).await.expect("socket connect");
    let row = one_row(s.as_mut(), "SELECT current_setting('application_name')").await;
    assert_eq!(row, vec![Value::Text("dbn".into())]);
}

#[tokio::test]
async fn terminated_backend_is_db_conn_lost() {
    let Some(url) = common::pg_url() else { return };
    let mut s = open(&url).await;
    let pid = match one_row(s.as_mut(), "SELECT pg_backend_pid()").await[0] {
        Value::Int(p) => p,
        ref other => panic!("pid {other:?}"),
    };
    common::psql(&url, &format!("SELECT pg_terminate_backend({pid})"));
    tokio::time::sleep(Duration::from_millis(200)).await;
    let err = exec_err(s.as_mut(), "SELECT 1").await;
    assert_eq!(err.code, ErrorCode::DbConnLost, "{err:?}");
    let err = s.ping().await.expect_err("still lost");
    assert_eq!(err.code, ErrorCode::DbConnLost, "{err:?}");
}

/// Self-signed certificate for `localhost` (EC P-256, valid until 2126),
/// used by the in-process TLS server below.
const TEST_CERT: &str = "-----BEGIN CERTIFICATE-----
MIIBuTCCAV+gAwIBAgIUasNtzirvlj0Atp1zxQKI5Fndpe8wCgYIKoZIzj0EAwIw
FDESMBAGA1UEAwwJbG9jYWxob3N0MCAXDTI2MTEyMzExNDk1OFoYDzIxMjYxMDMw
MTE0OTU4WjAUMRIwEAYDVQQDDAlsb2NhbGhvc3QwWTATBgcqhkjOPQIBBggqhkjO
PQMBBwNCAATioaEm7/Fs5T1heJIH1NahKWXntVyYqjs+IE1y8sD0MStwJvagM01T
rV5+4Bf7uEqgF3Z6vEQsco4XDX05/748o4GMMIGJMB0GA1UdDgQWBBQVk6kK2vIE
tEQ6p7YF6jC/LMTNYzAfBgNVHSMEGDAWgBQVk6kK2vIEtEQ6p7YF6jC/LMTNYzAU
BgNVHREEDTALgglsb2NhbGhvc3QwDAYDVR0TAQH/BAIwADAOBgNVHQ8BAf8EBAMC
B4AwEwYDVR0lBAwwCgYIKwYBBQUHAwEwCgYIKoZIzj0EAwIDSAAwRQIhAPEc6Tq0
er/3mwAhqZCOcGa5yy2l2IzWKgeVJ62e6nnsAiBxbXRU9oOXOQqhlFOqTIx0ybNC
+AyvwJoNCIkVT1szJg==
-----END CERTIFICATE-----
";
const TEST_KEY: &str = "-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgnnHR6qPID5PwXVuA
727e53N1aHGjNMPxNp9dLXVSsXqhRANCAATioaEm7/Fs5T1heJIH1NahKWXntVyY
qjs+IE1y8sD0MStwJvagM01TrV5+4Bf7uEqgF3Z6vEQsco4XDX05/748
-----END PRIVATE KEY-----
";

/// A stand-in server that speaks just enough of the protocol to prove a
/// TLS session was set up: it accepts the SSLRequest, completes the
/// handshake with `TEST_CERT`, reads the startup packet and answers with a
/// FATAL 28P01, which the client can only read through TLS.
fn fake_tls_server() -> u16 {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};
    use std::sync::Arc;
    let certs = vec![CertificateDer::from_pem_slice(TEST_CERT.as_bytes()).unwrap()];
    let key = PrivateKeyDer::from_pem_slice(TEST_KEY.as_bytes()).unwrap();
    let config = Arc::new(
        rustls::ServerConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(certs, key)
            .unwrap(),
    );
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for mut sock in listener.incoming().flatten() {
            let config = config.clone();
            std::thread::spawn(move || serve_tls_once(&mut sock, config));
        }
    });
    port
}

fn serve_tls_once(sock: &mut std::net::TcpStream, config: std::sync::Arc<rustls::ServerConfig>) -> std::io::Result<()> {
    use std::io::{Read, Write};
    let mut ssl_request = [0u8; 8];
    sock.read_exact(&mut ssl_request)?;
    sock.write_all(b"S")?;
    let conn = rustls::ServerConnection::new(config).map_err(std::io::Error::other)?;
    let mut tls = rustls::StreamOwned::new(conn, sock);
    let mut len = [0u8; 4];
    tls.read_exact(&mut len)?;
    let mut startup = vec![0u8; (u32::from_be_bytes(len) as usize).saturating_sub(4)];
    tls.read_exact(&mut startup)?;
    let mut body = Vec::new();
    for (field, text) in [
        (b'S', "FATAL"),
        (b'V', "FATAL"),
        (b'C', "28P01"),
        (b'M', "password authentication failed for user \"tls_probe\""),
    ] {
        body.push(field);
        body.extend_from_slice(text.as_bytes());
        body.push(0);
    }
    body.push(0);
    let mut msg = vec![b'E'];
    msg.extend_from_slice(&(body.len() as u32 + 4).to_be_bytes());
    msg.extend_from_slice(&body);
    tls.write_all(&msg)?;
    tls.flush()?;
    tls.conn.send_close_notify();
    tls.flush()
}

#[tokio::test]
async fn tls_handshake_modes_against_a_tls_server() {
    let port = fake_tls_server();
    let dir = tempfile::tempdir().expect("tempdir");
    let ca = dir.path().join("ca.pem");
    std::fs::write(&ca, TEST_CERT).expect("write ca");
    let mut sp = ConnSpec::parse_url(&format!("postgres://tls_probe@localhost:{port}/x")).unwrap();
    sp.connect_timeout = Duration::from_secs(5);
    // Reaching the server's FATAL means the TLS session was established.
    for mode in [SslMode::Prefer, SslMode::Require] {
        sp.sslmode = mode;
        let err = open_err(&sp).await;
        assert_eq!(err.code, ErrorCode::DbAuthFailed, "{mode:?}: {err:?}");
    }
    sp.sslmode = SslMode::VerifyFull;
    sp.ssl_root_cert = Some(ca.clone());
    let err = open_err(&sp).await;
    assert_eq!(err.code, ErrorCode::DbAuthFailed, "verify-full with the CA: {err:?}");
    // The certificate names localhost, not 127.0.0.1.
    sp.host = Some("127.0.0.1".into());
    let err = open_err(&sp).await;
    assert_eq!(err.code, ErrorCode::DbTls, "{err:?}");
    assert!(err.message.contains("127.0.0.1"), "{}", err.message);
    // Without the CA file the Mozilla roots do not trust a self-signed cert.
    sp.host = Some("localhost".into());
    sp.ssl_root_cert = None;
    let err = open_err(&sp).await;
    assert_eq!(err.code, ErrorCode::DbTls, "{err:?}");
    assert!(err.message.to_lowercase().contains("certificate"), "{}", err.message);
}

#[tokio::test]
async fn several_statements_in_one_message_are_refused_by_the_server() {
    let Some(url) = common::pg_url() else { return };
    let mut s = open(&url).await;
    query_all(s.as_mut(), "CREATE TEMP TABLE one_msg (a int)")
        .await
        .unwrap();
    for sql in [
        "SELECT 1 AS a; INSERT INTO one_msg VALUES (1)",
        "INSERT INTO one_msg VALUES (2); SELECT 1",
    ] {
        let err = query_all(s.as_mut(), sql).await.expect_err(sql);
        assert!(err.message.contains("multiple commands"), "{sql}: {err:?}");
    }
    // The lexer trick of issue 11: with standard_conforming_strings off
    // the server sees several statements where a naive splitter sees one.
    query_all(s.as_mut(), "SET standard_conforming_strings = off")
        .await
        .unwrap();
    let err = query_all(s.as_mut(), "SELECT 'a\\', ' ; INSERT INTO one_msg VALUES (3); --'")
        .await
        .expect_err("hidden statement");
    assert!(err.message.contains("multiple commands"), "{err:?}");
    query_all(s.as_mut(), "SET standard_conforming_strings = on")
        .await
        .unwrap();
    let (_, rows, _) = query_all(s.as_mut(), "SELECT count(*) FROM one_msg").await.unwrap();
    assert_eq!(rows, vec![vec![Value::Int(0)]]);
    // A trailing semicolon or comment is still one statement.
    let (_, rows, _) = query_all(s.as_mut(), "SELECT 7; -- done").await.unwrap();
    assert_eq!(rows, vec![vec![Value::Int(7)]]);
}
