//! End-to-end: the real `dbn` binary in a pseudo-terminal against real
//! SQLite and Postgres, the screen parsed with vt100.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
#[path = "common/pty.rs"]
mod pty;

use common::Sandbox;
use pty::Pty;
use std::time::{Duration, Instant};

const F5: &[u8] = b"\x1b[15~";
const CTRL_Q: &[u8] = b"\x11";
const CTRL_C: &[u8] = b"\x03";
const ALT_1: &[u8] = b"\x1b1";
const ALT_2: &[u8] = b"\x1b2";
const ALT_3: &[u8] = b"\x1b3";

/// A workspace with a SQLite database `t.db` holding `items` (5,000 rows) and a saved connection `lite`.
fn sqlite_sandbox() -> Sandbox {
    let sb = Sandbox::new();
    let db = sb.ws().join("t.db");
    let conn = rusqlite::Connection::open(&db).unwrap();
    conn.execute_batch(
        "CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL, note TEXT);
         WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 5000)
         INSERT INTO items SELECT x, 'item ' || x, CASE WHEN x % 2 = 0 THEN NULL ELSE 'NULL' END FROM c;
         UPDATE items SET name = char(27) || '[31mred' WHERE id = 3;",
    )
    .unwrap();
    drop(conn);
    let out = sb
        .cmd()
        .args(["connect", "add", "lite", "--url", "sqlite:t.db"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    sb
}

#[test]
fn sqlite_open_run_scroll_quit() {
    let sb = sqlite_sandbox();
    let mut t = Pty::spawn(&sb, &["ui", "--conn", "lite"], 30, 110);
    let s = t.wait_for("Editor", 20);
    assert!(s.contains("lite") && s.contains("RW"), "{s}");
    assert!(t.alternate_screen());
    t.send(b"select id, name, note from items order by id");
    t.send(F5);
    let s = t.wait_for("5,000 rows", 20);
    // NULL is drawn as a symbol, the text 'NULL' as text; escapes are visible, never interpreted.
    assert!(s.contains('∅') && s.contains("NULL"), "{s}");
    assert!(s.contains("␛[31mred"), "{s}");
    assert!(s.contains("item 1"), "{s}");
    t.send(ALT_3);
    t.send(b"G");
    let s = t.wait_for("row 5,000", 10);
    assert!(s.contains("item 5000"), "{s}");
    t.send(b"gg");
    t.wait_for("row 1 col", 10);
    t.send(b"?");
    t.wait_for("Keys (Esc closes", 10);
    t.send(b"\x1b");
    std::thread::sleep(Duration::from_millis(100));
    t.send(CTRL_Q);
    assert_eq!(t.wait_exit(10), 0);
    assert!(!t.alternate_screen(), "terminal left in the alternate screen");
}

#[test]
fn sqlite_tree_browse_and_preview() {
    let sb = sqlite_sandbox();
    let mut t = Pty::spawn(&sb, &["ui", "--conn", "lite"], 30, 110);
    t.wait_for("Editor", 20);
    t.send(ALT_1);
    let s = t.wait_for("items", 20);
    assert!(s.contains("Tables"), "{s}");
    t.send(b"/ite");
    t.send(b"\r");
    t.send(b"j");
    t.send(b"j");
    t.send(b"\r");
    t.wait_for("200 rows", 20);
    t.send(ALT_2);
    t.send(CTRL_Q);
    assert_eq!(t.wait_exit(10), 0);
}

#[test]
fn bare_dbn_opens_the_demo_database() {
    let sb = Sandbox::new();
    let mut t = Pty::spawn(&sb, &[], 30, 110);
    let s = t.wait_for("Editor", 30);
    assert!(s.contains("demo"), "{s}");
    t.send(b"select count(*) as n from sqlite_master");
    t.send(F5);
    t.wait_for("1 row in", 20);
    t.send(CTRL_Q);
    assert_eq!(t.wait_exit(10), 0);
}

#[test]
fn switch_connection_live_and_edit_in_external_editor() {
    let sb = sqlite_sandbox();
    let other = sb.ws().join("other.db");
    let c = rusqlite::Connection::open(&other).unwrap();
    c.execute_batch("CREATE TABLE only_here (x INTEGER); INSERT INTO only_here VALUES (41), (42);")
        .unwrap();
    drop(c);
    let out = sb
        .cmd()
        .args(["connect", "add", "other", "--url", "sqlite:other.db"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let editor = sb.ws().join("fake-editor.sh");
    std::fs::write(
        &editor,
        "#!/bin/sh\nprintf 'select sum(x) as total from only_here' > \"$1\"\n",
    )
    .unwrap();
    std::fs::set_permissions(&editor, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let mut t = Pty::spawn_with(
        &sb,
        &["ui", "--conn", "lite"],
        30,
        110,
        &[
            ("EDITOR", editor.to_str().unwrap()),
            ("VISUAL", editor.to_str().unwrap()),
        ],
    );
    t.wait_for("Editor", 20);
    // F4 lists saved connections; pick `other` (sorted after `lite`).
    t.send(b"\x1bOS");
    t.wait_for("Connections (Enter switches)", 10);
    t.send(b"\x1b[B");
    t.send(b"\r");
    t.wait_for("switched to 'other'", 10);
    // Alt+E hands the buffer to $EDITOR, then runs what it wrote.
    t.send(b"\x1be");
    t.wait_for("select sum(x) as total from only_here", 10);
    t.send(F5);
    let s = t.wait_for("1 row in", 10);
    assert!(s.contains("83") && s.contains("total"), "{s}");
    t.send(CTRL_Q);
    assert_eq!(t.wait_exit(10), 0);
}

#[test]
fn resize_to_absurd_sizes_never_panics() {
    let sb = sqlite_sandbox();
    let mut t = Pty::spawn(&sb, &["ui", "--conn", "lite"], 24, 80);
    t.wait_for("Editor", 20);
    t.send(b"select * from items");
    t.send(F5);
    t.wait_for("5,000 rows", 20);
    // 1x1 is covered in-process (tests/tui_render.rs); vt100 cannot emulate one column.
    for (r, c) in [(3, 10), (2, 3), (2, 5), (7, 29), (100, 300), (60, 200), (24, 80)] {
        t.resize(r, c);
    }
    let s = t.wait_for_redrawn("Editor", 24, 80);
    assert!(s.contains("Results"), "{s}");
    t.resize(5, 20);
    t.wait_for("terminal too small", 10);
    t.resize(24, 80);
    t.wait_for("Editor", 10);
    t.send(CTRL_Q);
    assert_eq!(t.wait_exit(10), 0);
}

#[test]
fn sigterm_and_sighup_restore_the_terminal() {
    let sb = sqlite_sandbox();
    for sig in ["-TERM", "-HUP"] {
        let mut t = Pty::spawn(&sb, &["ui", "--conn", "lite"], 24, 80);
        t.wait_for("Editor", 20);
        let pid = t.child.process_id().expect("pid");
        let ok = std::process::Command::new("kill")
            .args([sig, &pid.to_string()])
            .status()
            .unwrap();
        assert!(ok.success());
        assert_eq!(t.wait_exit(10), 130, "{sig}");
        assert!(
            !t.alternate_screen(),
            "terminal left in the alternate screen after {sig}"
        );
    }
}

#[test]
fn bad_keymap_is_a_config_error_naming_file_and_line() {
    let sb = sqlite_sandbox();
    let km = sb.ws().join(".dbnexus/keymap.toml");
    std::fs::write(
        &km,
        "[editor]\n\"f5\" = \"run_statement\"\n\"f9\" = \"launch_rockets\"\n",
    )
    .unwrap();
    let out = sb.cmd().args(["ui", "--conn", "lite"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("keymap.toml") && err.contains("line 3") && err.contains("launch_rockets"),
        "{err}"
    );
    // Without a terminal the console refuses cleanly instead of garbling a pipe.
    std::fs::remove_file(&km).unwrap();
    let out = sb.cmd().args(["ui", "--conn", "lite"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("needs a terminal"));
}

#[test]
fn postgres_run_cancel_scroll() {
    let Some(url) = common::fresh_pg_db("tui_e2e") else {
        return;
    };
    common::psql(
        &url,
        "CREATE TABLE big AS SELECT g AS id, md5(g::text) AS h FROM generate_series(1, 200000) g",
    );
    let sb = Sandbox::new();
    let out = sb
        .cmd()
        .args(["connect", "add", "pg", "--url", &url, "--no-password"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let mut t = Pty::spawn(&sb, &["ui", "--conn", "pg"], 30, 110);
    t.wait_for("Editor", 20);
    // The tree shows the introspected table in the public schema.
    let s = t.wait_for("big", 20);
    assert!(s.contains("public") && s.contains("Tables"), "{s}");
    t.send(b"select pg_sleep(30)");
    t.send(F5);
    t.wait_for("running", 10);
    let started = Instant::now();
    t.send(CTRL_C);
    t.wait_for("query cancelled", 10);
    assert!(started.elapsed() < Duration::from_secs(10));
    // The session is usable after a cancel.
    t.send(b"\x01\x0b");
    t.send(b"select id, h from big order by id");
    t.send(F5);
    let s = t.wait_for("200,000 rows", 30);
    assert!(s.contains("│id"), "{s}");
    t.send(ALT_3);
    t.send(b"G");
    t.wait_for("row 200,000", 10);
    t.send(b"gg");
    t.wait_for("row 1 col", 10);
    t.send(CTRL_Q);
    assert_eq!(t.wait_exit(10), 0);
}
