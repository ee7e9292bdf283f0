//! Data diff and sync between two Postgres databases through the library:
//! checksum bisection and merge join must agree, every value type, NULL vs
//! empty string, composite keys, strategies, key errors.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use dbn::datasync::apply::{Unrecorded, apply_plan};
use dbn::datasync::segment_tuning;
use dbn::datasync::{Control, DataSyncError, DiffSpec, Method, Strategy, diff_table, plan_sync};
use dbn::db::{ConnSpec, Session, Value};

async fn open(url: &str) -> Box<dyn Session> {
    dbn::db::connect(&ConnSpec::parse_url(url).unwrap())
        .await
        .expect("connect")
}

const TYPES: &str = "CREATE TABLE t (
    id int PRIMARY KEY, b boolean, i2 smallint, i8 bigint, f8 double precision, n numeric(12,3),
    txt text, vc varchar(20), by bytea, j jsonb, d date, tm time, ts timestamp, tz timestamptz,
    u uuid, arr int[], iv interval)";

fn seed(n: i64) -> String {
    format!(
        "INSERT INTO t SELECT g, g % 2 = 0, (g % 100)::smallint, g::bigint * 1000000, g / 7.0, g * 1.125, 'row ' || g, 'v' || g,
         decode(lpad(to_hex(g), 8, '0'), 'hex'), jsonb_build_object('g', g, 'tags', jsonb_build_array('a', g)),
         date '2024-01-01' + g, time '10:00' + g * interval '1 second', timestamp '2024-01-01' + g * interval '1 minute',
         timestamptz '2024-01-01 00:00+00' + g * interval '1 hour', md5(g::text)::uuid, ARRAY[g, g + 1], g * interval '1 minute'
         FROM generate_series(1, {n}) g"
    )
}

struct Pair {
    src_url: String,
    tgt_url: String,
}

fn pair(rows: i64) -> Option<Pair> {
    let src_url = common::fresh_pg_db("dsync_s")?;
    let tgt_url = common::fresh_pg_db("dsync_t")?;
    for u in [&src_url, &tgt_url] {
        common::psql(u, TYPES);
        common::psql(u, &seed(rows));
    }
    Some(Pair { src_url, tgt_url })
}

const CHANGES: &str = "
    DELETE FROM t WHERE id IN (5, 777);
    INSERT INTO t (id, txt) VALUES (100001, 'extra in target');
    UPDATE t SET b = NOT b WHERE id = 10;
    UPDATE t SET i2 = 7 WHERE id = 11;
    UPDATE t SET i8 = -1 WHERE id = 12;
    UPDATE t SET f8 = 0.5 WHERE id = 13;
    UPDATE t SET n = 1.5 WHERE id = 14;
    UPDATE t SET txt = '' WHERE id = 15;
    UPDATE t SET txt = NULL WHERE id = 16;
    UPDATE t SET vc = 'changed' WHERE id = 17;
    UPDATE t SET by = '\\x00' WHERE id = 18;
    UPDATE t SET j = '{\"g\": 19, \"tags\": [\"b\"]}' WHERE id = 19;
    UPDATE t SET d = '1999-12-31' WHERE id = 20;
    UPDATE t SET tm = '23:59:59.5' WHERE id = 21;
    UPDATE t SET ts = '2000-01-01 00:00:00.25' WHERE id = 22;
    UPDATE t SET tz = '2000-01-01 00:00:00+05' WHERE id = 23;
    UPDATE t SET u = '00000000-0000-0000-0000-000000000001' WHERE id = 24;
    UPDATE t SET arr = '{}' WHERE id = 25;
    UPDATE t SET iv = '1 day' WHERE id = 26;";

fn changed_ids(d: &dbn::datasync::DataDiff) -> Vec<i64> {
    d.diff
        .changed
        .iter()
        .map(|c| match c.key[0] {
            Value::Int(i) => i,
            ref v => panic!("key {v:?}"),
        })
        .collect()
}

async fn diff(p: &Pair, spec: &DiffSpec) -> Result<dbn::datasync::DataDiff, DataSyncError> {
    let mut s = open(&p.src_url).await;
    let mut t = open(&p.tgt_url).await;
    diff_table(s.as_mut(), t.as_mut(), spec, &Control::default()).await
}

