//! Cross-engine data sync through the library: Postgres -> MariaDB,
//! MariaDB -> Postgres and Postgres -> SQLite. A sync into an empty table
//! and a second sync after edits must both leave a diff that is empty,
//! which proves the type mapping round-trips every value kind.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use dbn::datasync::apply::{Unrecorded, apply_plan};
use dbn::datasync::{Control, DataDiff, DiffSpec, Strategy, diff_table, plan_sync};
use dbn::db::{ConnSpec, Session, Value};

async fn open(url: &str) -> Box<dyn Session> {
    dbn::db::connect(&ConnSpec::parse_url(url).unwrap())
        .await
        .expect("connect")
}

const PG_TABLE: &str = "CREATE TABLE t (
    id int PRIMARY KEY, b boolean, i8 bigint, f8 double precision, n numeric(12,3), txt text,
    vc varchar(20), bl bytea, j jsonb, d date, tm time, ts timestamp, tz timestamptz, u uuid, arr int[])";

const PG_ROWS: &str = "INSERT INTO t SELECT g, g % 2 = 0, g::bigint * 1000000, g / 8.0, g * 1.125, 'row ' || g || ' ''q'' \\ é',
    'v' || g, decode(lpad(to_hex(g), 6, '0'), 'hex'), jsonb_build_object('g', g, 'tags', jsonb_build_array('a', g)),
    date '2024-01-01' + g, time '10:00' + g * interval '1.5 second', timestamp '2024-01-01' + g * interval '61.25 second',
    timestamptz '2024-01-01 00:00+02' + g * interval '1 hour', md5(g::text)::uuid, ARRAY[g, g + 1]
    FROM generate_series(1, 300) g;
    INSERT INTO t (id, txt, vc) VALUES (1001, '', ''), (1002, NULL, NULL)";

const MY_TABLE: &str = "CREATE TABLE t (
    id INT PRIMARY KEY, b TINYINT(1), i8 BIGINT, f8 DOUBLE, n DECIMAL(12,3), txt TEXT,
    vc VARCHAR(20), bl BLOB, j JSON, d DATE, tm TIME(6), ts DATETIME(6), tz DATETIME(6), u CHAR(36), arr JSON)";

const SQLITE_TABLE: &str = "CREATE TABLE t (
    id INTEGER PRIMARY KEY, b BOOLEAN, i8 BIGINT, f8 DOUBLE, n DECIMAL(12,3), txt TEXT,
    vc VARCHAR(20), bl BLOB, j JSON, d DATE, tm TIME, ts TIMESTAMP, tz TIMESTAMPTZ, u UUID, arr TEXT)";

async fn diff(src: &str, tgt: &str) -> DataDiff {
    diff_named(src, tgt, "t").await
}

async fn diff_named(src: &str, tgt: &str, table: &str) -> DataDiff {
    let mut s = open(src).await;
    let mut t = open(tgt).await;
    diff_table(s.as_mut(), t.as_mut(), &DiffSpec::table(table), &Control::default())
        .await
        .expect("diff")
}

async fn sync(src: &str, tgt: &str) -> DataDiff {
    let d = diff(src, tgt).await;
    let plan = plan_sync(&d, &Strategy::SourceWins, true).unwrap();
    let mut t = open(tgt).await;
    for sql in dbn::datasync::sql::session_setup(t.engine()) {
        dbn::db::query_all(t.as_mut(), sql).await.unwrap();
    }
    apply_plan(
        t.as_mut(),
        &d.pair.target,
        &plan,
        64,
        &Control::default(),
        &mut Unrecorded,
    )
    .await
    .expect("apply");
    d
}

fn first_change(d: &DataDiff) -> String {
    d.diff
        .changed
        .first()
        .map(|c| {
            let ch = &c.changes[0];
            format!("{} key {:?}: {:?} vs {:?}", d.columns[ch.column], c.key, ch.old, ch.new)
        })
        .unwrap_or_default()
}

/// Sync into an empty table, prove equality, edit the target, sync again.
async fn round_trip(src: &str, tgt: &str, edit: impl Fn(&str)) {
    let first = sync(src, tgt).await;
    assert_eq!(first.diff.only_in_source.len(), 302, "{}", first.stats.method);
    let after = diff(src, tgt).await;
    assert!(
        after.diff.is_empty(),
        "after the first sync: {} ({} changed)",
        first_change(&after),
        after.diff.changed.len()
    );
    assert_eq!(after.diff.equal, 302);
    edit(tgt);
    let d = diff(src, tgt).await;
    let changed: Vec<Value> = d.diff.changed.iter().map(|c| c.key[0].clone()).collect();
    assert_eq!(
        changed,
        vec![
            Value::Int(3),
            Value::Int(4),
            Value::Int(5),
            Value::Int(1001),
            Value::Int(1002)
        ]
    );
    assert_eq!(d.diff.only_in_source.len(), 1);
    assert_eq!(d.diff.only_in_target.len(), 1);
    sync(src, tgt).await;
    let last = diff(src, tgt).await;
    assert!(last.diff.is_empty(), "after the second sync: {}", first_change(&last));
}

