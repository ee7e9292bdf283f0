//! `dbn activity` from the built binary: the JSON document's stable shape,
//! the text report with the root blocker first, `--watch` as JSON Lines,
//! SQLite's plain answer, and clear errors.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::Sandbox;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Keys of the top-level document, in order: a script's contract.
const TOP_KEYS: &[&str] = &[
    "version",
    "connection",
    "engine",
    "supported",
    "server_version",
    "collected_at",
    "own_session",
    "sessions",
    "blocking",
    "health",
    "top",
    "notes",
    "collector",
];

const SESSION_KEYS: &[&str] = &[
    "id",
    "user",
    "database",
    "client",
    "application",
    "kind",
    "state",
    "idle_in_transaction",
    "transaction_age_s",
    "statement_age_s",
    "session_age_s",
    "wait",
    "waiting_for",
    "blocked_by",
    "query",
];

const HEALTH_KEYS: &[&str] = &[
    "connections",
    "max_connections",
    "xid_age",
    "xid_wraparound_remaining",
    "xid_oldest_database",
    "history_list_length",
    "longest_transaction",
    "cache_hit_ratio",
    "in_recovery",
    "standby_lag_s",
    "replicas",
];

fn keys(v: &serde_json::Value) -> Vec<String> {
    v.as_object().unwrap().keys().cloned().collect()
}

fn json(cmd: &mut Command) -> serde_json::Value {
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "exit {:?}: {}",
        out.status.code(),
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stdout)))
}

/// A transaction left open, seen by the activity of another session.
fn idle_in_transaction(url: &str) -> Child {
    let bin = std::env::var("DBN_TEST_PG_BIN")
        .map(|b| format!("{b}/psql"))
        .unwrap_or_else(|_| "psql".into());
    let mut child = Command::new(bin)
        .args([url, "-qAtX", "-v", "ON_ERROR_STOP=1"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    let stdin = child.stdin.as_mut().unwrap();
    stdin
        .write_all(b"BEGIN;\nUPDATE t SET v = v + 1 WHERE id = 1;\n\\echo ready\n")
        .unwrap();
    stdin.flush().unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.as_mut().unwrap())
        .read_line(&mut line)
        .unwrap();
    assert_eq!(line.trim(), "ready");
    child
}

#[test]
fn json_document_is_stable_and_flags_idle_in_transaction() {
    let Some(url) = common::fresh_pg_db("act_cli") else {
        return;
    };
    common::psql(
        &url,
        "CREATE TABLE t (id int PRIMARY KEY, v int); INSERT INTO t VALUES (1, 0)",
    );
    let mut holder = idle_in_transaction(&url);
    let s = Sandbox::new();
    let doc = json(s.cmd().args(["activity", "--url", &url, "--json"]));
    holder.kill().unwrap();
    let _ = holder.wait();
    assert_eq!(keys(&doc), TOP_KEYS);
    assert_eq!(doc["version"], 1);
    assert_eq!(doc["engine"], "postgres");
    assert_eq!(doc["supported"], true);
    assert_eq!(keys(&doc["health"]), HEALTH_KEYS);
    assert_eq!(keys(&doc["top"]), ["source", "hint", "statements"]);
    assert_eq!(keys(&doc["collector"]), ["queries", "elapsed_ms"]);
    let sessions = doc["sessions"].as_array().unwrap();
    let idle = sessions
        .iter()
        .find(|s| s["query"].as_str().is_some_and(|q| q.contains("UPDATE t SET v")))
        .unwrap_or_else(|| panic!("{doc:#}"));
    assert_eq!(keys(idle), SESSION_KEYS);
    assert_eq!(idle["state"], "idle in transaction");
    assert_eq!(idle["idle_in_transaction"], true);
    assert!(idle["transaction_age_s"].as_f64().unwrap() >= 0.0);
    assert!(doc["collector"]["queries"].as_u64().unwrap() <= 4);
}

#[test]
fn text_report_and_watch_as_json_lines() {
    let Some(url) = common::fresh_pg_db("act_cli") else {
        return;
    };
    common::psql(
        &url,
        "CREATE TABLE t (id int PRIMARY KEY, v int); INSERT INTO t VALUES (1, 0)",
    );
    let mut holder = idle_in_transaction(&url);
    let s = Sandbox::new();
    let out = s.cmd().args(["activity", "--url", &url]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("health: connections"), "{text}");
    assert!(text.contains("SESSIONS ("), "{text}");
    let line = text.lines().find(|l| l.contains("UPDATE t SET v")).unwrap();
    assert!(line.starts_with('!') && line.contains("idle in transaction"), "{line}");

    let mut watch = s
        .cmd()
        .args(["activity", "--url", &url, "--json", "--watch", "0.5"])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(watch.stdout.take().unwrap()).lines();
    let started = Instant::now();
    let first: serde_json::Value = serde_json::from_str(&lines.next().unwrap().unwrap()).unwrap();
    let second: serde_json::Value = serde_json::from_str(&lines.next().unwrap().unwrap()).unwrap();
    assert!(started.elapsed() >= Duration::from_millis(400), "refreshes are spaced");
    assert_ne!(first["collected_at"], second["collected_at"]);
    // Ctrl-C ends a watch normally.
    let pid = watch.id() as i32;
    assert_eq!(unsafe_free_kill(pid), 0);
    let status = watch.wait().unwrap();
    assert_eq!(status.code(), Some(0), "{status:?}");
    holder.kill().unwrap();
    let _ = holder.wait();
}

/// SIGINT through the `kill` command (no unsafe code in tests either).
fn unsafe_free_kill(pid: i32) -> i32 {
    Command::new("kill")
        .args(["-INT", &pid.to_string()])
        .status()
        .unwrap()
        .code()
        .unwrap_or(-1)
}

#[test]
fn mariadb_report_and_sqlite_plain_answer() {
    let s = Sandbox::new();
    if let Some(url) = common::fresh_mysql_db("act_cli") {
        let doc = json(s.cmd().args(["activity", "--url", &url, "--json"]));
        assert_eq!(doc["engine"], "mysql");
        assert!(doc["health"]["max_connections"].as_u64().unwrap() > 0);
        assert!(doc["health"]["xid_age"].is_null());
    }
    let db = s.ws().join("local.db");
    std::fs::write(&db, b"").unwrap();
    let url = format!("sqlite://{}", db.display());
    let out = s.cmd().args(["activity", "--url", &url]).output().unwrap();
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("SQLite has no server activity"));
    let doc = json(s.cmd().args(["activity", "--url", &url, "--json"]));
    assert_eq!(doc["supported"], false);
    assert_eq!(doc["engine"], "sqlite");
}

