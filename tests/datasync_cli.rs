//! `dbn diff data`, `dbn sync data` and `dbn job` through the real binary
//! against real servers: output, exit codes, safety, audit, kill-and-resume.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::Sandbox;
use std::process::Output;
use std::time::{Duration, Instant};

fn text(o: &Output) -> String {
    format!(
        "status {:?}\nstdout:\n{}\nstderr:\n{}",
        o.status.code(),
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn dbn(sb: &Sandbox, args: &[&str]) -> Output {
    sb.cmd().args(args).output().unwrap()
}

fn add_conn(sb: &Sandbox, name: &str, url: &str, extra: &[&str]) {
    let mut args = vec!["connect", "add", name, "--url", url];
    args.extend_from_slice(extra);
    let o = dbn(sb, &args);
    assert!(o.status.success(), "{}", text(&o));
}

fn audit_rows(sb: &Sandbox) -> Vec<(String, String, Option<i64>)> {
    let c = rusqlite::Connection::open(sb.ws().join(".dbnexus/metadata.db")).unwrap();
    let mut st = c
        .prepare("SELECT connection, outcome, rows_affected FROM audit_log WHERE action = 'sync' ORDER BY id")
        .unwrap();
    st.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

/// Two Postgres databases with `items` and a sandbox naming them src/dst.
fn setup(rows: i64) -> Option<(Sandbox, String, String)> {
    let src = common::fresh_pg_db("dscli_s")?;
    let dst = common::fresh_pg_db("dscli_t").unwrap();
    for u in [&src, &dst] {
        common::psql(
            u,
            &format!(
                "CREATE TABLE items (id int PRIMARY KEY, name text, price numeric(10,2), updated_at timestamptz);
                 INSERT INTO items SELECT g, 'item ' || g, g * 1.5, '2024-01-01' FROM generate_series(1, {rows}) g"
            ),
        );
    }
    let sb = Sandbox::new();
    add_conn(&sb, "src", &src, &[]);
    add_conn(&sb, "dst", &dst, &[]);
    Some((sb, src, dst))
}

#[test]
fn diff_data_prints_summary_then_rows_and_json() {
    let Some((sb, _src, dst)) = setup(5000) else { return };
    common::psql(
        &dst,
        "DELETE FROM items WHERE id = 7; UPDATE items SET name = '' WHERE id = 8; UPDATE items SET price = NULL WHERE id = 9;
         INSERT INTO items VALUES (9001, 'only here', 1, now())",
    );
    let o = dbn(
        &sb,
        &["diff", "data", "--source", "src", "--target", "dst", "--table", "items"],
    );
    assert!(o.status.success(), "{}", text(&o));
    let out = String::from_utf8_lossy(&o.stdout);
    let summary_at = out.find("only in source: 1").expect(&out);
    assert!(out.contains("only in target: 1"), "{out}");
    assert!(out.contains("changed:        2"), "{out}");
    assert!(out.contains("method checksum"), "{out}");
    let row_at = out.find("+ (7) name='item 7'").expect(&out);
    assert!(summary_at < row_at, "{out}");
    assert!(out.contains("- (9001) name='only here'"), "{out}");
    assert!(out.contains("    name: '' -> 'item 8'"), "{out}");
    assert!(out.contains("    price: NULL -> 13.50"), "{out}");

    let file = sb.ws().join("d.json");
    let o = dbn(
        &sb,
        &[
            "diff",
            "data",
            "-s",
            "src",
            "-t",
            "dst",
            "--table",
            "items",
            "--json",
            "--out",
            file.to_str().unwrap(),
        ],
    );
    assert!(o.status.success(), "{}", text(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["summary"]["changed"], 2);
    assert_eq!(v["only_in_source"][0]["id"], 7);
    assert_eq!(v["changed"][0]["columns"]["name"]["old"], "");
    assert_eq!(v["changed"][1]["columns"]["price"]["old"], serde_json::Value::Null);
    assert!(v["stats"]["source"]["bytes_fetched"].as_u64().unwrap() > 0);
    let saved: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    assert_eq!(saved, v);
}

#[test]
fn non_unique_key_exits_1_and_missing_key_exits_2() {
    let Some((sb, src, dst)) = setup(10) else { return };
    for u in [&src, &dst] {
        common::psql(
            u,
            "CREATE TABLE nokey (a int, b text); INSERT INTO nokey VALUES (1, 'x'), (1, 'y')",
        );
    }
    let o = dbn(&sb, &["diff", "data", "-s", "src", "-t", "dst", "--table", "nokey"]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(String::from_utf8_lossy(&o.stderr).contains("--key"), "{}", text(&o));
    let o = dbn(
        &sb,
        &[
            "diff", "data", "-s", "src", "-t", "dst", "--table", "nokey", "--key", "a",
        ],
    );
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("not unique") && err.contains("(1) x2"), "{err}");
    let o = dbn(
        &sb,
        &[
            "diff", "data", "-s", "src", "-t", "dst", "--table", "nokey", "--key", "a,b",
        ],
    );
    assert!(o.status.success(), "{}", text(&o));
}

#[test]
fn sync_previews_then_applies_with_audit_and_respects_read_only() {
    let Some((sb, src, dst)) = setup(2000) else { return };
    common::psql(
        &dst,
        "DELETE FROM items WHERE id <= 10; UPDATE items SET name = 'old' WHERE id = 50; INSERT INTO items VALUES (7777, 'x', 1, now())",
    );
    let before = common::psql(&dst, "SELECT count(*), sum(price) FROM items");
    let o = dbn(
        &sb,
        &[
            "sync",
            "data",
            "-s",
            "src",
            "-t",
            "dst",
            "--table",
            "items",
            "--delete-missing",
        ],
    );
    assert!(o.status.success(), "{}", text(&o));
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.contains("insert 10, update 1, delete 1"), "{out}");
    assert!(out.contains("Preview only"), "{out}");
    assert_eq!(common::psql(&dst, "SELECT count(*), sum(price) FROM items"), before);

    // A read-only target refuses without a confirmation, exit 4, audited.
    add_conn(&sb, "dst-ro", &dst, &["--read-only"]);
    let o = dbn(
        &sb,
        &[
            "sync", "data", "-s", "src", "-t", "dst-ro", "--table", "items", "--apply",
        ],
    );
    assert_eq!(o.status.code(), Some(4), "{}", text(&o));
    assert_eq!(common::psql(&dst, "SELECT count(*), sum(price) FROM items"), before);
    let o = dbn(
        &sb,
        &[
            "sync",
            "data",
            "-s",
            "src",
            "-t",
            "dst-ro",
            "--table",
            "items",
            "--apply",
            "--confirm",
            "wrong",
        ],
    );
    assert_eq!(o.status.code(), Some(4), "{}", text(&o));

    let o = dbn(
        &sb,
        &[
            "sync",
            "data",
            "-s",
            "src",
            "-t",
            "dst-ro",
            "--table",
            "items",
            "--delete-missing",
            "--apply",
            "--confirm",
            "dst-ro",
            "--batch-size",
            "3",
        ],
    );
    assert!(o.status.success(), "{}", text(&o));
    assert!(
        String::from_utf8_lossy(&o.stdout).contains("inserted 10, updated 1, deleted 1 row(s) in 4 batch(es)"),
        "{}",
        text(&o)
    );
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("applied 12/12"),
        "{}",
        text(&o)
    );
    assert_eq!(
        common::psql(&dst, "SELECT count(*), sum(price) FROM items"),
        common::psql(&src, "SELECT count(*), sum(price) FROM items")
    );
    let audit = audit_rows(&sb);
    assert_eq!(audit.len(), 3, "{audit:?}");
    assert!(audit[0].1.starts_with("refused"), "{audit:?}");
    assert!(audit[1].1.starts_with("refused"), "{audit:?}");
    assert_eq!(audit[2], ("dst-ro".to_string(), "ok".to_string(), Some(12)));
    // Every committed batch has its own entry, completed, with who confirmed
    // and which unlock allowed it (issue 11, point 7).
    let c = rusqlite::Connection::open(sb.ws().join(".dbnexus/metadata.db")).unwrap();
    let mut st = c
        .prepare("SELECT outcome, rows_affected, confirmed_by, unlock, face FROM audit_log WHERE action = 'sync_batch' ORDER BY id")
        .unwrap();
    type Row = (String, Option<i64>, Option<String>, Option<String>, Option<String>);
    let batches: Vec<Row> = st
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let rows: Vec<(&str, Option<i64>)> = batches.iter().map(|b| (b.0.as_str(), b.1)).collect();
    assert_eq!(
        rows,
        [("ok", Some(3)), ("ok", Some(3)), ("ok", Some(3)), ("ok", Some(3))]
    );
    for b in &batches {
        assert!(b.2.as_deref().is_some_and(|c| c.contains("--confirm dst-ro")), "{b:?}");
        assert!(b.3.as_deref().is_some_and(|u| u.contains("--confirm dst-ro")), "{b:?}");
        assert_eq!(b.4.as_deref(), Some("cli"));
    }
    let o = dbn(
        &sb,
        &["diff", "data", "-s", "src", "-t", "dst", "--table", "items", "--json"],
    );
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["identical"], true, "{}", text(&o));
}

/// Issue 11, point 7: when a batch's audit intent cannot be recorded the
/// batch is not sent: exit 4, one message, the target unchanged.
#[test]
fn sync_sends_nothing_when_the_audit_log_cannot_be_written() {
    let Some((sb, src, dst)) = setup(50) else { return };
    common::psql(
        &dst,
        "DELETE FROM items WHERE id > 40; UPDATE items SET name = 'old' WHERE id < 5",
    );
    let sum = "SELECT count(*), md5(string_agg(name, ',' ORDER BY id)) FROM items";
    let before = common::psql(&dst, sum);
    common::block_audit(&sb.ws());
    let o = dbn(
        &sb,
        &["sync", "data", "-s", "src", "-t", "dst", "--table", "items", "--apply"],
    );
    assert_eq!(o.status.code(), Some(4), "{}", text(&o));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("the audit log cannot be written") && err.contains("batch 1/1") && err.contains("was not sent"),
        "{}",
        text(&o)
    );
    assert!(!err.contains("warning"), "one message: {}", text(&o));
    assert_eq!(common::psql(&dst, sum), before, "the target is unchanged");
    let _ = src;
}