#[tokio::test]
async fn postgres_to_mariadb_and_back() {
    let Some(pg) = common::fresh_pg_db("dsx_pg") else {
        return;
    };
    let Some(my) = common::fresh_mysql_db("dsx_my") else {
        return;
    };
    common::psql(&pg, PG_TABLE);
    common::psql(&pg, PG_ROWS);
    common::mysql(&my, MY_TABLE);
    round_trip(&pg, &my, |u| {
        common::mysql(
            u,
            "UPDATE t SET b = 1 - b WHERE id = 3; UPDATE t SET ts = '1999-01-01 00:00:00' WHERE id = 4;
             UPDATE t SET j = '{\"x\": 1}' WHERE id = 5; UPDATE t SET txt = NULL WHERE id = 1001;
             UPDATE t SET txt = '' WHERE id = 1002; DELETE FROM t WHERE id = 9; INSERT INTO t (id) VALUES (5000)",
        );
    })
    .await;
    // And back: MariaDB is now the source of an empty Postgres table.
    let pg2 = common::fresh_pg_db("dsx_pg2").unwrap();
    common::psql(&pg2, PG_TABLE);
    sync(&my, &pg2).await;
    let back = diff(&my, &pg2).await;
    assert!(back.diff.is_empty(), "mariadb -> postgres: {}", first_change(&back));
    let pg_vs_pg = diff(&pg, &pg2).await;
    assert!(
        pg_vs_pg.diff.is_empty(),
        "postgres -> mariadb -> postgres: {}",
        first_change(&pg_vs_pg)
    );
}

#[tokio::test]
async fn postgres_to_sqlite() {
    let Some(pg) = common::fresh_pg_db("dsx_pgl") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("t.db");
    let lite = format!("sqlite://{}", file.display());
    common::psql(&pg, PG_TABLE);
    common::psql(&pg, PG_ROWS);
    {
        let mut s = open(&lite).await;
        dbn::db::query_all(s.as_mut(), SQLITE_TABLE).await.unwrap();
    }
    let edit = |u: &str| {
        let path = u.trim_start_matches("sqlite://");
        let c = rusqlite::Connection::open(path).unwrap();
        c.execute_batch(
            "UPDATE t SET b = 1 - b WHERE id = 3; UPDATE t SET ts = '1999-01-01 00:00:00' WHERE id = 4;
             UPDATE t SET j = '{\"x\": 1}' WHERE id = 5; UPDATE t SET txt = NULL WHERE id = 1001;
             UPDATE t SET txt = '' WHERE id = 1002; DELETE FROM t WHERE id = 9; INSERT INTO t (id) VALUES (5000)",
        )
        .unwrap();
    };
    round_trip(&pg, &lite, edit).await;
    // And back: SQLite is now the source of an empty Postgres table.
    let pg2 = common::fresh_pg_db("dsx_pgl2").unwrap();
    common::psql(&pg2, PG_TABLE);
    sync(&lite, &pg2).await;
    let back = diff(&lite, &pg2).await;
    assert!(back.diff.is_empty(), "sqlite -> postgres: {}", first_change(&back));
    let pg_vs_pg = diff(&pg, &pg2).await;
    assert!(
        pg_vs_pg.diff.is_empty(),
        "postgres -> sqlite -> postgres: {}",
        first_change(&pg_vs_pg)
    );
}

