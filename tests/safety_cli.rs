//! Safety guardrails end to end: the real `dbn` binary against real
//! Postgres, MariaDB and SQLite, with prod-tagged (read-only) connections.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{Sandbox, fresh_mysql_db, fresh_pg_db, mysql, psql};
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

/// Run with stdin that is not a terminal and never sends anything: a
/// command that tried to prompt would hang, so a deadline proves it did not.
fn run_no_tty(mut cmd: Command) -> Output {
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn dbn");
    let _held_open = child.stdin.take();
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if child.try_wait().expect("wait").is_some() {
            return child.wait_with_output().expect("output");
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("dbn did not exit within 60 s with a silent, open stdin: it must refuse, not prompt");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// One engine under test: how to reach it and how to read a value back
/// without going through dbn.
struct Db {
    url: String,
    read: Box<dyn Fn(&str) -> String>,
    sandbox: Sandbox,
    name: &'static str,
    /// Counts tables named `scratch` (1 while it exists).
    scratch_exists: &'static str,
    /// A read that reports whether the session is read-only (server side).
    ro_probe: Option<(&'static str, &'static str, &'static str)>,
}

impl Db {
    fn query(&self, sql: &str, extra: &[&str]) -> Output {
        let mut c = self.sandbox.cmd();
        c.args(["query", "--conn", self.name, "--format", "csv", "--sql", sql])
            .args(extra);
        run_no_tty(c)
    }

    fn audit(&self) -> Vec<serde_json::Value> {
        let out = self
            .sandbox
            .cmd()
            .args(["audit", "--conn", self.name, "--since", "1h", "--json"])
            .stdin(Stdio::null())
            .output()
            .expect("dbn audit");
        assert!(out.status.success(), "{}", text(&out));
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("audit --json is JSON");
        v.as_array().cloned().expect("a JSON array")
    }
}

fn add_prod(s: &Sandbox, name: &str, url: &str) {
    let out = s
        .cmd()
        .args(["connect", "add", name, "--tag", "prod", "--url", url])
        .stdin(Stdio::null())
        .output()
        .expect("connect add");
    assert!(out.status.success(), "{}", text(&out));
}

fn pg() -> Option<Db> {
    let url = fresh_pg_db("safety_cli")?;
    psql(
        &url,
        "CREATE TABLE acct (id int PRIMARY KEY, bal int); INSERT INTO acct VALUES (1, 10), (2, 20); CREATE TABLE scratch (x int)",
    );
    let s = Sandbox::new();
    add_prod(&s, "prod-pg", &url);
    let u = url.clone();
    Some(Db {
        url,
        read: Box::new(move |sql| psql(&u, sql).trim().to_string()),
        sandbox: s,
        name: "prod-pg",
        scratch_exists: "SELECT count(*) FROM information_schema.tables WHERE table_name = 'scratch'",
        ro_probe: Some(("SELECT current_setting('transaction_read_only') AS ro", "on", "off")),
    })
}

fn my() -> Option<Db> {
    let url = fresh_mysql_db("safety_cli")?;
    mysql(
        &url,
        "CREATE TABLE acct (id int PRIMARY KEY, bal int); INSERT INTO acct VALUES (1, 10), (2, 20); CREATE TABLE scratch (x int)",
    );
    let s = Sandbox::new();
    add_prod(&s, "prod-my", &url);
    let u = url.clone();
    Some(Db {
        url,
        read: Box::new(move |sql| mysql(&u, sql).trim().to_string()),
        sandbox: s,
        name: "prod-my",
        scratch_exists: "SELECT count(*) FROM information_schema.tables WHERE table_schema = database() AND table_name = 'scratch'",
        ro_probe: Some(("SELECT @@tx_read_only AS ro", "1", "0")),
    })
}

fn lite() -> Db {
    let s = Sandbox::new();
    let path = s.dir.path().join("prod.db");
    let c = rusqlite::Connection::open(&path).expect("create sqlite file");
    c.execute_batch("CREATE TABLE acct (id int PRIMARY KEY, bal int); INSERT INTO acct VALUES (1, 10), (2, 20); CREATE TABLE scratch (x int)")
        .expect("seed sqlite");
    drop(c);
    let url = format!("sqlite://{}", path.display());
    add_prod(&s, "prod-lite", &url);
    let p = path.clone();
    Db {
        url,
        read: Box::new(move |sql| {
            let c = rusqlite::Connection::open(&p).expect("open sqlite");
            c.query_row(sql, [], |r| r.get::<_, i64>(0))
                .map(|v| v.to_string())
                .unwrap_or_else(|e| format!("error: {e}"))
        }),
        sandbox: s,
        name: "prod-lite",
        scratch_exists: "SELECT count(*) FROM sqlite_master WHERE name = 'scratch'",
        ro_probe: None,
    }
}

fn scenario(db: Db) {
    let name = db.name;
    let bal = |db: &Db| (db.read)("SELECT bal FROM acct WHERE id = 1");
    assert!(!db.url.is_empty());

    // 1. A prod connection refuses a write before sending it.
    let out = db.query("UPDATE acct SET bal = 99 WHERE id = 1", &[]);
    assert_eq!(out.status.code(), Some(4), "{}", text(&out));
    let err = String::from_utf8_lossy(&out.stderr).to_string();
    assert!(err.contains("read-only") && err.contains("SAFETY_READ_ONLY"), "{err}");
    assert!(
        err.contains("--unlock-writes") && err.contains(&format!("--confirm {name}")),
        "{err}"
    );
    assert_eq!(bal(&db), "10", "nothing may change on a refused write");

    // A write hidden after a read and a comment in one buffer: nothing runs.
    let out = db.query("SELECT 1; -- x; y\nDELETE FROM acct WHERE id = 2", &[]);
    assert_eq!(out.status.code(), Some(4), "{}", text(&out));
    assert!(
        out.stdout.is_empty(),
        "the leading SELECT must not run either: {}",
        text(&out)
    );

    // Reads still work.
    let out = db.query("SELECT bal FROM acct WHERE id = 2", &[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("20"), "{}", text(&out));

    // The session itself is read-only until unlocked (safety, twice).
    if let Some((probe, locked, unlocked)) = db.ro_probe {
        let out = db.query(probe, &[]);
        assert_eq!(
            String::from_utf8_lossy(&out.stdout),
            format!("ro\n{locked}\n"),
            "{}",
            text(&out)
        );
        let out = db.query(probe, &["--unlock-writes", "--confirm", name]);
        assert_eq!(
            String::from_utf8_lossy(&out.stdout),
            format!("ro\n{unlocked}\n"),
            "{}",
            text(&out)
        );
    }

    // 2. Non-interactive unlock without --confirm: exit 4 at once, no prompt.
    let t0 = Instant::now();
    let out = db.query("UPDATE acct SET bal = 99 WHERE id = 1", &["--unlock-writes"]);
    assert_eq!(out.status.code(), Some(4), "{}", text(&out));
    assert!(t0.elapsed() < Duration::from_secs(30));
    let err = String::from_utf8_lossy(&out.stderr).to_string();
    assert!(
        err.contains("not a terminal") && err.contains(&format!("--confirm {name}")),
        "{err}"
    );
    let out = db.query(
        "UPDATE acct SET bal = 99 WHERE id = 1",
        &["--unlock-writes", "--confirm", "wrong-name"],
    );
    assert_eq!(out.status.code(), Some(4), "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("'wrong-name'"),
        "{}",
        text(&out)
    );
    assert_eq!(bal(&db), "10");

    // 3. Unlock with --confirm NAME works for this invocation only.
    let out = db.query(
        "UPDATE acct SET bal = 11 WHERE id = 1",
        &["--unlock-writes", "--confirm", name],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(bal(&db), "11");
    let out = db.query("UPDATE acct SET bal = 12 WHERE id = 1", &[]);
    assert_eq!(
        out.status.code(),
        Some(4),
        "the unlock must not outlive the command: {}",
        text(&out)
    );
    assert_eq!(bal(&db), "11");

    // 4. UPDATE without WHERE: blocked even when unlocked, unless --allow-unbounded.
    let out = db.query("UPDATE acct SET bal = 0", &["--unlock-writes", "--confirm", name]);
    assert_eq!(out.status.code(), Some(4), "{}", text(&out));
    let err = String::from_utf8_lossy(&out.stderr).to_string();
    assert!(err.contains("--allow-unbounded") && err.contains("WHERE"), "{err}");
    assert_eq!(bal(&db), "11");
    let out = db.query(
        "UPDATE acct SET bal = bal + 1",
        &["--unlock-writes", "--confirm", name, "--allow-unbounded"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(bal(&db), "12");

    // 5. A timed unlock; DROP still needs a confirmation naming the object.
    let out = db.query("SELECT 1", &["--unlock-minutes", "5", "--confirm", name]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let out = db.query("UPDATE acct SET bal = 13 WHERE id = 1", &[]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "timed unlock lasts across commands: {}",
        text(&out)
    );
    assert_eq!(bal(&db), "13");
    let out = db.query("UPDATE acct SET bal = 14 WHERE id = 1", &["--read-only"]);
    assert_eq!(
        out.status.code(),
        Some(4),
        "--read-only beats an active unlock: {}",
        text(&out)
    );
    assert_eq!(bal(&db), "13");
    let out = db.query("DROP TABLE scratch", &[]);
    assert_eq!(out.status.code(), Some(4), "{}", text(&out));
    let err = String::from_utf8_lossy(&out.stderr).to_string();
    assert!(
        err.contains("scratch") && err.contains(&format!("--confirm {name}")),
        "{err}"
    );
    assert_eq!(
        (db.read)("SELECT count(*) FROM scratch"),
        "0",
        "scratch must still exist"
    );
    let out = db.query("DROP TABLE scratch", &["--confirm", name]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!((db.read)(db.scratch_exists), "0", "scratch must be dropped");

    // A write that fails on the server is on record too.
    let out = db.query(
        "UPDATE no_such_table SET a = 1 WHERE id = 1",
        &["--unlock-writes", "--confirm", name],
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));

    // 6. Everything is on record.
    let log = db.audit();
    let failed = log
        .iter()
        .find(|e| e["statement"].as_str().is_some_and(|s| s.contains("no_such_table")))
        .unwrap_or_else(|| panic!("no audit row for the failed UPDATE: {log:#?}"));
    assert!(
        failed["outcome"].as_str().is_some_and(|o| o.starts_with("error")),
        "{failed}"
    );
    let actions: Vec<&str> = log.iter().filter_map(|e| e["action"].as_str()).collect();
    assert!(actions.contains(&"unlock"), "{log:#?}");
    assert!(actions.contains(&"blocked"), "{log:#?}");
    let write = log
        .iter()
        .find(|e| e["action"] == "write" && e["statement"].as_str().is_some_and(|s| s.contains("bal = 11")))
        .unwrap_or_else(|| panic!("no audit row for the unlocked UPDATE: {log:#?}"));
    assert_eq!(write["rows_affected"], 1, "{write}");
    assert_eq!(write["outcome"], "ok");
    assert!(
        write["confirmed_by"]
            .as_str()
            .is_some_and(|c| c.contains(&format!("--confirm {name}"))),
        "{write}"
    );
    assert!(write["duration_ms"].is_i64(), "{write}");
    let unbounded = log
        .iter()
        .find(|e| e["verdict"] == "unbounded_write" && e["outcome"] == "ok")
        .unwrap_or_else(|| panic!("no audit row for the allowed unbounded UPDATE: {log:#?}"));
    assert_eq!(unbounded["rows_affected"], 2, "{unbounded}");
    assert!(
        unbounded["confirmed_by"]
            .as_str()
            .is_some_and(|c| c.contains("--allow-unbounded"))
    );
    let drop = log
        .iter()
        .find(|e| e["verdict"] == "destructive" && e["outcome"] == "ok")
        .unwrap_or_else(|| panic!("no audit row for the DROP: {log:#?}"));
    assert!(
        drop["confirmed_by"].as_str().is_some_and(|c| c.contains("scratch")),
        "{drop}"
    );
    let refused = log.iter().filter(|e| e["action"] == "blocked").count();
    assert!(refused >= 5, "every refusal is audited, got {refused}: {log:#?}");
}

#[test]
fn postgres_guardrails() {
    let Some(db) = pg() else { return };
    scenario(db);
}

#[test]
fn mariadb_guardrails() {
    let Some(db) = my() else { return };
    scenario(db);
}

#[test]
fn sqlite_guardrails() {
    scenario(lite());
}

#[test]
fn postgres_cancelled_write_is_audited() {
    let Some(db) = pg() else { return };
    let out = db.query(
        "UPDATE acct SET bal = 50 WHERE id = 1 AND pg_sleep(5) IS NOT NULL",
        &["--unlock-writes", "--confirm", db.name, "--timeout", "1s"],
    );
    assert_ne!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!((db.read)("SELECT bal FROM acct WHERE id = 1"), "10");
    let log = db.audit();
    let row = log
        .iter()
        .find(|e| e["action"] == "write")
        .unwrap_or_else(|| panic!("no audit row for the cancelled UPDATE: {log:#?}"));
    assert_eq!(row["outcome"], "cancelled", "{row}");
    assert!(row["duration_ms"].as_i64().is_some_and(|ms| ms >= 900), "{row}");
}

#[test]
fn audit_command_filters_and_prints_a_table() {
    let s = Sandbox::new();
    let out = s
        .cmd()
        .args(["audit"])
        .stdin(Stdio::null())
        .output()
        .expect("dbn audit");
    assert!(out.status.success(), "{}", text(&out));
    let out = s
        .cmd()
        .args(["audit", "--since", "soon"])
        .stdin(Stdio::null())
        .output()
        .expect("dbn audit");
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("'soon'"),
        "{}",
        text(&out)
    );
    let db = lite();
    let _ = db.query("DELETE FROM acct WHERE id = 1", &[]);
    let out = db
        .sandbox
        .cmd()
        .args(["audit", "--since", "30m"])
        .stdin(Stdio::null())
        .output()
        .expect("audit");
    let table = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(
        table.contains("blocked") && table.contains("prod-lite") && table.contains("DELETE FROM acct"),
        "{table}"
    );
    let out = db
        .sandbox
        .cmd()
        .args(["audit", "--conn", "nobody", "--json"])
        .stdin(Stdio::null())
        .output()
        .expect("audit");
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "[]");
}
