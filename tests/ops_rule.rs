//! The one confirmation rule from the real binary: unlocks belong to a
//! database and end when the connection changes, making a prod connection
//! writable needs the typed name, audit failures send nothing, and a write
//! killed mid-flight leaves an `unknown` audit entry.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{Sandbox, fresh_pg_db, psql};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

fn text(o: &Output) -> String {
    format!(
        "exit {:?}\nstdout: {}\nstderr: {}",
        o.status.code(),
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn run(mut c: Command) -> Output {
    c.stdin(Stdio::null()).output().expect("run dbn")
}

fn dbn(s: &Sandbox, args: &[&str]) -> Output {
    let mut c = s.cmd();
    c.args(args);
    run(c)
}

fn sqlite_file(s: &Sandbox, name: &str) -> String {
    let path = s.dir.path().join(name);
    let c = rusqlite::Connection::open(&path).unwrap();
    c.execute_batch("CREATE TABLE t (id int PRIMARY KEY, v int); INSERT INTO t VALUES (1, 10), (2, 20);")
        .unwrap();
    format!("sqlite://{}", path.display())
}

fn value(url: &str, id: i64) -> i64 {
    let path = url.trim_start_matches("sqlite://");
    let c = rusqlite::Connection::open(path).unwrap();
    c.query_row("SELECT v FROM t WHERE id = ?1", [id], |r| r.get(0))
        .unwrap()
}

fn audit(s: &Sandbox) -> Vec<serde_json::Value> {
    let out = dbn(s, &["audit", "--json"]);
    assert!(out.status.success(), "{}", text(&out));
    serde_json::from_slice::<serde_json::Value>(&out.stdout)
        .unwrap()
        .as_array()
        .unwrap()
        .clone()
}

fn update(s: &Sandbox, conn: &str, v: i64) -> Output {
    dbn(
        s,
        &[
            "query",
            "--conn",
            conn,
            "--sql",
            &format!("UPDATE t SET v = {v} WHERE id = 1"),
        ],
    )
}

#[test]
fn unlocks_belong_to_the_database_and_end_when_the_connection_changes() {
    let s = Sandbox::new();
    let a = sqlite_file(&s, "a.db");
    let b = sqlite_file(&s, "b.db");
    for (name, url) in [("prod", &a), ("alias", &a)] {
        let out = dbn(&s, &["connect", "add", name, "--tag", "prod", "--url", url]);
        assert!(out.status.success(), "{}", text(&out));
    }
    let out = dbn(&s, &["unlock", "--conn", "prod", "--minutes", "5", "--confirm", "prod"]);
    assert!(out.status.success(), "{}", text(&out));
    // The unlock belongs to the database: another name for it shares it.
    let out = update(&s, "alias", 11);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(value(&a, 1), 11);
    let out = dbn(&s, &["unlock", "--json"]);
    let list: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(list["unlocks"].as_array().unwrap().len(), 1, "{list}");

    // Pointing the connection at another database ends the unlock (audited):
    // that database was never unlocked.
    let out = dbn(&s, &["connect", "edit", "prod", "--url", &b]);
    assert!(out.status.success(), "{}", text(&out));
    let out = update(&s, "prod", 12);
    assert_eq!(out.status.code(), Some(4), "{}", text(&out));
    assert_eq!(value(&b, 1), 10);
    let out = update(&s, "alias", 12);
    assert_eq!(
        out.status.code(),
        Some(4),
        "the unlock ended for every name: {}",
        text(&out)
    );
    let log = audit(&s);
    assert!(
        log.iter().any(|e| e["action"] == "lock"
            && e["detail"]
                .as_str()
                .is_some_and(|d| d.contains("connection 'prod' changed"))),
        "{log:#?}"
    );

    // Making a prod connection writable needs its name, and is audited.
    let out = dbn(&s, &["connect", "edit", "prod", "--read-write"]);
    assert_eq!(out.status.code(), Some(4), "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("--confirm prod"),
        "{}",
        text(&out)
    );
    assert_eq!(update(&s, "prod", 13).status.code(), Some(4), "still read-only");
    let out = dbn(&s, &["connect", "edit", "alias", "--tag", "dev", "--confirm", "wrong"]);
    assert_eq!(out.status.code(), Some(4), "{}", text(&out));
    let out = dbn(&s, &["connect", "edit", "prod", "--read-write", "--confirm", "prod"]);
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(update(&s, "prod", 13).status.code(), Some(0));
    assert_eq!(value(&b, 1), 13);
    let log = audit(&s);
    let edit = log
        .iter()
        .find(|e| e["action"] == "connection" && e["outcome"] == "ok")
        .unwrap_or_else(|| panic!("no audit entry for the edit: {log:#?}"));
    assert_eq!(edit["confirmed_by"], "--confirm prod", "{edit}");
    assert!(
        log.iter()
            .any(|e| e["action"] == "connection" && e["outcome"].as_str().is_some_and(|o| o.starts_with("refused"))),
        "{log:#?}"
    );

    // `dbn unlock --end` ends a timed unlock early.
    let out = dbn(
        &s,
        &["unlock", "--conn", "alias", "--minutes", "5", "--confirm", "alias"],
    );
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(update(&s, "alias", 14).status.code(), Some(0));
    let out = dbn(&s, &["unlock", "--end"]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("Ended the unlock"),
        "{}",
        text(&out)
    );
    assert_eq!(update(&s, "alias", 15).status.code(), Some(4));
    assert_eq!(value(&a, 1), 14);
}

#[test]
fn confirm_flag_is_the_unlock_for_one_command_and_never_the_drop() {
    let s = Sandbox::new();
    let a = sqlite_file(&s, "a.db");
    let out = dbn(&s, &["connect", "add", "prod", "--tag", "prod", "--url", &a]);
    assert!(out.status.success(), "{}", text(&out));
    // `--confirm NAME` alone answers the unlock for this command...
    let out = dbn(
        &s,
        &[
            "query",
            "--conn",
            "prod",
            "--confirm",
            "prod",
            "--sql",
            "UPDATE t SET v = 5 WHERE id = 1",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(value(&a, 1), 5);
    // ...and only for it.
    assert_eq!(update(&s, "prod", 6).status.code(), Some(4));
    // A timed unlock never covers UPDATE without WHERE.
    let out = dbn(&s, &["unlock", "--conn", "prod", "--minutes", "5", "--confirm", "prod"]);
    assert!(out.status.success(), "{}", text(&out));
    let out = dbn(&s, &["query", "--conn", "prod", "--sql", "UPDATE t SET v = 0"]);
    assert_eq!(out.status.code(), Some(4), "{}", text(&out));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--allow-unbounded"));
    let log = audit(&s);
    let w = log
        .iter()
        .find(|e| e["action"] == "write" && e["outcome"] == "ok")
        .unwrap_or_else(|| panic!("{log:#?}"));
    assert_eq!(w["face"], "cli", "{w}");
    assert!(
        w["unlock"]
            .as_str()
            .is_some_and(|u| u.starts_with("this command (--confirm prod")),
        "which unlock allowed it: {w}"
    );
}

#[test]
fn an_audit_log_that_cannot_be_written_sends_nothing() {
    let s = Sandbox::new();
    let a = sqlite_file(&s, "a.db");
    let out = dbn(&s, &["connect", "add", "dev", "--url", &a]);
    assert!(out.status.success(), "{}", text(&out));
    // The audit log starts refusing entries (a full disk, a damaged file).
    let meta = rusqlite::Connection::open(s.ws().join(".dbnexus/metadata.db")).unwrap();
    meta.execute_batch(
        "CREATE TRIGGER broken BEFORE INSERT ON audit_log BEGIN SELECT RAISE(ABORT, 'disk I/O error'); END;",
    )
    .unwrap();
    drop(meta);
    let out = update(&s, "dev", 99);
    assert_eq!(out.status.code(), Some(4), "{}", text(&out));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("audit log cannot be written") && err.contains("nothing was sent"),
        "{err}"
    );
    assert_eq!(value(&a, 1), 10, "the write must not be sent");
    // Reads are not audited and still work.
    let out = dbn(
        &s,
        &[
            "query",
            "--conn",
            "dev",
            "--format",
            "csv",
            "--sql",
            "SELECT v FROM t WHERE id = 2",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("20"));
}

#[test]
fn a_write_killed_in_flight_stays_unknown_in_the_audit_log() {
    let Some(url) = fresh_pg_db("ops_killed") else { return };
    psql(
        &url,
        "CREATE TABLE t (id int PRIMARY KEY, v int); INSERT INTO t VALUES (1, 10)",
    );
    let s = Sandbox::new();
    let out = dbn(&s, &["connect", "add", "dev", "--url", &url]);
    assert!(out.status.success(), "{}", text(&out));
    let mut c = s.cmd();
    c.args([
        "query",
        "--conn",
        "dev",
        "--sql",
        "UPDATE t SET v = 11 WHERE id = 1 AND pg_sleep(60) IS NOT NULL",
    ])
    .stdin(Stdio::null())
    .stdout(Stdio::null())
    .stderr(Stdio::null());
    let mut child = c.spawn().unwrap();
    // Wait until the server runs it: the intent must already be on record.
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let n = psql(
            &url,
            "SELECT count(*) FROM pg_stat_activity WHERE query LIKE 'UPDATE t SET v = 11%' AND state = 'active'",
        );
        if n.trim() == "1" {
            break;
        }
        assert!(Instant::now() < deadline, "the UPDATE never started");
        std::thread::sleep(Duration::from_millis(50));
    }
    child.kill().unwrap();
    let _ = child.wait();
    psql(
        &url,
        "SELECT pg_cancel_backend(pid) FROM pg_stat_activity WHERE query LIKE 'UPDATE t SET v = 11%'",
    );
    let log = audit(&s);
    let w = log
        .iter()
        .find(|e| e["action"] == "write")
        .unwrap_or_else(|| panic!("the intent was not recorded before sending: {log:#?}"));
    assert_eq!(w["outcome"], "unknown", "{w}");
    assert!(w["statement"].as_str().unwrap().contains("pg_sleep"), "{w}");
}

fn columns(url: &str) -> Vec<String> {
    let path = url.trim_start_matches("sqlite://");
    let c = rusqlite::Connection::open(path).unwrap();
    c.prepare("SELECT name FROM pragma_table_info('t') ORDER BY cid")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

/// Issue 12.3: `dbn sync schema --apply --confirm prod` (the example in its
/// own --help) was refused on a default (read-only) prod connection while
/// other commands accepted the same confirmation. One rule: `--confirm
/// NAME` is the unlock for this command and the migration's typed name.
#[test]
fn sync_schema_apply_takes_the_same_confirmation_as_every_command() {
    let s = Sandbox::new();
    let src = sqlite_file(&s, "src.db");
    let prod = sqlite_file(&s, "prod.db");
    rusqlite::Connection::open(src.trim_start_matches("sqlite://"))
        .unwrap()
        .execute_batch("ALTER TABLE t ADD COLUMN note text")
        .unwrap();
    for (name, url, tag) in [("staging", &src, "dev"), ("prod", &prod, "prod")] {
        let out = dbn(&s, &["connect", "add", name, "--tag", tag, "--url", url]);
        assert!(out.status.success(), "{}", text(&out));
    }
    let args = ["sync", "schema", "--source", "staging", "--target", "prod", "--apply"];
    // Nobody to ask and no --confirm: refused, nothing sent.
    let out = dbn(&s, &args);
    assert_eq!(out.status.code(), Some(4), "{}", text(&out));
    assert_eq!(columns(&prod), ["id", "v"]);
    let out = dbn(&s, &[&args[..], &["--confirm", "prod"]].concat());
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(columns(&prod), ["id", "v", "note"]);
    let log = audit(&s);
    let m = log
        .iter()
        .find(|e| e["action"] == "migration" && e["outcome"] == "ok")
        .unwrap_or_else(|| panic!("no migration entry: {log:#?}"));
    assert_eq!(m["face"], "cli", "{m}");
    assert!(
        m["unlock"].as_str().is_some_and(|u| u.contains("--confirm prod")),
        "{m}"
    );
    assert!(
        log.iter()
            .any(|e| e["action"] == "migration" && e["outcome"].as_str().is_some_and(|o| o.starts_with("refused"))),
        "{log:#?}"
    );
}

/// Issues 12.3 and 12.7: a schema job ran `dbn sync schema --confirm` as a
/// child process, so under a timed unlock `job run --apply` migrated a
/// read-only prod target with no confirmation and audited it as `--confirm`.
/// Now the job runs the migration in-process through the same rule.
#[test]
fn a_schema_job_never_bypasses_the_rule_and_runs_in_process() {
    let s = Sandbox::new();
    let src = sqlite_file(&s, "src.db");
    let prod = sqlite_file(&s, "prod.db");
    rusqlite::Connection::open(src.trim_start_matches("sqlite://"))
        .unwrap()
        .execute_batch("ALTER TABLE t ADD COLUMN note text")
        .unwrap();
    for (name, url, tag) in [("staging", &src, "dev"), ("prod", &prod, "prod")] {
        let out = dbn(&s, &["connect", "add", name, "--tag", tag, "--url", url]);
        assert!(out.status.success(), "{}", text(&out));
    }
    let out = dbn(
        &s,
        &[
            "job", "add", "promote", "--kind", "schema", "-s", "staging", "-t", "prod",
        ],
    );
    assert!(out.status.success(), "{}", text(&out));
    let out = dbn(&s, &["unlock", "--conn", "prod", "--minutes", "5", "--confirm", "prod"]);
    assert!(out.status.success(), "{}", text(&out));
    // The timed unlock covers the write, never the migration's own confirmation.
    let out = dbn(&s, &["job", "run", "promote", "--apply"]);
    assert_eq!(out.status.code(), Some(4), "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("--confirm prod"),
        "{}",
        text(&out)
    );
    assert_eq!(columns(&prod), ["id", "v"]);
    // A preview plans in-process and writes nothing.
    let out = dbn(&s, &["job", "run", "promote", "--json"]);
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(columns(&prod), ["id", "v"]);
    let out = dbn(&s, &["job", "run", "promote", "--apply", "--confirm", "prod"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(columns(&prod), ["id", "v", "note"]);
    let out = dbn(&s, &["job", "history", "promote", "--json"]);
    let runs: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(runs[0]["status"], "success", "{runs}");
    // In-process: the run reports the migration's own counts, not a child's exit code and output.
    assert_eq!(runs[0]["counts"]["applied"], runs[0]["counts"]["statements"], "{runs}");
    assert!(runs[0]["counts"].get("exit_code").is_none(), "{runs}");
    assert_eq!(runs[0]["counts"]["verified_empty_diff"], true, "{runs}");
    assert_eq!(runs[1]["counts"]["applied"], false, "{runs}");
    let log = audit(&s);
    let m = log
        .iter()
        .find(|e| e["action"] == "migration" && e["outcome"] == "ok")
        .unwrap_or_else(|| panic!("no migration entry: {log:#?}"));
    assert_eq!(m["face"], "job", "{m}");
    let confirmed = m["confirmed_by"].as_str().unwrap();
    // --confirm answers every question of the command (the unlock included).
    assert!(confirmed.contains("--confirm prod"), "who confirmed: {m}");
    assert!(
        m["unlock"].as_str().is_some_and(|u| u.contains("--confirm prod")),
        "which unlock allowed it: {m}"
    );
}

/// A schema job calls a migration verified only as `dbn sync schema
/// --apply` does: when the target is left with a difference dbn does not
/// migrate (Postgres column order), the run fails with the same verdict
/// (exit 1, `SCHEMA_NOT_VERIFIED`) instead of reporting success.
#[test]
fn a_schema_job_is_not_verified_over_what_it_left_different() {
    let Some(src) = fresh_pg_db("jobv_s") else { return };
    let dst = fresh_pg_db("jobv_t").unwrap();
    psql(&src, "CREATE TABLE t (id int PRIMARY KEY, x int, y int, z int)");
    psql(&dst, "CREATE TABLE t (id int PRIMARY KEY, y int, x int)");
    let s = Sandbox::new();
    for (name, url) in [("src", &src), ("dst", &dst)] {
        let out = dbn(&s, &["connect", "add", name, "--tag", "dev", "--url", url]);
        assert!(out.status.success(), "{}", text(&out));
    }
    let out = dbn(&s, &["job", "add", "v", "--kind", "schema", "-s", "src", "-t", "dst"]);
    assert!(out.status.success(), "{}", text(&out));
    let out = dbn(&s, &["job", "run", "v", "--apply", "--confirm", "dst", "--json"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let summary = String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .find(|e| e["event"] == "finished")
        .unwrap()["summary"]
        .clone();
    assert_eq!(summary["code"], "SCHEMA_NOT_VERIFIED", "{summary}");
    assert_eq!(summary["counts"]["verified_empty_diff"], false, "{summary}");
    assert_eq!(
        summary["counts"]["applied"], summary["counts"]["statements"],
        "{summary}"
    );
    assert!(
        summary["error"].as_str().is_some_and(|e| e.contains("Not verified")),
        "{summary}"
    );
    for url in [&src, &dst] {
        common::drop_test_database(dbn::db::Engine::Postgres, &common::database_of(url).unwrap());
    }
}