#[tokio::test]
async fn mariadb_checksums_agree_with_merge_join() {
    use dbn::datasync::{Method, segment_tuning};
    let Some(a) = common::fresh_mysql_db("dsx_ma") else {
        return;
    };
    let b = common::fresh_mysql_db("dsx_mb").unwrap();
    for u in [&a, &b] {
        common::mysql(
            u,
            "CREATE TABLE m (region VARCHAR(10), id INT, v TEXT, amount DECIMAL(10,2), at DATETIME(6), PRIMARY KEY (region, id));
             INSERT INTO m SELECT r.region, s.seq, CONCAT('v', s.seq), s.seq / 4, '2024-01-01 00:00:00'
             FROM (SELECT 'eu' AS region UNION ALL SELECT 'us' UNION ALL SELECT 'Ap') r
             CROSS JOIN seq_1_to_3000 s",
        );
    }
    common::mysql(
        &b,
        "UPDATE m SET v = '' WHERE region = 'eu' AND id = 10; UPDATE m SET v = NULL WHERE region = 'us' AND id = 20;
         UPDATE m SET amount = 0 WHERE region = 'Ap' AND id = 2999; DELETE FROM m WHERE region = 'eu' AND id = 1500;
         INSERT INTO m VALUES ('zz', 1, 'new', 1, NOW())",
    );
    let run = |method: Method| {
        let (a, b) = (a.clone(), b.clone());
        async move {
            let mut s = open(&a).await;
            let mut t = open(&b).await;
            let mut spec = DiffSpec::table("m");
            spec.method = method;
            spec.tuning = segment_tuning(512, 8, 16);
            diff_table(s.as_mut(), t.as_mut(), &spec, &Control::default())
                .await
                .unwrap()
        }
    };
    let c = run(Method::Checksum).await;
    let m = run(Method::MergeJoin).await;
    assert_eq!(c.stats.method, "checksum");
    assert_eq!(m.stats.method, "merge-join");
    for d in [&c, &m] {
        let keys: Vec<_> = d.diff.changed.iter().map(|x| x.key.clone()).collect();
        assert_eq!(
            keys,
            vec![
                vec![Value::Text("Ap".into()), Value::Int(2999)],
                vec![Value::Text("eu".into()), Value::Int(10)],
                vec![Value::Text("us".into()), Value::Int(20)],
            ],
            "{}",
            d.stats.method
        );
        assert_eq!(d.diff.only_in_source.len(), 1);
        assert_eq!(d.diff.only_in_target.len(), 1);
        assert_eq!(d.diff.equal, 9000 - 4);
    }
    assert!(c.stats.source.rows_fetched < 3000, "{:?}", c.stats);

    // An integer key takes the arithmetic-bucket path (MySQL `DIV`).
    for u in [&a, &b] {
        common::mysql(
            u,
            "CREATE TABLE s (id BIGINT PRIMARY KEY, v TEXT); INSERT INTO s SELECT seq * 3, CONCAT('v', seq) FROM seq_1_to_20000",
        );
    }
    common::mysql(
        &b,
        "UPDATE s SET v = 'changed' WHERE id IN (3, 30000, 60000); DELETE FROM s WHERE id = 45000",
    );
    let mut s = open(&a).await;
    let mut t = open(&b).await;
    let mut spec = DiffSpec::table("s");
    spec.tuning = segment_tuning(512, 8, 16);
    let d = diff_table(s.as_mut(), t.as_mut(), &spec, &Control::default())
        .await
        .unwrap();
    assert_eq!(d.stats.method, "checksum");
    let keys: Vec<_> = d.diff.changed.iter().map(|x| x.key[0].clone()).collect();
    assert_eq!(keys, vec![Value::Int(3), Value::Int(30000), Value::Int(60000)]);
    assert_eq!(d.diff.only_in_source.len(), 1);
    assert!(d.stats.source.rows_fetched < 500, "{:?}", d.stats);
}

#[tokio::test]
async fn newest_wins_in_both_directions_converges_postgres_mariadb() {
    let Some(pg) = common::fresh_pg_db("dsx_npg") else {
        return;
    };
    let Some(my) = common::fresh_mysql_db("dsx_nmy") else {
        return;
    };
    common::psql(
        &pg,
        "CREATE TABLE n (id int PRIMARY KEY, v text, updated_at timestamptz);
         INSERT INTO n SELECT g, 'v' || g, '2024-01-01 00:00+00' FROM generate_series(1, 50) g;
         UPDATE n SET v = 'pg newer', updated_at = '2024-05-01 00:00+00' WHERE id = 1;
         UPDATE n SET v = 'pg older', updated_at = '2023-05-01 00:00+00' WHERE id = 2",
    );
    common::mysql(
        &my,
        "CREATE TABLE n (id INT PRIMARY KEY, v TEXT, updated_at DATETIME(6));
         INSERT INTO n SELECT seq, CONCAT('v', seq), '2024-01-01 00:00:00' FROM seq_1_to_50;
         UPDATE n SET v = 'my newer', updated_at = '2024-06-01 00:00:00' WHERE id = 2;
         UPDATE n SET v = 'my older', updated_at = '2023-06-01 00:00:00' WHERE id = 1",
    );
    let newest = Strategy::Newest("updated_at".into());
    for (a, b) in [(&pg, &my), (&my, &pg)] {
        let d = diff_named(a, b, "n").await;
        let plan = plan_sync(&d, &newest, false).unwrap();
        assert_eq!(plan.updates.len(), 1, "{plan:?}");
        let mut t = open(b).await;
        for sql in dbn::datasync::sql::session_setup(t.engine()) {
            dbn::db::query_all(t.as_mut(), sql).await.unwrap();
        }
        apply_plan(
            t.as_mut(),
            &d.pair.target,
            &plan,
            10,
            &Control::default(),
            &mut Unrecorded,
        )
        .await
        .unwrap();
    }
    let end = diff_named(&pg, &my, "n").await;
    assert!(end.diff.is_empty(), "{}", first_change(&end));
    assert_eq!(
        common::psql(&pg, "SELECT v FROM n WHERE id IN (1, 2) ORDER BY id"),
        "pg newer\nmy newer\n"
    );
}
