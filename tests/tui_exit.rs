//! The real binary in a pseudo-terminal: nothing keeps running on the server
//! after quit, SIGHUP or SIGTERM (proven with pg_stat_activity and the MariaDB
//! process list), open transactions are rolled back, editor tabs come back,
//! pasted CR line ends become new lines, result pages go to the cache folder.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
#[path = "common/pty.rs"]
mod pty;

use common::Sandbox;
use pty::Pty;
use std::time::{Duration, Instant};

const F5: &[u8] = b"\x1b[15~";
const F6: &[u8] = b"\x1b[17~";
const CTRL_Q: &[u8] = b"\x11";

fn add_conn(sb: &Sandbox, name: &str, url: &str) {
    // A password inside the URL goes to the (file) secret store.
    let mut args = vec!["connect", "add", name, "--url", url, "--tag", "dev"];
    if url::Url::parse(url)
        .ok()
        .and_then(|u| u.password().map(str::len))
        .is_none()
    {
        args.push("--no-password");
    }
    let out = sb.cmd().args(&args).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
}

fn kill(t: &Pty, sig: &str) {
    let pid = t.child.process_id().expect("pid");
    let ok = std::process::Command::new("kill")
        .args([sig, &pid.to_string()])
        .status()
        .unwrap();
    assert!(ok.success());
}

/// Poll `f` until it returns `want` (the statement reaches the server a moment after "running" shows).
fn eventually(want: &str, f: impl Fn() -> String) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while f() != want && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(f(), want);
}

fn pg_sleepers(url: &str) -> String {
    common::psql(
        url,
        "SELECT count(*) FROM pg_stat_activity WHERE state = 'active' AND query LIKE '%pg_sleep(40)%' AND pid <> pg_backend_pid()",
    )
    .trim()
    .to_string()
}

#[test]
fn postgres_quit_and_sighup_cancel_the_running_query_on_the_server() {
    let Some(url) = common::fresh_pg_db("tui_exit") else {
        return;
    };
    let sb = Sandbox::new();
    add_conn(&sb, "pg", &url);
    // Ctrl+Q while a statement runs asks; `y` cancels it on the server, then exits.
    let mut t = Pty::spawn(&sb, &["ui", "--conn", "pg"], 24, 80);
    t.wait_for("Editor", 20);
    t.send(b"select pg_sleep(40)");
    t.send(F5);
    t.wait_for("running", 10);
    eventually("1", || pg_sleepers(&url));
    t.send(CTRL_Q);
    t.wait_for("Quit dbn?", 10);
    let started = Instant::now();
    t.send(b"y");
    assert_eq!(t.wait_exit(10), 0);
    assert!(started.elapsed() < Duration::from_secs(8));
    assert_eq!(pg_sleepers(&url), "0", "pg_sleep still active after quit");
    // A hangup (what an SSH drop sends) does the same without asking.
    for sig in ["-HUP", "-TERM"] {
        let mut t = Pty::spawn(&sb, &["ui", "--conn", "pg"], 24, 80);
        t.wait_for("Editor", 20);
        t.send(b"\x01\x0bselect pg_sleep(40)");
        t.send(F5);
        t.wait_for("running", 10);
        eventually("1", || pg_sleepers(&url));
        kill(&t, sig);
        assert_eq!(t.wait_exit(10), 130);
        assert_eq!(pg_sleepers(&url), "0", "pg_sleep still active after {sig}");
    }
}

#[test]
fn mariadb_sigterm_cancels_and_quit_rolls_back_an_open_transaction() {
    let Some(url) = common::fresh_mysql_db("tui_exit") else {
        return;
    };
    common::mysql(&url, "CREATE TABLE t (id int)");
    let sb = Sandbox::new();
    add_conn(&sb, "maria", &url);
    let sleepers = || {
        common::mysql(
            &url,
            "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE INFO LIKE '%SLEEP(40)%' AND ID <> CONNECTION_ID()",
        )
        .trim()
        .to_string()
    };
    let mut t = Pty::spawn(&sb, &["ui", "--conn", "maria"], 24, 80);
    t.wait_for("Editor", 20);
    t.send(b"select sleep(40)");
    t.send(F5);
    t.wait_for("running", 10);
    eventually("1", sleepers);
    kill(&t, "-TERM");
    assert_eq!(t.wait_exit(10), 130);
    assert_eq!(sleepers(), "0", "SLEEP still in SHOW PROCESSLIST after SIGTERM");
    // BEGIN in the editor: the status line says TX; quitting asks and rolls back.
    let mut t = Pty::spawn(&sb, &["ui", "--conn", "maria"], 24, 80);
    t.wait_for("Editor", 20);
    t.send(b"\x01\x0bbegin;\rinsert into t values (1);");
    t.send(F6);
    t.wait_for(" TX ", 10);
    t.send(CTRL_Q);
    let s = t.wait_for("Quit dbn?", 10);
    assert!(s.contains("transaction is open"), "{s}");
    t.send(b"y");
    assert_eq!(t.wait_exit(10), 0);
    assert_eq!(common::mysql(&url, "SELECT COUNT(*) FROM t").trim(), "0");
    let open = common::mysql(&url, "SELECT COUNT(*) FROM information_schema.INNODB_TRX");
    assert_eq!(open.trim(), "0", "a transaction is still open on the server");
}

#[test]
fn tabs_come_back_paste_with_cr_and_pages_in_the_cache_folder() {
    let sb = Sandbox::new();
    let db = sb.ws().join("p.db");
    rusqlite::Connection::open(&db)
        .unwrap()
        .execute_batch(
            "CREATE TABLE n (x INTEGER); WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < 20000) INSERT INTO n SELECT i FROM c;",
        )
        .unwrap();
    add_conn(&sb, "lite", "sqlite:p.db");
    let cache = sb.dir.path().join("cache");
    let env = [("XDG_CACHE_HOME", cache.to_str().unwrap())];
    let mut t = Pty::spawn_with(&sb, &["ui", "--conn", "lite"], 24, 80, &env);
    t.wait_for("Editor", 20);
    // A bracketed paste whose lines end in CR, as xterm and tmux paste-buffer -p send them.
    t.send(b"\x1b[200~select x\rfrom n\r\nwhere x > 0\x1b[201~");
    let s = t.wait_for("3 where x > 0", 10);
    assert!(
        s.contains("1 select x") && s.contains("2 from n") && !s.contains('␍'),
        "{s}"
    );
    t.send(F5);
    t.wait_for("20,000 rows", 20);
    let spill = cache.join("dbn").join("spill");
    let mode = std::os::unix::fs::PermissionsExt::mode(&std::fs::metadata(&spill).unwrap().permissions());
    assert_eq!(mode & 0o777, 0o700, "the page folder is private");
    t.send(b"\x1bt");
    t.send(b"select 'second tab'");
    t.send(CTRL_Q);
    assert_eq!(t.wait_exit(10), 0);
    // Started again on the same connection: both tabs, the second active.
    let mut t = Pty::spawn_with(&sb, &["ui", "--conn", "lite"], 24, 80, &env);
    let s = t.wait_for("select 'second tab'", 20);
    assert!(s.contains("query 1") && s.contains("[query 2]"), "{s}");
    t.send(CTRL_Q);
    assert_eq!(t.wait_exit(10), 0);
}