#[test]
fn killed_sync_resumes_and_converges() {
    let Some((sb, src, dst)) = setup(1) else { return };
    common::psql(
        &src,
        "INSERT INTO items SELECT g, repeat('x', 200) || g, g, now() FROM generate_series(2, 60000) g",
    );
    let mut child = sb
        .cmd()
        .args([
            "sync",
            "data",
            "-s",
            "src",
            "-t",
            "dst",
            "--table",
            "items",
            "--apply",
            "--batch-size",
            "200",
        ])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let started = Instant::now();
    loop {
        let n: i64 = common::psql(&dst, "SELECT count(*) FROM items").trim().parse().unwrap();
        if n > 2000 {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "sync never started writing"
        );
        assert!(
            child.try_wait().unwrap().is_none(),
            "sync finished before it could be killed"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let partial: i64 = common::psql(&dst, "SELECT count(*) FROM items").trim().parse().unwrap();
    assert!(partial > 1 && partial < 60000, "{partial}");
    // Whole batches only: every committed batch has 200 rows.
    assert_eq!((partial - 1) % 200, 0, "{partial}");
    // Each committed batch is on record; the one the kill interrupted (if
    // any) stays 'unknown' (issue 11, point 7).
    let committed = (partial - 1) / 200;
    let c = rusqlite::Connection::open(sb.ws().join(".dbnexus/metadata.db")).unwrap();
    let count = |outcome: &str| -> i64 {
        c.query_row(
            "SELECT count(*) FROM audit_log WHERE action = 'sync_batch' AND outcome = ?1",
            [outcome],
            |r| r.get(0),
        )
        .unwrap()
    };
    let (ok, unknown) = (count("ok"), count("unknown"));
    assert!(unknown <= 1, "{ok} ok, {unknown} unknown, {committed} committed");
    assert!(
        (committed - 1..=committed).contains(&ok) && (committed..=committed + 1).contains(&(ok + unknown)),
        "{ok} ok, {unknown} unknown, {committed} committed"
    );
    drop(c);
    let o = dbn(
        &sb,
        &["sync", "data", "-s", "src", "-t", "dst", "--table", "items", "--apply"],
    );
    assert!(o.status.success(), "{}", text(&o));
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.contains(&format!("insert {}", 60000 - partial)), "{out}");
    let sum = "SELECT count(*), md5(string_agg(name, ',' ORDER BY id)) FROM items";
    assert_eq!(common::psql(&dst, sum), common::psql(&src, sum));
    let o = dbn(
        &sb,
        &["sync", "data", "-s", "src", "-t", "dst", "--table", "items", "--apply"],
    );
    assert!(
        String::from_utf8_lossy(&o.stdout).contains("Nothing to write"),
        "{}",
        text(&o)
    );
}

#[test]
fn jobs_add_list_run_history_remove() {
    let Some((sb, _src, dst)) = setup(300) else { return };
    common::psql(&dst, "DELETE FROM items WHERE id > 290");
    let o = dbn(
        &sb,
        &[
            "job",
            "add",
            "nightly",
            "--kind",
            "data",
            "-s",
            "src",
            "-t",
            "dst",
            "--table",
            "items",
            "--strategy",
            "newest:updated_at",
        ],
    );
    assert!(o.status.success(), "{}", text(&o));
    let o = dbn(
        &sb,
        &[
            "job", "add", "nightly", "--kind", "data", "-s", "src", "-t", "dst", "--table", "items",
        ],
    );
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    let o = dbn(&sb, &["job", "list", "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v[0]["name"], "nightly");
    assert_eq!(v[0]["definition"]["strategy"], "newest:updated_at");

    let o = dbn(&sb, &["job", "run", "nightly"]);
    assert!(o.status.success(), "{}", text(&o));
    assert_eq!(common::psql(&dst, "SELECT count(*) FROM items").trim(), "290");
    let o = dbn(&sb, &["job", "run", "nightly", "--apply"]);
    assert!(o.status.success(), "{}", text(&o));
    assert_eq!(common::psql(&dst, "SELECT count(*) FROM items").trim(), "300");

    let o = dbn(&sb, &["job", "history", "nightly", "--json"]);
    let runs: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(runs.as_array().unwrap().len(), 2, "{runs}");
    assert_eq!(runs[0]["status"], "success");
    assert_eq!(runs[0]["counts"]["tables"][0]["applied"]["inserted"], 10);
    assert_eq!(runs[1]["counts"]["tables"][0]["planned"]["insert"], 10);
    assert!(runs[0]["duration_ms"].as_i64().is_some());

    let o = dbn(&sb, &["job", "remove", "nightly"]);
    assert!(o.status.success(), "{}", text(&o));
    let o = dbn(&sb, &["job", "run", "nightly"]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("job 'nightly' not found"),
        "{}",
        text(&o)
    );
}

#[test]
fn killed_sync_into_mariadb_resumes_and_converges() {
    let Some(src) = common::fresh_pg_db("dscli_ks") else {
        return;
    };
    let Some(dst) = common::fresh_mysql_db("dscli_kt") else {
        return;
    };
    common::psql(
        &src,
        "CREATE TABLE items (id int PRIMARY KEY, name text, price numeric(10,2), updated_at timestamptz);
         INSERT INTO items SELECT g, repeat('y', 200) || g, g / 4.0, '2024-01-01 00:00+02' FROM generate_series(1, 40000) g",
    );
    common::mysql(
        &dst,
        "CREATE TABLE items (id INT PRIMARY KEY, name TEXT, price DECIMAL(10,2), updated_at DATETIME(6))",
    );
    let sb = Sandbox::new();
    add_conn(&sb, "src", &src, &[]);
    add_conn(&sb, "maria", &dst, &[]);
    let count = || -> i64 {
        common::mysql(&dst, "SELECT count(*) FROM items")
            .trim()
            .parse()
            .unwrap()
    };
    let mut child = sb
        .cmd()
        .args([
            "sync",
            "data",
            "-s",
            "src",
            "-t",
            "maria",
            "--table",
            "items",
            "--apply",
            "--batch-size",
            "100",
        ])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let started = Instant::now();
    while count() < 1000 {
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "sync never started writing"
        );
        assert!(
            child.try_wait().unwrap().is_none(),
            "sync finished before it could be killed"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let partial = count();
    assert!(partial < 40000 && partial % 100 == 0, "{partial}");
    let o = dbn(
        &sb,
        &[
            "sync", "data", "-s", "src", "-t", "maria", "--table", "items", "--apply",
        ],
    );
    assert!(o.status.success(), "{}", text(&o));
    assert!(
        String::from_utf8_lossy(&o.stdout).contains(&format!("insert {}", 40000 - partial)),
        "{}",
        text(&o)
    );
    assert_eq!(count(), 40000);
    let o = dbn(
        &sb,
        &["diff", "data", "-s", "src", "-t", "maria", "--table", "items", "--json"],
    );
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["identical"], true, "{}", text(&o));
    assert_eq!(v["stats"]["method"], "merge-join");
    assert_eq!(
        common::mysql(&dst, "SELECT updated_at FROM items WHERE id = 1").trim(),
        "2023-12-31 22:00:00.000000"
    );
}