#[tokio::test]
async fn checksum_and_merge_join_find_every_type_of_change() {
    let Some(p) = pair(20_000) else { return };
    common::psql(&p.tgt_url, CHANGES);
    let mut spec = DiffSpec::table("t");
    spec.method = Method::Checksum;
    spec.tuning = segment_tuning(256, 16, 32);
    let a = diff(&p, &spec).await.unwrap();
    spec.method = Method::MergeJoin;
    let b = diff(&p, &spec).await.unwrap();
    for d in [&a, &b] {
        assert_eq!(changed_ids(d), (10..=26).collect::<Vec<_>>(), "{}", d.stats.method);
        let only_src: Vec<_> = d.diff.only_in_source.iter().map(|r| r[0].clone()).collect();
        assert_eq!(only_src, vec![Value::Int(5), Value::Int(777)]);
        assert_eq!(d.diff.only_in_target.len(), 1);
        assert_eq!(d.diff.equal, 20_000 - 2 - 17);
        let null_vs_empty = d.diff.changed.iter().find(|c| c.key[0] == Value::Int(16)).unwrap();
        assert_eq!(null_vs_empty.changes[0].old, Value::Null);
    }
    assert_eq!(a.stats.method, "checksum");
    // Only a small part of the table crossed the network.
    assert!(a.stats.source.rows_fetched < 4_000, "{:?}", a.stats);
    assert!(b.stats.source.rows_fetched >= 20_000, "{:?}", b.stats);
}

#[tokio::test]
async fn sync_source_wins_converges() {
    let Some(p) = pair(3_000) else { return };
    common::psql(&p.tgt_url, CHANGES);
    let spec = DiffSpec::table("t");
    let d = diff(&p, &spec).await.unwrap();
    let plan = plan_sync(&d, &Strategy::SourceWins, true).unwrap();
    assert_eq!((plan.inserts.len(), plan.updates.len(), plan.deletes.len()), (2, 17, 1));
    let mut t = open(&p.tgt_url).await;
    let report = apply_plan(
        t.as_mut(),
        &d.pair.target,
        &plan,
        5,
        &Control::default(),
        &mut Unrecorded,
    )
    .await
    .unwrap();
    assert_eq!(report.total(), 20);
    assert_eq!(report.batches, 4);
    let again = diff(&p, &spec).await.unwrap();
    assert!(again.diff.is_empty(), "{:?}", again.diff);
    assert_eq!(
        common::psql(&p.tgt_url, "SELECT md5(string_agg(t::text, ',' ORDER BY id)) FROM t"),
        common::psql(&p.src_url, "SELECT md5(string_agg(t::text, ',' ORDER BY id)) FROM t")
    );
}

