//! Backup schedules through the real binary: add/list/remove, run-due runs
//! what is due exactly once, applies retention, and respects the lock.

mod backup_support;
mod common;

use backup_support::*;
use common::Sandbox;

fn backdate(s: &Sandbox, sql: &str) {
    let c = rusqlite::Connection::open(s.ws().join(".dbnexus/metadata.db")).unwrap();
    c.execute_batch(sql).unwrap();
}

#[test]
fn run_due_is_idempotent_keeps_n_and_respects_the_lock() {
    let s = Sandbox::new();
    let c = rusqlite::Connection::open(s.ws().join("a.db")).unwrap();
    c.execute_batch("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT); INSERT INTO t VALUES (1, 'a'), (2, 'b');")
        .unwrap();
    add_conn(&s, "a", "sqlite:a.db", &[]);

    let bad = dbn(&s, &["backup", "schedule", "add", "--conn", "a", "--daily", "25:00"]);
    assert_eq!(bad.status.code(), Some(2), "{}", err_text(&bad));
    assert!(err_text(&bad).contains("25:00"));
    ok(
        &s,
        &[
            "backup", "schedule", "add", "--conn", "a", "--daily", "00:00", "--keep", "1",
        ],
    );
    ok(
        &s,
        &["backup", "schedule", "add", "--conn", "a", "--weekly", "sun", "03:00"],
    );
    let list = ok(&s, &["backup", "schedule", "list", "--json"]);
    assert_eq!(list.as_array().unwrap().len(), 2);
    assert_eq!(list[1]["spec"], "weekly sun 03:00");
    ok(&s, &["backup", "schedule", "remove", "2"]);

    // Just created: the first firing is still ahead, nothing is due.
    let out = dbn(&s, &["backup", "run-due"]);
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("nothing due"));

    // Created long ago and never run: due now, once.
    backdate(
        &s,
        "UPDATE backup_schedules SET created_at = '2020-01-01T00:00:00.000Z'",
    );
    ok(&s, &["backup", "run-due"]);
    assert_eq!(ok(&s, &["backup", "list", "--json"]).as_array().unwrap().len(), 1);
    let again = dbn(&s, &["backup", "run-due"]);
    assert!(String::from_utf8_lossy(&again.stdout).contains("nothing due"));
    assert_eq!(ok(&s, &["backup", "list", "--json"]).as_array().unwrap().len(), 1);

    // Due again (last run long ago): a new backup, and --keep 1 removes the old one.
    let first = ok(&s, &["backup", "list", "--json"])[0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    std::thread::sleep(std::time::Duration::from_millis(1100));
    backdate(
        &s,
        "UPDATE backup_schedules SET last_run_at = '2020-01-02T00:00:00.000Z'",
    );
    ok(&s, &["backup", "run-due"]);
    let after = ok(&s, &["backup", "list", "--json"]);
    assert_eq!(after.as_array().unwrap().len(), 1, "{after}");
    assert_ne!(after[0]["id"].as_str().unwrap(), first);
    assert_eq!(after[0]["label"], "scheduled");

    // A live lock holder: run-due does nothing and says so.
    backdate(
        &s,
        "UPDATE backup_schedules SET last_run_at = '2020-01-02T00:00:00.000Z'",
    );
    let lock = s.ws().join(".dbnexus/snapshots/run-due.lock");
    std::fs::write(&lock, std::process::id().to_string()).unwrap();
    let locked = dbn(&s, &["backup", "run-due"]);
    assert!(locked.status.success());
    assert!(err_text(&locked).contains("another"), "{}", err_text(&locked));
    assert_eq!(ok(&s, &["backup", "list", "--json"])[0]["id"], after[0]["id"]);
    // A stale lock (dead pid) is taken over.
    std::fs::write(&lock, "999999999").unwrap();
    ok(&s, &["backup", "run-due"]);
    assert!(!lock.exists());

    let install = ok(&s, &["backup", "schedule", "install"]);
    assert!(install.is_null());
    let text = String::from_utf8_lossy(&dbn(&s, &["backup", "schedule", "install"]).stdout).into_owned();
    assert!(
        text.contains("*/5 * * * *") && text.contains("[Timer]") && text.contains("backup run-due"),
        "{text}"
    );
}

/// The printed cron line works as cron runs it: no terminal, an empty
/// environment, the secret store opened from the env file it names.
#[test]
fn the_cron_line_runs_headless() {
    let s = Sandbox::new();
    let c = rusqlite::Connection::open(s.ws().join("a.db")).unwrap();
    c.execute_batch("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT); INSERT INTO t VALUES (1, 'a');")
        .unwrap();
    add_conn(&s, "a", "sqlite:a.db", &[]);
    // A first backup creates the key in the (file) secret store.
    create(&s, "a");
    ok(&s, &["backup", "schedule", "add", "--conn", "a", "--daily", "00:00"]);
    backdate(
        &s,
        "UPDATE backup_schedules SET created_at = '2020-01-01T00:00:00.000Z'",
    );
    let text = String::from_utf8_lossy(&dbn(&s, &["backup", "schedule", "install"]).stdout).into_owned();
    assert!(text.contains("DBN_MASTER_PASSWORD="), "{text}");
    let line = text.lines().find(|l| l.starts_with("*/5 * * * *")).unwrap();
    let command = line.trim_start_matches("*/5 * * * *").trim();
    let home = s.dir.path().join("home");
    let env_file = home.join(".config/dbn/run-due.env");
    assert!(command.contains(env_file.to_str().unwrap()), "{command}");
    std::fs::create_dir_all(env_file.parent().unwrap()).unwrap();
    std::fs::write(
        &env_file,
        "DBN_SECRETS_BACKEND=file\nDBN_MASTER_PASSWORD=test-master-passphrase\n",
    )
    .unwrap();
    let out = std::process::Command::new("/bin/sh")
        .arg("-c")
        .arg(command)
        .env_clear()
        .env("HOME", &home)
        .env("XDG_DATA_HOME", home.join("data"))
        .env("XDG_CONFIG_HOME", home.join("config"))
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    let log = std::fs::read_to_string(s.ws().join(".dbnexus/logs/run-due.log")).unwrap_or_default();
    assert!(out.status.success(), "{}\n{log}", err_text(&out));
    assert_eq!(
        ok(&s, &["backup", "list", "--json"]).as_array().unwrap().len(),
        2,
        "{log}"
    );
}