#[test]
fn bad_input_is_a_clear_error() {
    let s = Sandbox::new();
    let out = s.cmd().args(["activity", "--conn", "nope"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", String::from_utf8_lossy(&out.stderr));
    let out = s
        .cmd()
        .args(["activity", "--url", "postgres://u@127.0.0.1:1/x", "--watch", "0.1"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("0.5 to 86400"));
    let out = s
        .cmd()
        .args(["activity", "--url", "postgres://u@127.0.0.1:1/x?connect_timeout=2"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3), "{}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn cancel_on_prod_is_refused_without_the_unlock_then_sent_and_audited() {
    let Some(url) = common::fresh_pg_db("act_cli") else {
        return;
    };
    let s = Sandbox::new();
    let out = s
        .cmd()
        .args([
            "connect",
            "add",
            "prodpg",
            "--url",
            &url,
            "--tag",
            "prod",
            "--no-password",
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let bin = std::env::var("DBN_TEST_PG_BIN")
        .map(|b| format!("{b}/psql"))
        .unwrap_or_else(|_| "psql".into());
    let mut sleeper = Command::new(bin)
        .args([url.as_str(), "-qAtX"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    {
        use std::io::Write;
        let mut stdin = sleeper.stdin.take().unwrap();
        stdin
            .write_all(b"SELECT pg_backend_pid();\nSELECT pg_sleep(120) AS act_cli_cancel;\n")
            .unwrap();
    }
    let mut pid = String::new();
    BufReader::new(sleeper.stdout.take().unwrap())
        .read_line(&mut pid)
        .unwrap();
    let pid = pid.trim().to_string();
    // Wait until the sleep runs, so the confirmation can name it.
    let deadline = Instant::now() + Duration::from_secs(20);
    while !common::psql(
        &url,
        &format!("SELECT count(*) FROM pg_stat_activity WHERE pid = {pid} AND query LIKE '%act_cli_cancel%'"),
    )
    .starts_with('1')
    {
        assert!(Instant::now() < deadline, "the sleep never started");
        std::thread::sleep(Duration::from_millis(50));
    }

    let out = s
        .cmd()
        .args(["activity", "cancel", &pid, "--conn", "prodpg"])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(4), "{err}");
    assert!(
        err.contains("SAFETY_READ_ONLY") && err.contains("--unlock-writes"),
        "{err}"
    );
    assert!(sleeper.try_wait().unwrap().is_none(), "a refused cancel sends nothing");

    let out = s
        .cmd()
        .args([
            "activity",
            "cancel",
            &pid,
            "--conn",
            "prodpg",
            "--unlock-writes",
            "--confirm",
            "prodpg",
        ])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(text.contains(&format!("cancel sent to session {pid}")), "{text}");
    assert!(text.contains("act_cli_cancel"), "names the statement: {text}");
    let deadline = Instant::now() + Duration::from_secs(20);
    while sleeper.try_wait().unwrap().is_none() {
        assert!(Instant::now() < deadline, "the statement was not cancelled");
        std::thread::sleep(Duration::from_millis(50));
    }
    let mut stderr = String::new();
    std::io::Read::read_to_string(&mut sleeper.stderr.take().unwrap(), &mut stderr).unwrap();
    assert!(stderr.contains("canceling statement due to user request"), "{stderr}");

    let audit = json(s.cmd().args(["audit", "--json", "--conn", "prodpg"]));
    let entries = audit.as_array().unwrap();
    let statement = format!("SELECT pg_catalog.pg_cancel_backend({pid})");
    let refused = entries
        .iter()
        .find(|e| e["action"] == "blocked")
        .unwrap_or_else(|| panic!("{audit:#}"));
    assert_eq!(refused["statement"], statement.as_str());
    assert!(refused["outcome"].as_str().unwrap().contains("SAFETY_READ_ONLY"));
    let write = entries
        .iter()
        .find(|e| e["action"] == "write")
        .unwrap_or_else(|| panic!("{audit:#}"));
    assert_eq!(write["statement"], statement.as_str());
    assert_eq!(write["outcome"], "ok");
    assert_eq!(write["face"], "cli");
    assert!(write["detail"].as_str().unwrap().contains("act_cli_cancel"), "{write}");

    // A session that is gone, a bad id, SQLite: clear errors, nothing sent.
    let out = s
        .cmd()
        .args([
            "activity",
            "cancel",
            &pid,
            "--conn",
            "prodpg",
            "--unlock-writes",
            "--confirm",
            "prodpg",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stderr).contains(&format!("no session {pid}")));
    let out = s
        .cmd()
        .args(["activity", "terminate", "1;DROP TABLE t", "--conn", "prodpg"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}