#[tokio::test]
async fn composite_keys_and_strategies() {
    let Some(src_url) = common::fresh_pg_db("dsync_cs") else {
        return;
    };
    let tgt_url = common::fresh_pg_db("dsync_ct").unwrap();
    for u in [&src_url, &tgt_url] {
        common::psql(
            u,
            "CREATE TABLE c (region text, id int, v text, updated_at timestamptz, PRIMARY KEY (region, id));
             INSERT INTO c SELECT r, g, 'v' || g, '2024-01-01' FROM unnest(ARRAY['eu','us','Ab']) r, generate_series(1, 400) g",
        );
    }
    common::psql(
        &src_url,
        "UPDATE c SET v = 'src newer', updated_at = '2024-06-01' WHERE region = 'eu' AND id = 1",
    );
    common::psql(
        &tgt_url,
        "UPDATE c SET v = 'tgt newer', updated_at = '2024-06-01' WHERE region = 'us' AND id = 2",
    );
    common::psql(
        &tgt_url,
        "UPDATE c SET v = 'tgt older', updated_at = '2023-01-01' WHERE region = 'Ab' AND id = 3",
    );
    let p = Pair { src_url, tgt_url };
    let mut spec = DiffSpec::table("c");
    spec.tuning = segment_tuning(64, 4, 8);
    let d = diff(&p, &spec).await.unwrap();
    assert_eq!(d.key, vec!["region", "id"]);
    assert_eq!(d.diff.changed.len(), 3, "{:?}", d.diff.changed);
    let newest = plan_sync(&d, &Strategy::Newest("updated_at".into()), false).unwrap();
    let keys: Vec<_> = newest.updates.iter().map(|u| u.key.clone()).collect();
    assert_eq!(
        keys,
        vec![
            vec![Value::Text("Ab".into()), Value::Int(3)],
            vec![Value::Text("eu".into()), Value::Int(1)]
        ]
    );
    assert_eq!(newest.kept.len(), 1);
    let tw = plan_sync(&d, &Strategy::TargetWins, false).unwrap();
    assert_eq!((tw.updates.len(), tw.kept.len()), (0, 3));
    let sw = plan_sync(&d, &Strategy::SourceWins, false).unwrap();
    assert_eq!(sw.updates.len(), 3);
    let mut t = open(&p.tgt_url).await;
    apply_plan(
        t.as_mut(),
        &d.pair.target,
        &newest,
        100,
        &Control::default(),
        &mut Unrecorded,
    )
    .await
    .unwrap();
    let v = common::psql(
        &p.tgt_url,
        "SELECT v FROM c WHERE (region, id) IN (('eu', 1), ('us', 2), ('Ab', 3)) ORDER BY region COLLATE \"C\"",
    );
    assert_eq!(v, "src\nsrc newer\ntgt newer\n".replace("src\n", "v3\n"));
}

#[tokio::test]
async fn non_unique_key_and_missing_key_are_reported() {
    let Some(src_url) = common::fresh_pg_db("dsync_ns") else {
        return;
    };
    let tgt_url = common::fresh_pg_db("dsync_nt").unwrap();
    for u in [&src_url, &tgt_url] {
        common::psql(
            u,
            "CREATE TABLE nk (a int, b text); INSERT INTO nk VALUES (1, 'x'), (2, 'y')",
        );
    }
    common::psql(&tgt_url, "INSERT INTO nk VALUES (2, 'dup')");
    let p = Pair { src_url, tgt_url };
    let err = diff(&p, &DiffSpec::table("nk")).await.unwrap_err();
    assert!(matches!(err, DataSyncError::NoKey { .. }), "{err}");
    let mut spec = DiffSpec::table("nk");
    spec.key = Some(vec!["a".into()]);
    let err = diff(&p, &spec).await.unwrap_err();
    let msg = err.to_string();
    assert!(
        matches!(err, DataSyncError::NonUniqueKey { side: "target", .. }),
        "{msg}"
    );
    assert!(msg.contains("(2) x2"), "{msg}");
    spec.key = Some(vec!["a".into(), "b".into()]);
    let d = diff(&p, &spec).await.unwrap();
    assert_eq!(d.diff.only_in_target.len(), 1);
}

#[tokio::test]
async fn columns_and_where_limit_the_comparison() {
    let Some(p) = pair(1_000) else { return };
    common::psql(
        &p.tgt_url,
        "UPDATE t SET txt = 'x' WHERE id IN (10, 900); UPDATE t SET vc = 'y' WHERE id = 11",
    );
    let mut spec = DiffSpec::table("t");
    spec.columns = Some(vec!["txt".into()]);
    let d = diff(&p, &spec).await.unwrap();
    assert_eq!(d.columns, vec!["id", "txt"]);
    assert_eq!(changed_ids(&d), vec![10, 900]);
    spec.filter = Some("id < 500".into());
    for method in [Method::Checksum, Method::MergeJoin] {
        spec.method = method;
        let d = diff(&p, &spec).await.unwrap();
        assert_eq!(changed_ids(&d), vec![10], "{method:?}");
        assert_eq!(d.diff.equal, 498, "{method:?}");
    }
    spec.columns = Some(vec!["nope".into()]);
    let err = diff(&p, &spec).await.unwrap_err().to_string();
    assert!(
        err.contains("column 'nope' does not exist") && err.contains("txt"),
        "{err}"
    );
}
